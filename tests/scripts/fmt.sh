#!/usr/bin/env bash
# yibao fmt over every policy of the repo: idempotent (fmt of fmt's output is the
# same text) and meaning-preserving (the formatted copy compiles to the same
# .ybc code, constant, parameter, schema and state sections, and `yibao disasm`
# is equal once source lines and file names are taken out); canonical over
# mutated layouts (tests/scripts/fmt_mutate.py widens the spaces between words,
# adds trailing white space and doubles blank lines: each mutated policy still
# compiles to the original's program, and fmt turns it into exactly the
# formatted original);
# then the hand-written cases of tests/fmt/ (NAME.yb -> NAME.expected) and the
# --check / -w / stdin modes.   usage: bash tests/scripts/fmt.sh YIBAO
set -u
yibao=$(realpath "$1")
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the disassembly without what formatting may move: source line notes, file names
norm() { "$yibao" disasm "$1" | sed -e '/\.yb:[0-9]/d' -e 's/ (from [^)]*)$//'; }

# two copies of the policy tree (imports are relative), the second formatted in place
mkdir -p "$tmp/orig/tests" "$tmp/fmtd/tests" "$tmp/mut/tests"
for t in orig fmtd mut; do cp -r examples stdlib-policies "$tmp/$t/"; cp -r tests/golden tests/fmt "$tmp/$t/tests/"; done
n=0; same=0; compiled=0
while IFS= read -r f; do
    n=$((n + 1))
    "$yibao" fmt -w "$tmp/fmtd/$f" 2>"$tmp/err" || { bad "fmt -w $f: $(head -1 "$tmp/err")"; continue; }
    "$yibao" fmt <"$tmp/fmtd/$f" >"$tmp/b" || { bad "fmt (stdin) of formatted $f"; continue; }
    if cmp -s "$tmp/fmtd/$f" "$tmp/b"; then same=$((same + 1)); else bad "fmt not idempotent on $f"; diff "$tmp/fmtd/$f" "$tmp/b" | head -5; fi
done < <(find examples stdlib-policies tests/golden tests/fmt -name '*.yb' | sort)
# every policy that compiles compiles to the same program once its whole tree is formatted
while IFS= read -r f; do
    if (cd "$tmp/orig" && "$yibao" compile "$f" -o "$tmp/1.ybc") >/dev/null 2>&1; then
        if (cd "$tmp/fmtd" && "$yibao" compile "$f" -o "$tmp/2.ybc") >/dev/null 2>&1 &&
           diff <(python3 tests/scripts/ybc_sections.py "$tmp/1.ybc") <(python3 tests/scripts/ybc_sections.py "$tmp/2.ybc") >/dev/null &&
           diff <(norm "$tmp/1.ybc") <(norm "$tmp/2.ybc") >/dev/null; then compiled=$((compiled + 1))
        else bad "formatted $f compiles differently"; fi
    elif (cd "$tmp/fmtd" && "$yibao" compile "$f" -o "$tmp/2.ybc") >/dev/null 2>&1; then
        bad "formatted $f compiles, the original does not"
    fi
done < <(find examples stdlib-policies tests/golden tests/fmt -name '*.yb' | sort)
[ "$same" = "$n" ] && ok "fmt idempotent on all $n policies"

# mutated layouts: the same program before fmt, the formatted original's text after it
k=0; canon=0; mcompiled=0
while IFS= read -r f; do
    k=$((k + 1))
    python3 tests/scripts/fmt_mutate.py "$k" <"$f" >"$tmp/mut/$f"
done < <(find examples stdlib-policies tests/golden tests/fmt -name '*.yb' | sort)
cmp -s "$tmp/mut/stdlib-policies/hunan.yb" "$tmp/orig/stdlib-policies/hunan.yb" && bad "the mutation left hunan.yb as it was"
while IFS= read -r f; do
    if (cd "$tmp/orig" && "$yibao" compile "$f" -o "$tmp/1.ybc") >/dev/null 2>&1; then
        if (cd "$tmp/mut" && "$yibao" compile "$f" -o "$tmp/3.ybc") >/dev/null 2>&1 &&
           diff <(python3 tests/scripts/ybc_sections.py "$tmp/1.ybc") <(python3 tests/scripts/ybc_sections.py "$tmp/3.ybc") >/dev/null
        then mcompiled=$((mcompiled + 1)); else bad "mutated $f compiles differently (the mutation changed a token)"; fi
    fi
done < <(find examples stdlib-policies tests/golden tests/fmt -name '*.yb' | sort)
while IFS= read -r f; do
    "$yibao" fmt -w "$tmp/mut/$f" 2>/dev/null || { bad "fmt -w of mutated $f"; continue; }
    if cmp -s "$tmp/mut/$f" "$tmp/fmtd/$f"; then canon=$((canon + 1)); else bad "fmt of mutated $f differs from fmt of $f"; diff "$tmp/fmtd/$f" "$tmp/mut/$f" | head -5; fi
done < <(find examples stdlib-policies tests/golden tests/fmt -name '*.yb' | sort)
[ "$canon" = "$n" ] && ok "fmt of all $n mutated policies is the formatted original ($mcompiled of them compile, mutated, to the original's program)"
ok "$compiled of $n policies compile, to the same bytecode after fmt"
[ "$compiled" -ge 20 ] || bad "only $compiled policies compiled"

# hand-written layouts
for c in tests/fmt/*.yb; do
    want=${c%.yb}.expected
    if "$yibao" fmt "$c" | diff -u "$want" - >"$tmp/diff"; then ok "fmt $c"; else bad "fmt $c"; head -20 "$tmp/diff"; fi
done

# --check names the files that would change and exits 1; a formatted file passes
cp tests/fmt/table.yb "$tmp/t.yb"; cp tests/fmt/table.expected "$tmp/u.yb"
out=$("$yibao" fmt --check "$tmp/t.yb" "$tmp/u.yb"); rc=$?
[ "$rc" = 1 ] && [ "$out" = "$tmp/t.yb" ] && ok "--check" || bad "--check: rc $rc, out '$out'"
"$yibao" fmt --check "$tmp/u.yb" >/dev/null && ok "--check on formatted file" || bad "--check on formatted file"
# -w rewrites in place and leaves no temporary file behind
"$yibao" fmt -w "$tmp/t.yb" && cmp -s "$tmp/t.yb" tests/fmt/table.expected && ok "-w" || bad "-w"
[ "$(ls "$tmp" | grep -c fmt-)" = 0 ] && ok "-w leaves no temp file" || bad "-w left a temp file"
"$yibao" fmt -w /nonexistent/x.yb 2>/dev/null; [ $? = 2 ] && ok "unreadable file: exit 2" || bad "unreadable file"
"$yibao" fmt --bogus 2>/dev/null; [ $? = 2 ] && ok "unknown option: exit 2" || bad "unknown option"
[ "$fails" = 0 ]
