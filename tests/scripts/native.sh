#!/usr/bin/env bash
# --native LIB=PATH on every command that settles claims (spec.md section 4.19): the
# variant that looks the county drug list up (examples/variant-jiahe-native.yb) settles
# the corpus the same way through run (source and .ybc), run --jobs 2, explain, compare,
# coverage, bench and serve; without the library each of them stops before any claim
# with the error naming the library and the function.  usage: native.sh YIBAO (from the root)
set -u
Y=$1
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok: $what"; else echo "FAIL: $what"; fi; }
P=examples/variant-jiahe-native.yb
C=examples/corpus.jsonl
N="--native capitation=build/native/libcapitation.so"
WANT='native function `drug_on_list` comes from library "capitation", and no library of that name is given'

"$Y" run $P $C $N >"$T/run.out" 2>"$T/run.err"
check "run --native: the corpus settles (326 settled, 0 errors)" grep -qx '326 settled, 0 errors' "$T/run.err"
# the corpus flags capitated drugs whose codes are not on the sample list: those claims are held
held=$(grep -c '"CAPITATION_NOT_LISTED"' "$T/run.out")
check "  the claims with a flagged drug not on the list are held ($held)" [ "$held" -gt 0 ]
"$Y" compile $P -o "$T/p.ybc" 2>/dev/null
"$Y" run "$T/p.ybc" $C $N >"$T/ybc.out" 2>/dev/null
check "a .ybc settles the same with --native" cmp "$T/run.out" "$T/ybc.out"
"$Y" run $P $C $N --jobs 2 >"$T/jobs.out" 2>/dev/null
check "run --jobs 2 settles the same" cmp "$T/run.out" "$T/jobs.out"
check "check --native binds every function" bash -c "'$Y' check $P $N 2>&1 | grep -q 'native functions: 1, every one bound'"
check "check without --native checks the source only" bash -c "'$Y' check $P 2>&1 | grep -q 'not bound: give --native'"
check "explain --native" bash -c "'$Y' explain $P $C $N | grep -q 按人头目录核对"
check "compare --native (a policy against itself: no claim changes)" bash -c "'$Y' compare $P $P $C $N --json | grep -q '\"changed\":0'"
check "coverage --native" "$Y" coverage $P $C $N
check "bench --native" "$Y" bench $P $C 1 $N
for cmd in "run $P $C" "run $T/p.ybc $C" "explain $P $C" "compare $P $P $C" "coverage $P $C" "bench $P $C 1" "check $P --native other=build/native/libnativekinds.so"; do
    # shellcheck disable=SC2086
    "$Y" $cmd >"$T/o" 2>"$T/e"; rc=$?
    check "${cmd%% *} without the library: exit 1, the library and function named, nothing settled" \
        bash -c "[ $rc = 1 ] && grep -qF 'error: $WANT' '$T/e' && ! grep -q settled '$T/o'"
done
check "a --native without = is a usage error (exit 2)" bash -c "'$Y' run $P $C --native capitation; [ \$? = 2 ]"

# ---- yibao serve --native: every policy it loads is bound ----
. tests/scripts/serve_start.sh
"$Y" run "$T/p.ybc" $C $N --stamp >"$T/stamped.out" 2>/dev/null
if serve_start "$T/p.ybc" "$T/s.log" $N; then
    curl -s --max-time 20 --data-binary @$C "http://127.0.0.1:$PORT/settle" >"$T/serve.out"
    check "serve --native: the corpus through POST /settle equals run --stamp" cmp "$T/stamped.out" "$T/serve.out"
else
    echo "FAIL: serve --native did not start"
fi
timeout 20 "$Y" serve "$T/p.ybc" --port 0 >/dev/null 2>"$T/s2.log"; rc=$?
check "serve without the library: refuses to start (exit 1), naming the library and function" \
    bash -c "[ $rc = 1 ] && grep -qF '$WANT' '$T/s2.log'"
