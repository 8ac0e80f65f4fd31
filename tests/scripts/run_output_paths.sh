#!/usr/bin/env bash
# run: -o FILE.csv writes CSV; --report and -o paths are checked before the batch starts.
# usage: run_output_paths.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fi; }
C=tests/golden/test_cases/claims.jsonl
P=tests/golden/test_cases/policy.yb
"$Y" run $P $C -o "$T/out.csv" --report /dev/null 2> /dev/null
check "-o out.csv: exit 0" [ $? = 0 ]
# C1 fund 850.00 (1,000 x 85%), C2 150.00 (the cap's room): CSV rows under the output names
check "  a CSV header of the outputs" grep -qx 'claim_id,status,total,fund,copay,reasons,alerts' "$T/out.csv"
check "  C2 as a CSV row" grep -qx 'C2,settled,400.00,150.00,250.00,,' "$T/out.csv"
"$Y" run $P $C -o "$T/o.jsonl" --format jsonl --report /dev/null 2> /dev/null
check "--format jsonl wins over the name" grep -q '^{"claim_id":"C1"' "$T/o.jsonl"
"$Y" run $P $C -o "$T/o2.jsonl" --report "$T/no/such/dir/r.jsonl" > /dev/null 2> "$T/err"
check "--report to a directory that does not exist: exit 1" [ $? = 1 ]
check "  said before the batch, no settlement written" bash -c "grep -q 'cannot write $T/no/such/dir/r.jsonl' '$T/err' && ! grep -q settled '$T/err' && [ ! -s '$T/o2.jsonl' ]"
"$Y" compare $P tests/golden/test_cases/reform.yb $C --text --html "$T/no/such/dir/r.html" > "$T/c.out" 2> "$T/err"
check "compare --html to a bad path: exit 1 before the batch" bash -c "grep -q 'cannot write' '$T/err' && ! grep -q compared '$T/err'"
