#!/usr/bin/env bash
# The repository cites nothing outside itself: a clone must hold every document a
# file refers to.  Fails when a tracked file names a path on the machine it was
# written on (the work area, the shared brief folder), or cites a docs/ page that
# does not exist.  Run from anywhere; exit 0 = pass.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
self=tests/check_self_contained.sh
bad=0

# paths outside the repository (the patterns are split so this file does not match itself)
outside='/wo''rk/|\.\./sha''red/|/sha''red/(domain|claim-schema|architecture|policy-sketch)|sha''red/seeds'
if git ls-files -z | grep -zv "^$self\$" | xargs -0 grep -nIE "$outside" -- 2>/dev/null; then
    echo "error: the files above cite a path outside the repository (cite docs/ instead)"; bad=1
fi

# every docs/ page cited exists
for page in $(git ls-files -z | xargs -0 grep -ohIE 'docs/[A-Za-z0-9_-]+\.md' -- 2>/dev/null | sort -u); do
    if [ ! -f "$page" ]; then echo "error: $page is cited but does not exist"; bad=1; fi
done
exit $bad
