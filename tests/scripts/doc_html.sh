#!/usr/bin/env bash
# yibao doc: the standard policy, two variants and a --diff rendered, each page read back from the DOM
# headless Chromium (Debian `chromium`) built from it and held to facts read by hand from the sources:
# parameter values and their dates, comments, the rules' places in the evaluation order, what a variant
# amends against its base, what the 2026 reform changed.  Screenshots prove the pages paint; set
# DOC_SHOTS=DIR to keep them (to look at).
# usage: doc_html.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fi; }

"$Y" doc stdlib-policies/hunan.yb -o "$T/hunan.html" 2> "$T/err"
check "doc of the standard policy exits 0" [ $? = 0 ]
"$Y" doc examples/variant-changsha.yb -o "$T/changsha.html" 2>> "$T/err"
check "doc of a variant (an amended table) exits 0" [ $? = 0 ]
"$Y" doc examples/variant-delivery.yb -o "$T/delivery.html" 2>> "$T/err"
check "doc of a variant (a rule placed in a stage) exits 0" [ $? = 0 ]
"$Y" doc examples/reform-2026.yb --diff stdlib-policies/hunan.yb -o "$T/reform.html" 2>> "$T/err"
check "doc --diff of the 2026 reform against its base exits 0" [ $? = 0 ]
"$Y" doc stdlib-policies/hunan.yb -o - > "$T/stdout.html" 2>> "$T/err"
check "doc -o - writes the same page to standard output" cmp -s "$T/stdout.html" "$T/hunan.html"
check "  and says nothing on stderr" [ ! -s "$T/err" ]
for f in hunan changsha delivery reform; do
    check "$f: the page asks for nothing from the network" \
        bash -c "! grep -qiE '(src|href|action)=[\"'\'']?(https?:)?//|url\\(|@import' '$T/$f.html'"
    check "$f: no script in the page" bash -c "! grep -qi '<script' '$T/$f.html'"
done

# usage errors (2) and a policy that does not compile (1)
"$Y" doc stdlib-policies/hunan.yb > /dev/null 2>&1
check "doc without -o is a usage error" [ $? = 2 ]
"$Y" compile examples/hunan-basic.yb -o "$T/p.ybc" > /dev/null 2>&1
"$Y" doc "$T/p.ybc" -o "$T/x.html" > /dev/null 2>&1
check "doc of a .ybc (no source to quote) is a usage error" [ $? = 2 ]
printf 'policy "x" version "1" effective 2024-01-01\nparam a: money\n  from 2024-01-01: nope\n' > "$T/bad.yb"
"$Y" doc "$T/bad.yb" -o "$T/bad.html" > /dev/null 2> "$T/bad.err"
check "doc of a policy with an error exits 1" [ $? = 1 ]
check "  with the compiler's message" grep -q 'bad.yb.*error' "$T/bad.err"
check "  and writes no page" [ ! -e "$T/bad.html" ]

if ! command -v chromium > /dev/null; then
    echo "ok: chromium is not installed: the rendering checks are skipped (apt-get install chromium)"
    exit 0
fi
render() { # page: the DOM as Chromium built it, and a screenshot
    timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" --dump-dom "file://$T/$1.html" \
        > "$T/$1.dom" 2> /dev/null
    timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" --screenshot="$T/$1.png" \
        --window-size=1280,1800 "file://$T/$1.html" > /dev/null 2>&1
    check "$1: chromium renders the page" grep -q '</html>' "$T/$1.dom"
    check "$1: chromium paints a screenshot" test -s "$T/$1.png"
    if [ -n "${DOC_SHOTS:-}" ]; then mkdir -p "$DOC_SHOTS" && cp "$T/$1.png" "$T/$1.html" "$DOC_SHOTS/"; fi
}
for f in hunan changsha delivery reform; do render $f; done

# The facts, read from the rendered DOM (tests/scripts/doc_facts.py: cells, rules, sections); it
# prints "ok: …" or "FAIL: …" for each.
facts() { python3 tests/scripts/doc_facts.py "$T/$1.dom" "$1" "${@:2}"; }
# hunan.yb, by hand: eligibility.yb:8 waiting_months 0 from 2024-01-01, 3 from 2025-01-01 (seed 002);
# inpatient.yb:15 the table: employee municipal ratio 85%, resident provincial deductible 2000.00;
# the rules in import order: records.yb has 12 (职工身份 is #1), eligibility.yb 5, audit.yb 4 (审核拦截,
# #21, after `stage hold`), capitation.yb 2, so 住院 (inpatient.yb) is #24, in stage pay, and 分娩 #25;
# outpatient.yb's 门诊慢特病 (#27) reads the inpatient table too; 6 invariant lines in hunan.yb, the one
# with `when held` never proved by the compiler (compiler/invariants.c leaves a conditional one to the VM).
facts hunan \
    'cell waiting_months|2024-01-01| = 0' \
    'cell waiting_months|2025-01-01| = 3' \
    'cell waiting_months|2025-01-01| struck 0' \
    'timeline waiting_months' \
    'comment waiting_months ~ 设置参保后固定待遇等待期3个月' \
    'comment inpatient ~ deductible (起付线) and ratio (支付比例)' \
    'cell inpatient.ratio|2024-01-01|employee, municipal = 85%' \
    'cell inpatient.deductible|2024-01-01|resident, provincial = 2000.00' \
    'rule 职工身份 = #1 records' \
    'rule 审核拦截 = #21 hold' \
    'rule 住院 = #24 pay' \
    'rule 分娩 = #25 pay' \
    'readers inpatient ~ #24 住院' \
    'readers inpatient ~ #27 门诊慢特病' \
    'invariants = 6' \
    'invariant fund = 0 when held ~ checked on every settlement' \
    'section s-totals' \
    'nosection amendments' \
    'nosection changes'
# variant-changsha.yb:17 amends the inpatient table from 2026-01-01: resident municipal deductible
# 1200.00 -> 1000.00, resident provincial 2000.00 -> 1600.00, employee primary ratio 93% -> 95%,
# resident primary 85% -> 90%: 4 differences against hunan.yb; employee primary keeps 200.00.
facts changsha \
    'count amendments = 4' \
    'cell inpatient.deductible|2026-01-01|resident, municipal = 1000.00' \
    'cell inpatient.deductible|2026-01-01|resident, municipal was base: 1200.00' \
    'cell inpatient.ratio|2026-01-01|employee, primary = 95%' \
    'cell inpatient.deductible|2026-01-01|employee, primary = 200.00' \
    'datehead inpatient|2026-01-01 ~ amended at examples/variant-changsha.yb:17' \
    'nosection changes'
# variant-delivery.yb:11 places 分娩零自付 `in pay after 分娩`: right after #25, so #26, in pay.
facts delivery \
    'rule 分娩零自付 = #26 pay' \
    'rule 普通门诊统筹 = #27 pay' \
    'badge 分娩零自付 ~ added by this variant' \
    'cell delivery_b_waiver|2024-01-01| = false' \
    'cell delivery_b_waiver|2026-01-01| = true' \
    'count amendments = 2'
# reform-2026.yb: resident ratios +5 points from 2026-01-01 at the five levels (5 differences);
# the employee rows are the base's.
facts reform \
    'count changes = 5' \
    'cell inpatient.ratio|2026-01-01|resident, primary = 90%' \
    'cell inpatient.ratio|2026-01-01|resident, primary was before: 85%' \
    'highlighted inpatient.ratio|2026-01-01|resident, primary' \
    'highlighted inpatient.ratio|2026-01-01|resident, provincial' \
    'plain inpatient.ratio|2026-01-01|employee, primary' \
    'cell inpatient.ratio|2026-01-01|employee, primary = 93%' \
    'nosection amendments'
