#!/usr/bin/env bash
# A compiled policy splits as its source does (vm/ybc.c section ROUT,
# vm/route_check.c): `run POLICY.ybc --jobs 2` and 3 give the settlements,
# errors, reports and status of `--jobs 1` and of the source, byte for byte,
# really on that many workers (-v); shard + merge-reports with the .ybc give
# one run's reports; signing keeps the routing; and a routing plan that names
# what the program does not have is refused with a clear error, exit 1.
set -u
Y=${1:-bin/yibao}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

cc -O2 -o "$T/gen" bench/gen_claims.c || { bad "cannot build gen_claims"; exit 1; }
"$T/gen" 2000 --seed 21 --members 200 --realistic > "$T/gen.jsonl"
C=("$T/gen.jsonl" examples/corpus.jsonl)

# keep NAME ARGS...: `yibao run ARGS`' stdout, stderr and status into $T/NAME.{out,err,rc}
keep() { local n=$1; shift; "$Y" run "$@" > "$T/$n.out" 2> "$T/$n.err"; echo $? > "$T/$n.rc"; }
same_as() {
    cmp -s "$T/$1.out" "$T/$2.out" && cmp -s "$T/$1.err" "$T/$2.err" && cmp -s "$T/$1.rc" "$T/$2.rc"
}

for P in examples/hunan-basic.yb stdlib-policies/hunan.yb; do
    b=$(basename "$P" .yb)
    "$Y" compile "$P" -o "$T/$b.ybc" || { bad "$P does not compile"; continue; }
    keep src "$P" "${C[@]}" --report -
    for j in 1 2 3; do
        keep "ybc$j" "$T/$b.ybc" "${C[@]}" --report - --jobs "$j"
        same_as src "ybc$j" && ok "$b.ybc --jobs $j: the source's output ($(wc -l < "$T/src.out") lines, status $(cat "$T/src.rc"))" ||
            { bad "$b.ybc --jobs $j differs from the source"; diff "$T/src.out" "$T/ybc$j.out" | head -4; }
    done
    "$Y" run "$T/$b.ybc" "${C[@]}" --jobs 2 -v -o /dev/null --report /dev/null 2> "$T/v"
    grep -q "^yibao: --jobs 2: 2 workers, claims routed by member_id" "$T/v" && ok "$b.ybc -v: $(grep -- '--jobs' "$T/v")" ||
        bad "$b.ybc did not split: $(cat "$T/v")"
    # shard + run per part + merge-reports, all from the .ybc = the source's one run
    rm -rf "$T/p" && mkdir "$T/p"
    "$Y" shard "$T/$b.ybc" "${C[@]}" -n 2 -o "$T/p" 2> "$T/sherr"
    n0=$(wc -l < "$T/p/part-0.jsonl"); n1=$(wc -l < "$T/p/part-1.jsonl")
    [ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] && [ ! -s "$T/sherr" ] && ok "$b.ybc shard: $n0 and $n1 claims" || bad "$b.ybc shard: one part got every claim ($n0, $n1)"
    for k in 0 1; do "$Y" run "$T/$b.ybc" "$T/p/part-$k.jsonl" -o /dev/null --report "$T/p/r$k" 2> /dev/null; done
    "$Y" run "$P" "${C[@]}" -o /dev/null --report "$T/whole" 2> /dev/null
    if "$Y" merge-reports "$T/$b.ybc" "$T/p/r0" "$T/p/r1" > "$T/merged" && cmp -s "$T/merged" "$T/whole"; then
        ok "$b.ybc merge-reports: the source's reports ($(wc -l < "$T/whole") lines)"
    else
        bad "$b.ybc merge-reports differs"
    fi
done

# a policy keyed on a field inside a record: routed by its path, from the .ybc too
cat > "$T/nested.yb" <<'EOF'
policy "n" version "1" effective 2024-01-01
input claim { claim_id: text  date: date  amount: money
  payer: { member_id: text } }
output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }
dated by date
state acct per payer.member_id { used: money }
rule pay
  set fund = min(amount, 50.00 - acct.used)
  add fund to acct.used
EOF
# p1: 30.00, then min(30.00, 50.00 - 30.00) = 20.00; p2: 30.00
printf '{"claim_id":"a","date":"2025-01-02","amount":"30.00","payer":{"member_id":"p1"}}\n{"claim_id":"b","date":"2025-01-03","amount":"30.00","payer":{"member_id":"p2"}}\n{"claim_id":"c","date":"2025-01-03","amount":"30.00","payer":{"member_id":"p1"}}\n' > "$T/n.jsonl"
"$Y" compile "$T/nested.yb" -o "$T/n.ybc" &&
    "$Y" run "$T/n.ybc" "$T/n.jsonl" --jobs 2 -v 2> "$T/v" | grep -o '"fund":"[0-9.]*"' | tr '\n' ' ' > "$T/f"
if [ "$(cat "$T/f")" = '"fund":"30.00" "fund":"30.00" "fund":"20.00" ' ] && grep -q "2 workers, claims routed by payer.member_id" "$T/v"; then
    ok "a nested key: the .ybc splits by payer.member_id and pays 30.00, 30.00, 20.00"
else
    bad "a nested key: $(cat "$T/f") $(cat "$T/v")"
fi

# a signed .ybc: the signature covers the image, routing included; it still splits
"$Y" keygen prov -o "$T" 2> /dev/null
"$Y" sign "$T/hunan.ybc" --key "$T/prov.key" -o "$T/hs.ybc"
keep signed "$T/hs.ybc" "${C[@]}" --report - --jobs 2 --trust "$T/prov.pub"
keep plain "$T/hunan.ybc" "${C[@]}" --report - --jobs 2
same_as plain signed && ok "a signed .ybc, trusted: the same output on 2 workers" || bad "a signed .ybc differs"

# A hostile plan, checksum resealed: each refused with the routing plan named, exit 1.
# ROUT (vm/ybc.c put_route): i32 route_field, u8 plan, u32 nregs + classes, u32 nids + ids,
# str why, u32 nsets + 16 bytes each, u32 nnodes + 24 bytes each (u8 kind, u8 mode, u16 opcode, i32 a b c, i64 k).
python3 - "$T/hunan.ybc" "$T" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, 'rb').read())
pos = 32
while data[pos:pos + 4] != b'ROUT':
    pos += 8 + struct.unpack_from('<I', data, pos + 4)[0]
r = pos + 8
nregs = struct.unpack_from('<I', data, r + 5)[0]
ids = r + 9 + nregs
nids = struct.unpack_from('<I', data, ids)[0]
why = ids + 4 + 4 * nids
sets = why + 4 + struct.unpack_from('<I', data, why)[0]
nsets = struct.unpack_from('<I', data, sets)[0]
nodes = sets + 4 + 16 * nsets
nnodes = struct.unpack_from('<I', data, nodes)[0]
assert nsets > 0 and nnodes > 1, (nsets, nnodes)
# the last node reads itself (a cycle); a class 9; route field past the schema; a set of node 99999;
# an opcode that is no arithmetic (HALT, 0); a grouped field that is no text field
last = nodes + 4 + 24 * (nnodes - 1)
kinds = {'cycle': (last + 4, '<i', nnodes - 1), 'class': (r + 9, '<B', 9), 'field': (r, '<i', 99999),
         'set': (sets + 4 + 12, '<i', 99999), 'ids': (ids + 8, '<i', -1)}
for name, (at, fmt, v) in kinds.items():
    d = bytearray(data)
    struct.pack_into(fmt, d, at, v)
    if name == 'cycle' and d[last] != 2:  # not a BIN node: make one, reading itself
        d[last] = 2
    h = 1469598103934665603
    for b in d[32:]:
        h = ((h ^ b) * 1099511628211) & 0xffffffffffffffff
    struct.pack_into('<Q', d, 24, h)
    open(f'{out}/bad-{name}.ybc', 'wb').write(d)
PY
for k in cycle class field set ids; do
    "$Y" run "$T/bad-$k.ybc" examples/claims.jsonl > "$T/o" 2> "$T/e"; rc=$?
    if [ "$rc" = 1 ] && [ ! -s "$T/o" ] && grep -q "does not verify: routing plan: " "$T/e"; then
        ok "a hostile plan ($k) refused: $(head -1 "$T/e" | cut -c1-110)"
    else
        bad "a hostile plan ($k): rc $rc, $(head -2 "$T/e")"
    fi
done
exit $fail
