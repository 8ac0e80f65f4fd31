#!/usr/bin/env bash
# Every output is checked: a command whose output cannot be written (here
# /dev/full: the disk is full) says so once, as
#   yibao: cannot write PATH: No space left on device
# (PATH "standard output" for stdout), and exits 1.
# usage: write_errors.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
P=examples/hunan-basic.yb C=examples/claims.jsonl
fails=0
full() { # what, expected path, then the command's arguments (stdout to /dev/full)
    local what=$1 path=$2; shift 2
    "$Y" "$@" >/dev/full 2>"$T/e"; local rc=$?
    local want="yibao: cannot write $path: No space left on device"
    if [ $rc = 1 ] && [ "$(grep -c 'cannot write' "$T/e")" = 1 ] && grep -qxF "$want" "$T/e"; then
        echo "ok: $what"
    else
        echo "FAIL: $what (exit $rc; wanted exit 1 and one line '$want'; stderr:)"; sed 's/^/    /' "$T/e" | head -5
        fails=$((fails + 1))
    fi
}
S="standard output"
full "disasm > /dev/full" "$S" disasm $P
full "explain > /dev/full" "$S" explain $P $C
full "compare > /dev/full" "$S" compare $P examples/variant-changsha.yb $C
full "compare -o /dev/full" /dev/full compare $P examples/variant-changsha.yb $C -o /dev/full
full "bench > /dev/full" "$S" bench $P $C 1
full "--help > /dev/full" "$S" --help
full "--version > /dev/full" "$S" --version
full "run > /dev/full" "$S" run $P $C
full "run -o /dev/full" /dev/full run $P $C -o /dev/full
full "run --format csv > /dev/full" "$S" run $P $C --format csv
# the standard policy has batch reports (a corpus of 326 claims fills them)
full "run --report /dev/full" /dev/full run stdlib-policies/hunan.yb examples/corpus.jsonl -o "$T/s.jsonl" --report /dev/full
full "run --report - > /dev/full" "$S" run stdlib-policies/hunan.yb examples/corpus.jsonl -o "$T/s.jsonl" --report -
full "compile -o /dev/full" /dev/full compile $P -o /dev/full
"$Y" run $P $C --ledger "$T/l.db" >/dev/null 2>&1
full "ledger export > /dev/full" "$S" ledger export "$T/l.db"
full "ledger export -o /dev/full" /dev/full ledger export "$T/l.db" -o /dev/full
full "ledger check > /dev/full" "$S" ledger check "$T/l.db"
# and with room to write, the same commands exit 0
"$Y" disasm $P >/dev/null 2>&1 && "$Y" --help >/dev/null && "$Y" bench $P $C 1 >/dev/null 2>&1 \
    && echo "ok: with room, exit 0" || { echo "FAIL: with room, exit 0"; fails=$((fails + 1)); }
[ $fails = 0 ]
