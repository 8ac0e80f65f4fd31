#!/usr/bin/env bash
# The durable ledger's cost (issue 9): a later batch of the standard policy
# settled with --ledger (SQLite, then PostgreSQL) against the same batch in
# memory, and peak memory with and without a ledger.  Part of make bench
# (bench/run.sh), or on its own: bash bench/ledger.sh
#
#   YB_BENCH_LEDGER_N        claims per batch, 0 skips the timings    (default 200000)
#   YB_BENCH_LEDGER_RUNS     timed runs of each kind, medians printed  (default 5)
#   YB_BENCH_LEDGER_CG       claims for the callgrind counts, 0 skips  (default 0)
#   YB_BENCH_LEDGER_BIG      "N1 N2": peak RSS runs, 0 skips them      (default "1000000 10000000")
#   YB_BENCH_LEDGER_MEMBERS  members of the peak RSS runs              (default 100000)
#   YB_BENCH_LEDGER_CORPUS   claims of the timed batches: "small" (the
#                            benchmark's 666-byte claims, 3.6 items) or
#                            "realistic" (gen_claims --realistic: ~1.5 KB,
#                            ~15 items, inpatient claims carrying most of
#                            the money)                            (default realistic)
#   YB_BENCH_LEDGER_STORES   the ledgers timed: "sqlite postgresql", or one
#                            of them (a shorter run)   (default "sqlite postgresql")
#   YB_BENCH_YIBAO, YB_BENCH_SEED, YB_BENCH_TIME as in run.sh
#
# The ledger first holds batch 1 (N claims); batch 2 (the next N claims of the
# same members, so most of its keys are in the ledger) is run three ways: in
# memory (no ledger, one worker: --jobs 1, as a ledger's batch runs; the
# default --jobs is printed beside it), --ledger FILE.db, --ledger postgresql:// (a throwaway
# server, as in tests/scripts/ledger_pg.sh; skipped without Debian's
# postgresql).  Each timed run starts from a copy of the one-batch ledger.  The
# machine is shared, so CPU time (user + sys of yibao, GNU time) is the figure
# to read; wall time is printed beside it, and each is set against the
# in-memory run's.  For PostgreSQL the server's CPU during the run (its
# processes on this machine, from /proc) is printed too, and yibao's and the
# server's together against the in-memory CPU.  With YB_BENCH_LEDGER_CG=n,
# valgrind's callgrind counts the instructions of the same three runs on n
# claims (a count does not move with the load).
#
# Peak RSS: a first batch of N1, then N2 claims of the realistic corpus
# (gen_claims --realistic) over the same YB_BENCH_LEDGER_MEMBERS members (10
# claims a member at 1 M), piped from the generator, without and with an
# SQLite ledger; the issue's target is N2 within 1.2x of N1.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
N=${YB_BENCH_LEDGER_N:-200000}
CORPUS=${YB_BENCH_LEDGER_CORPUS:-realistic}
case "$CORPUS" in small) GENFLAGS= ;; realistic) GENFLAGS=--realistic ;; *) echo "bench/ledger.sh: YB_BENCH_LEDGER_CORPUS is small or realistic, not '$CORPUS'" >&2; exit 2 ;; esac
RUNS=${YB_BENCH_LEDGER_RUNS:-5}
CG=${YB_BENCH_LEDGER_CG:-0}
BIG=${YB_BENCH_LEDGER_BIG:-1000000 10000000}
BIG_MEMBERS=${YB_BENCH_LEDGER_MEMBERS:-100000}
STORES=${YB_BENCH_LEDGER_STORES:-sqlite postgresql}
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
SERVER=
# pg_cpu: the CPU ms of the throwaway server so far: the postmaster, its live
# processes and the ones it reaped (a batch's backend exits with the batch)
pg_cpu() {
    local pm t=0 p f
    pm=$(head -n 1 "$W/data/postmaster.pid")
    for p in "$pm" $(pgrep -P "$pm"); do
        f=$(cat "/proc/$p/stat" 2> /dev/null) || continue
        set -- ${f##*) }
        t=$((t + ${12} + ${13}))
        [ "$p" = "$pm" ] && t=$((t + ${14} + ${15}))
    done
    echo $((t * 1000 / $(getconf CLK_TCK)))
}

# timed CMD...: RUNS runs of CMD (SETUP before each, untimed); prints the
# median CPU ms (user + sys), the median wall ms, the spread of the CPU times,
# and (with SERVER set: a function printing a server's CPU ms so far) the
# median of the server's CPU ms during each run
timed() {
    : > "$W/times"
    for _ in $(seq "$RUNS"); do
        $SETUP
        local s0=0 s1=0
        [ -n "$SERVER" ] && s0=$($SERVER)
        "$TIME" -f "%U %S %e" -o "$W/t" "$@" > /dev/null 2>&1
        [ -n "$SERVER" ] && sleep 0.2 && s1=$($SERVER) # the backend has exited, its CPU counted
        echo "$(tail -n 1 "$W/t") $((s1 - s0))" >> "$W/times"
    done
    local c w s m=$(( (RUNS + 1) / 2 ))
    c=$(awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$W/times" | sort -n)
    w=$(awk '{ printf "%d\n", $3 * 1000 }' "$W/times" | sort -n)
    s=$(awk '{ print $4 }' "$W/times" | sort -n)
    echo "$(sed -n "${m}p" <<< "$c") $(sed -n "${m}p" <<< "$w") $(head -n 1 <<< "$c")-$(tail -n 1 <<< "$c") $(sed -n "${m}p" <<< "$s")"
}
# instructions CMD...: callgrind's count of instructions (SETUP before)
instructions() {
    $SETUP
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 > /dev/null | sed -n 's/.*Collected : //p'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
report() { # NAME "cpu wall spread server" ["base-cpu base-wall"]
    set -- "$1" $2 ${3:-}
    local name=$1 cpu=$2 wall=$3 spread=$4 server=${5:-} base=${6:-} basewall=${7:-}
    [ -n "$SERVER" ] || server=
    printf '%-18s CPU %6d ms (median of %d; %s)  wall %6d ms' "$name" "$cpu" "$RUNS" "$spread" "$wall"
    [ -n "$base" ] && printf '  = %sx the in-memory CPU, %sx its wall' "$(ratio "$cpu" "$base")" "$(ratio "$wall" "$basewall")"
    echo
    [ -n "$server" ] && printf '%-18s server CPU %d ms (median): yibao + server = %sx the in-memory CPU\n' "" "$server" \
        "$(ratio $((cpu + server)) "$base")"
    return 0
}


timings() {
"$B/gen_claims" $((2 * N)) --seed "$SEED" --members "$MEMBERS" $GENFLAGS --format jsonl > "$W/all.jsonl"
head -n "$N" "$W/all.jsonl" > "$W/b1.jsonl"
tail -n +"$((N + 1))" "$W/all.jsonl" > "$W/b2.jsonl"
echo "batches of $N $CORPUS claims, $MEMBERS members (standard policy $POLICY)"

SETUP=:
# the baseline: one worker, as a ledger's batch settles; the default (--jobs
# = the cores, claims routed to workers) is printed beside it
MEM=$(timed "$YIBAO" run "$POLICY" "$W/b2.jsonl" --jobs 1)
report "in memory:" "$MEM"
MEMCPU="${MEM%% *} $(cut -d ' ' -f 2 <<< "$MEM")" # its CPU and wall
report "  (default --jobs)" "$(timed "$YIBAO" run "$POLICY" "$W/b2.jsonl")" "$MEMCPU"

"$YIBAO" run "$POLICY" "$W/b1.jsonl" --ledger "$W/base.db" > /dev/null 2>&1
sq_setup() { rm -f "$W/t.db" "$W/t.db-wal" "$W/t.db-shm"; cp "$W/base.db" "$W/t.db"; }
if [[ " $STORES " == *" sqlite "* ]]; then
    SETUP=sq_setup
    SQ=$(timed "$YIBAO" run "$POLICY" "$W/b2.jsonl" --ledger "$W/t.db")
    report "SQLite ledger:" "$SQ" "$MEMCPU"
fi

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
PGURL=
if [[ " $STORES " != *" postgresql "* ]]; then
    :
elif [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
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
        # the copy's writes are not the batch's: on disk before the timed run
        "$PGBIN/psql" -qX -h "$W/sock" -U yb -d t -c CHECKPOINT > /dev/null
        sync
    }
    SETUP=pg_setup
    PGURL="postgresql:///t?host=$W/sock&user=yb"
    SERVER=pg_cpu
    PG=$(timed "$YIBAO" run "$POLICY" "$W/b2.jsonl" --ledger "$PGURL")
    report "PostgreSQL ledger:" "$PG" "$MEMCPU"
    SERVER=
else
    echo "PostgreSQL ledger: skipped (no /usr/lib/postgresql/*/bin/initdb)"
fi

if [ "$CG" != 0 ]; then
    head -n "$CG" "$W/b1.jsonl" > "$W/c1.jsonl"
    head -n "$CG" "$W/b2.jsonl" > "$W/c2.jsonl"
    rm -f "$W/base.db"*
    "$YIBAO" run "$POLICY" "$W/c1.jsonl" --ledger "$W/base.db" > /dev/null 2>&1
    SETUP=:
    I_MEM=$(instructions "$YIBAO" run "$POLICY" "$W/c2.jsonl" --jobs 1)
    SETUP=sq_setup
    I_SQ=$(instructions "$YIBAO" run "$POLICY" "$W/c2.jsonl" --ledger "$W/t.db")
    echo "callgrind, batch 2 of $CG claims: in memory $I_MEM instructions; SQLite $I_SQ = $(ratio "${I_SQ//,/}" "${I_MEM//,/}")x"
    if [ -n "$PGURL" ]; then
        as_pg "$PGBIN/dropdb" -h "$W/sock" -U yb --if-exists base > /dev/null 2>&1
        as_pg "$PGBIN/createdb" -h "$W/sock" -U yb base
        "$YIBAO" run "$POLICY" "$W/c1.jsonl" --ledger "postgresql:///base?host=$W/sock&user=yb" > /dev/null 2>&1
        SETUP=pg_setup
        I_PG=$(instructions "$YIBAO" run "$POLICY" "$W/c2.jsonl" --ledger "$PGURL")
        echo "callgrind, batch 2 of $CG claims: PostgreSQL (yibao's side) $I_PG = $(ratio "${I_PG//,/}" "${I_MEM//,/}")x"
    fi
fi

}
[ "$N" = 0 ] || timings

# peak RSS: a first batch of n realistic claims over the same members, piped from the generator
[ "$BIG" = 0 ] && exit 0
for how in memory ledger; do
    first=
    for n in $BIG; do
        rm -f "$W/m.db"*
        args=()
        [ "$how" = ledger ] && args=(--ledger "$W/m.db")
        "$TIME" -f "%M %U %S %e" -o "$W/rss" "$YIBAO" run "$POLICY" - "${args[@]}" \
            < <("$B/gen_claims" "$n" --seed "$SEED" --members "$BIG_MEMBERS" --realistic --format jsonl) > /dev/null 2> "$W/err"
        read -r kib u s e < <(tail -n 1 "$W/rss")
        printf 'peak RSS, %s claims, %s members, %s: %d KiB (CPU %.0f s, wall %.0f s)' "$n" "$BIG_MEMBERS" "$how" "$kib" \
            "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" "$e"
        [ -n "$first" ] && printf ' = %sx the first' "$(ratio "$kib" "$first")"
        echo
        [ -n "$first" ] || first=$kib
        grep -v 'already settled\|^[0-9]* settled\|^{"report"' "$W/err" | head -n 3 || true
    done
done
