#!/usr/bin/env bash
# The standard policy splits (compiler/routing.c, io/route_key.c,
# io/route_groups.c, io/report_merge.c): claims of a family (relatives drawing
# on a payer's account) are grouped before they are routed, and the reports
# that `set` (inpatient ratio, out-of-catalog share) are recomputed after the
# merge.  The specification is `--jobs 1`: --jobs 2 and 3 must give the same
# settlements, errors (original line numbers), reports and status, byte for
# byte, and really use that many workers (-v).  Then: a pipe runs on one
# worker and says so; a policy the analysis cannot split says why; shard +
# merge-reports equals one run; and report totals worked out by hand on a
# tiny corpus with a small policy whose report adds, sets and keeps a default.
set -u
Y=${1:-bin/yibao}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
P=stdlib-policies/hunan.yb

cc -O2 -o "$T/gen" bench/gen_claims.c || { bad "cannot build gen_claims"; exit 1; }
"$T/gen" 3000 --seed 14 --members 300 --realistic > "$T/base.jsonl"
# Families: members in groups of 2 to 4 (consecutive in order of first
# appearance, so a family spans members that hash to different workers); a
# third of a family's claims draw on the payer's account (the group's first
# member) with a close relation, some `other` (refused), some with the
# payer's balance, some escaped as \u; payers also settle their own claims.
python3 - "$T/base.jsonl" "$T/fam.jsonl" <<'PY'
import sys, json, random
rnd = random.Random(14)
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
order = []
for l in lines:
    m = json.loads(l)['member_id']
    if m not in order: order.append(m)
payer, i = {}, 0
while i < len(order):
    size = rnd.choice([1, 2, 3, 4])
    for m in order[i:i + size]: payer[m] = order[i]
    i += size
rels = ['spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild', 'other']
out = []
for n, l in enumerate(lines):
    c = json.loads(l)
    p = payer[c['member_id']]
    if p != c['member_id'] and rnd.random() < 0.35:
        ap = {'member_id': p, 'relation': rnd.choice(rels)}
        if rnd.random() < 0.6: ap['balance'] = '%d.%02d' % (rnd.randint(0, 3000), rnd.randint(0, 99))
        c['account_payer'] = ap
    s = json.dumps(c, ensure_ascii=False, separators=(',', ':'))
    if 'account_payer' in c and n % 7 == 0:      # the payer's id escaped: the same payer
        s = s.replace('"account_payer":{"member_id":"4', '"account_payer":{"member_id":"\\u0034', 1)
    if n % 401 == 3: s = s[: len(s) // 2]          # a record error
    out.append(s)
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(out) + '\n')
print(sum(1 for l in out if 'account_payer' in l), 'claims draw on a payer', file=sys.stderr)
PY

. "$(dirname "$0")/jobs_same.sh"

same "families, standard policy" run "$P" "$T/fam.jsonl" --report -
grep -q '"account":"[1-9]' "$T/out1" && ok "accounts paid something" || bad "no account paid anything"
grep -q '"report":"inpatient_reimbursement"' "$T/out1" && grep -q '"report":"out_of_catalog"' "$T/out1" &&
    ok "both reports that set are printed" || bad "a report that sets is missing"
same "families, two inputs" run "$P" "$T/fam.jsonl" examples/corpus.jsonl --report -

# The pre-pass learns the links on every thread, piece by piece (an input is cut into about
# eight pieces a thread: here 3 MB in pieces of 64-200 KB, so lines and families straddle them),
# each into groups of its own, merged at the end.  Edges, each a link that only one line makes,
# between two members alone in their families whose ids hash to different workers with 2 and 3
# workers (so a link missed would split them): the payer's own claims draw on the account first,
# so a claim on the wrong worker would find a fresh account and settle differently.
#   late:  the last line of the file links X1 to Y1 (a payer met only at the end);
#   long:  a line padded to 300 KB (past the pre-pass's 128 KB buffer: it grows to a slot) in the
#          middle links X2 to Y2;
#   split: the link X1 -> Y1 is in the second of two inputs, the payer's claims in the first;
#   huge:  a 3 MiB line (longer than a slot: the batch is settled again by one VM from its slot).
python3 - "$T/fam.jsonl" "$T/edge" <<'PY'
import sys, json
def h(s):
    x = 1469598103934665603
    for c in s.encode(): x = ((x ^ c) * 1099511628211) % 2**64
    return (x >> 1) + 1
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
claims = []
for l in lines:
    try: claims.append(json.loads(l))
    except ValueError: claims.append(None)
fam = {}
for c in claims:
    if c and 'account_payer' in c: fam[c['member_id']] = fam[c['account_payer']['member_id']] = 1
# payers: alone, with their own account, whose first balance exceeds all their claims' amounts
# (some of it is left whenever a relative's claim comes); relatives: any member alone
spent, first, alone = {}, {}, []
for c in claims:
    m = c and c['member_id']
    if not m or m in fam: continue
    if m not in alone: alone.append(m)
    spent[m] = spent.get(m, 0) + sum(float(i['amount']) for i in c['items'])
    if m not in first: first[m] = c
def own(m):
    c = first[m]
    return c['scheme'] == 'employee' and c['member']['status'] in ('in_service', 'retired') and 'account_balance' in c['member']
payers = [m for m in alone if own(m) and float(first[m]['member']['account_balance']) > spent[m] + 1]
pairs, used = [], set()
for b in payers:
    for a in alone:
        if a != b and not {a, b} & used and h(a) % 2 != h(b) % 2 and h(a) % 3 != h(b) % 3:
            pairs.append((a, b)); used |= {a, b}; break
    if len(pairs) == 2: break
assert len(pairs) == 2, pairs
def link(x, y, cid):
    c = json.loads(json.dumps(next(d for d in claims if d and d['member_id'] == x)))
    c['claim_id'] = cid
    it = c['items'][0]                      # a cent more: not a duplicate of the claim copied
    it['amount'] = '%.2f' % (float(it['amount']) + 0.01)
    it.pop('limit', None)
    c['account_payer'] = {'member_id': y, 'relation': 'spouse'}
    return json.dumps(c, ensure_ascii=False, separators=(',', ':'))
late = link(*pairs[0], 'EDGE-LATE')
long_ = link(*pairs[1], 'EDGE-LONG').replace(',"account_payer"', ',' + ' ' * 300000 + '"account_payer"', 1)
split = link(*pairs[0], 'EDGE-SPLIT')     # another run: the late pair again
huge = lines[10].replace(',', ',' + ' ' * (3 << 20), 1)
mid = len(lines) // 2
out = lines[:mid] + [long_] + lines[mid:] + [late]
open(sys.argv[2] + '-late-long.jsonl', 'w', encoding='utf-8').write('\n'.join(out) + '\n')
open(sys.argv[2] + '-second.jsonl', 'w', encoding='utf-8').write(split + '\n' + lines[0] + '\n')
open(sys.argv[2] + '-huge.jsonl', 'w', encoding='utf-8').write('\n'.join(lines[:mid] + [huge] + lines[mid:]) + '\n')
print('edges: late and split', pairs[0], 'long', pairs[1], file=sys.stderr)
PY
same "a link only on the last line, and one on a 300 KB line" run "$P" "$T/edge-late-long.jsonl" --report -
grep -q '"claim_id":"EDGE-LATE".*"account":"[1-9]' "$T/out1" && grep -q '"claim_id":"EDGE-LONG".*"account":"[1-9]' "$T/out1" &&
    ok "the edge claims draw on the payer's account" || bad "an edge claim drew nothing on the account: $(grep EDGE "$T/out1" | cut -c1-200)"
same "a link only in the second input" run "$P" "$T/fam.jsonl" "$T/edge-second.jsonl" --report -
grep -q '"claim_id":"EDGE-SPLIT".*"account":"[1-9]' "$T/out1" && ok "the second input's link draws on the account" || bad "EDGE-SPLIT drew nothing"
same "a 3 MiB line among families (one VM again from its slot)" run "$P" "$T/edge-huge.jsonl" --report -
# the inputs are mapped (batch_jobs.c map_input); the same edges read with pread (YB_JOBS_MAP=0),
# whose pre-pass reads 128 KB at a time, grows its buffer to a slot for the 300 KB line and skips the 3 MiB one
YB_JOBS_MAP=0 same "pread, not mapped: a link on the last line and on a 300 KB line" run "$P" "$T/edge-late-long.jsonl" --report -
YB_JOBS_MAP=0 same "pread, not mapped: a link only in the second input" run "$P" "$T/fam.jsonl" "$T/edge-second.jsonl" --report -
YB_JOBS_MAP=0 same "pread, not mapped: a 3 MiB line" run "$P" "$T/edge-huge.jsonl" --report -
for m in 1 0; do
    YB_JOBS_MAP=$m YB_JOBS_TRACE=1 "$Y" run "$P" "$T/fam.jsonl" --jobs 2 -o /dev/null --report /dev/null 2> "$T/tr$m"
done
grep -q "pre-pass.*inputs mapped" "$T/tr1" && grep -q "pre-pass.*inputs read with pread" "$T/tr0" &&
    ok "the inputs mapped, and with YB_JOBS_MAP=0 read with pread" || bad "mapped or not: $(grep pre-pass "$T/tr1" "$T/tr0")"

# -v: really two workers, routed by groups
"$Y" run "$P" "$T/fam.jsonl" --jobs 2 -v -o /dev/null --report /dev/null 2> "$T/v"
if grep -q "^yibao: --jobs 2: 2 workers, claims routed by member_id grouped with account_payer.member_id ([1-9][0-9]* ids, [1-9][0-9]* groups joined)" "$T/v"; then
    ok "2 workers, by family groups: $(head -1 "$T/v")"
else
    bad "not split by groups: $(cat "$T/v")"
fi
# the split is uneven but real: neither worker settled everything (parts of yibao shard, the same routing)
mkdir "$T/p"
"$Y" shard "$P" "$T/fam.jsonl" -n 2 -o "$T/p" 2> /dev/null
n0=$(wc -l < "$T/p/part-0.jsonl"); n1=$(wc -l < "$T/p/part-1.jsonl")
[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] && ok "the 2 workers' shares: $n0 and $n1 claims" || bad "one worker got every claim ($n0, $n1)"

# a pipe cannot be read twice: one worker, said with --jobs given
for j in 1 2; do cat "$T/fam.jsonl" | "$Y" run "$P" - --jobs "$j" > "$T/s$j" 2> "$T/e$j"; done
if cmp -s "$T/s1" "$T/s2" && grep -q "^yibao: --jobs 2: one worker: claims are grouped by family before they are split, which needs a file, not a pipe" "$T/e2"; then
    ok "a pipe: one worker, the same settlements, and it says why"
else
    bad "a pipe: $(head -2 "$T/e2")"
fi
if "$Y" run "$P" "$T/fam.jsonl" -o /dev/null 2>&1 | grep -q "one worker"; then bad "a note without --jobs"; else ok "no note without --jobs"; fi

# a policy whose key reads something else: one worker, and -v says why
cat > "$T/year.yb" <<'EOF'
policy "year" version "1" effective 2024-01-01
input claim { claim_id: text  member_id: text  date: date  amount: money }
output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }
dated by date
state pool per year of date { paid: money }
rule r
  set fund = min(amount, 100.00 - pool.paid)
  add fund to pool.paid
EOF
printf '{"claim_id":"a","member_id":"m1","date":"2025-01-02","amount":"60.00"}\n{"claim_id":"b","member_id":"m2","date":"2025-01-03","amount":"60.00"}\n' > "$T/y.jsonl"
same "a policy keyed on the year" run "$T/year.yb" "$T/y.jsonl"
"$Y" run "$T/year.yb" "$T/y.jsonl" --jobs 2 -v -o /dev/null 2> "$T/v"
grep -q "^yibao: --jobs 2: one worker: state \`pool\` has no key that is a claim's text field" "$T/v" &&
    ok "a key the analysis cannot split: $(head -1 "$T/v")" || bad "no reason given: $(cat "$T/v")"

# shard + run per part + merge-reports = one run (settlements sorted by claim id)
rm -rf "$T/p" && mkdir "$T/p"
"$Y" shard "$P" "$T/fam.jsonl" -n 3 -o "$T/p"
for k in 0 1 2; do "$Y" run "$P" "$T/p/part-$k.jsonl" -o "$T/p/s$k" --report "$T/p/r$k" 2> /dev/null; done
"$Y" merge-reports "$P" "$T/p/r0" "$T/p/r1" "$T/p/r2" > "$T/merged"
"$Y" run "$P" "$T/fam.jsonl" -o "$T/whole" --report "$T/whole_rep" 2> /dev/null
sortid() { python3 -c 'import sys, json; sys.stdout.write("".join(sorted(open(sys.argv[1]), key=lambda l: json.loads(l)["claim_id"])))' "$1"; }
cat "$T/p/s0" "$T/p/s1" "$T/p/s2" > "$T/parts"
if cmp -s <(sortid "$T/parts") <(sortid "$T/whole"); then ok "shard + run: the settlements of one run ($(wc -l < "$T/whole"))"; else bad "shard + run differs from one run"; fi
if cmp -s "$T/merged" "$T/whole_rep"; then ok "merge-reports: the reports of one run ($(wc -l < "$T/merged") lines)"; else bad "merge-reports differs"; diff "$T/merged" "$T/whole_rep" | head -4; fi
# merge-reports refuses what it cannot merge exactly, naming the file and line; nothing is printed
printf '{"report":"nope","key":[]}\n' > "$T/bad1"
sed 's/"claims":\([0-9]*\)/"claims":"\1"/' "$T/whole_rep" > "$T/bad2"             # an int written as a string
sed 's/"target":"70%"/"target":"71%"/' "$T/whole_rep" > "$T/bad3"               # a fixed field that differs
printf 'not json\n' > "$T/bad4"
for b in "bad1:1: error: the policy has no report \`nope\`" "bad2:[0-9]*: error: field \`claims\` of report" \
         "bad3:[0-9]*: error: report \`inpatient_reimbursement\`: \`target\` differs between parts" "bad4:1: error: not a report line"; do
    f=${b%%:*}
    "$Y" merge-reports "$P" "$T/whole_rep" "$T/$f" > "$T/mout" 2> "$T/merr"; rc=$?
    if [ "$rc" = 1 ] && [ ! -s "$T/mout" ] && grep -q "$T/$b" "$T/merr"; then ok "merge-reports refuses $f: $(cut -c1-90 "$T/merr" | sed "s#$T/##")"; else bad "merge-reports $f: rc $rc, $(cat "$T/merr")"; fi
done
# standard input spooled for the groups: the same parts
rm -rf "$T/q" && mkdir "$T/q"
"$Y" shard "$P" - -n 3 -o "$T/q" < "$T/fam.jsonl"
cmp -s "$T/p/part-1.jsonl" "$T/q/part-1.jsonl" && ok "shard of standard input: the same parts" || bad "shard of standard input differs"

# Report totals by hand: a report that adds, sets a ratio from its totals under
# `if total > 0`, and keeps a default read from the claim (the opener's).
cat > "$T/rep.yb" <<'EOF'
policy "rep" version "1" effective 2024-01-01
enum level { low = 0, high = 1 }
input claim { claim_id: text  member_id: text  date: date  level: level  amount: money
  payer: optional { member_id: text } }
output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }
dated by date
define payer_id = if given(payer) then payer.member_id else member_id
state acct per payer_id { used: money }
rule pay
  set fund = min(amount, 50.00 - acct.used)
  add fund to acct.used
define band = if level = low then "low" else "high"
report share per band when fund > 0.00 {
  claims: int
  total: money
  paid: money
  ratio: rate
  cap: rate = if level = low then 10% else 20%
  met: bool
}
rule shares when fund > 0.00
  add 1 to share.claims
  add amount to share.total
  add fund to share.paid
  if share.total > 0 then
    set share.ratio = share.paid / share.total
  end
  set share.met = share.paid >= round_up(share.total * share.cap)
report opened per year of date when fund > 0.00 { claims: int  first: money = amount }
rule openers when fund > 0.00
  add 1 to opened.claims
EOF
cat > "$T/rep.jsonl" <<'EOF'
{"claim_id":"c1","member_id":"C","date":"2025-01-01","level":0,"amount":"30.00"}
{"claim_id":"c2","member_id":"B","date":"2025-01-02","level":0,"amount":"40.00","payer":{"member_id":"C"}}
{"claim_id":"c3","member_id":"A","date":"2025-01-03","level":1,"amount":"200.00"}
{"claim_id":"c4","member_id":"D","date":"2025-01-04","level":1,"amount":"10.00"}
{"claim_id":"c5","member_id":"C","date":"2025-01-05","level":0,"amount":"5.00"}
EOF
# (The ids are chosen so that C's family (B draws on C's account; its root is the one of B and C
# whose yb_route_hash is less) is not on worker 0 with 2 or 3 workers and A is: worker 0's
# `opened` entry is opened later than C's worker's.  Only B and C are linked: 2 ids.)
# c1: C's account 0 used: fund 30.00 (C used 30.00).  c2: B draws on C: min(40, 50 - 30) = 20.00 (C used 50).
# c3: A: min(200, 50) = 50.00.  c4: D: 10.00.  c5: C: min(5, 50 - 50) = 0.00: no report entry.
# low:  claims 2, total 30 + 40 = 70.00, paid 30 + 20 = 50.00, ratio 50 / 70 = 71.4286% (half up),
#       cap 10% (c1 opened it), met: 50.00 >= round_up(70.00 x 10%) = 7.00: true
# high: claims 2, total 200 + 10 = 210.00, paid 50 + 10 = 60.00, ratio 60 / 210 = 28.5714%,
#       cap 20%, met: 60.00 >= round_up(210.00 x 20%) = 42.00: true
# opened: claims c1 to c4 = 4; first: the amount of c1, which opened it: 30.00
cat > "$T/rep_want" <<'EOF'
{"report":"share","key":["high"],"claims":2,"total":"210.00","paid":"60.00","ratio":"28.5714%","cap":"20%","met":true}
{"report":"share","key":["low"],"claims":2,"total":"70.00","paid":"50.00","ratio":"71.4286%","cap":"10%","met":true}
{"report":"opened","key":[2025],"claims":4,"first":"30.00"}
EOF
same "hand-checked report, small policy" run "$T/rep.yb" "$T/rep.jsonl" --report -
grep '"report"' "$T/out2" > "$T/rep_got"
if cmp -s "$T/rep_got" "$T/rep_want"; then ok "report totals as worked out by hand (--jobs 2)"; else bad "report totals"; diff "$T/rep_got" "$T/rep_want"; fi
"$Y" run "$T/rep.yb" "$T/rep.jsonl" --jobs 2 -v -o /dev/null --report /dev/null 2> "$T/v"
grep -q "2 workers, claims routed by member_id grouped with payer.member_id (2 ids, 1 groups joined)" "$T/v" &&
    ok "the small policy splits by groups" || bad "the small policy: $(cat "$T/v")"

# Peak RSS (the process's largest resident set, KiB): the family pre-pass scans every page of the
# mapped input before the first slot, and drops each piece's pages once learnt (batch_jobs.c
# drop_piece); without that, --jobs 2 held the whole file (150 MB here: 197,248 KiB peak against
# 46,676 for --jobs 1 under ASan; after: 66,220; bin/yibao 175,744 against 22,608, after 42,884).  Bound: --jobs 2's peak under --jobs 1's plus
# half the file (75 MB), with the same output.  RSS is a count, not a timing: the same on a busy machine.
"$T/gen" 100000 --realistic --seed 2025 > "$T/big.jsonl"
peak() { # peak RSS in KiB of yibao run --jobs $1 on big.jsonl, its stdout in $T/big$1
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[3:], stdout=open(sys.argv[1], "w"), stderr=open(sys.argv[2], "w"), check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$T/big$1" "$T/big$1.err" \
        "$Y" run "$P" "$T/big.jsonl" --jobs "$1" --report -
}
r1=$(peak 1) && r2=$(peak 2) || bad "peak RSS: a run failed: $(cat "$T/big1.err" "$T/big2.err" | head -5)"
half=$(($(stat -c %s "$T/big.jsonl") / 2048))
if [ -n "${r2:-}" ] && [ "$r2" -lt $((r1 + half)) ]; then ok "peak RSS of --jobs 2 on a $((half / 512)) MiB file: $r2 KiB, --jobs 1: $r1 KiB (bound: + $half KiB)"
else bad "peak RSS of --jobs 2: ${r2:-?} KiB, --jobs 1: ${r1:-?} KiB, bound + $half KiB"; fi
cmp -s "$T/big1" "$T/big2" && ok "a 100,000-claim file: --jobs 2 equals --jobs 1" || bad "a 100,000-claim file: --jobs 2 differs from --jobs 1"
exit $fail
