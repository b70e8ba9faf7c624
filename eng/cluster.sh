#!/usr/bin/env bash
# A local cluster on one machine, as docs/operations.md ("Scale-out") describes it, without a container engine:
# PostgreSQL with max_connections=100 (PostgreSQL's default, and the compose file's), N hub instances on their own
# ports, and HAProxy in front of them routing REST (SSE included) and gRPC over h2c.
#
#   eng/cluster.sh start      starts everything; prints KEY=VALUE lines (also in $AIGNEHUB_CLUSTER_DIR/cluster.env):
#                             REST_URL and GRPC_URL (the load balancer), OWNER_KEY, DATABASE, HUB_<n>_REST, HUB_<n>_PID
#   eng/cluster.sh kill N     kills instance N with SIGKILL (as the OOM killer would)
#   eng/cluster.sh start-instance N   starts instance N again (same ports)
#   eng/cluster.sh stop       stops the load balancer, the instances and PostgreSQL, and deletes the folder
#
# Env: AIGNEHUB_CLUSTER_DIR (default /tmp/aignehub-cluster), AIGNEHUB_CLUSTER_INSTANCES (3),
# AIGNEHUB_CLUSTER_MAX_CONNECTIONS (100), AIGNEHUB_CLUSTER_OWNER_KEY (default: a new random owner key),
# AIGNEHUB_CLUSTER_CONFIGURATION (the build to run: Release),
# AIGNEHUB_CLUSTER_OWNER (a process id: when it ends, however it ends, a detached watchdog stops the cluster).
# Every other variable of the caller's environment reaches the hubs, so hub settings are passed as usual
# (e.g. Database__MaxConnections=30 eng/cluster.sh start). Needs haproxy (apt-get install haproxy), curl and a
# built hub (dotnet build -c Release; built here if missing).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root
readonly dir="${AIGNEHUB_CLUSTER_DIR:-/tmp/aignehub-cluster}"
readonly instances="${AIGNEHUB_CLUSTER_INSTANCES:-3}"
readonly configuration="${AIGNEHUB_CLUSTER_CONFIGURATION:-Release}"
readonly dll="$root/src/AigneHub.Api/bin/$configuration/net10.0/AigneHub.Api.dll"

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits (bounded) until the URL answers 200.
wait_ready() {
  local url="$1" what="$2" seconds="${3:-120}" i
  for ((i = 0; i < seconds * 4; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.25
  done
  return 1
}

setting() { grep -E "^$1=" "$dir/cluster.env" | head -n 1 | cut -d= -f2-; }

start_instance() {
  local n="$1"
  mkdir -p "$dir/hub-$n"
  # setsid: its own session, so a Ctrl-C aimed at the caller does not reach it (a background job of a script is no
  # group leader, so setsid and env exec in place and $! is the hub's pid); --default-signal=INT: a hub started from
  # a non-interactive background shell must still stop on SIGINT.
  setsid env -C "$(dirname "$dll")" --default-signal=INT \
    ConnectionStrings__Postgres="$(setting DATABASE)" \
    Hub__RestUrl="$(setting "HUB_${n}_REST")" Hub__GrpcUrl="$(setting "HUB_${n}_GRPC")" \
    AIGNEHUB_DATA="$dir/hub-$n" \
    Usage__JournalPath="$dir/journal" \
    Access__BootstrapAdminKey="$(setting OWNER_KEY)" \
    Secrets__ActiveKeyId=cluster "Secrets__Keys__cluster=$(<"$dir/secret-key")" \
    Providers__Demo__Enabled="${Providers__Demo__Enabled:-true}" \
    Images__PublicBaseUrl="$(setting REST_URL)" \
    dotnet "$dll" </dev/null >>"$dir/hub-$n.log" 2>&1 &
  printf '%s\n' "$!" >"$dir/hub-$n.pid"
}

hub_pid() { cat "$dir/hub-$1.pid"; }

start() {
  command -v haproxy >/dev/null 2>&1 || die "haproxy is not installed (apt-get install -y haproxy)"
  command -v curl >/dev/null 2>&1 || die "curl is not installed"
  [[ -e "$dir/cluster.env" ]] && die "a cluster from $dir is still there; run '$0 stop' first"
  if [[ ! -f "$dll" ]]; then
    log "building the hub"
    (cd "$root" && dotnet build src/AigneHub.Api -c "$configuration" >&2)
  fi

  mkdir -p "$dir"
  chmod 700 "$dir"
  log "starting PostgreSQL (max_connections=${AIGNEHUB_CLUSTER_MAX_CONNECTIONS:-100})"
  local database
  database="$(AIGNEHUB_TEST_PG_STATE="$dir/pg.state" AIGNEHUB_TEST_PG_OWNER="${AIGNEHUB_CLUSTER_OWNER:-}" \
    AIGNEHUB_TEST_PG_MAX_CONNECTIONS="${AIGNEHUB_CLUSTER_MAX_CONNECTIONS:-100}" "$root/eng/test-postgres.sh" start)"

  head -c 32 /dev/urandom | base64 >"$dir/secret-key"
  local owner_key="${AIGNEHUB_CLUSTER_OWNER_KEY:-}"
  if [[ -z "$owner_key" ]]; then
    owner_key="ahk_$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')_$(head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  fi

  local lb_rest lb_grpc n
  lb_rest="$(free_port)"
  lb_grpc="$(free_port)"
  {
    printf 'REST_URL=http://127.0.0.1:%s\n' "$lb_rest"
    printf 'GRPC_URL=http://127.0.0.1:%s\n' "$lb_grpc"
    printf 'OWNER_KEY=%s\n' "$owner_key"
    printf 'DATABASE=%s\n' "$database"
    printf 'INSTANCES=%s\n' "$instances"
    for ((n = 1; n <= instances; n++)); do
      printf 'HUB_%s_REST=http://127.0.0.1:%s\n' "$n" "$(free_port)"
      printf 'HUB_%s_GRPC=http://127.0.0.1:%s\n' "$n" "$(free_port)"
    done
  } >"$dir/cluster.env"
  chmod 600 "$dir/cluster.env"

  # All at once, on an empty database, as an orchestrator starts replicas: the start-up lock serialises the schema.
  for ((n = 1; n <= instances; n++)); do
    log "starting hub $n on $(setting "HUB_${n}_REST")"
    start_instance "$n"
  done

  write_haproxy_config "$lb_rest" "$lb_grpc"
  haproxy -c -q -f "$dir/haproxy.cfg" >&2 || die "haproxy refused its configuration ($dir/haproxy.cfg)"
  haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" >&2

  start_watchdog
  for ((n = 1; n <= instances; n++)); do
    wait_ready "$(setting "HUB_${n}_REST")/readyz" "hub $n" || { tail -n 40 "$dir/hub-$n.log" >&2; die "hub $n did not become ready"; }
  done
  wait_ready "http://127.0.0.1:$lb_rest/readyz" "the load balancer" 30 || die "the load balancer did not answer"
  for ((n = 1; n <= instances; n++)); do
    printf 'HUB_%s_PID=%s\n' "$n" "$(hub_pid "$n")" >>"$dir/cluster.env"
  done
  log "up: REST on http://127.0.0.1:$lb_rest, gRPC (h2c) on http://127.0.0.1:$lb_grpc; stop with: $0 stop"
  cat "$dir/cluster.env"
}

# REST and gRPC each get a frontend; both balance over every instance, and take an instance out when its /readyz
# fails twice (checked on its REST port, also for the gRPC backend, whose port speaks only HTTP/2). Streams (SSE,
# gRPC server streaming) pass through unbuffered; long timeouts keep them open.
write_haproxy_config() {
  local rest="$1" grpc="$2" n rest_port grpc_port
  {
    cat <<EOF
global
    maxconn 4096
    log stderr format short local0 warning

defaults
    mode http
    log global
    option dontlognull
    timeout connect 2s
    timeout client 300s
    timeout server 300s
    timeout http-request 30s
    timeout tunnel 1h
    retries 2
    option redispatch 1

frontend rest
    bind 127.0.0.1:$rest
    default_backend hubs_rest

frontend grpc
    bind 127.0.0.1:$grpc proto h2
    default_backend hubs_grpc

backend hubs_rest
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
EOF
    for ((n = 1; n <= instances; n++)); do
      rest_port="$(setting "HUB_${n}_REST" | sed 's/.*://')"
      printf '    server hub%s 127.0.0.1:%s check inter 1s fall 2 rise 1\n' "$n" "$rest_port"
    done
    cat <<EOF

backend hubs_grpc
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
EOF
    for ((n = 1; n <= instances; n++)); do
      rest_port="$(setting "HUB_${n}_REST" | sed 's/.*://')"
      grpc_port="$(setting "HUB_${n}_GRPC" | sed 's/.*://')"
      printf '    server hub%s 127.0.0.1:%s proto h2 check port %s check-proto h1 inter 1s fall 2 rise 1\n' "$n" "$grpc_port" "$rest_port"
    done
  } >"$dir/haproxy.cfg"
}

start_watchdog() {
  local owner="${AIGNEHUB_CLUSTER_OWNER:-}"
  [[ -n "$owner" ]] || return 0
  AIGNEHUB_CLUSTER_DIR="$dir" setsid --fork /bin/bash -c '
    owner=$1 script=$2
    while kill -0 "$owner" 2>/dev/null; do sleep 1; done
    [[ -e "$AIGNEHUB_CLUSTER_DIR/cluster.env" ]] && "$script" stop
  ' cluster-watchdog "$owner" "$root/eng/cluster.sh" </dev/null >/dev/null 2>&1
}

kill_instance() {
  local n="$1" pid
  pid="$(hub_pid "$n")"
  kill -KILL "$pid"
  log "killed hub $n (process $pid)"
}

stop_instance() {
  local n="$1" pid i
  [[ -f "$dir/hub-$n.pid" ]] || return 0
  pid="$(hub_pid "$n")"
  kill -INT "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 120; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  [[ -d "$dir" ]] || { log "no cluster in $dir"; return 0; }
  if [[ -f "$dir/haproxy.pid" ]]; then
    kill "$(<"$dir/haproxy.pid")" 2>/dev/null || true
  fi
  local n
  for ((n = 1; n <= instances; n++)); do
    stop_instance "$n" &
  done
  wait
  AIGNEHUB_TEST_PG_STATE="$dir/pg.state" "$root/eng/test-postgres.sh" stop || true
  # Guard the rm -rf: only a folder this script filled.
  if [[ -f "$dir/haproxy.cfg" || -f "$dir/cluster.env" ]]; then
    rm -rf -- "$dir"
  fi
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) kill_instance "${2:?which instance}" ;;
  start-instance)
    start_instance "${2:?which instance}"
    wait_ready "$(setting "HUB_${2}_REST")/readyz" "hub $2" || die "hub $2 did not become ready"
    sed -i "/^HUB_${2}_PID=/d" "$dir/cluster.env"
    printf 'HUB_%s_PID=%s\n' "$2" "$(hub_pid "$2")" | tee -a "$dir/cluster.env"
    ;;
  *)
    printf 'usage: %s start|stop|kill N|start-instance N\n' "$0" >&2
    exit 2
    ;;
esac
