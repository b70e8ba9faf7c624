# shellcheck shell=bash
# The line-rate suite of bench/run.sh (BENCH_SUITE=line-rate; docs/benchmarks.md, "Line rate"). Sourced by run.sh once
# the hub is up; run.sh's exit trap stops everything either started.
#
# Issue 20's table, in one run: a fake OpenAI upstream that answers at once (BENCH_UPSTREAM_LATENCY_MS=0), the hub in
# enterprise mode with everything on (call records, metrics, the statistics daemon), called with a member's access key
# that carries a rate limit (so admission goes through the rate limiter, as it does for a limited key in production;
# the limit is far above what the run sends). Scenarios, each direct to the fake and through the hub:
#   JSON at 1 connection, JSON at BENCH_LINE_RATE_CONCURRENCY connections, SSE at 1 connection (time to first byte);
# and the JSON scenarios once more through the floor proxy (bench/AigneHub.Bench.Floor: Kestrel in, HttpClient out, the
# body copied unparsed both ways, on the hub's runtime settings), the least any gateway on this stack costs.
# Reports added p50, throughput ratio, p99, added first-byte time, and the hub's and PostgreSQL's CPU per call against
# the issue's goals; writes bench/results/<UTC timestamp>-line-rate.md.
#
# Env (defaults in brackets), besides run.sh's BENCH_DURATION_SECONDS, BENCH_WARMUP_SECONDS, BENCH_HUB_WARMUP_SECONDS,
# BENCH_MODEL, BENCH_SKIP_BUILD, BENCH_RESULTS_DIR and BENCH_UPSTREAM_LATENCY_MS (here [0]):
#   BENCH_LINE_RATE_CONCURRENCY [32]   connections of the many-connections scenario

readonly line_rate_conns="${BENCH_LINE_RATE_CONCURRENCY:-32}"

# shellcheck source=bench/suite-lib.sh
source "$repo/bench/suite-lib.sh"

declare -A hub_cpu_per_call=() pg_cpu_per_call=()
floor_url=""

# Starts the floor proxy in front of the fake upstream; sets floor_url.
start_floor() {
  # Created here, not by the background job's redirection, which may come after the first read below.
  : >"$work/floor.log"
  dotnet "$floor_dll" --upstream "$fake_url/v1" --port 0 >>"$work/floor.log" 2>&1 &
  floor_pid=$!
  floor_url="http://127.0.0.1:$(await_port "$work/floor.log" "$floor_pid" "floor proxy")"
}

run_line_rate_suite() {
  is_whole "$line_rate_conns" && ((line_rate_conns >= 1)) || die "BENCH_LINE_RATE_CONCURRENCY must be a whole number ≥ 1"

  log "set-up: a member with a rate-limited key"
  local user_id key
  user_id="$(admin POST /api/admin/users '{"display_name":"bench line rate","role":"member"}' | jq -r '.user.id')"
  key="$(admin POST /api/admin/keys "{\"user_id\":\"$user_id\",\"name\":\"bench line rate\",\"scopes\":[\"inference\"],\"requests_per_minute\":1000000000}" | jq -r '.secret')"
  [[ "$key" == ahk_* ]] || die "creating the bench key failed"
  printf '%s\n' "$key" >"$secrets/member.keys"
  local keys="$secrets/member.keys"

  if [[ "$hub_warmup" != 0 ]]; then
    load_stream=false load warm-json enterprise "$keys" "$line_rate_conns" "$hub_warmup" 0
    load_stream=true load warm-sse enterprise "$keys" "$line_rate_conns" "$hub_warmup" 0
  fi

  log "starting the floor proxy"
  start_floor
  # Warmed up as the hub is (tiered JIT, pools), unmeasured.
  [[ "$hub_warmup" != 0 ]] && load_url=floor load warm-floor floor - "$line_rate_conns" "$hub_warmup" 0

  load_url=direct load a1 direct - 1 "$duration" "$warmup"
  load_url=floor load f1 floor - 1 "$duration" "$warmup"
  load b1 hub "$keys" 1 "$duration" "$warmup"
  load_url=direct load aN direct - "$line_rate_conns" "$duration" "$warmup"
  load_url=floor load fN floor - "$line_rate_conns" "$duration" "$warmup"
  load bN hub "$keys" "$line_rate_conns" "$duration" "$warmup"
  load_url=direct load_stream=true load c1 direct - 1 "$duration" "$warmup"
  load_stream=true load d1 hub "$keys" 1 "$duration" "$warmup"

  write_line_rate_report
}

# goal LABEL VALUE OP TARGET: a table row saying whether VALUE OP TARGET holds.
goal() {
  local label="$1" value="$2" op="$3" target="$4" met
  if [[ "$value" == "?" || "$value" == "–" ]]; then
    met="?"
  else
    met="$(awk -v v="$value" -v t="$target" -v op="$op" 'BEGIN { ok = (op == "<=") ? (v <= t) : (v >= t); print ok ? "yes" : "**no**" }')"
  fi
  printf '| %s | %s | %s %s | %s |\n' "$label" "$value" "$op" "$target" "$met"
}

write_line_rate_report() {
  local added_p50 ratio p99 added_ttfb hub_cpu pg_cpu pg_share stamp report floor_ratio hub_floor floor_p50
  added_p50="$(calc "$(field b1 p50_ms) - $(field a1 p50_ms)" 3)"
  ratio="$(calc "$(field bN rps) / $(field aN rps)" 3)"
  floor_ratio="$(calc "$(field fN rps) / $(field aN rps)" 3)"
  hub_floor="$(calc "$(field bN rps) / $(field fN rps)" 3)"
  floor_p50="$(calc "$(field f1 p50_ms) - $(field a1 p50_ms)" 3)"
  p99="$(field bN p99_ms)"
  added_ttfb="$(calc "$(field d1 p50_ttfb_ms) - $(field c1 p50_ttfb_ms)" 3)"
  hub_cpu="${hub_cpu_per_call[bN]}"
  pg_cpu="${pg_cpu_per_call[bN]}"
  pg_share="?"
  [[ "$hub_cpu" != "?" && "$pg_cpu" != "?" ]] && pg_share="$(calc "$pg_cpu / $hub_cpu" 2)"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  row() {
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(field "$1" requests)" "$(field "$1" errors)" \
      "$(field "$1" rps)" "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" "$(field "$1" p50_ttfb_ms)" \
      "${hub_cpu_per_call[$1]:-–} / ${pg_cpu_per_call[$1]:-–}"
  }
  report="$(
    cat <<EOR
# Line-rate benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')

Fake upstream latency ${upstream_latency} ms, ${stream_chunks} content chunks; ${duration} s measured after ${warmup} s warm-up per scenario (hub warmed up with ${hub_warmup} s per mode). The hub in enterprise mode, called with a member key that has a rate limit; call records, metrics and statistics on. Latencies in ms.

| scenario | path | requests | errors | rps | p50 | p99 | p50 first byte | CPU ms per call: hub / PostgreSQL |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(row a1 "direct, JSON, 1 connection")
$(row f1 "floor proxy, JSON, 1 connection")
$(row b1 "hub, JSON, 1 connection")
$(row aN "direct, JSON, $line_rate_conns connections")
$(row fN "floor proxy, JSON, $line_rate_conns connections")
$(row bN "hub, JSON, $line_rate_conns connections")
$(row c1 "direct, SSE, 1 connection")
$(row d1 "hub, SSE, 1 connection")

| goal (issue 20) | measured | target | met |
| --- | ---: | ---: | :---: |
$(goal "added p50, 1 connection (ms)" "$added_p50" "<=" 0.25)
$(goal "throughput at $line_rate_conns connections, hub / direct" "$ratio" ">=" 0.25)
$(goal "p99 at $line_rate_conns connections (ms)" "$p99" "<=" 20)
$(goal "added p50 first byte, SSE (ms)" "$added_ttfb" "<=" 0.5)
$(goal "hub CPU per call (ms)" "$hub_cpu" "<=" 0.15)
$(goal "PostgreSQL CPU per call / hub's" "$pg_share" "<=" 0.33)

The floor proxy against the same fake upstream in the same run (what any ASP.NET Core gateway costs before doing
anything of its own): added p50 at 1 connection ${floor_p50} ms; throughput at $line_rate_conns connections, floor /
direct ${floor_ratio}, hub / floor ${hub_floor}. (Its rows' first CPU column is the floor proxy's own CPU per call.)

CPU per call counts each process's CPU time over a scenario (warm-up included) divided by the calls sent, background
work included (call-record batches, the statistics daemon, metrics). Warning/error lines in the hub's log: $(hub_log_problems).

## Machine

- CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) cores (nproc); memory $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
- Kernel $(uname -sr); .NET SDK $(dotnet --version); revision $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || printf unknown)
- Load average at the start: ${load_at_start}; at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Load generator, hub, fake upstream and PostgreSQL all ran on this machine and shared its cores.
EOR
  )"
  publish_report "$stamp-line-rate" "$report"
}
