# shellcheck shell=bash
# The cache suite of bench/run.sh (BENCH_SUITE=cache; docs/benchmarks.md, "Response cache"). Sourced by run.sh once
# the hub is up; it uses run.sh's helpers and variables (log, calc, cpu_ms, run_scenario, scenario_args, work,
# hub_url, …), and run.sh's exit trap stops everything either started.
#
# After the same unmeasured warm-up as the overhead suite (both modes, plus a cache warm-up), with the same load:
#   e) hub -> fake, JSON, every call a miss: x-aignehub-cache: refresh (never reads; the provider answers and the answer
#      is stored, so a miss pays the cache's write on top of the ordinary call);
#   f) hub, JSON, every call a hit: x-aignehub-cache: use, the load generator's one request repeated (the first call
#      of the warm-up stores it);
#   g) hub, SSE, every call a hit (a replayed stream).
# The issue's target: f's throughput ≥ 2× e's with a 0 ms upstream (BENCH_UPSTREAM_LATENCY_MS=0, this suite's
# default). A second run with BENCH_UPSTREAM_LATENCY_MS=50 shows whether hit latency follows the upstream's (it
# should not: no provider is called).
# Prints a markdown report and writes it to bench/results/<UTC timestamp>-cache.md.

run_cache_suite() {
  if [[ "$hub_warmup" != 0 ]]; then
    run_scenario warm-json "$hub_url" "openai/$model" false "$hub_warmup" 0
    run_scenario warm-sse "$hub_url" "openai/$model" true "$hub_warmup" 0
    scenario_args=(--header "x-aignehub-cache:use")
    run_scenario warm-hit "$hub_url" "openai/$model" false "$hub_warmup" 0
  fi

  local cpu_before hub_cpu_miss hub_cpu_hit hub_cpu_hit_sse
  scenario_args=(--header "x-aignehub-cache:refresh")
  cpu_before="$(cpu_ms "$hub_pid")"
  run_scenario e "$hub_url" "openai/$model" false
  hub_cpu_miss="$(calc "($(cpu_ms "$hub_pid") - $cpu_before) / $(jq -r '.sent_total' "$work/e.json")" 2)"
  scenario_args=(--header "x-aignehub-cache:use")
  cpu_before="$(cpu_ms "$hub_pid")"
  run_scenario f "$hub_url" "openai/$model" false
  hub_cpu_hit="$(calc "($(cpu_ms "$hub_pid") - $cpu_before) / $(jq -r '.sent_total' "$work/f.json")" 2)"
  cpu_before="$(cpu_ms "$hub_pid")"
  run_scenario g "$hub_url" "openai/$model" true
  hub_cpu_hit_sse="$(calc "($(cpu_ms "$hub_pid") - $cpu_before) / $(jq -r '.sent_total' "$work/g.json")" 2)"
  scenario_args=()

  local cache_field cache_row stamp report
  cache_field() { jq -r ".$2 // \"–\"" "$work/$1.json"; }
  cache_row() {
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" \
      "$(cache_field "$1" requests)" "$(cache_field "$1" errors)" "$(cache_field "$1" rps)" \
      "$(cache_field "$1" p50_ms)" "$(cache_field "$1" p99_ms)" "$(cache_field "$1" p50_ttfb_ms)"
  }

  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  report="$(
    cat <<REPORT
# Response cache benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')

Concurrency $concurrency, ${duration} s measured after ${warmup} s warm-up per scenario; fake upstream latency ${upstream_latency} ms, ${stream_chunks} content chunks. Latencies in ms; rps counts successful responses.

| | scenario | requests | errors | rps | p50 | p99 | p50 first chunk |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
$(cache_row e "hub, JSON, miss (refresh)")
$(cache_row f "hub, JSON, hit")
$(cache_row g "hub, SSE, hit")

Hit throughput / miss throughput (JSON): **$(calc "$(cache_field f rps) / $(cache_field e rps)")×** (target ≥ 2× with a 0 ms upstream). p50 hit / p50 miss: $(calc "$(cache_field f p50_ms) / $(cache_field e p50_ms)")×. Hub CPU time per call: ${hub_cpu_miss} ms miss, ${hub_cpu_hit} ms JSON hit, ${hub_cpu_hit_sse} ms SSE hit.

- Machine: $(nproc) cores, $(uname -sr), .NET $(dotnet --version); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
- Revision: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || printf 'unknown')

\`\`\`json
$(for key in e f g; do cat "$work/$key.json"; done)
\`\`\`
REPORT
  )"
  publish_report "$stamp-cache" "$report"
}
