#!/usr/bin/env bash
# The progress line ("N claims, R claims/s, S s left") of run -j 1, run --jobs 2 and compare: on
# standard error when it is a terminal (a pty, made by python3's pty module), silent otherwise.
# usage: progress.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fi; }
P=tests/golden/test_cases/policy.yb       # states keyed by member_id: --jobs splits the batch
R=tests/golden/test_cases/reform.yb
C=tests/golden/compare_report/claims.jsonl # 6 claims

# onpty ERR OUT CMD…: CMD with standard error on a pty (what it wrote there goes to ERR) and
# standard output to OUT; exits with CMD's status
onpty() {
    python3 - "$@" <<'PY'
import os, pty, subprocess, sys, threading
err, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
got = bytearray()
def drain():
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the terminal's other end is closed and nothing is left
            return
        if not data:
            return
        got.extend(data)
reader = threading.Thread(target=drain)
reader.start()
with open(out, "wb") as o:
    rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=o, stderr=slave)
os.close(slave)
reader.join()
open(err, "wb").write(bytes(got))
sys.exit(rc)
PY
}
progress_line() { grep -aq $'\r6 claims, [0-9]* claims/s' "$1"; }

onpty "$T/j1.err" "$T/j1.out" "$Y" run -j 1 $P $C
check "run -j 1 on a terminal exits 0" [ $? = 0 ]
check "  a progress line: 6 claims, claims/s" progress_line "$T/j1.err"
check "  then the summary" grep -aq '6 settled, 0 errors' "$T/j1.err"

onpty "$T/j2.err" "$T/j2.out" "$Y" run --jobs 2 $P $C
check "run --jobs 2 on a terminal exits 0" [ $? = 0 ]
check "  a progress line: 6 claims, claims/s" progress_line "$T/j2.err"
check "  then the summary" grep -aq '6 settled, 0 errors' "$T/j2.err"
check "  the settlements of -j 1" cmp -s "$T/j1.out" "$T/j2.out"

onpty "$T/c.err" "$T/c.out" "$Y" compare --json $P $R $C
check "compare on a terminal exits 0" [ $? = 0 ]
check "  a progress line: 6 claims, claims/s" progress_line "$T/c.err"

# standard error a file, not a terminal: no progress line
"$Y" run -j 1 $P $C > /dev/null 2> "$T/f1.err"
check "run -j 1, standard error a file: no progress line" bash -c "! grep -aq 'claims/s' '$T/f1.err'"
check "  the summary" grep -q '^6 settled, 0 errors$' "$T/f1.err"
"$Y" run --jobs 2 $P $C > /dev/null 2> "$T/f2.err"
check "run --jobs 2, standard error a file: no progress line" bash -c "! grep -aq 'claims/s' '$T/f2.err'"
check "  the summary" grep -q '^6 settled, 0 errors$' "$T/f2.err"
"$Y" compare --json $P $R $C > /dev/null 2> "$T/fc.err"
check "compare, standard error a file: no progress line" bash -c "! grep -aq 'claims/s' '$T/fc.err'"
