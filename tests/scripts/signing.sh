#!/usr/bin/env bash
# Signed policies: yibao keygen, yibao sign, run --trust PUB|DIR, --stamp.
# usage: signing.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
C=examples/claims.jsonl
fails=0
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi; }

"$Y" compile stdlib-policies/hunan.yb -o "$T/h.ybc" || exit 1
"$Y" keygen hunan-province -o "$T" 2>/dev/null
"$Y" keygen rogue -o "$T" 2>/dev/null
check "keygen: a secret key readable by its owner only" [ "$(stat -c %a "$T/hunan-province.key")" = 600 ]
check "keygen: the public key names the signer" grep -q '^yibao-ed25519-public hunan-province [0-9a-f]\{64\}$' "$T/hunan-province.pub"
"$Y" keygen hunan-province -o "$T" 2>"$T/e"; rc=$?
check "keygen never overwrites a secret key (exit 1)" [ $rc = 1 ]
check "  and says so" grep -q 'exists; a secret key is never overwritten' "$T/e"

"$Y" sign "$T/h.ybc" --key "$T/hunan-province.key" -o "$T/hs.ybc"
"$Y" sign "$T/h.ybc" --key "$T/rogue.key" -o "$T/hr.ybc"
# a signature is 8 + 32 + 64 = 104 bytes after the image
check "sign: the image followed by a 104-byte signature" [ $(( $(stat -c %s "$T/hs.ybc") - $(stat -c %s "$T/h.ybc") )) = 104 ]
check "  the image itself unchanged" cmp -n "$(stat -c %s "$T/h.ybc")" "$T/h.ybc" "$T/hs.ybc"

"$Y" run "$T/h.ybc" $C >"$T/plain.out" 2>/dev/null
"$Y" run "$T/hs.ybc" $C --trust "$T/hunan-province.pub" --stamp >"$T/signed.out" 2>"$T/e"; rc=$?
check "trusted signature: settles (exit 0)" [ $rc = 0 ]
hash=$(sha256sum "$T/h.ybc" | cut -c1-64)
stamp=",\"policy\":{\"name\":\"湖南 基本医疗保险 (标准)\",\"version\":\"2025.1\",\"hash\":\"$hash\",\"signer\":\"hunan-province\"}}"
check "--stamp: each settlement names the policy, its SHA-256 (sha256sum of the .ybc) and signer" \
    cmp <(sed "s/}\$/$stamp/" "$T/plain.out") "$T/signed.out"
"$Y" run "$T/hs.ybc" $C >"$T/nocheck.out" 2>/dev/null
check "a signed policy runs where no key is trusted, settling the same" cmp "$T/plain.out" "$T/nocheck.out"

refused() { # what, file, trust, message
    "$Y" run "$2" $C --trust "$3" >"$T/o" 2>"$T/e"; local rc=$?
    check "$1: refused (exit 1)" [ $rc = 1 ]
    check "  $4" grep -qF "$4" "$T/e"
    check "  nothing settled" [ ! -s "$T/o" ]
}
refused "unsigned with --trust" "$T/h.ybc" "$T/hunan-province.pub" "the policy is not signed, and only policies signed by a trusted key are accepted here"
refused "signed by another key" "$T/hr.ybc" "$T/hunan-province.pub" "which is not trusted here"
# flip one byte: its complement, so the file always changes whatever the byte was
flip_byte() { local f="$1" at="$2" b; b=$(od -An -tu1 -j "$at" -N1 "$f" | tr -d ' ');
  printf "\\$(printf '%03o' $((255 - b)))" | dd of="$f" bs=1 seek="$at" conv=notrunc 2>/dev/null; }
cp "$T/hs.ybc" "$T/flip.ybc"; flip_byte "$T/flip.ybc" 100
refused "a byte of the image changed after signing" "$T/flip.ybc" "$T/hunan-province.pub" "wrongly signed: the signature does not match its bytes"
cp "$T/hs.ybc" "$T/flipsig.ybc"; size=$(stat -c %s "$T/hs.ybc"); flip_byte "$T/flipsig.ybc" $((size - 1))
refused "a byte of the signature changed" "$T/flipsig.ybc" "$T/hunan-province.pub" "wrongly signed"
head -c $((size - 10)) "$T/hs.ybc" >"$T/cut.ybc"
refused "a truncated signed file" "$T/cut.ybc" "$T/hunan-province.pub" "bytes after its .ybc image that are not a yibao signature"
refused "a source policy" stdlib-policies/hunan.yb "$T/hunan-province.pub" "a source policy cannot be signed"
refused "a public key file that is not one" "$T/hs.ybc" "$C" "not a yibao public key file"
mkdir "$T/none"
refused "an empty trust directory" "$T/hs.ybc" "$T/none" "holds no public keys"

mkdir "$T/trust"; cp "$T/hunan-province.pub" "$T/rogue.pub" "$T/trust/"
"$Y" run "$T/hr.ybc" $C --trust "$T/trust" --stamp >"$T/o" 2>/dev/null
check "a trust directory: every *.pub in it is trusted (signer rogue)" grep -q '"signer":"rogue"}}$' "$T/o"

"$Y" sign $C --key "$T/rogue.key" -o "$T/x.ybc" 2>"$T/e"; rc=$?
check "sign: not a .ybc: exit 1" [ $rc = 1 ]
check "  'not a compiled policy'" grep -q 'not a compiled policy (.ybc)' "$T/e"
"$Y" sign "$T/h.ybc" --key "$T/rogue.pub" -o "$T/x.ybc" 2>"$T/e"; rc=$?
check "sign: a public key is not a secret key: exit 1" [ $rc = 1 ]
# CSV: the same four values as columns after the policy's own (no quoting: none holds , " or an edge space)
"$Y" run "$T/h.ybc" $C --format csv >"$T/plain.csv" 2>/dev/null
"$Y" run "$T/hs.ybc" $C --trust "$T/hunan-province.pub" --stamp --format csv >"$T/signed.csv" 2>/dev/null; rc=$?
check "--stamp with CSV output: settles (exit 0)" [ $rc = 0 ]
check "  the header gains policy_name,policy_version,policy_hash,policy_signer" \
    [ "$(head -1 "$T/signed.csv")" = "$(head -1 "$T/plain.csv"),policy_name,policy_version,policy_hash,policy_signer" ]
check "  every row gains the policy's name, version, SHA-256 and signer" \
    cmp <(tail -n +2 "$T/plain.csv" | sed "s/\$/,湖南 基本医疗保险 (标准),2025.1,$hash,hunan-province/") <(tail -n +2 "$T/signed.csv")
check "  one row per claim, as without --stamp" [ "$(wc -l <"$T/signed.csv")" = "$(wc -l <"$T/plain.csv")" ]
"$Y" run "$T/h.ybc" $C --stamp -o "$T/unsigned.csv" 2>/dev/null
check "  -o FILE.csv with --stamp, an unsigned policy: the signer column is empty" \
    cmp <(tail -n +2 "$T/plain.csv" | sed "s/\$/,湖南 基本医疗保险 (标准),2025.1,$hash,/") <(tail -n +2 "$T/unsigned.csv")
exit $((fails > 0))
