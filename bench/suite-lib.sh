# shellcheck shell=bash
# Helpers the suites of bench/run.sh share (sourced by bench/credits-suite.sh and bench/line-rate-suite.sh, after run.sh
# has defined log, die, calc, cpu_ms, work, pg_state, hub_url, hub_key, hub_pid, model and loadgen_dll).

is_whole() { [[ "$1" =~ ^[0-9]+$ ]]; }

# Everything holding a key lives in $secrets, which run.sh deletes on exit even when it keeps the logs. The owner key
# goes in a header file, not on command lines (ps shows those).
readonly secrets="$work/secrets"
mkdir -m 700 -p "$secrets"
admin_header="$secrets/admin.header"
printf 'Authorization: Bearer %s\n' "$hub_key" >"$admin_header"

# waited CMD...: runs CMD as a child and waits for it, so that a signal to the script is handled at once rather than
# after CMD ends (bash runs a trap only between commands); run.sh's exit trap stops the child (aux_pid).
waited() {
  local rc=0
  "$@" &
  aux_pid=$!
  wait "$aux_pid" || rc=$?
  aux_pid=""
  return "$rc"
}

# admin_request METHOD PATH [BODY]: one admin request; the answer's body in $work/admin.out, its HTTP status (000 when
# there was no answer) in $work/admin.status.
admin_request() {
  local method="$1" path="$2" body="${3:-}"
  local args=(-sS --max-time 300 -o "$work/admin.out" -w '%{http_code}' -X "$method" -H "@$admin_header")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  : >"$work/admin.out"
  waited curl "${args[@]}" "$hub_url$path" >"$work/admin.status" 2>>"$work/setup.log" || true
  [[ -s "$work/admin.status" ]] || printf '000' >"$work/admin.status"
}

# admin METHOD PATH [BODY]: the answer's body on stdout; dies on anything but a 2xx answer.
admin() {
  admin_request "$@"
  local status
  status="$(<"$work/admin.status")"
  [[ "$status" == 2* ]] || die "admin $1 $2 answered HTTP $status: $(head -c 500 "$work/admin.out")"
  cat "$work/admin.out"
}

# CPU time (ms) of the PostgreSQL server: the postmaster, what its exited children used (cutime + cstime) and its
# live children (the backends). Approximate: a backend still running is counted for what it used so far.
pg_cpu_ms() {
  local dir pm ticks=0 pid t
  dir="$(cat "$pg_state" 2>/dev/null)" || { printf '?'; return; }
  pm="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)" || { printf '?'; return; }
  t="$(sed 's/.*) //' "/proc/$pm/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }')" || true
  [[ -n "$t" ]] || { printf '?'; return; }
  ticks=$t
  for pid in $(ps -o pid= --ppid "$pm" 2>/dev/null); do
    t="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')" || true
    [[ -n "$t" ]] && ticks=$((ticks + t))
  done
  calc "$ticks * 1000 / $(getconf CLK_TCK)" 0
}

# What PostgreSQL wrote, cumulative: "WAL-bytes inserted updated HOT-updated deleted autovacuums" over the user tables,
# or "?" without psql. The row counts come from PostgreSQL's statistics, which a backend reports at most once a second.
pg_write_stats() {
  command -v psql >/dev/null 2>&1 || { printf '?'; return; }
  PGPASSWORD=postgres psql -h 127.0.0.1 -p "$pg_port" -U postgres -d aignehub_test -AtqF ' ' -c \
    "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, sum(n_tup_ins), sum(n_tup_upd), sum(n_tup_hot_upd),
       sum(n_tup_del), sum(autovacuum_count) from pg_stat_user_tables" 2>/dev/null || printf '?'
}

# pg_writes_per_call BEFORE AFTER CALLS: "WAL bytes, rows inserted, updated (HOT share), deleted per call; autovacuums".
pg_writes_per_call() {
  [[ "$1" == "?" || "$2" == "?" || "$3" == 0 ]] && { printf '?'; return; }
  awk -v n="$3" -v b="$1" -v a="$2" 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    upd = y[3] - x[3]; hot = y[4] - x[4]
    printf "%.0f | %.2f | %.2f (%.0f %% HOT) | %.2f | %d", (y[1] - x[1]) / n, (y[2] - x[2]) / n, upd / n,
      (upd > 0 ? 100 * hot / upd : 0), (y[5] - x[5]) / n, y[6] - x[6] }'
}

declare -A hub_cpu_per_call=() pg_cpu_per_call=() pg_writes=() calls_before=()
credits_ok_calls=0

# load KEY MODE KEYS_FILE CONCURRENCY SECONDS WARMUP [REQUESTS]: one load generator run, writing $work/KEY.json; notes
# the hub's and PostgreSQL's CPU per call (warm-up included) and, in credits mode, the successful calls (each must have
# been charged). Against the hub by default; load_url=direct runs it against the fake upstream (KEYS_FILE "-": no
# key), load_url=floor against the line-rate suite's floor proxy, and load_stream=true streams.
load_url=hub
load_stream=false
load() {
  local key="$1" mode="$2" keys_file="$3" conns="$4" seconds="$5" warm="$6" requests="${7:-}" hub_before pg_before
  local url="$hub_url" model_name="openai/$model"
  [[ "$load_url" == direct ]] && { url="$fake_url"; model_name="$model"; }
  [[ "$load_url" == floor ]] && { url="$floor_url"; model_name="$model"; }
  local args=(--url "$url" --model "$model_name" --stream "$load_stream" --concurrency "$conns"
    --duration-seconds "$seconds" --warmup-seconds "$warm" --timeout-seconds 120)
  [[ "$keys_file" != - ]] && args+=(--api-keys-file "$keys_file")
  [[ -n "$requests" ]] && args+=(--requests "$requests")
  log "run $key: $mode, $load_url, stream $load_stream, $([[ "$keys_file" == - ]] && printf 'no' || grep -c . "$keys_file") key(s), $conns connection(s), ${warm}s warm-up + up to ${seconds}s${requests:+ or $requests calls}"
  # The floor proxy's runs count the floor's CPU in the hub's column (the hub only does background work then).
  local measured_pid="$hub_pid"
  [[ "$load_url" == floor ]] && measured_pid="$floor_pid"
  hub_before="$(cpu_ms "$measured_pid")"
  pg_before="$(pg_cpu_ms)"
  local writes_before
  writes_before="$(pg_write_stats)"
  dotnet "$loadgen_dll" "${args[@]}" >"$work/$key.json" 2>>"$work/loadgen.log" &
  loadgen_pid=$!
  wait "$loadgen_pid" || die "the load generator failed; see $work/loadgen.log"
  loadgen_pid=""
  kill -0 "$hub_pid" 2>/dev/null || { tail -n 40 "$work/hub.log" >&2; die "the hub exited during $key"; }
  local sent
  sent="$(jq -r '.sent_total' "$work/$key.json")"
  hub_cpu_per_call[$key]="$(cpu_per_call_of "$hub_before" "$(cpu_ms "$measured_pid")" "$sent")"
  pg_cpu_per_call[$key]="$(cpu_per_call_of "$pg_before" "$(pg_cpu_ms)" "$sent")"
  pg_writes[$key]="$(pg_writes_per_call "$writes_before" "$(pg_write_stats)" "$sent")"
  [[ "$mode" == credits ]] && credits_ok_calls=$((credits_ok_calls + $(jq -r '.succeeded_total' "$work/$key.json")))
  jq -r '"bench:   \(.requests) requests, \(.errors) errors, \(.rps) rps, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms"' "$work/$key.json" >&2
  if [[ "$(jq -r '.errors' "$work/$key.json")" != 0 ]]; then
    log "  errors: $(jq -c '.error_kinds' "$work/$key.json"); first: $(jq -r '.first_error' "$work/$key.json" | head -c 300)"
  fi
}

cpu_per_call_of() {
  [[ "$1" == "?" || "$2" == "?" || "$3" == 0 ]] && { printf '?'; return; }
  calc "($2 - $1) / $3" 2
}

field() { jq -r ".$2 // \"–\"" "$work/$1.json"; }

