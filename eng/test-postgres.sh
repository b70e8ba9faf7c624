#!/usr/bin/env bash
# Throwaway PostgreSQL for the test suite, bound to 127.0.0.1 only and deleted on stop.
#
#   eng/test-postgres.sh start   prints one line: an Npgsql connection string for database aignehub_test
#   eng/test-postgres.sh stop    stops the server and deletes its folder
#
# Env: PG_BIN (folder with initdb/pg_ctl), AIGNEHUB_TEST_PG_MAX_CONNECTIONS (default 400), AIGNEHUB_TEST_PG_STATE (state file,
# default /tmp/aignehub-test-pg.state), AIGNEHUB_TEST_PG_OWNER (a process id: when that process ends, however it ends,
# a detached watchdog stops the server and deletes its folder), AIGNEHUB_TEST_PG_OPTIONS (more server options, e.g.
# "-c shared_preload_libraries=pg_stat_statements" to see where a benchmark's database time goes; docs/benchmarks.md).
# Everything but the connection string goes to stderr.
#
# Connection budget: the tests cap every pool at 10 connections and close idle ones after 4 s (tests/Shared/
# TestDatabase.cs); at most two integration test classes (2 x 2 pools x 10) and two functional hubs (2 x 30, their
# Database:MaxConnections) run at once: 100 connections at the very worst. max_connections is 400 so that no test run can
# reach it by chance (PostgreSQL's default of 100 was hit once in CI).
set -euo pipefail

readonly state_file="${AIGNEHUB_TEST_PG_STATE:-/tmp/aignehub-test-pg.state}"
readonly database=aignehub_test
readonly password=postgres
readonly folder_prefix=/tmp/aignehub-test-pg.
# AIGNEHUB_TEST_PG_MAX_CONNECTIONS overrides it (eng/cluster.sh runs PostgreSQL's default of 100, as production has).
readonly max_connections="${AIGNEHUB_TEST_PG_MAX_CONNECTIONS:-400}"
readonly extra_options="${AIGNEHUB_TEST_PG_OPTIONS:-}"
# Server messages are grepped ("Address already in use"), so keep them untranslated.
export LC_MESSAGES=C

log() { printf 'test-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no pg_ctl"
    printf '%s\n' "$PG_BIN"
    return
  fi
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    printf '%s\n' /usr/lib/postgresql/15/bin
    return
  fi
  local candidate
  candidate="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$candidate" && -x "$candidate/pg_ctl" ]]; then
    printf '%s\n' "$candidate"
    return
  fi
  if command -v pg_config >/dev/null 2>&1; then
    candidate="$(pg_config --bindir)"
    if [[ -x "$candidate/pg_ctl" ]]; then
      printf '%s\n' "$candidate"
      return
    fi
  fi
  die "no PostgreSQL binaries found; set PG_BIN to the folder holding initdb and pg_ctl"
}

# initdb, pg_ctl and postgres refuse to run as root; as root they run as the postgres user.
# The cd keeps them from complaining about a working directory the postgres user cannot read.
run_as=()
if [[ "$(id -u)" -eq 0 ]]; then
  run_as=(runuser -u postgres --)
fi

as_server_user() {
  (cd / && "${run_as[@]}" "$@")
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for ((port = 55432; port < 55532; port++)); do
    if ! port_in_use "$port"; then
      printf '%s\n' "$port"
      return
    fi
  done
  die "no free port found between 55432 and 55531"
}

# pg_ctl stop -w returns once postmaster.pid is gone, a moment before the postmaster exits.
wait_for_exit() {
  local pid="$1" i
  for ((i = 0; i < 100; i++)); do
    if [[ ! -e "/proc/$pid" ]] || [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then
      return
    fi
    sleep 0.05
  done
  log "warning: postmaster $pid still running after stop"
}

stop_server() {
  local pgdata="$1" bin="$2" pid
  [[ -f "$pgdata/postmaster.pid" ]] || return 0
  pid="$(head -n 1 "$pgdata/postmaster.pid")"
  as_server_user "$bin/pg_ctl" stop -D "$pgdata" -m fast -w -t 60 >&2
  wait_for_exit "$pid"
}

remove_folder() {
  local dir="$1"
  # Guard the rm -rf: only ever delete a folder this script created.
  [[ "$dir" == "$folder_prefix"* && -d "$dir" ]] || return 0
  rm -rf -- "$dir"
}

start() {
  local bin dir pgdata logfile port attempt started=false
  bin="$(find_bin)"

  if [[ -s "$state_file" ]]; then
    local previous
    previous="$(<"$state_file")"
    if [[ -f "$previous/data/postmaster.pid" ]]; then
      die "a test server from $previous is still running (state file $state_file); run '$0 stop' first"
    fi
    remove_folder "$previous"
  fi

  dir="$(mktemp -d "${folder_prefix}XXXXXX")"
  chmod 755 "$dir"
  pgdata="$dir/data"
  logfile="$dir/postgres.log"
  # On any failure, leave nothing behind.
  trap 'if [[ "$started" == true ]]; then stop_server "$pgdata" "$bin" || true; fi; remove_folder "$dir"' EXIT

  printf '%s\n' "$password" >"$dir/pwfile"
  chmod 644 "$dir/pwfile"
  mkdir -m 700 "$pgdata"
  touch "$logfile"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres:postgres "$pgdata" "$logfile"
  fi

  log "initdb in $pgdata ($bin)"
  local output
  if ! output="$(as_server_user "$bin/initdb" -D "$pgdata" -U postgres --pwfile="$dir/pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --locale=C --no-sync 2>&1)"; then
    printf '%s\n' "$output" >&2
    die "initdb failed"
  fi
  rm -f "$dir/pwfile"

  local setsid=()
  if command -v setsid >/dev/null 2>&1; then
    # Own session: a Ctrl-C aimed at the test run does not kill the server behind the script's back.
    setsid=(setsid --wait)
  fi

  for attempt in 1 2 3; do
    port="$(pick_port)"
    : >"$logfile"
    log "starting on 127.0.0.1:$port (attempt $attempt)"
    # Durability is pointless for a throwaway cluster; turning it off makes the tests faster.
    if (cd / && "${setsid[@]}" "${run_as[@]}" "$bin/pg_ctl" start -D "$pgdata" -w -t 60 -l "$logfile" \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=$max_connections -c fsync=off -c synchronous_commit=off -c full_page_writes=off $extra_options" >&2); then
      started=true
      break
    fi
    if ! grep -q 'Address already in use' "$logfile"; then
      tail -n 20 "$logfile" >&2 || true
      die "PostgreSQL did not start; log above ($logfile)"
    fi
    log "port $port was taken, trying another"
  done
  [[ "$started" == true ]] || die "could not find a free port after 3 attempts"

  PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"

  printf '%s\n' "$dir" >"$state_file"
  trap - EXIT
  start_watchdog "$dir"
  log "running from $dir; stop with: $0 stop"
  printf 'Host=127.0.0.1;Port=%s;Username=postgres;Password=%s;Database=%s\n' "$port" "$password" "$database"
}

# Detached from the caller's process tree and stdio (the caller reads our stdout to its end), so neither a kill of
# the test run nor the command substitution that reads the connection string waits for it or takes it down.
start_watchdog() {
  local dir="$1" owner="${AIGNEHUB_TEST_PG_OWNER:-}"
  [[ -n "$owner" ]] || return 0
  command -v setsid >/dev/null 2>&1 || { log "warning: no setsid; the server is not watched"; return 0; }
  AIGNEHUB_TEST_PG_STATE="$state_file" setsid --fork /bin/bash -c '
    owner=$1 dir=$2 script=$3
    while kill -0 "$owner" 2>/dev/null; do sleep 1; done
    # Only if the state file still names this server: a normal run has stopped it already.
    if [[ "$(cat "$AIGNEHUB_TEST_PG_STATE" 2>/dev/null)" == "$dir" ]]; then "$script" stop; fi
  ' test-postgres-watchdog "$owner" "$dir" "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")" \
    </dev/null >/dev/null 2>&1
  log "watching process $owner: the server stops when it ends"
}

stop() {
  if [[ ! -s "$state_file" ]]; then
    log "no state file at $state_file; nothing to stop"
    return 0
  fi
  local dir bin
  dir="$(<"$state_file")"
  bin="$(find_bin)"
  if [[ -d "$dir/data" ]]; then
    stop_server "$dir/data" "$bin"
    log "stopped the server in $dir"
  fi
  remove_folder "$dir"
  rm -f -- "$state_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    printf 'usage: %s start|stop\n' "$0" >&2
    exit 2
    ;;
esac
