# The durable ledger's behaviour, whatever database holds it.  Sourced by
# ledger_sqlite.sh and ledger_pg.sh, which define before sourcing:
#   Y              the yibao binary
#   T              a scratch directory
#   new_ledger N   prints the location of a new, empty ledger named N
# Each check prints "ok: …" or "FAIL: …"; the script's status is the count of failures.
P=stdlib-policies/hunan.yb
C=examples/corpus.jsonl
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# the ledger without what differs between two ledgers holding the same totals:
# when the batches ran, which batch changed an entry, which batch settled which claim,
# and the fingerprints (each ledger has its own key): of those, how many there are
content() {
    "$Y" ledger export "$1" | grep -v '^{"batch":\|^{"fps":\|^{"yibao_ledger":' | sed 's/,"batch":[0-9]*}$/}/'
    "$Y" ledger check "$1" | sed 's/^ok: .*: [0-9]* policies, [0-9]* states, [0-9]* batches, /ok: /'
}
claim_count() { "$Y" ledger check "$1" | sed -n 's/.* \([0-9]*\) claim ids$/\1/p'; }

head -n 163 "$C" > "$T/a.jsonl"
tail -n +164 "$C" > "$T/b.jsonl"

# ---- two batches settle exactly as one run, and leave the ledger one batch leaves
"$Y" run "$P" "$C" > "$T/one.out" 2> /dev/null
L=$(new_ledger split)
"$Y" run "$P" "$T/a.jsonl" --ledger "$L" > "$T/two.out" 2> "$T/a.err"
rc_a=$?
"$Y" run "$P" "$T/b.jsonl" --ledger "$L" >> "$T/two.out" 2> "$T/b.err"
rc_b=$?
check "two batches exit 0" [ "$rc_a$rc_b" = 00 ]
check "two batches report 163 settled each" grep -q '^163 settled, 0 already settled, 0 errors$' "$T/b.err"
check "two batches give the settlements of one run (326 lines)" cmp -s "$T/one.out" "$T/two.out"
W=$(new_ledger whole)
"$Y" run "$P" "$C" --ledger "$W" > /dev/null 2>&1
check "two batches leave the totals one batch leaves" diff <(content "$L") <(content "$W")
check "the ledger holds the 326 claim ids" [ "$(claim_count "$L")" = 326 ]
check "ledger check passes" "$Y" ledger check "$L" > /dev/null

# ---- a batch run again changes nothing
content "$L" > "$T/before"
"$Y" run "$P" "$T/b.jsonl" --ledger "$L" > "$T/rerun.out" 2> "$T/rerun.err"
check "a re-run exits 0" [ $? = 0 ]
check "a re-run settles nothing" [ ! -s "$T/rerun.out" ]
check "a re-run says 0 settled, 163 already settled" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/rerun.err"
check "each claim says when and by which policy it was settled" \
    [ "$(grep -c 'note: claim HN[0-9R]*: already settled on 20[0-9-]* [0-9:]* UTC, by policy 湖南 基本医疗保险 (标准) 2025.1 (batch 2); not counted twice$' "$T/rerun.err")" = 163 ]
check "a re-run leaves the ledger as it was" diff "$T/before" <(content "$L")
check "  not even a batch of its own" "$Y" ledger check "$L" | grep -q ' 2 batches, '
# a claim twice in one batch counts once
head -n 1 "$T/b.jsonl" > "$T/twice.jsonl"; head -n 1 "$T/b.jsonl" >> "$T/twice.jsonl"
D=$(new_ledger twice)
"$Y" run "$P" "$T/twice.jsonl" --ledger "$D" > "$T/twice.out" 2> "$T/twice.err"
check "a claim twice in a batch is settled once" [ "$(wc -l < "$T/twice.out")" = 1 ]
check "the second is noted" grep -q 'twice.jsonl:2: note: claim HN[0-9]*: already settled earlier in this batch' "$T/twice.err"
# a ledger's batch reads each record one ahead of the one it settles (io/batch.c):
# notes, errors and settlements still come in the records' order
{ sed -n 1p "$T/b.jsonl"; echo 'not json'; sed -n 2p "$T/b.jsonl"; sed -n 1p "$T/b.jsonl"; sed -n 3p "$T/b.jsonl"
  echo '{"claim_id":7}'; sed -n 2p "$T/b.jsonl"; } > "$T/mixed.jsonl"
"$Y" run "$P" "$T/mixed.jsonl" --ledger "$(new_ledger mixed)" > "$T/mixed.out" 2> "$T/mixed.err"
check "a batch with bad records and repeats: its messages in the records' order (2, 4, 6, 7)" \
    [ "$(sed -n 's/^.*mixed\.jsonl:\([0-9]*\): \(error\|note\): .*/\1 \2/p' "$T/mixed.err" | tr '\n' ' ')" = "2 error 4 note 6 error 7 note " ]
check "  3 settled, 2 already settled, 2 errors" grep -q '^3 settled, 2 already settled, 2 errors$' "$T/mixed.err"
check "  its settlements those of records 1, 3 and 5 in order" \
    [ "$(sed 's/.*"claim_id":"\([^"]*\)".*/\1/' "$T/mixed.out" | tr '\n' ' ')" = "$(sed -n '1p;2p;3p' "$T/b.jsonl" | sed 's/.*"claim_id":"\([^"]*\)".*/\1/' | tr '\n' ' ')" ]

# ---- the duplicate index lasts too: a claim of batch 1 sent again under a new id is held
head -n 1 "$T/a.jsonl" | sed 's/"claim_id":"[^"]*"/"claim_id":"DUP-1"/' > "$T/dup.jsonl"
"$Y" run "$P" "$T/dup.jsonl" --ledger "$L" > "$T/dup.out" 2> /dev/null
check "a duplicate of a claim of an earlier batch is held (DUPLICATE_CLAIM)" grep -q '"status":"held".*DUPLICATE_CLAIM' "$T/dup.out"
"$Y" run "$P" "$T/dup.jsonl" --ledger "$(new_ledger nodup)" > "$T/dup2.out" 2> /dev/null
check "  (in a ledger without that claim it is settled)" grep -q '"status":"settled"' "$T/dup2.out"

# ---- export, import, export: the same lines; the import still knows the settled claims
"$Y" ledger export "$L" > "$T/e1.jsonl"
I=$(new_ledger imported)
"$Y" ledger import "$I" "$T/e1.jsonl" 2> /dev/null
check "import exits 0" [ $? = 0 ]
"$Y" ledger export "$I" > "$T/e2.jsonl"
check "export, import, export gives the same lines" cmp -s "$T/e1.jsonl" "$T/e2.jsonl"
"$Y" run "$P" "$T/a.jsonl" --ledger "$I" > "$T/imp.out" 2> "$T/imp.err"
check "an imported ledger still knows its settled claims" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/imp.err"
"$Y" ledger import "$I" "$T/e1.jsonl" 2> "$T/imp2.err"
check "import into a ledger that has batches is refused" [ $? = 1 ]
check "  saying why" grep -q 'import goes into a new ledger' "$T/imp2.err"
n=$(grep -n '^{"batch":1,' "$T/e1.jsonl" | cut -d: -f1)
sed "${n}s/\"claims\":163/\"claims\":x/" "$T/e1.jsonl" > "$T/e-bad.jsonl"
J=$(new_ledger badimport)
"$Y" ledger import "$J" "$T/e-bad.jsonl" 2> "$T/imp3.err"
check "a bad export line is refused with its line number" grep -q "e-bad.jsonl:$n: error:" "$T/imp3.err"
check "  and nothing of it imported" [ -z "$("$Y" ledger export "$J" | grep -v '^{"yibao_ledger":')" ]

# ---- show: a member's totals, as text and as JSON (values from the export, one line per state)
M=430102198614
"$Y" ledger show "$L" "$M" > "$T/show.txt"
"$Y" ledger show "$L" "$M" --json > "$T/show.json"
want=$(grep "^{\"entry\":2,\"key\":\[\"$M\",2025\]" "$T/e1.jsonl" | sed 's/.*"basic_paid":"\([0-9.]*\)".*/\1/')
check "show prints the member's 2025 totals" grep -q "^  totals \[2025\]: admissions [0-9]*, basic_paid $want," "$T/show.txt"
check "show --json prints them as JSON" grep -q "\"state\":\"totals\",\"key\":\[\"$M\",2025\],\"values\":{\"admissions\":[0-9]*,\"basic_paid\":\"$want\"" "$T/show.json"
"$Y" ledger show "$L" NOBODY > "$T/show0.txt"
check "show of an unknown member says so" grep -q 'no running totals' "$T/show0.txt"

# ---- a new year opens new totals; the old year's stay as they were
cat > "$T/y1.jsonl" <<'EOF'
{"claim_id":"Y-1","member_id":"ROLL-1","scheme":"resident","member":{"status":"resident","enrolled_on":"2020-01-01"},"visit":{"kind":"inpatient","date":"2025-12-28","discharged_on":"2025-12-31","institution_id":"H430100200","level":2,"designated":true},"items":[{"code":"XA01","class":"A","amount":"10000.00"}]}
EOF
sed 's/Y-1/Y-2/; s/2025-12-28/2026-01-03/; s/2025-12-31/2026-01-06/' "$T/y1.jsonl" > "$T/y2.jsonl"
Ry=$(new_ledger rollover)
"$Y" run "$P" "$T/y1.jsonl" --ledger "$Ry" > "$T/y.out" 2> /dev/null
"$Y" ledger show "$Ry" ROLL-1 > "$T/y1.show"
"$Y" run "$P" "$T/y2.jsonl" --ledger "$Ry" >> "$T/y.out" 2> /dev/null
"$Y" ledger show "$Ry" ROLL-1 > "$T/y2.show"
cat "$T/y1.jsonl" "$T/y2.jsonl" > "$T/y12.jsonl"
"$Y" run "$P" "$T/y12.jsonl" > "$T/y12.out" 2> /dev/null
check "a year rollover across batches settles as one run" cmp -s "$T/y.out" "$T/y12.out"
# each claim is the first admission of its year: admissions 1 under 2025 and 1 under 2026
check "2025 totals: one admission" grep -q '^  totals \[2025\]: admissions 1,' "$T/y2.show"
check "2026 totals: one admission, opened by the 2026 batch" grep -qzP '\n  totals \[2026\]: admissions 1,[^\n]*\n[^\n]*in batch 2\n' "$T/y2.show"
check "the 2025 totals did not change in 2026" diff <(grep -A1 'totals \[2025\]' "$T/y1.show") <(grep -A1 'totals \[2025\]' "$T/y2.show")

# ---- a policy whose states differ is refused, the ledger left as it was
content "$L" > "$T/before"
"$Y" run examples/hunan-basic.yb "$T/a.jsonl" --ledger "$L" > "$T/other.out" 2> "$T/other.err"
check "another policy's states are refused (exit 1)" [ $? = 1 ]
check "  saying how they differ" grep -q "the policy's states do not match the ledger's" "$T/other.err"
check "  and settling nothing" [ ! -s "$T/other.out" ]
check "  leaving the ledger as it was" diff "$T/before" <(content "$L")

# ---- kill -9 at random points of a batch: every time, the ledger is as before the batch
# (or, killed once the batch has committed, as after it: never anything in between)
cc -O2 -o "$T/gen" bench/gen_claims.c && "$T/gen" 20000 --seed 11 --members 2000 --format jsonl > "$T/big.jsonl"
R=$(new_ledger reference)
"$Y" run "$P" "$T/a.jsonl" --ledger "$R" > /dev/null 2>&1
content "$R" > "$T/before"
t0=$(date +%s%N)
"$Y" run "$P" "$T/big.jsonl" --ledger "$R" > /dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
content "$R" > "$T/after"
K=$(new_ledger killed)
"$Y" run "$P" "$T/a.jsonl" --ledger "$K" > /dev/null 2>&1
killed=0
for part in 10 25 40 55 70 85; do
    # a random point in the part'th percent of the batch's time, give or take 7
    d=$(( ms * (part - 7 + RANDOM % 15) / 100 ))
    "$Y" run "$P" "$T/big.jsonl" --ledger "$K" > /dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -9 "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    rc=$?
    content "$K" > "$T/now"
    if [ "$rc" = 137 ] && cmp -s "$T/before" "$T/now"; then
        killed=$((killed + 1))
        ok "killed after ${d} ms of ${ms}: the ledger is as before the batch"
    elif cmp -s "$T/after" "$T/now"; then
        echo "note: killed after ${d} ms of ${ms}, once the batch had committed: the ledger is as after it"
        K=$(new_ledger "killed$part")
        "$Y" run "$P" "$T/a.jsonl" --ledger "$K" > /dev/null 2>&1
    else
        bad "killed after ${d} ms of ${ms} (exit $rc): the ledger is neither as before nor as after the batch"
    fi
done
check "at least 3 batches were killed before their end" [ "$killed" -ge 3 ]
check "ledger check passes after the kills" "$Y" ledger check "$K" > /dev/null
"$Y" run "$P" "$T/big.jsonl" --ledger "$K" > /dev/null 2>&1
check "the batch run to its end after the kills leaves what it leaves without them" diff -q "$T/after" <(content "$K")

# ---- an explicit migration: a field added to totals starts at 0 in every entry, the rest kept
cp -r stdlib-policies "$T/pol"
sed -i 's/^  prenatal_paid: money = ytd.prenatal_paid .*/&\n  dental_paid: money/' "$T/pol/totals.yb"
Mg=$(new_ledger migrate)
"$Y" run "$P" "$T/a.jsonl" --ledger "$Mg" > /dev/null 2>&1
"$Y" ledger show "$Mg" "$M" > "$T/m1.show"
"$Y" run "$T/pol/hunan.yb" "$T/b.jsonl" --ledger "$Mg" > /dev/null 2> "$T/m.err"
check "a policy with a field more is refused without --migrate" grep -q 'state totals: the ledger has `keys text int; fields admissions:int .* prenatal_paid:money`, the policy `keys text int; fields admissions:int .* prenatal_paid:money dental_paid:money`' "$T/m.err"
"$Y" run "$T/pol/hunan.yb" /dev/null --ledger "$Mg" --migrate > /dev/null 2> "$T/m.err"
check "--migrate (with no claims) takes it" [ $? = 0 ]
"$Y" ledger show "$Mg" "$M" > "$T/m2.show"
check "  the new field is 0, the others kept" diff <(sed 's/prenatal_paid \([0-9.]*\)$/prenatal_paid \1, dental_paid 0.00/' "$T/m1.show" | grep -v '^    opened by') <(grep -v '^    opened by' "$T/m2.show")
"$Y" run "$T/pol/hunan.yb" "$T/b.jsonl" --ledger "$Mg" > "$T/m.out" 2> /dev/null
check "  and the next batch runs without --migrate, settling as before" cmp -s "$T/m.out" <(tail -n 163 "$T/one.out")
"$Y" run "$P" "$T/b.jsonl" --ledger "$Mg" > /dev/null 2> "$T/m.err"
check "  after which the old policy is refused" grep -q "the policy's states do not match" "$T/m.err"
