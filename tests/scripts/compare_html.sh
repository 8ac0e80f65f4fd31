#!/usr/bin/env bash
# yibao compare --html: the page is rendered in headless Chromium (Debian `chromium`) and the
# figures read back from the rendered DOM are the hand-worked ones of tests/golden/compare_report.
# usage: compare_html.sh YIBAO   (from the repository's root)
# YB_SHOT=FILE.png keeps the screenshot of a page with Chinese in it (the reform of
# tests/golden/compare_json, whose rule 目标 shows in the top claims) for a person to look at.
set -u
Y=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fi; }
G=tests/golden
"$Y" compare --html "$T/r.html" --as-of 2026 $G/test_cases/policy.yb $G/test_cases/reform.yb $G/compare_report/claims.jsonl \
    > "$T/out" 2> "$T/err"
check "compare --html exits 0" [ $? = 0 ]
check "  the page asks for nothing from the network" bash -c "! grep -qiE '(src|href)=\"?(https?:)?//' '$T/r.html'"
check "  no script in the page" bash -c "! grep -qi '<script' '$T/r.html'"
check "  inline SVG charts" grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$T/r.html"
if ! command -v chromium > /dev/null; then
    echo "ok: chromium is not installed: the rendering checks are skipped (apt-get install chromium)"
    exit 0
fi
# --dump-dom prints the document as Chromium built it; --screenshot proves it paints
timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" --dump-dom "file://$T/r.html" \
    > "$T/dom.html" 2> /dev/null
check "chromium renders the page" grep -q '</html>' "$T/dom.html"
# the hand-worked figures (tests/golden/compare_report/expected.out)
check "  fund old 2045.00" grep -q 'id="fund-old">2045.00<' "$T/dom.html"
check "  fund new 2060.00" grep -q 'id="fund-new">2060.00<' "$T/dom.html"
check "  cost +15.00" grep -q 'id="fund-change">+15.00<' "$T/dom.html"
check "  6 claims, 4 changed" grep -q '<span id="claims">6</span> claims compared, <span id="changed">4</span> changed' "$T/dom.html"
check "  2 members affected" grep -q '<span id="members-affected">2</span>' "$T/dom.html"
check "  resident 1195.00 -> 1210.00" grep -q '<td class="k">resident</td><td>5</td><td>4</td><td>1195.00</td><td>1210.00</td><td>+15.00</td>' "$T/dom.html"
check "  histogram: 2 claims in 10 to 100" grep -q '<title>10 to 100: 2</title>' "$T/dom.html"
timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" --screenshot="$T/shot.png" \
    --window-size=1200,1600 "file://$T/r.html" > /dev/null 2>&1
check "chromium paints a screenshot" test -s "$T/shot.png"
# the page asks for Noto Sans CJK: without a CJK font Chinese rule and policy names paint as boxes
check "a CJK font is installed (Debian fonts-noto-cjk)" bash -c "fc-list :lang=zh family | grep -q 'Noto Sans CJK'"
"$Y" compare --html "$T/zh.html" --as-of 2026 $G/compare_json/old.yb $G/compare_json/new.yb $G/compare_report/claims.jsonl \
    > /dev/null 2>&1
check "  a page with Chinese in it: 目标 in the top claims" grep -q '目标' "$T/zh.html"
timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" --screenshot="$T/zh.png" \
    --window-size=1200,1800 "file://$T/zh.html" > /dev/null 2>&1
check "  chromium paints it" test -s "$T/zh.png"
if [ -n "${YB_SHOT:-}" ]; then cp "$T/zh.png" "$YB_SHOT"; fi
