#!/usr/bin/env bash
# yibao run --jobs N settles exactly as --jobs 1: the same settlements, error
# messages (original file and line), reports and exit status, byte for byte.
# Over every golden `run` case, examples/corpus.jsonl with the example and the
# standard policy, and a generated corpus of 1500 claims of 150 members with
# the lines a splitter could get wrong (blank, whitespace, CRLF, byte order
# marks on line 1 and further down, escaped member ids, member_id after the
# items, bad JSON, a key given twice, a last line without a newline).
set -u
Y=${1:-bin/yibao}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

. "$(dirname "$0")/jobs_same.sh"

n=0
for c in tests/golden/*/; do
    CASE=${c%/}
    args=$(sed "s#\$CASE#$CASE#g; s#\$ROOT#$PWD#g" "$CASE/cmd")
    # shellcheck disable=SC2086
    set -- $args
    [ "${1:-}" = run ] || continue
    shift
    if [ -f "$CASE/stdin" ]; then
        for j in 1 2; do "$Y" run "$@" --jobs "$j" < "$CASE/stdin" > "$T/g$j" 2>&1; echo $? >> "$T/g$j"; done
    else
        for j in 1 2; do "$Y" run "$@" --jobs "$j" > "$T/g$j" 2>&1; echo $? >> "$T/g$j"; done
    fi
    if cmp -s "$T/g1" "$T/g2"; then n=$((n + 1)); else bad "golden $CASE: --jobs 2 differs"; diff "$T/g1" "$T/g2" | head -5; fi
done
ok "$n golden run cases: --jobs 2 identical to --jobs 1"

same "corpus, example policy" run examples/hunan-basic.yb examples/corpus.jsonl --report -
same "corpus, standard policy" run stdlib-policies/hunan.yb examples/corpus.jsonl --report -

cc -O2 -o "$T/gen" bench/gen_claims.c || { bad "cannot build gen_claims"; exit 1; }
"$T/gen" 1500 --seed 7 --members 150 --realistic > "$T/c.jsonl"
python3 - "$T/c.jsonl" "$T/edge.jsonl" <<'PY'
import sys, re
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')[:-1]
out = []
for i, l in enumerate(lines):
    if i == 0: l = '\ufeff' + l                      # byte order mark on line 1: skipped
    if i % 97 == 5: out.append('')                   # blank line
    if i % 101 == 7: out.append('   \t')             # whitespace only
    if i % 89 == 3:                                  # the member id escaped: the same member
        l = re.sub(r'"member_id":"4', r'"member_id":"\\u0034', l, count=1)
    if i % 83 == 9:                                  # member_id after the items
        m = re.search(r'"member_id":"[^"]*",', l); l = l.replace(m.group(0), '', 1)[:-1] + ',' + m.group(0)[:-1] + '}'
    if i % 211 == 11: l = l[: len(l) // 2]           # truncated: bad JSON
    if i % 223 == 13: l = l.replace('{"claim_id"', '{"member_id":"X","claim_id"', 1)  # given twice
    if i % 227 == 17: l = '\ufeff' + l               # a mark further down: an error there
    if i % 59 == 19: l = l + '\r'                    # CRLF
    out.append(l)
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(out))  # no newline after the last line
PY
same "edge corpus, example policy" run examples/hunan-basic.yb "$T/edge.jsonl" --report -
same "edge corpus, standard policy" run stdlib-policies/hunan.yb "$T/edge.jsonl" --report -
same "edge corpus twice over (two inputs), example policy" run examples/hunan-basic.yb "$T/edge.jsonl" "$T/c.jsonl"
grep -q "error" "$T/err1" && ok "the edge corpus has record errors ($(grep -c error "$T/err1"))" || bad "the edge corpus has no record errors"
for j in 1 2; do "$Y" run examples/hunan-basic.yb - --jobs "$j" < "$T/edge.jsonl" > "$T/s$j" 2> "$T/e$j"; done
if cmp -s "$T/s1" "$T/s2" && cmp -s "$T/e1" "$T/e2"; then ok "standard input (a file): --jobs 2 identical"; else bad "standard input: --jobs 2 differs"; fi
for j in 1 2; do { IFS= read -r _; IFS= read -r _; "$Y" run examples/hunan-basic.yb - --jobs "$j" > "$T/s$j" 2> "$T/e$j"; } < "$T/edge.jsonl"; done
if cmp -s "$T/s1" "$T/s2" && cmp -s "$T/e1" "$T/e2" && [ "$(wc -l < "$T/s1")" -gt 1000 ]; then ok "standard input read from its third line: --jobs 2 identical"; else bad "standard input from its third line: --jobs 2 differs"; fi
for j in 1 2; do cat "$T/edge.jsonl" | "$Y" run examples/hunan-basic.yb - --jobs "$j" > "$T/s$j" 2> "$T/e$j"; done
if cmp -s "$T/s1" "$T/s2" && cmp -s "$T/e1" "$T/e2"; then ok "standard input (a pipe: one worker): --jobs 2 identical"; else bad "standard input pipe: --jobs 2 differs"; fi
same "explain, example policy" run examples/hunan-basic.yb "$T/c.jsonl" --explain

# Memory stays bounded whatever the input's size: the peak resident size of
# --jobs 2 is --jobs 1's plus a bounded amount (a chunk of input, its
# settlements, a second VM), not the input.  Until the input check gave its
# pages back, the whole file stayed resident (500,000 claims: 732 MiB against
# 41 MiB).  40,000 claims (~60 MB): the extra must stay under a third of the
# input.  ASan's quarantine (freed memory held back) is turned off for this.
peak() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
"$T/gen" 40000 --seed 11 --realistic > "$T/big.jsonl"
kib=$(( $(wc -c < "$T/big.jsonl") / 1024 ))
r1=$(peak "$Y" run examples/hunan-basic.yb "$T/big.jsonl" --jobs 1)
r2=$(peak "$Y" run examples/hunan-basic.yb "$T/big.jsonl" --jobs 2)
if [ $(( r2 - r1 )) -lt $(( kib / 3 )) ]; then
    ok "peak memory bounded: --jobs 2 $r2 KiB, --jobs 1 $r1 KiB on a $kib KiB input"
else
    bad "peak memory grows with the input: --jobs 2 $r2 KiB, --jobs 1 $r1 KiB on a $kib KiB input"
fi
# Inputs the workers cannot split as the file reader reads them, found after
# settlements were written: a line holding a NUL byte (where the file reader
# notices it depends on its buffer), a line longer than a slot (2 MiB), a NUL
# in a last line without a newline.  The batch is read again by one VM from the
# start, written from that slot on: the same output as --jobs 1.
python3 - "$T/big.jsonl" "$T" <<'PY'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:-1]
d = sys.argv[2]
nul = list(lines); nul[20000] = nul[20000][:40] + b'\0' + nul[20000][40:]
open(d + '/nul.jsonl', 'wb').write(b'\n'.join(nul) + b'\n')
big = list(lines); big[30000] = big[30000][:-1] + b',"note":"' + b'x' * (3 << 20) + b'"}'
open(d + '/long.jsonl', 'wb').write(b'\n'.join(big) + b'\n')
open(d + '/tail.jsonl', 'wb').write(b'\n'.join(lines[:9000]) + b'\n' + lines[9000][:30] + b'\0\0\0')
PY
same "a NUL byte on line 20001 of 40,000" run examples/hunan-basic.yb "$T/nul.jsonl" --report -
same "a NUL byte on line 20001 of 40,000, standard policy (reports merged, families grouped)" run stdlib-policies/hunan.yb "$T/nul.jsonl" --report -
same "a line of 3 MiB (line 30001 of 40,000)" run examples/hunan-basic.yb "$T/long.jsonl"
same "a NUL byte in the last line, no newline after it" run examples/hunan-basic.yb "$T/tail.jsonl" "$T/c.jsonl"
grep -q "NUL" "$T/err1" && ok "the NUL byte is reported" || bad "the NUL byte is not reported"
# a full disk: the same message and status (how many claims were settled
# before the write failed depends on how the output is blocked)
for j in 1 2; do "$Y" run examples/hunan-basic.yb "$T/big.jsonl" --jobs "$j" > /dev/full 2> "$T/full$j"; echo $? >> "$T/full$j"; sed -i '/ settled, /d' "$T/full$j"; done
if cmp -s "$T/full1" "$T/full2" && [ "$(tail -1 "$T/full1")" != 0 ]; then ok "output to a full disk: --jobs 2 fails as --jobs 1 ($(head -1 "$T/full1"))"; else bad "output to a full disk: --jobs 2 differs"; diff "$T/full1" "$T/full2"; fi
if "$Y" run examples/hunan-basic.yb "$T/c.jsonl" --jobs 0 > /dev/null 2>&1; then bad "--jobs 0 accepted"; else ok "--jobs 0 refused"; fi
exit $fail
