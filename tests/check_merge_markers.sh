#!/usr/bin/env bash
# No tracked file holds a merge conflict left unresolved: a line that begins with
# seven '<', '>' or '|' and a space, or a line of exactly seven '=' between them.
# Run from anywhere; exit 0 = pass.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
m='<<<<''<<<'
if git ls-files -z | xargs -0 grep -nIE "^($m|>>>>>>>|\|\|\|\|\|\|\|) " -- 2>/dev/null; then
    echo "error: the lines above are merge conflict markers: resolve the conflict"
    exit 1
fi
exit 0
