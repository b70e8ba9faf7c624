# shellcheck shell=bash
# The credits suite of bench/run.sh (BENCH_SUITE=credits; docs/benchmarks.md, "Credits mode"). Sourced by run.sh once
# the hub is up; it uses run.sh's helpers and variables (log, die, calc, cpu_ms, rss_mib, work, hub_url, hub_key, …),
# and run.sh's exit trap stops everything either started.
#
# One hub, one run, JSON chat calls against a fake upstream that answers at once (BENCH_UPSTREAM_LATENCY_MS=0):
#   1. set-up through the admin API: a rate for openai/<model>; a hot user, a warm-up user and BENCH_ACCOUNTS users,
#      each with its own access key and one large admin grant;
#   2. warm-up (unmeasured, on the warm-up account only): enterprise, then one probe call in credits mode (its charge
#      is the cost per call every check below uses), then credits;
#   3. for the hot account (one key) and for the BENCH_ACCOUNTS accounts (the load generator takes their keys in
#      turn), at each concurrency of BENCH_CREDITS_CONCURRENCIES: the same load in enterprise mode, then in credits
#      mode, switching the mode through the admin API (PUT /api/admin/billing/settings) between the two; all of
#      it BENCH_CREDITS_ROUNDS times (rounds alternate the modes), and the verdict is the median ratio of the rounds;
#   4. cost after N calls: BENCH_HOT_ACCOUNT_CALLS more calls on the hot account (credits mode, at the highest
#      concurrency, stopped by BENCH_HOT_ACCOUNT_MAX_SECONDS if that comes first), then the c=1 pair of step 3 again
#      on the hot account: its throughput against the first c=1 measurement;
#   5. the ledger afterwards, through the admin API (and PostgreSQL for what the API does not show): every account's
#      balance, held, granted and spent; spent == successful credits-mode calls x cost per call; nothing held;
#      uncollected 0; the audit replay finds no mismatch.
# Prints a markdown report and writes it to bench/results/<UTC timestamp>-credits.md.
#
# Env (defaults in brackets), besides run.sh's BENCH_DURATION_SECONDS, BENCH_WARMUP_SECONDS, BENCH_HUB_WARMUP_SECONDS,
# BENCH_MODEL, BENCH_SKIP_BUILD, BENCH_RESULTS_DIR and BENCH_UPSTREAM_LATENCY_MS (here [0]):
#   BENCH_CREDITS_CONCURRENCIES ["1 32"]  connections (concurrent requests) per scenario pair
#   BENCH_ACCOUNTS [1000]                 accounts (users, each with its own key and grant) of the many-accounts scenario
#   BENCH_HOT_ACCOUNT_CALLS [20000]       N: calls put on the hot account before the "after N calls" measurement
#   BENCH_HOT_ACCOUNT_MAX_SECONDS [150]   time limit of those N calls, at most 86400 (the report says how many were made)
#   BENCH_SETUP_PARALLEL [8]              admin requests in flight while creating users, keys and grants
#   BENCH_PG_SQL [none]                   SQL run on the benchmark database before the set-up (the hub's schema exists
#                                         then): an experiment on PostgreSQL's settings, e.g. a table's fillfactor
#   BENCH_CREDITS_ROUNDS [1]              rounds of step 3 (1-9); with more than one, each scenario's verdict is the
#                                         median of its rounds' credits/enterprise ratios (this box's ratios move by
#                                         ±0.1 or more between runs)

readonly credits_levels="${BENCH_CREDITS_CONCURRENCIES:-1 32}"
readonly credits_accounts="${BENCH_ACCOUNTS:-1000}"
readonly hot_calls="${BENCH_HOT_ACCOUNT_CALLS:-20000}"
readonly hot_max_seconds="${BENCH_HOT_ACCOUNT_MAX_SECONDS:-150}"
readonly setup_parallel="${BENCH_SETUP_PARALLEL:-8}"
readonly credits_rounds="${BENCH_CREDITS_ROUNDS:-1}"
# Credits per token. With the fake's usage this makes a call cost a few hundredths of a credit; the grants below
# cover far more calls than any run makes (the hot grant alone pays for about 28 million calls).
readonly credits_input_rate=0.001
readonly credits_output_rate=0.002
readonly hot_grant=1000000
readonly warm_grant=1000000
readonly account_grant=10000
readonly hot_user=bench-hot
readonly warm_user=bench-warm

# -- helpers ----------------------------------------------------------------------------------------------------------

# Shared with the line-rate suite: is_whole, waited, admin_request, admin, pg_cpu_ms, load, cpu_per_call_of, field.
# shellcheck source=bench/suite-lib.sh
source "$repo/bench/suite-lib.sh"

# bulk_start NAME / bulk_add NAME METHOD PATH OUTPUT [BODY] / bulk_run NAME: many admin requests in one curl process,
# BENCH_SETUP_PARALLEL at a time; each answer goes to OUTPUT; dies unless every answer was 2xx.
# direct_holds: how many holds the ledger has written (\`credits_held\` events): calls that took a hold of their own
# rather than one from a balance lease (ADR 0024); "?" without psql. difference A B: A - B, or "?" when either is.
declare -A direct_holds_in=()
direct_holds() {
  command -v psql >/dev/null 2>&1 || { printf '?'; return; }
  PGPASSWORD=postgres psql -h 127.0.0.1 -p "$pg_port" -U postgres -d aignehub_test -Atqc \
    "select count(*) from aignehub.mt_events where type = 'credits_held'" 2>>"$work/postgres.log" || printf '?'
}
difference() { [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ ]] && printf '%s' $(($1 - $2)) || printf '?'; }

bulk_start() { : >"$secrets/$1.curl"; }
bulk_add() {
  local name="$1" method="$2" path="$3" output="$4" body="${5:-}"
  {
    printf 'next\n'
    printf 'url = "%s%s"\n' "$hub_url" "$path"
    printf 'request = "%s"\n' "$method"
    printf 'header = "Authorization: Bearer %s"\n' "$hub_key"
    printf 'output = "%s"\n' "$output"
    printf 'max-time = 300\nsilent\nshow-error\n'
    printf 'write-out = "%%{http_code} %s\\n"\n' "$path"
    if [[ -n "$body" ]]; then
      printf 'header = "Content-Type: application/json"\n'
      # The body is plain JSON without backslashes: escaping its quotes is all a curl config needs.
      printf 'data-binary = "%s"\n' "${body//\"/\\\"}"
    fi
  } >>"$secrets/$name.curl"
}
bulk_run() {
  local name="$1" statuses failed count bulk_started=$SECONDS
  # The leading "next" of the first request would make an empty first request: drop it.
  sed -i '1{/^next$/d}' "$secrets/$name.curl"
  waited curl --parallel --parallel-max "$setup_parallel" -sS -K "$secrets/$name.curl" >"$work/$name.statuses" 2>>"$work/setup.log" \
    || die "bulk $name: curl failed; see $work/setup.log"
  statuses="$(<"$work/$name.statuses")"
  count="$(grep -c . <<<"$statuses" || true)"
  failed="$(grep -vc '^2' <<<"$statuses" || true)"
  [[ "$failed" == 0 ]] || die "bulk $name: $failed of $count requests failed, e.g. $(grep -v '^2' <<<"$statuses" | head -n 3 | tr '\n' ';')"
  log "  $name: $count requests, all 2xx, in $((SECONDS - bulk_started)) s"
}

set_billing_mode() {
  local mode="$1" current body answered
  current="$(admin GET /api/admin/billing/settings)"
  # Pass every setting back as it is (whatever fields the hub has), changing only the mode.
  body="$(jq -c --arg mode "$mode" '.settings as $s | ($s | del(.version, .updated_at)) + {expected_version: ($s.version // 0), mode: $mode}' <<<"$current")"
  answered="$(admin PUT /api/admin/billing/settings "$body" | jq -r '.settings.mode')"
  [[ "$answered" == "$mode" ]] || die "the billing mode is '$answered' after setting it to '$mode'"
  log "billing mode: $mode"
}

# A decimal string ("12.5", "-0.000153") as an integer number of micro-credits (the ledger keeps 6 decimals, so this is
# exact; awk's doubles hold whole numbers exactly up to 2^53, i.e. 9 billion credits).
awk_micros='function micros(s,   neg, p, n, frac) { neg = (s ~ /^-/); sub(/^[-+]/, "", s); n = split(s, p, "."); frac = substr((n > 1 ? p[2] : "") "000000", 1, 6); return (neg ? -1 : 1) * (p[1] * 1000000 + frac) }
function credits(m,   neg, r) { neg = (m < 0); if (neg) m = -m; r = m % 1000000; return sprintf("%s%.0f.%06d", neg ? "-" : "", (m - r) / 1000000, r) }'
to_micros() { awk "$awk_micros"' { printf "%.0f\n", micros($1) }' <<<"$1"; }
micros_to_credits() { awk "$awk_micros"' { print credits($1 + 0) }' <<<"$1"; }

account_spent_micros() { to_micros "$(admin GET "/api/admin/credits/$1" | jq -r '.balance.total_spent // "0"')"; }

# -- the suite --------------------------------------------------------------------------------------------------------

run_credits_suite() {
  local c level i
  max_level=0
  for level in $credits_levels; do
    is_whole "$level" && ((level >= 1)) || die "BENCH_CREDITS_CONCURRENCIES must be whole numbers ≥ 1 (got '$credits_levels')"
    ((level > max_level)) && max_level=$level
  done
  ((max_level > 0)) || die "BENCH_CREDITS_CONCURRENCIES is empty"
  for c in "$credits_accounts" "$hot_calls" "$hot_max_seconds" "$setup_parallel"; do
    is_whole "$c" && ((c >= 1)) || die "BENCH_ACCOUNTS, BENCH_HOT_ACCOUNT_CALLS, BENCH_HOT_ACCOUNT_MAX_SECONDS and BENCH_SETUP_PARALLEL must be whole numbers ≥ 1"
  done
  ((credits_accounts <= 100000)) || die "BENCH_ACCOUNTS is at most 100000"
  ((hot_max_seconds <= 86400)) || die "BENCH_HOT_ACCOUNT_MAX_SECONDS is at most 86400"
  is_whole "$credits_rounds" && ((credits_rounds >= 1 && credits_rounds <= 9)) || die "BENCH_CREDITS_ROUNDS must be a whole number from 1 to 9"

  # 1. Set-up.
  local setup_started=$SECONDS
  if [[ -n "${BENCH_PG_SQL:-}" ]]; then
    command -v psql >/dev/null 2>&1 || die "BENCH_PG_SQL needs psql"
    log "running BENCH_PG_SQL on the benchmark database"
    PGPASSWORD=postgres psql -h 127.0.0.1 -p "$pg_port" -U postgres -d aignehub_test -v ON_ERROR_STOP=1 -qc "$BENCH_PG_SQL" >&2 \
      || die "BENCH_PG_SQL failed"
  fi
  log "set-up: rate for openai/$model ($credits_input_rate in, $credits_output_rate out per token), enterprise mode"
  admin PUT /api/admin/rates "$(jq -cn --arg m "$model" --arg i "$credits_input_rate" --arg o "$credits_output_rate" \
    '{type: "chat", provider: "openai", model: $m, input_rate: $i, output_rate: $o}')" >/dev/null
  set_billing_mode enterprise

  local users=("$hot_user" "$warm_user") user grant
  for ((i = 1; i <= credits_accounts; i++)); do users+=("$(printf 'bench-acct-%06d' "$i")"); done
  log "set-up: ${#users[@]} users, each with an access key and a grant"
  mkdir -p "$work/setup"
  bulk_start users
  bulk_start keys
  bulk_start grants
  for user in "${users[@]}"; do
    bulk_add users POST /api/admin/users "$work/setup/$user.user.json" "{\"user_id\":\"$user\",\"display_name\":\"$user\",\"role\":\"member\"}"
    bulk_add keys POST /api/admin/keys "$secrets/$user.key.json" "{\"user_id\":\"$user\",\"name\":\"bench\",\"scopes\":[\"inference\"]}"
    case "$user" in
      "$hot_user") grant=$hot_grant ;;
      "$warm_user") grant=$warm_grant ;;
      *) grant=$account_grant ;;
    esac
    bulk_add grants POST "/api/admin/credits/$user:grant" "$work/setup/$user.grant.json" "{\"amount\":\"$grant\"}"
  done
  bulk_run users
  bulk_run keys
  bulk_run grants
  jq -r '.secret' "$secrets/$hot_user.key.json" >"$secrets/hot.keys"
  jq -r '.secret' "$secrets/$warm_user.key.json" >"$secrets/warm.keys"
  # One jq for all of them (a process per key costs a minute on a busy machine); the zero-padded names keep the order.
  jq -r '.secret' "$secrets"/bench-acct-*.key.json >"$secrets/many.keys"
  [[ "$(grep -c '^ahk_' "$secrets/many.keys")" == "$credits_accounts" ]] || die "the key answers did not all carry a secret"
  local setup_seconds=$((SECONDS - setup_started))
  log "set-up took ${setup_seconds} s"

  # 2. Warm-up on the warm-up account, and the cost of one call.
  if [[ "$hub_warmup" != 0 ]]; then
    load warm-enterprise enterprise "$secrets/warm.keys" "$max_level" "$hub_warmup" 0
  fi
  set_billing_mode credits
  local spent_before
  spent_before="$(account_spent_micros "$warm_user")"
  load probe credits "$secrets/warm.keys" 1 60 0 1
  [[ "$(jq -r '.succeeded_total' "$work/probe.json")" == 1 ]] || die "the probe call in credits mode failed: $(jq -r '.first_error' "$work/probe.json")"
  cost_micros=$(($(account_spent_micros "$warm_user") - spent_before))
  ((cost_micros > 0)) || die "the probe call charged nothing (cost $cost_micros micro-credits)"
  cost_per_call="$(micros_to_credits "$cost_micros")"
  log "one call costs $cost_per_call credits"
  if [[ "$hub_warmup" != 0 ]]; then
    load warm-credits credits "$secrets/warm.keys" "$max_level" "$hub_warmup" 0
  fi

  # 3. The scenarios: enterprise, then credits, with the same load; BENCH_CREDITS_ROUNDS times (round r > 1: keys
  # with the suffix -r<r>).
  scenario_keys=()
  local set round suffix
  for ((round = 1; round <= credits_rounds; round++)); do
    suffix=""
    ((round > 1)) && suffix="-r$round"
    for set in hot many; do
      for level in $credits_levels; do
        set_billing_mode enterprise
        load "enterprise-$set-c$level$suffix" enterprise "$secrets/$set.keys" "$level" "$duration" "$warmup"
        set_billing_mode credits
        [[ "$set" == hot ]] && calls_before["credits-$set-c$level$suffix"]=$(($(account_spent_micros "$hot_user") / cost_micros))
        held_before="$(direct_holds)"
        load "credits-$set-c$level$suffix" credits "$secrets/$set.keys" "$level" "$duration" "$warmup"
        direct_holds_in["credits-$set-c$level$suffix"]="$(difference "$(direct_holds)" "$held_before")"
        ((round == 1)) && scenario_keys+=("$set-c$level")
      done
    done
  done

  # 4. Cost after N calls on the hot account.
  local first_level="${credits_levels%% *}"
  load hot-fill credits "$secrets/hot.keys" "$max_level" "$hot_max_seconds" 0 "$hot_calls"
  set_billing_mode enterprise
  load "enterprise-hot-c$first_level-after" enterprise "$secrets/hot.keys" "$first_level" "$duration" "$warmup"
  set_billing_mode credits
  calls_before["credits-hot-c$first_level-after"]=$(($(account_spent_micros "$hot_user") / cost_micros))
  held_before="$(direct_holds)"
  load "credits-hot-c$first_level-after" credits "$secrets/hot.keys" "$first_level" "$duration" "$warmup"
  direct_holds_in["credits-hot-c$first_level-after"]="$(difference "$(direct_holds)" "$held_before")"

  # 5. The ledger afterwards.
  check_ledger "${users[@]}"
  write_credits_report "$first_level" "$setup_seconds" "${#users[@]}"
}

# Reads every bench account through the admin API and compares the totals with the calls the load generator saw.
check_ledger() {
  local users=("$@") user totals i
  log "checking the ledger of ${#users[@]} accounts"
  # A call's settlement may trail its answer a moment: wait (bounded) until nothing is held.
  for ((i = 0; i < 30; i++)); do
    bulk_start balances
    for user in "${users[@]}"; do bulk_add balances GET "/api/admin/credits/$user" "$work/setup/$user.balance.json"; done
    bulk_run balances
    totals="$(for user in "${users[@]}"; do
      jq -r '.balance | [.balance // "0", .held // "0", .total_granted // "0", .total_spent // "0", .total_expired // "0", (.total_uncollected // "")] | @tsv' "$work/setup/$user.balance.json"
    done | awk -F'\t' "$awk_micros"'
      { b += micros($1); h += micros($2); g += micros($3); s += micros($4); e += micros($5)
        if ($6 != "") { u += micros($6); has_u = 1 }
        if (micros($1) != micros($3) - micros($4) - micros($5)) bad++ }
      END { printf "%.0f %.0f %.0f %.0f %.0f %s %d\n", b, h, g, s, e, has_u ? sprintf("%.0f", u) : "-", bad }')"
    read -r sum_balance sum_held sum_granted sum_spent sum_expired sum_uncollected_api accounts_off <<<"$totals"
    [[ "$sum_held" == 0 ]] && break
    sleep 1
  done
  expected_spent=$((credits_ok_calls * cost_micros))

  captures="?"
  releases="?"
  sum_uncollected_db="?"
  if command -v psql >/dev/null 2>&1; then
    pg_query() { PGPASSWORD=postgres psql -h 127.0.0.1 -p "$pg_port" -U postgres -d aignehub_test -Atqc "$1" 2>>"$work/postgres.log" || printf '?'; }
    captures="$(pg_query "select count(*) from aignehub.mt_events where type = 'hold_captured'")"
    releases="$(pg_query "select count(*) from aignehub.mt_events where type = 'hold_released'")"
    sum_uncollected_db="$(pg_query "select coalesce(sum((data->>'uncollected')::numeric), 0) from aignehub.mt_events where type = 'hold_captured'")"
    # These read Marten's event table as the ledger wrote it at the time of writing; a ledger that records its
    # settlements otherwise leaves no such events, and then these figures say nothing.
    if [[ "$captures" == 0 && "$credits_ok_calls" != 0 ]]; then
      captures="? (no \`hold_captured\` events: the ledger records settlements otherwise; check by hand)"
      releases="?"
      sum_uncollected_db="?"
    fi
  fi

  log "auditing every account (POST /api/admin/credits:audit)"
  audit_started=$SECONDS
  admin_request POST /api/admin/credits:audit '{}'
  cp "$work/admin.out" "$work/audit.json"
  if [[ "$(<"$work/admin.status")" == 2* ]]; then
    audit_result="$(jq -r '"\(.accounts_checked // 0) accounts, \(.mismatches // [] | length) mismatches"' "$work/audit.json")"
    audit_ok="$(jq -r 'if (.mismatches // [] | length) == 0 then "yes" else "**no**" end' "$work/audit.json")"
  else
    audit_result="failed: HTTP $(<"$work/admin.status") $(head -c 300 "$work/audit.json" | tr '\n|' '  ')"
    audit_ok="**no**"
  fi
  audit_seconds=$((SECONDS - audit_started))
}

yes_no() { if [[ "$1" == "$2" ]]; then printf 'yes'; else printf '**no**'; fi; }

write_credits_report() {
  local first_level="$1" setup_seconds="$2" account_count="$3" s row_e row_c
  local hub_problems
  hub_problems="$(hub_log_problems)"

  run_row() {
    local key="$1" label="$2" mode="$3"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$mode" \
      "$(field "$key" requests)" "$(field "$key" errors)" "$(field "$key" rps)" "$(field "$key" p50_ms)" \
      "$(field "$key" p90_ms)" "$(field "$key" p99_ms)" "${hub_cpu_per_call[$key]:-?}" "${pg_cpu_per_call[$key]:-?}" \
      "${calls_before[$key]:-–}" "${direct_holds_in[$key]:-–}"
  }
  ratio() {
    local e c
    e="$(field "$1" rps)"; c="$(field "$2" rps)"
    [[ "$e" == "–" || "$c" == "–" ]] && { printf '–'; return; }
    awk -v e="$e" -v c="$c" 'BEGIN { if (e <= 0) printf "–"; else if (c / e < 0.1) printf "%.3f×", c / e; else printf "%.2f×", c / e }'
  }
  # pair_ratio KEY: credits/enterprise rps of the run pair enterprise-KEY, credits-KEY ("–" without figures).
  pair_ratio() {
    local e c
    e="$(field "enterprise-$1" rps)"; c="$(field "credits-$1" rps)"
    awk -v e="$e" -v c="$c" 'BEGIN { if (e + 0 <= 0 || c == "–") printf "–"; else printf "%.2f", c / e }'
  }
  # round_ratios SCENARIO: pair_ratio of each round, space-separated.
  round_ratios() {
    local r out=()
    for ((r = 1; r <= credits_rounds; r++)); do
      if ((r > 1)); then out+=("$(pair_ratio "$1-r$r")"); else out+=("$(pair_ratio "$1")"); fi
    done
    printf '%s' "${out[*]}"
  }
  # median_ratio SCENARIO: the median of round_ratios ("–" when a round has none).
  median_ratio() {
    round_ratios "$1" | tr ' ' '\n' | sort -g | awk '/–/ { bad = 1 } { v[NR] = $1 } END { if (bad || NR == 0) printf "–"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
  }
  # at_target RATIO: whether a ratio reaches issue 16's 0.8×.
  at_target() { awk -v m="$1" 'BEGIN { print (m != "–" && m + 0 >= 0.8) ? "yes" : "**no**" }'; }
  label_of() {
    local set="${1%-c*}" level="${1##*-c}"
    if [[ "$set" == hot ]]; then printf 'one hot account, c=%s' "$level"; else printf '%s accounts, c=%s' "$credits_accounts" "$level"; fi
  }

  local hot_start="credits-hot-c$first_level" hot_after="credits-hot-c$first_level-after"
  local start_rps after_rps drift
  start_rps="$(field "$hot_start" rps)"; after_rps="$(field "$hot_after" rps)"
  drift="$(awk -v a="$start_rps" -v b="$after_rps" 'BEGIN { if (a > 0) printf "%.2f×", b / a; else printf "–" }')"
  local fill_made
  fill_made="$(field hot-fill succeeded_total)"

  local command_line
  # Each setting quoted as the shell reads it back, so that a value over several lines (BENCH_PG_SQL) stays whole.
  local setting
  command_line="$(for setting in $(compgen -e | grep -E '^BENCH_[A-Z_]+$' | sort); do printf '%s=%q ' "$setting" "${!setting}"; done)bench/run.sh"

  local cpu_model mem_total revision stamp
  cpu_model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
  [[ -n "$cpu_model" ]] || cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
  mem_total="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  revision="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || printf 'unknown')"
  [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]] && revision+=" (with uncommitted changes)"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"

  local uncollected_text
  if [[ "$sum_uncollected_api" != "-" ]]; then
    uncollected_text="$(micros_to_credits "$sum_uncollected_api") (admin API)"
  else
    uncollected_text="${sum_uncollected_db} (PostgreSQL: \`uncollected\` of every \`hold_captured\` event; the admin API does not show it)"
  fi
  local uncollected_value="${sum_uncollected_api}"
  if [[ "$uncollected_value" == "-" ]]; then
    uncollected_value="?"
    [[ "$sum_uncollected_db" =~ ^[0-9.]+$ ]] && uncollected_value="$(to_micros "$sum_uncollected_db")"
  fi

  local report
  report="$(
    cat <<EOF
# Credits mode against enterprise mode, $(date -u '+%Y-%m-%d %H:%M:%S UTC')

One hub, one PostgreSQL, one run: \`POST /v1/chat/completions\` (JSON answers, \`openai/$model\`) against a fake upstream answering after ${upstream_latency} ms. Each scenario runs the same load twice, first with the hub in enterprise mode, then in credits mode (switched through \`PUT /api/admin/billing/settings\`); ${warmup} s warm-up + ${duration} s measured per run; all scenarios ${credits_rounds} time(s) (rounds). Rate ${credits_input_rate} credits per input token and ${credits_output_rate} per output token: one call costs **${cost_per_call} credits**. Latencies in ms; rps counts successful answers; CPU columns are ms per call (warm-up included; PostgreSQL's is approximate). "calls before" is how many calls the hot account had paid for when the run started (its warm-up then adds a few seconds' worth before the measurement). "direct holds" counts the calls of a credits run (warm-up included) that took a hold of their own in the ledger (\`credits_held\` events) instead of one from a balance lease (ADR 0024).

Command: \`${command_line}\`

| scenario | mode | requests | errors | rps | p50 | p90 | p99 | hub CPU | PG CPU | calls before | direct holds |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(for ((r = 1; r <= credits_rounds; r++)); do suffix=""; ((r > 1)) && suffix="-r$r"; for s in "${scenario_keys[@]}"; do
  label="$(label_of "$s")"; ((credits_rounds > 1)) && label+=", round $r"
  run_row "enterprise-$s$suffix" "$label" enterprise; run_row "credits-$s$suffix" "$label" credits
done; done)
$(run_row "enterprise-hot-c$first_level-after" "one hot account, c=$first_level, after N calls" enterprise)
$(run_row "credits-hot-c$first_level-after" "one hot account, c=$first_level, after N calls" credits)

What PostgreSQL wrote per call in each run (from \`pg_stat_user_tables\` and the WAL position, warm-up included; "?" without psql; the row counts lag by up to a second):

| scenario | mode | WAL bytes | rows inserted | rows updated | rows deleted | autovacuums |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
$(for ((r = 1; r <= credits_rounds; r++)); do suffix=""; ((r > 1)) && suffix="-r$r"; for s in "${scenario_keys[@]}"; do
  label="$(label_of "$s")"; ((credits_rounds > 1)) && label+=", round $r"
  for m in enterprise credits; do printf '| %s | %s | %s |\n' "$label" "$m" "${pg_writes[$m-$s$suffix]:-?}"; done
done; done)

Credits against enterprise (target of issue 16: credits ≥ 0.8× enterprise throughput in every scenario; ${credits_rounds} round(s) of each scenario, judged on the median of their ratios; the rps and latency columns are round 1's):

| scenario | enterprise rps | credits rps | credits/enterprise | every round | median | p50 enterprise → credits | p99 enterprise → credits | ≥ 0.8× (median) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |
$(for s in "${scenario_keys[@]}"; do
  printf '| %s | %s | %s | %s | %s | **%s×** | %s → %s | %s → %s | %s |\n' "$(label_of "$s")" "$(field "enterprise-$s" rps)" "$(field "credits-$s" rps)" \
    "$(ratio "enterprise-$s" "credits-$s")" "$(round_ratios "$s")" "$(median_ratio "$s")" "$(field "enterprise-$s" p50_ms)" "$(field "credits-$s" p50_ms)" \
    "$(field "enterprise-$s" p99_ms)" "$(field "credits-$s" p99_ms)" "$(at_target "$(median_ratio "$s")")"
done)
$(s="hot-c$first_level-after"; m="$(pair_ratio "$s")"
  printf '| %s | %s | %s | %s | %s | **%s×** | %s → %s | %s → %s | %s |\n' "one hot account, c=$first_level, after N calls (one round)" \
    "$(field "enterprise-$s" rps)" "$(field "credits-$s" rps)" "$(ratio "enterprise-$s" "credits-$s")" "$m" "$m" \
    "$(field "enterprise-$s" p50_ms)" "$(field "credits-$s" p50_ms)" "$(field "enterprise-$s" p99_ms)" "$(field "credits-$s" p99_ms)" "$(at_target "$m")")

Cost after N calls on one account (target: independent of N). N = ${hot_calls} asked (BENCH_HOT_ACCOUNT_CALLS), at most ${hot_max_seconds} s: **${fill_made}** calls made, at $(field hot-fill rps) rps over $(field hot-fill seconds) s (c=${max_level:-?}, p50 $(field hot-fill p50_ms) ms, p99 $(field hot-fill p99_ms) ms, $(field hot-fill errors) errors).

| hot account, c=${first_level}, credits mode | calls before | rps | p50 | p99 | hub CPU | PG CPU | credits/enterprise at that moment |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| start | ${calls_before[$hot_start]:-?} | ${start_rps} | $(field "$hot_start" p50_ms) | $(field "$hot_start" p99_ms) | ${hub_cpu_per_call[$hot_start]:-?} | ${pg_cpu_per_call[$hot_start]:-?} | $(ratio "enterprise-hot-c$first_level" "$hot_start") |
| after N calls | ${calls_before[$hot_after]:-?} | ${after_rps} | $(field "$hot_after" p50_ms) | $(field "$hot_after" p99_ms) | ${hub_cpu_per_call[$hot_after]:-?} | ${pg_cpu_per_call[$hot_after]:-?} | $(ratio "enterprise-hot-c$first_level-after" "$hot_after") |

Throughput after N calls / at the start: **${drift}**.

Ledger afterwards (${account_count} accounts read through \`GET /api/admin/credits/{user_id}\`):

| check | value | consistent |
| --- | --- | :---: |
| successful credits-mode calls (load generator, warm-ups and probe included) × cost per call | ${credits_ok_calls} × ${cost_per_call} = $(micros_to_credits "$expected_spent") | |
| sum of \`total_spent\` | $(micros_to_credits "$sum_spent") | $(yes_no "$sum_spent" "$expected_spent") |
| difference (spent − expected; < 0: served but not charged; > 0: charged for calls that answered an error) | $(micros_to_credits $((sum_spent - expected_spent))) | $(yes_no "$sum_spent" "$expected_spent") |
| captures (\`hold_captured\` events, PostgreSQL) | ${captures} | $([[ "$captures" == "?"* ]] && printf '?' || yes_no "$captures" "$credits_ok_calls") |
| releases (\`hold_released\` events, PostgreSQL) | ${releases} | |
| sum of \`held\` (after waiting up to 30 s for it to reach 0) | $(micros_to_credits "$sum_held") | $(yes_no "$sum_held" 0) |
| uncollected | ${uncollected_text} | $([[ "$uncollected_value" == "?" ]] && printf '?' || yes_no "$uncollected_value" 0) |
| sum of \`total_granted\` − \`total_spent\` − \`total_expired\` = sum of \`balance\` | $(micros_to_credits "$sum_granted") − $(micros_to_credits "$sum_spent") − $(micros_to_credits "$sum_expired") = $(micros_to_credits "$sum_balance") | $(yes_no "$accounts_off" 0) ($accounts_off accounts off) |
| audit replay (\`POST /api/admin/credits:audit\`, ${audit_seconds} s) | ${audit_result} | ${audit_ok} |
$([[ "$audit_ok" != yes && -s "$work/audit.json" ]] && printf '\nFirst audit mismatches: `%s`\n' "$(jq -c '.mismatches[:5]' "$work/audit.json" 2>/dev/null | head -c 2000)")

Set-up (${account_count} users, keys and grants through the admin API, ${setup_parallel} requests in flight) took ${setup_seconds} s. Hub RSS ${hub_rss_start} MiB after start-up, $(rss_mib "$hub_pid") MiB at the end. Warning/error lines in the hub's log: ${hub_problems}.

## Machine

- CPU: ${cpu_model:-unknown}, $(nproc) cores (nproc)
- Memory: ${mem_total}
- Kernel: $(uname -sr)
- .NET SDK: $(dotnet --version)
- Load average (1, 5, 15 min) at the start: ${load_at_start}; at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Revision: ${revision}
- Load generator, hub, fake upstream and PostgreSQL (throwaway, \`fsync=off\`, \`synchronous_commit=off\`) all ran on this machine and shared its cores.

## Raw load generator output

\`\`\`json
$(for f in warm-enterprise probe warm-credits; do [[ -f "$work/$f.json" ]] && printf '%s: %s\n' "$f" "$(cat "$work/$f.json")"; done
for s in "${scenario_keys[@]}"; do printf 'enterprise-%s: %s\ncredits-%s: %s\n' "$s" "$(cat "$work/enterprise-$s.json")" "$s" "$(cat "$work/credits-$s.json")"; done
printf 'hot-fill: %s\n' "$(cat "$work/hot-fill.json")"
printf 'enterprise-hot-c%s-after: %s\n' "$first_level" "$(cat "$work/enterprise-hot-c$first_level-after.json")"
printf 'credits-hot-c%s-after: %s\n' "$first_level" "$(cat "$work/credits-hot-c$first_level-after.json")")
\`\`\`
EOF
  )"

  publish_report "$stamp-credits" "$report"
}
