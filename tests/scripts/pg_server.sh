# A throwaway PostgreSQL server for a test (sourced, not run on its own):
# initdb and pg_ctl from Debian's postgresql in a temporary directory $T,
# listening on a Unix socket there only, run as an unprivileged user.  Sets
# PGBIN, as_pg, pg_start, pg_stop and new_ledger NAME (a new database's
# connection string); the caller's trap stops it (pg_stop immediate).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    echo "FAIL: no PostgreSQL server programs in /usr/lib/postgresql/*/bin (Debian package postgresql)"
    exit 1
fi
chmod 755 "$T"
mkdir -p "$T/sock" "$T/data"
# the server refuses to run as root: as nobody when we are root
if [ "$(id -u)" = 0 ]; then
    chown nobody "$T/sock" "$T/data"
    as_pg() { runuser -u nobody -- "$@"; }
else
    as_pg() { "$@"; }
fi
pg_start() { as_pg "$PGBIN/pg_ctl" -D "$T/data" -l "$T/sock/log" -w -t 30 \
    -o "-k $T/sock -c listen_addresses= -c fsync=off -c full_page_writes=off" start > /dev/null; }
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$T/data" -m "${1:-fast}" -w stop > /dev/null 2>&1; }
as_pg "$PGBIN/initdb" -D "$T/data" -A trust -U yb --no-sync > "$T/initdb.log" 2>&1 ||
    { echo "FAIL: initdb"; tail -5 "$T/initdb.log"; exit 1; }
pg_start || { echo "FAIL: the server did not start"; tail -5 "$T/sock/log"; exit 1; }
echo "ok: a throwaway PostgreSQL server on $T/sock"
new_ledger() {
    as_pg "$PGBIN/createdb" -h "$T/sock" -U yb "$1" > /dev/null 2>&1
    echo "postgresql:///$1?host=$T/sock&user=yb"
}
