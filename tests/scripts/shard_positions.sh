#!/usr/bin/env bash
# Shard parts merged exactly, fixed report fields included (cli/shard.c,
# io/report_pos.c, io/report_read.c, io/report_merge.c; spec.md 7.8): `yibao
# shard` writes beside each part the original position of each of its lines
# (part-K.pos), `yibao run PART --report R --positions part-K.pos` gives each
# entry of a report with fixed fields the position of the claim that opened
# it ("@opened"), and `yibao merge-reports` keeps the fixed fields of the
# entry opened first in input order: the report of one `yibao run` over the
# whole batch, byte for byte.  First a corpus worked out by hand on which the
# parts disagree; then every shipped policy (and the standard policy with a
# target amended in mid-year over a shuffled corpus, so the parts disagree
# on real claims) against one run.
set -u
Y=${1:-bin/yibao}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# A small policy: each member's fund is capped at 100.00 a year (so the
# claims of one member stay in one part); a report per ward with two fixed
# fields (the amount and date of the claim that opened the entry) and a
# derived one (`gap`, from an added and a fixed field), and a report per
# year with a fixed field.
cat > "$T/w.yb" <<'EOF'
policy "wards" version "1" effective 2024-01-01
input claim { claim_id: text  member_id: text  ward: text  date: date  amount: money }
output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }
dated by date
state acct per member_id { used: money }
rule pay
  set fund = min(amount, 100.00 - acct.used)
  add fund to acct.used
report wards per ward when fund > 0.00 {
  claims: int
  paid: money
  first_amount: money = amount
  first_date: date = date
  gap: money
}
rule counted when fund > 0.00
  add 1 to wards.claims
  add fund to wards.paid
  set wards.gap = wards.paid - wards.first_amount
report by_year per year of date when fund > 0.00 { claims: int  opener: money = amount }
rule years_count when fund > 0.00
  add 1 to by_year.claims
EOF
cat > "$T/a.jsonl" <<'EOF'
{"claim_id":"a1","member_id":"P","ward":"W1","date":"2025-03-01","amount":"40.00"}
{"claim_id":"a2","member_id":"Q","ward":"W2","date":"2025-02-01","amount":"30.00"}
{"claim_id":"a3","member_id":"Q","ward":"W1","date":"2025-01-15","amount":"50.00"}
EOF
cat > "$T/b.jsonl" <<'EOF'
{"claim_id":"b1","member_id":"P","ward":"W2","date":"2025-01-10","amount":"70.00"}
{"claim_id":"b2","member_id":"R","ward":"W1","date":"2025-04-01","amount":"25.00"}
{"claim_id":"b3","member_id":"Q","ward":"W2","date":"2025-05-01","amount":"90.00"}
{"claim_id":"b4","member_id":"P","ward":"W3","date":"2025-06-01","amount":"15.00"}
EOF
# Funds: P: a1 min(40, 100) = 40 (used 40), b1 min(70, 60) = 60 (used 100), b4 min(15, 0) = 0:
# no entry (W3 is never opened).  Q: a2 30 (used 30), a3 min(50, 70) = 50 (used 80), b3 min(90, 20)
# = 20.  R: b2 25.
# Parts (-n 2; the FNV-1a route hash of member_id, even to part 0): P in part 1; Q and R in part 0.
#   part 0: a2 (input 0 line 2), a3 (0 3), b2 (1 2), b3 (1 3);  part 1: a1 (0 1), b1 (1 1), b4 (1 4).
# One run, in input order (a before b):
#   W1: a1, a3, b2: claims 3, paid 40 + 50 + 25 = 115.00; opened by a1: first 40.00, 2025-03-01;
#       gap 115.00 - 40.00 = 75.00.  Part 0 opened W1 with a3 (the earlier date, the later line):
#       a fixed field the parts disagree on, won by part 1.
#   W2: a2, b1, b3: claims 3, paid 30 + 60 + 20 = 110.00; opened by a2 (input 0 line 2): first
#       30.00, 2025-02-01; gap 110.00 - 30.00 = 80.00.  Part 1 opened W2 with b1 (input 1 line 1:
#       a smaller line number, in a later input): won by part 0.
#   years 2025: a1 a2 a3 b1 b2 b3: claims 6; opened by a1: 40.00 (part 0 opened it with a2: 30.00).
cat > "$T/want" <<'EOF'
{"report":"wards","key":["W1"],"claims":3,"paid":"115.00","first_amount":"40.00","first_date":"2025-03-01","gap":"75.00"}
{"report":"wards","key":["W2"],"claims":3,"paid":"110.00","first_amount":"30.00","first_date":"2025-02-01","gap":"80.00"}
{"report":"by_year","key":[2025],"claims":6,"opener":"40.00"}
EOF
# Each part's entries with where they were opened: [input, line] in shard's inputs.
#   part 0: W1 a3 + b2: 2 claims, 50 + 25 = 75.00, first 50.00 2025-01-15, gap 25.00, at [0,3];
#           W2 a2 + b3: 2 claims, 30 + 20 = 50.00, first 30.00 2025-02-01, gap 20.00, at [0,2];
#           2025: a2 a3 b2 b3, 4 claims, opener a2's 30.00, at [0,2].
#   part 1: W1 a1: 1 claim, 40.00, first 40.00 2025-03-01, gap 0.00, at [0,1];
#           W2 b1: 1 claim, 60.00, first 70.00 2025-01-10, gap 60.00 - 70.00 = -10.00, at [1,1];
#           2025: a1 b1, 2 claims, opener 40.00, at [0,1].
cat > "$T/want0" <<'EOF'
{"report":"wards","key":["W1"],"claims":2,"paid":"75.00","first_amount":"50.00","first_date":"2025-01-15","gap":"25.00","@opened":[0,3]}
{"report":"wards","key":["W2"],"claims":2,"paid":"50.00","first_amount":"30.00","first_date":"2025-02-01","gap":"20.00","@opened":[0,2]}
{"report":"by_year","key":[2025],"claims":4,"opener":"30.00","@opened":[0,2]}
EOF
cat > "$T/want1" <<'EOF'
{"report":"wards","key":["W1"],"claims":1,"paid":"40.00","first_amount":"40.00","first_date":"2025-03-01","gap":"0.00","@opened":[0,1]}
{"report":"wards","key":["W2"],"claims":1,"paid":"60.00","first_amount":"70.00","first_date":"2025-01-10","gap":"-10.00","@opened":[1,1]}
{"report":"by_year","key":[2025],"claims":2,"opener":"40.00","@opened":[0,1]}
EOF
# positions, and a closing line with the part's size: its lines' bytes, each with its newline
# (part 0: a2 a3 b2 b3, part 1: a1 b1 b4; wc counts them, independently of yibao)
bytes() { cat "$@" | wc -c; }
printf '0 2\n0 3\n1 2\n1 3\n# part of %d bytes, 4 lines\n' "$(sed -n '2,3p' "$T/a.jsonl" | cat - <(sed -n '2,3p' "$T/b.jsonl") | bytes)" > "$T/pos0"
printf '0 1\n1 1\n1 4\n# part of %d bytes, 3 lines\n' "$(sed -n '1p' "$T/a.jsonl" | cat - <(sed -n '1p;4p' "$T/b.jsonl") | bytes)" > "$T/pos1"
same_file() { # same_file GOT WANT WHAT
    if cmp -s "$1" "$2"; then ok "$3"; else bad "$3"; diff "$1" "$2" | head -6; fi
}

for j in 1 2; do
    "$Y" run "$T/w.yb" "$T/a.jsonl" "$T/b.jsonl" --jobs $j -o /dev/null --report "$T/whole$j" 2> /dev/null
    same_file "$T/whole$j" "$T/want" "one run --jobs $j: the reports worked out by hand"
done
mkdir "$T/p"
"$Y" shard "$T/w.yb" "$T/a.jsonl" "$T/b.jsonl" -n 2 -o "$T/p"
for k in 0 1; do
    same_file "$T/p/part-$k.pos" "$T/pos$k" "shard: part-$k.pos holds each line's input and line, and the part's size ($(tr '\n' ' ' < "$T/pos$k"))"
    "$Y" run "$T/w.yb" "$T/p/part-$k.jsonl" --jobs 1 -o /dev/null --report "$T/p/r$k" --positions "$T/p/part-$k.pos" 2> /dev/null
    same_file "$T/p/r$k" "$T/want$k" "run part-$k --positions: its entries with where they were opened, by hand"
done
"$Y" merge-reports "$T/w.yb" "$T/p/r0" "$T/p/r1" > "$T/m01" 2> "$T/merr"
same_file "$T/m01" "$T/want" "merge-reports: the fixed fields of the entry opened first (part 1's W1 and year, part 0's W2)"
"$Y" merge-reports "$T/w.yb" "$T/p/r1" "$T/p/r0" -o "$T/m10"
same_file "$T/m10" "$T/want" "merge-reports, the parts in the other order: the same"
# --keep-opened: the merged lines keep where their entries were opened, so merges can be merged
"$Y" merge-reports "$T/w.yb" "$T/p/r0" --keep-opened > "$T/k0"
"$Y" merge-reports "$T/w.yb" "$T/k0" "$T/p/r1" > "$T/m2"
same_file "$T/k0" "$T/want0" "merge-reports --keep-opened of one part: the part's lines"
same_file "$T/m2" "$T/want" "a merge of a merge: the same"

# run --jobs 2 on one worker's entries opened by its second claim (a walk of the worker's
# report entries after each claim once stopped at the end of its rows and missed the keys met
# later, vm/ledger.c yb_ledger_next): Q is on worker 0 and P on worker 1 (as in the parts above).
#   c1 Q W9 10.00: fund 10.00 (Q used 10); c2 Q W8 20.00: fund 20.00 (used 30); c3 P W8 30.00: 30.00.
#   W8: claims 2, paid 50.00, opened by c2 (line 2, before c3): first 20.00 2025-01-02, gap 30.00.
#   W9: claims 1, paid 10.00, first 10.00 2025-01-01, gap 0.00.  2025: 3 claims, opener c1's 10.00.
cat > "$T/c.jsonl" <<'EOF'
{"claim_id":"c1","member_id":"Q","ward":"W9","date":"2025-01-01","amount":"10.00"}
{"claim_id":"c2","member_id":"Q","ward":"W8","date":"2025-01-02","amount":"20.00"}
{"claim_id":"c3","member_id":"P","ward":"W8","date":"2025-01-03","amount":"30.00"}
EOF
cat > "$T/want_c" <<'EOF'
{"report":"wards","key":["W8"],"claims":2,"paid":"50.00","first_amount":"20.00","first_date":"2025-01-02","gap":"30.00"}
{"report":"wards","key":["W9"],"claims":1,"paid":"10.00","first_amount":"10.00","first_date":"2025-01-01","gap":"0.00"}
{"report":"by_year","key":[2025],"claims":3,"opener":"10.00"}
EOF
for j in 1 2; do
    "$Y" run "$T/w.yb" "$T/c.jsonl" --jobs $j -o /dev/null --report "$T/c$j" 2> /dev/null
    same_file "$T/c$j" "$T/want_c" "--jobs $j: an entry a worker's second claim opened first keeps that claim's fixed fields"
done

# --positions on a part settled by several workers: the same lines (the workers' openings merged)
rm -rf "$T/q" && mkdir "$T/q"
"$Y" shard "$T/w.yb" "$T/a.jsonl" "$T/b.jsonl" -n 1 -o "$T/q"
for j in 1 2 3; do
    "$Y" run "$T/w.yb" "$T/q/part-0.jsonl" --jobs $j -o /dev/null --report "$T/q/r$j" --positions "$T/q/part-0.pos" 2> /dev/null
done
# one part: every entry opened where one run opened it: W1 a1 [0,1], W2 a2 [0,2], 2025 a1 [0,1]
sed -e 's/"gap":"75.00"/&,"@opened":[0,1]/' -e 's/"gap":"80.00"/&,"@opened":[0,2]/' -e 's/"opener":"40.00"/&,"@opened":[0,1]/' "$T/want" > "$T/want_one"
same_file "$T/q/r1" "$T/want_one" "run of a single part --positions: the entries opened at a1, a2, a1"
cmp -s "$T/q/r1" "$T/q/r2" && cmp -s "$T/q/r1" "$T/q/r3" && ok "run --positions --jobs 2 and 3: the same lines" || bad "run --positions --jobs 2/3 differ"

# Without positions the parts cannot say which entry was opened first: an error, never a guess
for k in 0 1; do "$Y" run "$T/w.yb" "$T/p/part-$k.jsonl" -o /dev/null --report "$T/p/plain$k" 2> /dev/null; done
expect_refusal() { # expect_refusal WHAT PATTERN FILES...
    local what=$1 pat=$2
    shift 2
    "$Y" merge-reports "$T/w.yb" "$@" > "$T/mout" 2> "$T/merr"; local rc=$?
    if [ "$rc" = 1 ] && [ ! -s "$T/mout" ] && grep -q -- "$pat" "$T/merr"; then ok "$what: $(head -c 150 "$T/merr" | sed "s#$T/##g")"
    else bad "$what: rc $rc, $(cat "$T/merr")"; fi
}
expect_refusal "parts without positions that disagree" "p/plain1:1: error: report \`wards\`: \`first_amount\` differs between parts" "$T/p/plain0" "$T/p/plain1"
expect_refusal "one part with positions, one without" "p/plain1:1: error: report \`wards\`: \`first_amount\` differs" "$T/p/r0" "$T/p/plain1"
sed 's/,"@opened":\[0,1\]/,"@opened":[0,3]/' "$T/p/r1" > "$T/same_at"
expect_refusal "two parts whose entries were opened on the same line" "same_at:1: error: report \`wards\`: two parts opened" "$T/p/r0" "$T/same_at"
for bad_at in '[0]' '[-1,2]' '[0,0]' '"0 2"' '[0,2,3]' '[8388608,1]'; do
    sed "s/,\"@opened\":\[0,1\]/,\"@opened\":$bad_at/" "$T/p/r1" > "$T/bad_at"
    expect_refusal "\"@opened\":$bad_at" "bad_at:1: error: \"@opened\" is not a position" "$T/bad_at"
done

# run --positions: the file must be the part's
run_refused() { # run_refused WHAT PATTERN STATUS ARGS...
    local what=$1 pat=$2 want=$3
    shift 3
    "$Y" run "$T/w.yb" "$@" -o /dev/null > /dev/null 2> "$T/rerr"; local rc=$?
    if [ "$rc" = "$want" ] && grep -q -- "$pat" "$T/rerr"; then ok "run $what: $(grep -- "$pat" "$T/rerr" | head -1 | head -c 150 | sed "s#$T/##g")"
    else bad "run $what: rc $rc, $(cat "$T/rerr")"; fi
}
P0=("$T/p/part-0.jsonl" --report "$T/r")
B0=$(bytes "$T/p/part-0.jsonl")
printf '0 2\n# part of %d bytes, 1 lines\n' "$B0" > "$T/short.pos"
run_refused "--positions shorter than the part" "short.pos: no position for line 2 of the part" 1 "${P0[@]}" --positions "$T/short.pos"
printf '0 2\n0 x\n1 2\n1 3\n# part of %d bytes, 4 lines\n' "$B0" > "$T/junk.pos"
run_refused "--positions with a bad line" "junk.pos:2: not a position" 1 "${P0[@]}" --positions "$T/junk.pos"
printf '0 2\n0 3\n0 3\n1 3\n# part of %d bytes, 4 lines\n' "$B0" > "$T/order.pos"
run_refused "--positions out of order" "order.pos:3: positions must increase" 1 "${P0[@]}" --positions "$T/order.pos"
head -4 "$T/p/part-0.pos" > "$T/cut.pos"
run_refused "--positions cut short (no closing line)" "cut.pos: no closing line \`# part of BYTES bytes, LINES lines\` after line 4" 1 "${P0[@]}" --positions "$T/cut.pos"
sed 's/4 lines/5 lines/' "$T/p/part-0.pos" > "$T/count.pos"
run_refused "--positions whose closing line counts other lines" "count.pos: 4 positions, but its closing line says 5 lines" 1 "${P0[@]}" --positions "$T/count.pos"
# another part's positions (part 1 has 3 lines: as if the array task's index were one off)
run_refused "--positions of another part" "p/part-1.pos is of a part of $(bytes "$T/p/part-1.jsonl") bytes, but .*p/part-0.jsonl has $B0: not the positions of this part" 1 \
    "${P0[@]}" --positions "$T/p/part-1.pos"
"$Y" run "$T/w.yb" - --report "$T/r" --positions "$T/p/part-0.pos" -o /dev/null < "$T/p/part-0.jsonl" 2> /dev/null &&
    cmp -s "$T/r" "$T/want0" && ok "run --positions on standard input (its size not checked): part 0's lines" || bad "run - --positions"
run_refused "--positions missing" "cannot open $T/none.pos" 1 "${P0[@]}" --positions "$T/none.pos"
run_refused "--positions with two inputs" "--positions takes one claims file" 2 "$T/p/part-0.jsonl" "$T/p/part-1.jsonl" --report "$T/r" --positions "$T/pos0"
run_refused "--positions without --report" "--positions needs --report" 2 "$T/p/part-0.jsonl" --positions "$T/pos0"

# Every shipped policy: shard (3 parts) + run --positions + merge-reports = one run, byte for byte.
# The standard policy with its inpatient target amended from 2025-07-01 (70% -> 72% employee, 60% ->
# 62% resident) over the corpus shuffled: an entry's target is the one in force on the date of the
# claim that opened it, first in input order, so parts opened by claims on either side of July
# disagree.
cat > "$T/midyear.yb" <<EOF
policy "mid-year target" version "1" effective 2024-01-01
import "$PWD/stdlib-policies/hunan.yb"
amend param inpatient_ratio_target
  from 2025-07-01: employee 72%  resident 62%
EOF
python3 -c 'import random, sys; l = open(sys.argv[1]).readlines(); random.Random(7).shuffle(l); sys.stdout.write("".join(l))' \
    examples/corpus.jsonl > "$T/shuffled.jsonl"
N="--native capitation=build/native/libcapitation.so"
for P in stdlib-policies/hunan.yb examples/*.yb "$T/midyear.yb"; do
    b=$(basename "$P" .yb)
    nat=""
    case "$b" in *native*) nat=$N ;; esac
    C=examples/corpus.jsonl
    [ "$b" = midyear ] && C=$T/shuffled.jsonl
    rm -rf "$T/s" && mkdir "$T/s"
    # shellcheck disable=SC2086
    "$Y" run "$P" "$C" $nat --jobs 1 -o "$T/s/whole" --report "$T/s/whole_rep" 2> /dev/null
    "$Y" shard "$P" "$C" -n 3 -o "$T/s" 2> /dev/null
    for k in 0 1 2; do
        # shellcheck disable=SC2086
        "$Y" run "$P" "$T/s/part-$k.jsonl" $nat -o "$T/s/s$k" --report "$T/s/r$k" --positions "$T/s/part-$k.pos" 2> /dev/null
    done
    if "$Y" merge-reports "$P" "$T/s/r0" "$T/s/r1" "$T/s/r2" > "$T/s/merged" 2> "$T/s/merr" && cmp -s "$T/s/merged" "$T/s/whole_rep"; then
        ok "$b: shard + run --positions + merge-reports = one run's reports ($(wc -l < "$T/s/whole_rep") lines; parts of $(cat "$T/s"/part-[012].jsonl | wc -l) claims: $(wc -l < "$T/s/part-0.jsonl") $(wc -l < "$T/s/part-1.jsonl") $(wc -l < "$T/s/part-2.jsonl"))"
    else
        bad "$b: merged reports differ from one run: $(head -c 300 "$T/s/merr")"; diff "$T/s/merged" "$T/s/whole_rep" | head -4
    fi
    # a policy that cannot be split: every claim in part 0, the other parts' reports empty; two
    # reports with lines cannot be merged
    if [ "$b" = variant-jiahe ]; then
        "$Y" merge-reports "$P" "$T/s/r0" "$T/s/r1" "$T/s/whole_rep" > /dev/null 2> "$T/s/merr" &&
            bad "variant-jiahe: two reports with lines merged" ||
            { grep -q "cannot be merged from parts (.*s/r0 and .*s/whole_rep both have lines)" "$T/s/merr" &&
                ok "variant-jiahe, not split: $(sed "s#$T/##g" "$T/s/merr" | head -c 150)" || bad "variant-jiahe: $(cat "$T/s/merr")"; }
    fi
done
# the mid-year case really disagrees: its parts' targets differ, and merging them without positions is refused
grep -h '"report":"inpatient_reimbursement"' "$T/s"/r[012] | grep -o '"target":"[0-9]*%"' | sort -u > "$T/targets"
grep -q '"target":"7[02]%"' "$T/s/whole_rep" && [ "$(grep -c '"7[02]%"' "$T/targets")" = 2 ] &&
    ok "mid-year: parts hold both the 70% and the 72% target; one run keeps the first opener's" || bad "mid-year: no disagreement to test ($(tr '\n' ' ' < "$T/targets"))"
sed 's/,"@opened":\[[0-9,]*\]//' "$T/s/r1" > "$T/s/plain1"
sed 's/,"@opened":\[[0-9,]*\]//' "$T/s/r2" > "$T/s/plain2"
"$Y" merge-reports "$T/midyear.yb" "$T/s/r0" "$T/s/plain1" "$T/s/plain2" > /dev/null 2> "$T/merr" && bad "mid-year merged without positions" ||
    ok "mid-year without positions: $(head -c 120 "$T/merr" | sed "s#$T/##g")"
exit $fail
