#!/usr/bin/env bash
# One-command benchmark of the hub's overhead on POST /v1/chat/completions (docs/benchmarks.md).
#
# Builds Release, starts a throwaway PostgreSQL, the fake OpenAI upstream and the hub (demo provider off, OpenAI
# provider pointed at the fake), then runs one of two suites:
#
# BENCH_SUITE=overhead (the default): warms the hub up with unmeasured load, then runs four scenarios with the same load:
#   a) direct -> fake, JSON      b) hub -> fake, JSON      c) direct -> fake, SSE      d) hub -> fake, SSE
# prints a markdown table, and writes it with the machine's description to bench/results/<UTC timestamp>.md.
#
# BENCH_SUITE=cache: the response cache on the same hub, after the same warm-up:
#   e) hub -> fake, JSON, every call a cache miss (x-aignehub-cache: refresh: the provider answers and the answer is
#      stored)      f) hub, JSON, every call a hit (x-aignehub-cache: use, one request repeated)      g) hub, SSE, hits
# prints the table with hit/miss throughput and latency ratios (issue 22: hits ≥ 2× the miss throughput with a 0 ms
# upstream; run it twice with different BENCH_UPSTREAM_LATENCY_MS to see that hit latency does not follow the
# upstream's), and writes bench/results/<UTC timestamp>-cache.md.
#
# BENCH_SUITE=credits: credits mode against enterprise mode on the same hub, in the same run (bench/credits-suite.sh
# says what it does and lists its own settings); writes bench/results/<UTC timestamp>-credits.md.
#
# BENCH_SUITE=line-rate: the hub's overhead at line rate (0 ms upstream, 1 and 32 connections, JSON and SSE, a
# rate-limited member key) against the goals of issue 20 (bench/line-rate-suite.sh); writes …-line-rate.md.
#
# Everything it started is stopped on exit, whatever the exit.
#
# Env (defaults in brackets):
#   BENCH_SUITE [overhead]            overhead | cache | credits | line-rate
#   BENCH_CONCURRENCY [16]            concurrent requests, every scenario (overhead suite)
#   BENCH_DURATION_SECONDS [20]       measured seconds per scenario
#   BENCH_WARMUP_SECONDS [3]          unmeasured warm-up per scenario
#   BENCH_HUB_WARMUP_SECONDS [8]      unmeasured load on the hub, per mode, before the scenarios (JIT, pools)
#   BENCH_REQUESTS []                 optional cap on measured requests per scenario
#   BENCH_UPSTREAM_LATENCY_MS [20]    the fake's fixed delay before it answers (credits and cache suites: [0])
#   BENCH_STREAM_CHUNKS [8]           content chunks per streamed answer (and words per JSON answer)
#   BENCH_CHUNK_DELAY_MS [0]          the fake's delay between content chunks
#   BENCH_MODEL [gpt-4o-mini]         model id; the hub is called with "openai/<model>"
#   BENCH_SKIP_BUILD [0]              1: use the existing Release build
#   BENCH_RESULTS_DIR [bench/results]
#   BENCH_HUB_ENV []                  extra NAME=VALUE settings for the hub only, space-separated (e.g. to compare a
#                                     runtime setting: BENCH_HUB_ENV="DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0")
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

readonly suite="${BENCH_SUITE:-overhead}"
case "$suite" in
  overhead) default_latency=20 ;;
  credits | cache | line-rate) default_latency=0 ;;
  *) printf 'bench: error: BENCH_SUITE must be overhead, cache, credits or line-rate (got %s)\n' "$suite" >&2; exit 2 ;;
esac
readonly concurrency="${BENCH_CONCURRENCY:-16}"
readonly duration="${BENCH_DURATION_SECONDS:-20}"
readonly warmup="${BENCH_WARMUP_SECONDS:-3}"
readonly hub_warmup="${BENCH_HUB_WARMUP_SECONDS:-8}"
readonly request_cap="${BENCH_REQUESTS:-}"
readonly upstream_latency="${BENCH_UPSTREAM_LATENCY_MS:-$default_latency}"
readonly stream_chunks="${BENCH_STREAM_CHUNKS:-8}"
readonly chunk_delay="${BENCH_CHUNK_DELAY_MS:-0}"
readonly model="${BENCH_MODEL:-gpt-4o-mini}"
readonly skip_build="${BENCH_SKIP_BUILD:-0}"
readonly results_dir="${BENCH_RESULTS_DIR:-$repo/bench/results}"

readonly configuration=Release
readonly fake_dll="$repo/bench/AigneHub.Bench.FakeUpstream/bin/$configuration/net10.0/AigneHub.Bench.FakeUpstream.dll"
readonly loadgen_dll="$repo/bench/AigneHub.Bench.LoadGen/bin/$configuration/net10.0/AigneHub.Bench.LoadGen.dll"
readonly floor_dll="$repo/bench/AigneHub.Bench.Floor/bin/$configuration/net10.0/AigneHub.Bench.Floor.dll"
readonly hub_dir="$repo/src/AigneHub.Api/bin/$configuration/net10.0"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# calc EXPR [DECIMALS] [+ to always show the sign]
calc() { awk "BEGIN { printf \"%${3:-}.${2:-2}f\", $1 }"; }

for tool in dotnet curl jq awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

work="$(mktemp -d /tmp/aignehub-bench.XXXXXX)"
readonly work
readonly pg_state="$work/test-postgres.state"
fake_pid=""
floor_pid=""  # the line-rate suite's floor proxy
hub_pid=""
loadgen_pid=""
aux_pid=""  # a short-lived child the credits suite waits for (curl)
pg_started=false
keep_logs=false

# Stops one process this script started: SIGTERM, then SIGKILL after a grace period.
stop_pid() {
  local pid="$1" name="$2" grace="$3" i
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop within ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$loadgen_pid" "load generator" 5
  stop_pid "$aux_pid" "helper" 5
  # The hub first: on SIGTERM it writes its queued call records, so the database must still be up.
  stop_pid "$hub_pid" hub 30
  stop_pid "$floor_pid" "floor proxy" 10
  stop_pid "$fake_pid" "fake upstream" 10
  if [[ "$pg_started" == true ]]; then
    AIGNEHUB_TEST_PG_STATE="$pg_state" "$repo/eng/test-postgres.sh" stop 2>>"$work/postgres.log" || log "stopping PostgreSQL failed; see $work/postgres.log"
  fi
  if [[ $rc -ne 0 || "$keep_logs" == true ]]; then
    # Logs only: the access keys of the run go (bench/credits-suite.sh keeps them in secrets/).
    rm -rf -- "$work/secrets"
    log "logs kept in $work"
  else
    rm -rf -- "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for ((port = 18080 + RANDOM % 20000; ; port++)); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return
    fi
  done
}

# CPU time (user + system) a process has used so far, in ms.
cpu_ms() {
  local ticks
  ticks="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }')" || true
  [[ -n "$ticks" ]] && calc "$ticks * 1000 / $(getconf CLK_TCK)" 0 || printf '?'
}

rss_mib() {
  awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || printf '?'
}

# ---------------------------------------------------------------------------------------------------------------
started_at=$SECONDS
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "$skip_build" != 1 ]]; then
  log "building ($configuration)"
  dotnet build "$repo/bench/AigneHub.Bench.slnf" -c "$configuration" -nologo -v q >"$work/build.log" 2>&1 \
    || { tail -n 40 "$work/build.log" >&2; die "build failed"; }
  log "built in $((SECONDS - started_at)) s"
fi
for file in "$fake_dll" "$loadgen_dll" "$floor_dll" "$hub_dir/AigneHub.Api.dll"; do
  [[ -f "$file" ]] || die "$file is missing; build first (or unset BENCH_SKIP_BUILD)"
done

# await_port LOG PID NAME: prints the port a bench tool started in the background reports in LOG ("listening on
# http://127.0.0.1:PORT/v1") once it does (bounded: 30 s); fails if the tool exits first or never says.
await_port() {
  local log="$1" pid="$2" name="$3" port="" i
  for ((i = 0; i < 300; i++)); do
    port="$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*|\1|p' "$log")"
    [[ -n "$port" ]] && { printf '%s' "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the $name exited"; }
    sleep 0.1
  done
  die "the $name did not report its port"
}

log "starting PostgreSQL"
pg_started=true
# AIGNEHUB_TEST_PG_OWNER: should this script be killed outright (no trap runs), a watchdog still stops the server.
pg_conn="$(AIGNEHUB_TEST_PG_STATE="$pg_state" AIGNEHUB_TEST_PG_OWNER=$$ "$repo/eng/test-postgres.sh" start 2>"$work/postgres.log")" \
  || { cat "$work/postgres.log" >&2; die "PostgreSQL did not start"; }
pg_port="$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$pg_conn")"

log "starting the fake upstream (latency ${upstream_latency} ms, ${stream_chunks} chunks, ${chunk_delay} ms apart)"
: >"$work/fake.log" # created before the background job, whose redirection may come after the first read below
dotnet "$fake_dll" --port 0 --latency-ms "$upstream_latency" --stream-chunks "$stream_chunks" --chunk-delay-ms "$chunk_delay" \
  >>"$work/fake.log" 2>&1 &
fake_pid=$!
fake_port="$(await_port "$work/fake.log" "$fake_pid" "fake upstream")"
readonly fake_url="http://127.0.0.1:$fake_port"

rest_port="$(free_port)"
grpc_port="$(free_port)"
while [[ "$grpc_port" == "$rest_port" ]]; do grpc_port="$(free_port)"; done
readonly hub_url="http://127.0.0.1:$rest_port"
# The hub serves only authenticated callers: seed an owner key for this run and send it with every call.
hub_key="ahk_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
readonly hub_key

log "starting the hub on $hub_url"
hub_launched_at=$SECONDS
# The content root is the working directory, so the hub runs from its output folder (appsettings.json).
(
  cd "$hub_dir"
  exec env \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_ENVIRONMENT=Production \
    AIGNEHUB_DATA="$work/hub-data" \
    ConnectionStrings__Postgres="$pg_conn" \
    Hub__RestUrl="$hub_url" \
    AIGNEHUB_BOOTSTRAP_ADMIN_KEY="$hub_key" \
    Hub__GrpcUrl="http://127.0.0.1:$grpc_port" \
    Providers__Demo__Enabled=false \
    Providers__OpenAI__BaseUrl="$fake_url/v1" \
    Providers__OpenAI__ApiKey=sk-bench-fake-upstream-key Secrets__ActiveKeyId=bench Secrets__Keys__bench="$(head -c 32 /dev/urandom | base64)" \
    Logging__LogLevel__Default=Warning \
    Hangfire__WorkerCount=1 \
    ${BENCH_HUB_ENV:-} \
    dotnet AigneHub.Api.dll
) >"$work/hub.log" 2>&1 &
hub_pid=$!

for ((i = 0; i < 600; i++)); do
  curl -fsS --max-time 1 "$hub_url/healthz" >/dev/null 2>&1 && break
  kill -0 "$hub_pid" 2>/dev/null || { tail -n 40 "$work/hub.log" >&2; die "the hub exited during start-up"; }
  sleep 0.1
done
curl -fsS --max-time 2 "$hub_url/healthz" >/dev/null || { tail -n 40 "$work/hub.log" >&2; die "the hub did not become healthy within 60 s"; }
log "hub is up after $((SECONDS - hub_launched_at)) s ($((SECONDS - started_at)) s since the script started)"

hub_rss_start="$(rss_mib "$hub_pid")"

# The warning/error lines the hub logged so far (every suite reports them).
hub_log_problems() { grep -Eic '^[0-9:]* *(warn|fail|crit)|exception' "$work/hub.log" || true; }

# publish_report NAME REPORT: writes REPORT to $results_dir/NAME.md and prints it; when the hub logged warnings or
# errors, keeps the logs (the exit trap says where) and shows the first of them. Every suite ends with it.
publish_report() {
  local name="$1" report="$2" problems
  problems="$(hub_log_problems)"
  mkdir -p "$results_dir"
  printf '%s\n' "$report" >"$results_dir/$name.md"
  printf '%s\n' "$report"
  if [[ "$problems" != 0 ]]; then
    keep_logs=true
    log "the hub logged $problems warning/error lines; its log stays in $work/hub.log"
    grep -Ei '^[0-9:]* *(warn|fail|crit)|exception' "$work/hub.log" | head -n 5 >&2 || true
  fi
  log "written to $results_dir/$name.md ($((SECONDS - started_at)) s in all)"
}

if [[ "$suite" == credits ]]; then
  # shellcheck source=bench/credits-suite.sh
  source "$repo/bench/credits-suite.sh"
  run_credits_suite
  exit 0
fi
if [[ "$suite" == line-rate ]]; then
  # shellcheck source=bench/line-rate-suite.sh
  source "$repo/bench/line-rate-suite.sh"
  run_line_rate_suite
  exit 0
fi

hub_rss=()

# run_scenario KEY URL MODEL STREAM [DURATION WARMUP]: writes $work/KEY.json (one line). Extra load generator
# arguments (e.g. --header x-aignehub-cache:use) come from the array scenario_args.
scenario_args=()
run_scenario() {
  local key="$1" url="$2" model_name="$3" stream="$4" seconds="${5:-$duration}" warm="${6:-$warmup}"
  local args=(--url "$url" --model "$model_name" --stream "$stream" --concurrency "$concurrency"
    --duration-seconds "$seconds" --warmup-seconds "$warm" "${scenario_args[@]}")
  [[ "$url" == "$hub_url" ]] && args+=(--api-key "$hub_key")
  [[ -n "$request_cap" && -z "${5:-}" ]] && args+=(--requests "$request_cap")
  log "scenario $key: $url model=$model_name stream=$stream (${warm}s warm-up + ${seconds}s, concurrency $concurrency)"
  # In the background and waited for, so that a signal to this script is handled at once, not after the scenario.
  dotnet "$loadgen_dll" "${args[@]}" >"$work/$key.json" 2>>"$work/loadgen.log" &
  loadgen_pid=$!
  wait "$loadgen_pid" || die "the load generator failed; see $work/loadgen.log"
  loadgen_pid=""
  jq -r '"bench:   \(.requests) requests, \(.errors) errors, \(.rps) rps, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms"' "$work/$key.json" >&2
  if [[ "$(jq -r '.errors' "$work/$key.json")" != 0 ]]; then
    log "  errors: $(jq -c '.error_kinds' "$work/$key.json"); first: $(jq -r '.first_error' "$work/$key.json")"
  fi
}

# A process's CPU time over a scenario (warm-up included) divided by the calls sent (warm-up included).
cpu_per_call() {
  local before="$1" after="$2" key="$3"
  [[ "$before" == "?" || "$after" == "?" ]] && { printf '?'; return; }
  calc "($after - $before) / $(jq -r '.sent_total' "$work/$key.json")" 2
}

# A fresh hub spends its first seconds under load compiling (tiered JIT) and filling pools: measured, that would be
# charged to whichever hub scenario comes first. So both of its paths get unmeasured load first.
if [[ "$hub_warmup" != 0 ]]; then
  run_scenario warm-json "$hub_url" "openai/$model" false "$hub_warmup" 0
  run_scenario warm-sse "$hub_url" "openai/$model" true "$hub_warmup" 0
fi

if [[ "$suite" == cache ]]; then
  # shellcheck source=bench/cache-suite.sh
  source "$repo/bench/cache-suite.sh"
  run_cache_suite
  exit 0
fi

cpu_before="$(cpu_ms "$fake_pid")"
run_scenario a "$fake_url" "$model" false
fake_cpu_json="$(cpu_per_call "$cpu_before" "$(cpu_ms "$fake_pid")" a)"
cpu_before="$(cpu_ms "$hub_pid")"
run_scenario b "$hub_url" "openai/$model" false
hub_cpu_json="$(cpu_per_call "$cpu_before" "$(cpu_ms "$hub_pid")" b)"
hub_rss+=("$(rss_mib "$hub_pid")")
cpu_before="$(cpu_ms "$fake_pid")"
run_scenario c "$fake_url" "$model" true
fake_cpu_sse="$(cpu_per_call "$cpu_before" "$(cpu_ms "$fake_pid")" c)"
cpu_before="$(cpu_ms "$hub_pid")"
run_scenario d "$hub_url" "openai/$model" true
hub_cpu_sse="$(cpu_per_call "$cpu_before" "$(cpu_ms "$hub_pid")" d)"
hub_rss+=("$(rss_mib "$hub_pid")")

# Every call through the hub (warm-up included) should have produced one call record; give the batcher a moment.
expected_records=0
for key in warm-json warm-sse b d; do
  [[ -f "$work/$key.json" ]] && expected_records=$((expected_records + $(jq -r '.sent_total' "$work/$key.json")))
done
records="? (psql not found)"
record_statuses="?"
if command -v psql >/dev/null 2>&1; then
  count_records() {
    PGPASSWORD=postgres psql -h 127.0.0.1 -p "$pg_port" -U postgres -d aignehub_test -Atqc "$1" 2>>"$work/postgres.log" || printf '?'
  }
  for ((i = 0; i < 20; i++)); do
    records="$(count_records 'select count(*) from aignehub.mt_doc_callrecord')"
    [[ "$records" == "$expected_records" ]] && break
    sleep 0.5
  done
  record_statuses="$(count_records "select coalesce(string_agg(s || ': ' || n, ', ' order by s), 'none') from (select data->>'status' as s, count(*) as n from aignehub.mt_doc_callrecord group by 1) t")"
fi
hub_problems="$(hub_log_problems)"

# ---------------------------------------------------------------------------------------------------------------
field() { jq -r ".$2 // \"–\"" "$work/$1.json"; }

row() {
  local key="$1" label="$2" mode="$3"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$key" "$label" "$mode" \
    "$(field "$key" requests)" "$(field "$key" errors)" "$(field "$key" rps)" \
    "$(field "$key" p50_ms)" "$(field "$key" p90_ms)" "$(field "$key" p99_ms)" "$(field "$key" p50_ttfb_ms)"
}

overhead_row() {
  local mode="$1" direct="$2" hub="$3"
  local d50 h50 d99 h99 drps hrps dt ht added_ttfb="–"
  d50="$(field "$direct" p50_ms)"; h50="$(field "$hub" p50_ms)"
  d99="$(field "$direct" p99_ms)"; h99="$(field "$hub" p99_ms)"
  drps="$(field "$direct" rps)"; hrps="$(field "$hub" rps)"
  dt="$(field "$direct" p50_ttfb_ms)"; ht="$(field "$hub" p50_ttfb_ms)"
  if [[ "$d50" == "–" || "$h50" == "–" ]]; then
    printf '| %s | – | – | – | – | – | – | – |\n' "$mode"
    return
  fi
  [[ "$dt" != "–" && "$ht" != "–" ]] && added_ttfb="$(calc "$ht - $dt" 2 +)"
  printf '| %s | %s | %s | **%s** | **%s×** | %s | %s | %s× |\n' "$mode" "$d50" "$h50" \
    "$(calc "$h50 - $d50" 2 +)" "$(calc "$h50 / $d50")" "$(calc "$h99 - $d99" 2 +)" "$added_ttfb" "$(calc "$hrps / $drps")"
}

cpu_model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
[[ -n "$cpu_model" ]] || cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
mem_total="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
revision="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || printf 'unknown')"
[[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]] && revision+=" (with uncommitted changes)"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

report="$(
  cat <<EOF
# Hub overhead benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')

Concurrency $concurrency, ${duration} s measured after ${warmup} s warm-up per scenario (and the hub warmed up with ${hub_warmup} s of unmeasured load per mode before them)$([[ -n "$request_cap" ]] && printf ', at most %s requests' "$request_cap"); fake upstream latency ${upstream_latency} ms, ${stream_chunks} content chunks ${chunk_delay} ms apart. Latencies in ms; rps counts successful responses.

| | path | mode | requests | errors | rps | p50 | p90 | p99 | p50 first chunk |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(row a "direct → fake" JSON)
$(row b "hub → fake" JSON)
$(row c "direct → fake" SSE)
$(row d "hub → fake" SSE)

Hub overhead (hub − direct, same load):

| mode | p50 direct | p50 hub | added p50 | p50 hub/direct | added p99 | added p50 first chunk | rps hub/direct |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(overhead_row "JSON (a→b)" a b)
$(overhead_row "SSE (c→d)" c d)

Hub process CPU time per call (user + system, background work included): ${hub_cpu_json} ms JSON, ${hub_cpu_sse} ms SSE (for scale, the fake upstream's in the direct scenarios: ${fake_cpu_json} ms JSON, ${fake_cpu_sse} ms SSE). RSS ${hub_rss_start} MiB after start-up, ${hub_rss[0]} MiB after the JSON scenario, ${hub_rss[1]} MiB after the SSE scenario. Call records in PostgreSQL: ${records} of ${expected_records} hub calls (warm-ups included) — by status: ${record_statuses}. Warning/error lines in the hub's log: ${hub_problems}.

## Machine

- CPU: ${cpu_model:-unknown}, $(nproc) cores (nproc)
- Memory: ${mem_total}
- Kernel: $(uname -sr)
- .NET SDK: $(dotnet --version)
- Load average (1, 5, 15 min) at the start: ${load_at_start}; at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Revision: ${revision}
- Load generator, hub, fake upstream and PostgreSQL all ran on this machine and shared its cores.

## Raw load generator output

\`\`\`json
$(for key in a b c d; do cat "$work/$key.json"; done)
\`\`\`
EOF
)"

publish_report "$stamp" "$report"
