# yibao serve --ledger, whatever database holds the ledger.  Sourced by
# serve_ledger.sh (SQLite) and serve_ledger_pg.sh (PostgreSQL), which define
# before sourcing: Y (the yibao binary), T (a scratch directory), pids (an
# array the caller's exit trap kills) and new_ledger NAME (the location of a
# new, empty ledger).  Checks: the shipped corpus settled claim by claim
# through the service equals `yibao run --ledger` on a fresh ledger
# (settlements, and the ledgers' entries); after a restart the same claims are
# refused as settled already (409; in a JSON Lines body an error line in
# place) and nothing changes; a monthly batch writing the same ledger between
# the service's claims skips what the service settled and the service then
# continues from the batch's totals (never from totals it read before);
# kill -9 mid-stream keeps every claim answered 200 and nothing half-applied;
# a policy whose states differ is refused at start and as a swap.  Every wait
# is bounded.  The script's status is the count of failures.
fails=0
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi; }
C=examples/corpus.jsonl
N=$(grep -c . $C)

# start LOG [options]: a server of the standard policy on a free port (serve_start.sh); sets PORT
. tests/scripts/serve_start.sh
start() {
    local log=$1; shift
    : >"$log"
    serve_start "$T/h.ybc" "$log" "$@" || { echo "FAIL: the server did not start"; exit 1; }
}
stop() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null; unset 'pids[-1]'; }
post() { curl -s --max-time 30 --data-binary @- "http://127.0.0.1:$PORT$1"; }
one_by_one() { while IFS= read -r line; do printf '%s\n' "$line" | post /settle; done; }
# the ledger's entries, with the batch that last wrote each left out (the
# service writes one batch per claim, the run one in all)
entries() { "$Y" ledger export "$1" | grep '^{"entry"' | sed 's/,"batch":[0-9]*}$/}/' | sort; }
# how many claims the ledger's batches settled
settled_in() { "$Y" ledger export "$1" | sed -n 's/^{"batch".*"claims":\([0-9]*\)}$/\1/p' | awk '{s += $1} END {print s + 0}'; }

RUN=$(new_ledger run) SRV=$(new_ledger srv) MIX=$(new_ledger mix) KILL=$(new_ledger kill) SWAP=$(new_ledger swap)
"$Y" compile stdlib-policies/hunan.yb -o "$T/h.ybc" || exit 1
"$Y" run "$T/h.ybc" $C --stamp --ledger "$RUN" >"$T/run.out" 2>/dev/null

# ---- the corpus claim by claim through the service = yibao run --ledger ----
start "$T/a.log" --ledger "$SRV"
one_by_one <$C >"$T/srv.out"
check "the corpus claim by claim ($N requests) through --ledger: the settlements of yibao run --ledger" cmp "$T/run.out" "$T/srv.out"
check "/policy says the totals live in the ledger" bash -c "curl -s http://127.0.0.1:$PORT/policy | grep -qF '\"totals\":\"ledger\",\"ledger\":\"$SRV\"'"
check "/metrics says so too" bash -c "curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_totals_info{where=\"ledger\"} 1'"
check "the log says where the totals live" grep -qF "running totals in the ledger $SRV, one transaction per claim" "$T/a.log"
stop
check "the two ledgers hold the same entries (batch column aside)" cmp <(entries "$RUN") <(entries "$SRV")
check "the service's ledger counts $N claims settled, as the run's" [ "$(settled_in "$SRV")" = "$N" -a "$(settled_in "$RUN")" = "$N" ]
check "yibao ledger check: ok" "$Y" ledger check "$SRV"
# the claim ids and duplicate-check records: as many fingerprints in each index
fps() { "$Y" ledger export "$1" | sed -n 's/^{"fps":\([0-9]*\),"run":[0-9]*,"entries":"\([0-9a-f]*\)".*/\1 \2/p' | awk '{n[$1] += length($2) / 24} END {for (k in n) print k, n[k]}' | sort; }
check "the same number of fingerprints per index (claim ids, records)" cmp <(fps "$RUN") <(fps "$SRV")

# ---- restart: the same claims again are refused, nothing changes ----
"$Y" ledger export "$SRV" >"$T/before.jsonl"
start "$T/b.log" --ledger "$SRV"
code=$(head -1 $C | curl -s -o "$T/dup.out" -w '%{http_code}' --data-binary @- "http://127.0.0.1:$PORT/settle")
check "a claim settled before the restart: 409" [ "$code" = 409 ]
check "  already settled on …, by policy …" grep -q '^{"line":1,"error":"request:1: error: claim HN2025000001: already settled on [0-9-]* [0-9:]* UTC, by policy 湖南 基本医疗保险 (标准) 2025.1 (batch [0-9]*); not counted twice"}$' "$T/dup.out"
post /settle <$C >"$T/again.out"
check "the corpus again as one JSON Lines body: $N error lines, in place, all already settled" \
    bash -c "[ \$(grep -c 'already settled on' '$T/again.out') = $N ] && [ \$(grep -c . '$T/again.out') = $N ] && sed -n '${N}p' '$T/again.out' | grep -q '^{\"line\":$N,'"
check "/metrics counts $((N + 1)) duplicates, 0 settled" bash -c "curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_claims_duplicate_total $((N + 1))' && curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'yibao_claims_total 0'"
stop
check "the ledger is exactly as before" cmp "$T/before.jsonl" <("$Y" ledger export "$SRV")

# ---- a monthly batch between the service's claims ----
# the service settles 1-100; a `yibao run --ledger` over 1-200 skips those
# and settles 101-200 from the service's totals; the service, still running
# (it read members' totals for 1-100), settles 201-N from the batch's totals
sed -n '1,100p' $C >"$T/p1.jsonl"; sed -n '1,200p' $C >"$T/p12.jsonl"; sed -n "201,\$p" $C >"$T/p3.jsonl"
start "$T/c.log" --ledger "$MIX"
one_by_one <"$T/p1.jsonl" >"$T/mix1.out"
"$Y" run "$T/h.ybc" "$T/p12.jsonl" --stamp --ledger "$MIX" >"$T/mix2.out" 2>"$T/mix2.err"
one_by_one <"$T/p3.jsonl" >"$T/mix3.out"
stop
check "the monthly batch reports the service's 100 claims already settled" grep -q '^0*100 settled, 100 already settled, 0 errors$' "$T/mix2.err"
check "  each by its id" [ "$(grep -c 'note: claim [^ ]*: already settled on' "$T/mix2.err")" = 100 ]
# members met in 1-100, then changed by the batch, then met again by the service
stale=$(comm -12 <(grep -o '"member_id":"[^"]*"' "$T/p1.jsonl" | sort -u) <(sed -n '101,200p' $C | grep -o '"member_id":"[^"]*"' | sort -u) |
        comm -12 - <(grep -o '"member_id":"[^"]*"' "$T/p3.jsonl" | sort -u) | wc -l)
check "($stale members are met by the service, changed by the batch, met by the service again)" [ "$stale" -gt 0 ]
check "service 1-100, batch 101-200, service 201-$N: the settlements of one run" cmp "$T/run.out" <(cat "$T/mix1.out" "$T/mix2.out" "$T/mix3.out")
check "  and the same entries as that run's ledger" cmp <(entries "$RUN") <(entries "$MIX")

# ---- kill -9 mid-stream ----
start "$T/d.log" --ledger "$KILL"
kport=$PORT
( while IFS= read -r line; do
    code=$(printf '%s\n' "$line" | curl -s --max-time 5 -o /dev/null -w '%{http_code}' --data-binary @- "http://127.0.0.1:$kport/settle")
    [ "$code" = 200 ] && printf '%s\n' "$line" >>"$T/answered.jsonl"
  done <$C ) &
client=$!
for _ in $(seq 1200); do [ "$(cat "$T/answered.jsonl" 2>/dev/null | grep -c .)" -ge 40 ] && break; sleep 0.05; done
kill -9 "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null; unset 'pids[-1]'
wait $client
answered=$(grep -c . "$T/answered.jsonl")
check "the server answered some claims 200 before kill -9 ($answered)" [ "$answered" -ge 40 -a "$answered" -lt "$N" ]
check "yibao ledger check after kill -9: ok" "$Y" ledger check "$KILL"
inledger=$(settled_in "$KILL")
check "the ledger holds the claims answered, or one more committed as it died ($inledger for $answered)" \
    [ "$inledger" -ge "$answered" -a "$inledger" -le $((answered + 1)) ]
start "$T/e.log" --ledger "$KILL"
post /settle <"$T/answered.jsonl" >"$T/answered.out"
check "every claim answered 200 is in the ledger (all refused as already settled)" [ "$(grep -c 'already settled on' "$T/answered.out")" = "$answered" ]
# the rest, through the restarted service: the whole corpus as one run
sed -n "$((inledger + 1)),\$p" $C | one_by_one >"$T/rest.out"
stop
check "the rest after a restart: the same entries as the one run" cmp <(entries "$RUN") <(entries "$KILL")

# ---- a policy whose states do not fit the ledger: refused at start, and as a swap ----
cp -r stdlib-policies "$T/sp"
sed -i 's/^  admissions: int = ytd.admissions/&\n  spare: int = 0/' "$T/sp/totals.yb"
"$Y" compile "$T/sp/hunan.yb" -o "$T/other.ybc" || exit 1
"$Y" serve "$T/other.ybc" --port 0 --ledger "$SRV" 2>"$T/other.log" &
p=$!
for _ in $(seq 1200); do kill -0 $p 2>/dev/null || break; sleep 0.05; done
kill $p 2>/dev/null
wait $p; rc=$?
check "a policy whose states differ from the ledger's: the server does not start" [ "$rc" -ne 0 ]
check "  and says how they differ" grep -q "state totals: the ledger has .*, the policy .*spare:int" "$T/other.log"
mkdir "$T/live"; cp "$T/h.ybc" "$T/live/a.ybc"
: >"$T/f.log"
"$Y" serve "$T/live" --port 0 --poll 50 --ledger "$SWAP" 2>"$T/f.log" &
pids+=($!)
for _ in $(seq 600); do PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/f.log"); [ -n "$PORT" ] && break; sleep 0.1; done
sleep 0.05; cp "$T/other.ybc" "$T/live/b.ybc"
for _ in $(seq 1200); do grep -q "refused $T/live/b.ybc" "$T/f.log" && break; sleep 0.05; done
check "a swap to a policy whose states differ: refused and logged" grep -q "refused $T/live/b.ybc: .*the policy's states do not match the ledger's" "$T/f.log"
check "  the old policy stays" bash -c "curl -s http://127.0.0.1:$PORT/policy | grep -q '\"hash\":\"$(sha256sum "$T/h.ybc" | cut -c1-64)\"'"
check "  and settles" bash -c "head -1 $C | curl -s -o /dev/null -w '%{http_code}' --data-binary @- http://127.0.0.1:$PORT/settle | grep -qx 200"
stop
check "--migrate without --ledger: a usage error" bash -c "'$Y' serve '$T/h.ybc' --migrate 2>&1 | grep -q 'needs --ledger'"

exit "$fails"
