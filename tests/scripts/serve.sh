#!/usr/bin/env bash
# yibao serve on loopback: the shipped corpus through the service equals
# `yibao run --stamp`; bad requests get 4xx with the batch's own error text;
# a policy swapped in while clients stream settles every claim exactly once,
# each stamped with its policy; truncated, bit-flipped and wrongly signed
# files are refused while the service goes on.  Every wait is bounded.
# usage: serve.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
# flip FILE OFFSET: the lowest bit of one byte changed (never a no-op)
flip() { local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '); printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi; }
C=examples/corpus.jsonl

# start POLICY LOG [options]: a server on a free port; sets PORT
. tests/scripts/serve_start.sh
start() { serve_start "$@" || { echo "FAIL: the server did not start"; exit 1; }; }
post() { curl -s --max-time 20 --data-binary @- "http://127.0.0.1:$PORT$1"; }

"$Y" compile stdlib-policies/hunan.yb -o "$T/v1.ybc" || exit 1
"$Y" compile examples/variant-changsha.yb -o "$T/v2.ybc" || exit 1
"$Y" run "$T/v1.ybc" $C --stamp >"$T/run.out" 2>/dev/null

# ---- the corpus as one JSON Lines body, and claim by claim ----
start "$T/v1.ybc" "$T/a.log"
post /settle <$C >"$T/lines.out"
check "the corpus as one JSON Lines body: the settlements of yibao run --stamp" cmp "$T/run.out" "$T/lines.out"
start "$T/v1.ybc" "$T/b.log"
while IFS= read -r line; do printf '%s\n' "$line" | post /settle; done <$C >"$T/one.out"
check "the corpus claim by claim (326 requests): the same settlements" cmp "$T/run.out" "$T/one.out"
check "/metrics counts 326 claims, 0 errors" bash -c "curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_claims_total 326' && curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_claim_errors_total 0'"
check "/metrics has the latency histogram" bash -c "curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_request_seconds_count 326'"
check "/health" bash -c "curl -s http://127.0.0.1:$PORT/health | grep -q '\"status\":\"ok\"'"
check "/policy names the policy, version and hash" bash -c "curl -s http://127.0.0.1:$PORT/policy | grep -q '\"version\":\"2025.1\",\"hash\":\"$(sha256sum "$T/v1.ybc" | cut -c1-64)\"'"

# ---- bad requests: 4xx, the batch's error text ----
bad='{"claim_id":"X","member_id":"M","scheme":"employee","member":{"status":"retired","enrolled_on":"2010-13-01"},"visit":{"kind":"inpatient","date":"2025-03-01","level":3},"items":[{"code":"A1","class":"A","amount":"1.00"}]}'
printf '%s\n' "$bad" >"$T/bad.jsonl"
"$Y" run "$T/v1.ybc" "$T/bad.jsonl" 2>&1 >/dev/null | head -1 | sed "s|^$T/bad.jsonl:|request:|" >"$T/want.err"
code=$(printf '%s\n' "$bad" | curl -s -o "$T/bad.out" -w '%{http_code}' --data-binary @- "http://127.0.0.1:$PORT/settle")
check "a bad claim: 422" [ "$code" = 422 ]
check "  with the batch's error text ($(cat "$T/want.err"))" grep -qF "\"error\":\"$(sed 's/"/\\"/g' "$T/want.err")\"" "$T/bad.out"
code=$(printf '' | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "http://127.0.0.1:$PORT/settle")
check "an empty body: 400" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nowhere")
check "an unknown path: 404" [ "$code" = 404 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/settle")
check "GET /settle: 405" [ "$code" = 405 ]
{ head -1 $C; printf '%s\n' "$bad"; sed -n 2p $C; } | post /settle >"$T/mixed.out"
check "a JSON Lines body with a bad line: an error line in its place, the rest settled" \
    bash -c "[ \$(wc -l <'$T/mixed.out') = 3 ] && sed -n 2p '$T/mixed.out' | grep -q '^{\"line\":2,\"error\":\"request:2: error: member.enrolled_on'"
head -1 $C | post /explain >"$T/x.out"
check "/explain: the settlement and the rules behind it" grep -q '^{"settlement":{"claim_id".*"explain":\[{"rule":' "$T/x.out"
check "the server is still up after all that" bash -c "curl -s http://127.0.0.1:$PORT/health | grep -q ok"

# ---- hot swap while clients stream, signed policies only ----
"$Y" keygen province -o "$T" 2>/dev/null
"$Y" keygen rogue -o "$T" 2>/dev/null
mkdir "$T/live"
"$Y" sign "$T/v1.ybc" --key "$T/province.key" -o "$T/live/a-v1.ybc"
"$Y" sign "$T/v2.ybc" --key "$T/province.key" -o "$T/v2s.ybc"
"$Y" sign "$T/v2.ybc" --key "$T/rogue.key" -o "$T/v2rogue.ybc"
start "$T/live" "$T/swap.log" --trust "$T/province.pub"
swap_pid=${pids[-1]}
h1=$(sha256sum "$T/v1.ybc" | cut -c1-64); h2=$(sha256sum "$T/v2.ybc" | cut -c1-64)
split -n l/3 -d $C "$T/part"
# No sleeps decide the outcome: each client settles the first half of its claims, says so, and
# waits for the swap before the rest; the files are dropped only once every client has begun,
# each after the watcher has logged the one before (a loaded or an idle machine alike).
wait_for() { for _ in $(seq 1200); do eval "$1" && return 0; sleep 0.1; done; echo "FAIL: timed out waiting for: $1"; return 1; }
for k in 0 1 2; do
    ( n=$(wc -l <"$T/part0$k"); i=0
      while IFS= read -r line; do
          i=$((i + 1))
          printf '%s\n' "$line" | post /settle
          if [ "$i" = $((n / 2)) ]; then touch "$T/half$k"; wait_for "[ -e '$T/swapped' ]" >&2; fi
      done <"$T/part0$k" >"$T/client$k.out" ) &
    pids+=($!)
    cpids[$k]=$!
done
wait_for "[ -e '$T/half0' ] && [ -e '$T/half1' ] && [ -e '$T/half2' ]"
# the refused files first, each a newer file in the watched directory
size=$(stat -c %s "$T/v2s.ybc")
head -c $((size - 50)) "$T/v2s.ybc" >"$T/tmp.ybc"; mv "$T/tmp.ybc" "$T/live/b-truncated.ybc"
wait_for "grep -q 'b-truncated' '$T/swap.log'"
cp "$T/v2s.ybc" "$T/tmp.ybc"; flip "$T/tmp.ybc" 2000; mv "$T/tmp.ybc" "$T/live/c-flipped.ybc"
wait_for "grep -q 'c-flipped' '$T/swap.log'"
cp "$T/v2rogue.ybc" "$T/tmp.ybc"; mv "$T/tmp.ybc" "$T/live/d-rogue.ybc"
wait_for "grep -q 'd-rogue' '$T/swap.log'"
cp "$T/v2s.ybc" "$T/tmp.ybc"; mv "$T/tmp.ybc" "$T/live/e-v2.ybc"
wait_for "grep -q 'swapped ' '$T/swap.log'"
touch "$T/swapped"
for k in 0 1 2; do wait "${cpids[$k]}"; done
cat "$T"/client?.out >"$T/all.out"
check "streaming through the swap: 326 settlements" [ "$(wc -l <"$T/all.out")" = 326 ]
check "  every claim exactly once" bash -c "diff <(cut -d, -f1 '$T/all.out' | sort) <(cut -d, -f1 $C | sort)"
check "  each stamped with v1 or v2" bash -c "! grep -v -e '\"hash\":\"$h1\"' -e '\"hash\":\"$h2\"' '$T/all.out'"
check "  both policies settled some (the swap fell mid-stream)" bash -c "grep -q '$h1' '$T/all.out' && grep -q '$h2' '$T/all.out'"
check "  per client, no v1 settlement after a v2 one (one switch, between claims)" \
    bash -c "for k in 0 1 2; do grep -o '\"hash\":\"[0-9a-f]*\"' '$T'/client\$k.out | uniq | tr '\n' ' ' | grep -qv '$h2.*$h1' || exit 1; done"
check "a truncated file refused, logged" grep -q 'refused .*b-truncated.ybc: .*not a yibao signature (truncated or altered); still settling with' "$T/swap.log"
check "a bit-flipped file refused, logged" grep -q 'refused .*c-flipped.ybc: .*wrongly signed' "$T/swap.log"
check "a file signed by an untrusted key refused, logged" grep -q 'refused .*d-rogue.ybc: .*not trusted here' "$T/swap.log"
check "the good one swapped in, logged" grep -q 'swapped .* -> 长沙 基本医疗保险 (local variant) 2026.1' "$T/swap.log"
check "/metrics: 1 swap, 3 refused" bash -c "curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_policy_swaps_total 1' && curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_policy_swaps_refused_total 3'"
check "/policy: the new version, signer province" bash -c "curl -s http://127.0.0.1:$PORT/policy | grep -q '\"version\":\"2026.1\",\"hash\":\"$h2\",\"signer\":\"province\"'"
kill -HUP "$swap_pid"
for _ in $(seq 600); do grep -q 'nothing to swap' "$T/swap.log" && break; sleep 0.1; done
check "SIGHUP reloads (the same file: nothing to swap)" grep -q 'e-v2.ybc is the policy in force already' "$T/swap.log"
exit $((fails > 0))
