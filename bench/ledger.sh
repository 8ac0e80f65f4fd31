#!/usr/bin/env bash
# The durable ledger's cost (issue 9): a later batch of the standard policy
# settled with --ledger (SQLite, then PostgreSQL) against the same batch in
# memory, and peak memory with and without a ledger.  Part of make bench
# (bench/run.sh), or on its own: bash bench/ledger.sh
#
#   YB_BENCH_LEDGER_N     claims per batch                     (default 200000)
#   YB_BENCH_LEDGER_BIG   "N1 N2": peak RSS runs, 0 skips them  (default "1000000 10000000")
#   YB_BENCH_YIBAO, YB_BENCH_SEED, YB_BENCH_TIME as in run.sh
#
# The ledger first holds batch 1 (N claims); batch 2 (the next N claims of the
# same members, so most of its keys are in the ledger) is timed three ways,
# best of 3 each: in memory (no ledger), --ledger FILE.db, --ledger postgresql://
# (a throwaway server, as in tests/scripts/ledger_pg.sh; skipped without Debian's
# postgresql).  Each timed run starts from a copy of the one-batch ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
N=${YB_BENCH_LEDGER_N:-200000}
BIG=${YB_BENCH_LEDGER_BIG:-1000000 10000000}
SEED=${YB_BENCH_SEED:-2025}
YIBAO=${YB_BENCH_YIBAO:-bin/yibao}
TIME=${YB_BENCH_TIME:-/usr/bin/time}
POLICY=stdlib-policies/hunan.yb
MEMBERS=$(( N / 8 ))
mkdir -p "$B"
[ -x "$B/gen_claims" ] || cc -std=c11 -O2 -o "$B/gen_claims" bench/gen_claims.c
W=$(mktemp -d)
chmod 755 "$W"
trap 'pg_down; rm -rf "$W"' EXIT
pg_down() { :; }

"$B/gen_claims" $((2 * N)) --seed "$SEED" --members "$MEMBERS" --format jsonl > "$W/all.jsonl"
head -n "$N" "$W/all.jsonl" > "$W/b1.jsonl"
tail -n +"$((N + 1))" "$W/all.jsonl" > "$W/b2.jsonl"
echo "batches of $N claims, $MEMBERS members (standard policy $POLICY)"

# best3 CMD...: the least wall time of 3 runs of CMD (setup SETUP run before each, untimed)
best3() {
    local best="" t0 t
    for _ in 1 2 3; do
        $SETUP
        t0=$(date +%s%N)
        "$@" > /dev/null 2>&1
        t=$(( ($(date +%s%N) - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

SETUP=:
MEM=$(best3 "$YIBAO" run "$POLICY" "$W/b2.jsonl")
echo "in memory:        batch 2 in $MEM ms"

"$YIBAO" run "$POLICY" "$W/b1.jsonl" --ledger "$W/base.db" > /dev/null 2>&1
sq_setup() { rm -f "$W/t.db" "$W/t.db-wal" "$W/t.db-shm"; cp "$W/base.db" "$W/t.db"; }
SETUP=sq_setup
SQ=$(best3 "$YIBAO" run "$POLICY" "$W/b2.jsonl" --ledger "$W/t.db")
echo "SQLite ledger:    batch 2 in $SQ ms = $(ratio "$SQ" "$MEM")x the in-memory run (target: at most 1.3x)"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
    mkdir -p "$W/sock" "$W/data"
    if [ "$(id -u)" = 0 ]; then chown nobody "$W/sock" "$W/data"; as_pg() { runuser -u nobody -- "$@"; }; else as_pg() { "$@"; }; fi
    as_pg "$PGBIN/initdb" -D "$W/data" -A trust -U yb --no-sync > /dev/null
    as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/sock/log" -w -o "-k $W/sock -c listen_addresses=" start > /dev/null
    pg_down() { as_pg "$PGBIN/pg_ctl" -D "$W/data" -m fast -w stop > /dev/null 2>&1 || true; }
    as_pg "$PGBIN/createdb" -h "$W/sock" -U yb base
    "$YIBAO" run "$POLICY" "$W/b1.jsonl" --ledger "postgresql:///base?host=$W/sock&user=yb" > /dev/null 2>&1
    pg_setup() {
        as_pg "$PGBIN/dropdb" -h "$W/sock" -U yb --if-exists t > /dev/null 2>&1
        as_pg "$PGBIN/createdb" -h "$W/sock" -U yb -T base t
    }
    SETUP=pg_setup
    PG=$(best3 "$YIBAO" run "$POLICY" "$W/b2.jsonl" --ledger "postgresql:///t?host=$W/sock&user=yb")
    echo "PostgreSQL ledger: batch 2 in $PG ms = $(ratio "$PG" "$MEM")x the in-memory run (Unix socket, same machine)"
else
    echo "PostgreSQL ledger: skipped (no /usr/lib/postgresql/*/bin/initdb)"
fi

# peak RSS: a first batch of n claims (members as above), piped from the generator
[ "$BIG" = 0 ] && exit 0
for n in $BIG; do
    for how in memory ledger; do
        rm -f "$W/m.db"*
        args=()
        [ "$how" = ledger ] && args=(--ledger "$W/m.db")
        "$TIME" -f %M -o "$W/rss" "$YIBAO" run "$POLICY" - "${args[@]}" \
            < <("$B/gen_claims" "$n" --seed "$SEED" --members "$MEMBERS" --format jsonl) > /dev/null 2>&1
        echo "peak RSS, $n claims, $how: $(tail -n 1 "$W/rss") KiB"
    done
done
