#!/usr/bin/env bash
# Runs every test and ends with the line "N passed, N failed".
#   unit tests:   cmocka binaries given on the command line
#   checks:       tests/check_*.sh — shell checks of the tree, one test each (exit 0 = pass)
#   fuzz seeds:   the fuzz targets named in YIBAO_FUZZ, each over its seed corpus (tests/fuzz/)
#   golden tests: tests/golden/*/ — each case is a folder with
#       cmd               the arguments to yibao, one line ($CASE is the case folder)
#       stdin             optional: fed to yibao on standard input
#       expected.out      expected standard output ('#' lines are comments: the hand arithmetic)
#       expected.err      optional: expected standard error (same comment rule)
#       expected.status   optional: expected exit status (default 0)
#   script tests: tests/scripts/*.sh — run from the root as `bash SCRIPT YIBAO`; each prints
#       "ok: …" or "FAIL: …" per check and exits non-zero when any failed
set -u
yibao=$1; shift
passed=0; failed=0
root=$(cd "$(dirname "$0")/.." && pwd)

for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then printf '%s\n' "$out" | grep -E 'FAIL|ERROR|error|Sanitizer|runtime error' | head -20; echo "FAILED: $t"; fi
done

# script checks: tests/check_*.sh, one test each, exit 0 = pass
for c in "$root"/tests/check_*.sh; do
    [ -f "$c" ] || continue
    if out=$(bash "$c" 2>&1); then passed=$((passed + 1)); else
        failed=$((failed + 1)); printf '%s\n' "$out" | head -20; echo "FAILED: ${c#"$root"/}"
    fi
done

# fuzz targets (YIBAO_FUZZ: their binaries) over their seed corpora tests/fuzz/corpus/TARGET/
# and the seeds made at build time (build/fuzz/seeds/TARGET/), each file run once (libFuzzer's
# regression mode): one test per target
for fz in ${YIBAO_FUZZ:-}; do
    t=$(basename "$fz")
    seeds=("$root"/tests/fuzz/corpus/"$t"/*)
    [ -d "$root/build/fuzz/seeds/$t" ] && seeds+=("$root"/build/fuzz/seeds/"$t"/*)
    if out=$("$fz" "${seeds[@]}" 2>&1); then passed=$((passed + 1)); else
        failed=$((failed + 1)); printf '%s\n' "$out" | grep -v '^Running:\|^Executed' | tail -30; echo "FAILED: $t (fuzz seeds)"
    fi
done

strip() { grep -v '^#' "$1" 2>/dev/null || true; }

# every golden case runs with the computed-goto build, and again with the
# portable switch dispatch when YIBAO_SWITCH names that build
binaries=("$yibao")
[ -n "${YIBAO_SWITCH:-}" ] && binaries+=("$YIBAO_SWITCH")
for yibao in "${binaries[@]}"; do
for case in "$root"/tests/golden/*/; do
    case=${case%/}
    name=${case#"$root"/}
    [ -f "$case/cmd" ] || continue
    args=$(sed "s#\$CASE#$case#g; s#\$ROOT#$root#g" "$case/cmd")
    tmpo=$(mktemp); tmpe=$(mktemp)
    if [ -f "$case/stdin" ]; then
        (cd "$root" && eval "\"$yibao\" $args" <"$case/stdin" >"$tmpo" 2>"$tmpe"); rc=$?
    else
        (cd "$root" && eval "\"$yibao\" $args" </dev/null >"$tmpo" 2>"$tmpe"); rc=$?
    fi
    want_rc=0; [ -f "$case/expected.status" ] && want_rc=$(cat "$case/expected.status")
    ok=1
    if ! diff -u <(strip "$case/expected.out") "$tmpo" >"$tmpo.diff"; then ok=0; fi
    if [ -f "$case/expected.err" ] && ! diff -u <(strip "$case/expected.err") <(sed "s#$root/##g" "$tmpe") >>"$tmpo.diff"; then ok=0; fi
    if [ "$rc" != "$want_rc" ]; then ok=0; echo "exit status $rc, expected $want_rc" >>"$tmpo.diff"; fi
    if grep -q 'Sanitizer\|runtime error' "$tmpe"; then ok=0; cat "$tmpe" >>"$tmpo.diff"; fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAILED: $name ($(basename "$yibao"))"; head -40 "$tmpo.diff"
    fi
    rm -f "$tmpo" "$tmpe" "$tmpo.diff"
done
done

for s in "$root"/tests/scripts/*.sh; do
    head -c 2 "$s" | grep -q '#!' || continue # sourced by others, not run on its own
    out=$(cd "$root" && bash "$s" "${binaries[0]}" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^ok: ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL: ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if grep -q 'Sanitizer\|runtime error' <<< "$out"; then f=$((f + 1)); fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then printf '%s\n' "$out" | grep -v '^ok: ' | head -30; echo "FAILED: ${s#"$root"/}"; fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
