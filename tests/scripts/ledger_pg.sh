#!/usr/bin/env bash
# The durable ledger on PostgreSQL: a throwaway server of its own (initdb and
# pg_ctl from Debian's postgresql, in a temporary directory, listening on a Unix
# socket there only, run as an unprivileged user), the shared suite against it,
# then a server that goes away in the middle of a batch.  The server is stopped
# and its directory removed however the script ends.
# usage: ledger_pg.sh YIBAO   (from the repository's root)
set -u
Y=$1
case $Y in /*) ;; *) Y=$PWD/$Y ;; esac
T=$(mktemp -d)
trap 'pg_stop immediate; rm -rf "$T"' EXIT
. tests/scripts/pg_server.sh
. tests/scripts/ledger_suite.sh

# ---- the server goes away in the middle of a batch: a clear error, exit 1, the ledger as before
G=$(new_ledger gone)
"$Y" run "$P" "$T/a.jsonl" --ledger "$G" > /dev/null 2>&1
content "$G" > "$T/before"
"$Y" run "$P" "$T/big.jsonl" --ledger "$G" > /dev/null 2> "$T/gone.err" &
pid=$!
sleep "$(awk -v d="$ms" 'BEGIN { printf "%.3f", d * 0.3 / 1000 }')"
pg_stop immediate
wait "$pid"
rc=$?
check "a server gone mid-batch: exit 1" [ "$rc" = 1 ]
check "  saying so" grep -q "the ledger's server went away\|server closed the connection" "$T/gone.err"
check "  and that nothing of the batch is kept" grep -q 'nothing of this batch is kept\|left as it was before this batch' "$T/gone.err"
pg_start
check "  the ledger as it was before the batch" diff -q "$T/before" <(content "$G")
"$Y" run "$P" "$T/a.jsonl" --ledger "postgresql:///nosuchdb?host=$T/sock&user=yb" > /dev/null 2> "$T/nodb.err"
check "a database that does not exist: exit 1, a clear error" grep -q 'cannot connect to the ledger' "$T/nodb.err"
exit "$fails"
