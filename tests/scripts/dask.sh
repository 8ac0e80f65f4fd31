#!/usr/bin/env bash
# contrib/dask/: a batch on a Dask LocalCluster of 2 worker processes equals
# one `yibao run` (sorted by claim id), with a worker killed mid-run
# (contrib/dask/test_dask.py).  Needs python3-distributed (DEPS_PKGS).
set -u
Y=${1:-bin/yibao}
out=$(/usr/bin/python3 contrib/dask/test_dask.py "$Y" 2>/dev/null); rc=$?
printf '%s\n' "$out" | grep -E '^(ok|FAIL):'
[ "$rc" -eq 0 ] || echo "FAIL: contrib/dask/test_dask.py exited $rc"
exit $rc
