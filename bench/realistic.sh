#!/usr/bin/env bash
# bench/realistic.sh: claims of real size (gen_claims --realistic: 1-60 items,
# ~15 a claim, ~1.5 KB a line, long catalogue codes, Chinese item names,
# inpatient stays carrying most of the money), two member shapes:
#   distinct  every claim a different member (a month of a large city)
#   m10       about 10 claims a member (N/10 members drawn at random)
# Timed: the example policy in plain C (per-claim logic over a pre-loaded
# TSV; and end to end, JSON in and out, bench/native_e2e.c), the VM's
# per-claim logic (`yibao bench`) and `yibao run --jobs 1` end to end (one
# core, as the C program; bench/jobs.sh times more workers), each with the
# example policy and the standard policy (stdlib-policies/hunan.yb), and Lua
# 5.4's per-claim logic once.  Runs alternate (C, VM, C, VM, ...) ROUNDS
# times and the medians are reported, because the machine is shared.
#
# Wall time on a shared machine moves by a third between rounds, so with
# valgrind installed the end-to-end runs are also counted by callgrind
# (instructions and simulated branch mispredictions, which do not move with
# the load) on the first YB_BENCH_REAL_CG claims of the distinct corpus.
#
# Knobs: YB_BENCH_REAL_N (500000), YB_BENCH_ROUNDS (3), YB_BENCH_SEED (2025),
#        YB_BENCH_REAL_CG (20000; 0: no counts), YB_BENCH_YIBAO (bin/yibao),
#        CC, LUA.
set -euo pipefail
cd "$(dirname "$0")/.."

B=build/bench
N=${YB_BENCH_REAL_N:-500000}
ROUNDS=${YB_BENCH_ROUNDS:-3}
CG_N=${YB_BENCH_REAL_CG:-20000}
SEED=${YB_BENCH_SEED:-2025}
YIBAO=${YB_BENCH_YIBAO:-bin/yibao}
CC=${CC:-cc}
LUA=${LUA:-lua5.4}
EXAMPLE=examples/hunan-basic.yb
STANDARD=stdlib-policies/hunan.yb
mkdir -p "$B"

CF="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror"
$CC $CF -o "$B/gen_claims" bench/gen_claims.c
$CC $CF -o "$B/bench_native" bench/bench_native.c bench/native_policy.c
$CC $CF -o "$B/native_e2e" bench/native_e2e.c bench/native_policy.c

rate_of() { sed -n "s/.*= \([0-9][0-9]*\) claims\/s.*/\1/p" | head -1; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ns_item() { awk -v r="$1" -v ipc="$2" 'BEGIN { printf "%.1f", 1e9 / (r * ipc) }'; }

# gen SHAPE FORMAT: the corpus file, generated once per N, seed, shape and generator source
gen() {
    local shape=$1 fmt=$2 f="$B/real-$N-s$SEED-$1.$2" args stamp
    if [ "$shape" = distinct ]; then args="--distinct"; else args="--members $(( N / 10 > 0 ? N / 10 : 1 ))"; fi
    stamp="$N $SEED $shape $(cksum < bench/gen_claims.c)"
    if ! [ -s "$f" ] || [ "$(cat "$f.stamp" 2>/dev/null)" != "$stamp" ]; then
        echo "generating $f" >&2
        "$B/gen_claims" "$N" --seed "$SEED" --realistic $args --format "$fmt" > "$f.tmp"
        mv "$f.tmp" "$f"
        echo "$stamp" > "$f.stamp"
    fi
    echo "$f"
}

# run_rss OUT CMD...: wall seconds in WALL, peak RSS (KiB) in RSS
run_rss() {
    local out=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    /usr/bin/time -f %M -o "$B/rss.txt" "$@" > "$out" 2> "$B/run.err"
    t1=$(date +%s.%N)
    RSS=$(tail -n 1 "$B/rss.txt")
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# the resident size of a run that keeps no state to speak of: subtracted
# from the peak to get the ledger's bytes per member-year
"$B/gen_claims" 200 --seed "$SEED" --realistic --distinct > "$B/real-tiny.jsonl"
run_rss /dev/null "$YIBAO" run --jobs 1 "$STANDARD" "$B/real-tiny.jsonl"; BASE_STD=$RSS
run_rss /dev/null "$YIBAO" run --jobs 1 "$EXAMPLE" "$B/real-tiny.jsonl"; BASE_EX=$RSS

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared: figures are medians of $ROUNDS alternating rounds)"
for shape in distinct m10; do
    J=$(gen "$shape" jsonl)
    T=$(gen "$shape" tsv)
    ITEMS=$(awk -F'\t' '{ s += $29 } END { print s }' "$T")
    MY=$(awk -F'\t' '!seen[$2]++ { n++ } END { print n }' "$T") # member-years: every claim is in 2025
    IPC=$(awk -v i="$ITEMS" -v n="$N" 'BEGIN { printf "%.2f", i / n }')
    BPL=$(awk -v n="$N" '{ s += length($0) + 1 } END { printf "%.0f", s / n }' "$J")
    echo
    echo "== realistic corpus, shape $shape: $N claims, $IPC items a claim, $BPL bytes a line, $MY members"
    nat="" lua="" vex="" vstd="" e2e="" rex="" rstd="" rssex="" rssstd=""
    for r in $(seq "$ROUNDS"); do
        nat="$nat $("$B/bench_native" "$T" --repeat 3 | rate_of)"
        vex="$vex $("$YIBAO" bench "$EXAMPLE" "$J" | rate_of)"
        "$YIBAO" bench "$STANDARD" "$J" > "$B/bench-std.txt"
        vstd="$vstd $(rate_of < "$B/bench-std.txt")"
        "$B/native_e2e" "$J" "$B/real-native.jsonl" 2> "$B/e2e.err"
        e2e="$e2e $(rate_of < "$B/e2e.err")"
        run_rss "$B/real-vm-ex.jsonl" "$YIBAO" run --jobs 1 "$EXAMPLE" "$J"
        rex="$rex $(awk -v n="$N" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')"; rssex="$rssex $RSS"
        run_rss /dev/null "$YIBAO" run --jobs 1 "$STANDARD" "$J"
        rstd="$rstd $(awk -v n="$N" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')"; rssstd="$rssstd $RSS"
        echo "  round $r: native $(echo "$nat" | awk '{print $NF}'), vm example $(echo "$vex" | awk '{print $NF}'), vm standard $(echo "$vstd" | awk '{print $NF}'), native e2e $(echo "$e2e" | awk '{print $NF}'), run example $(echo "$rex" | awk '{print $NF}'), run standard $(echo "$rstd" | awk '{print $NF}') claims/s"
    done
    if cmp -s "$B/real-native.jsonl" "$B/real-vm-ex.jsonl"; then
        echo "  native e2e and yibao run (example policy) agree on $(wc -l < "$B/real-vm-ex.jsonl") settlements"
    else
        echo "  native e2e and yibao run DISAGREE (< native, > vm):"; diff "$B/real-native.jsonl" "$B/real-vm-ex.jsonl" | head -6 || true
    fi
    if [ "$shape" = distinct ] && command -v "$LUA" > /dev/null; then
        lua=$("$LUA" bench/policy.lua "$T" --repeat 1 | rate_of)
    fi
    NAT=$(echo "$nat" | median); VEX=$(echo "$vex" | median); VSTD=$(echo "$vstd" | median)
    E2E=$(echo "$e2e" | median); REX=$(echo "$rex" | median); RSTD=$(echo "$rstd" | median)
    RSSEX=$(echo "$rssex" | median); RSSSTD=$(echo "$rssstd" | median)
    row() { printf '  %-44s %10.0f %9s %9s\n' "$1" "$2" "$(ns_item "$2" "$IPC")" "$3"; }
    printf '  %-44s %10s %9s %9s\n' "medians ($shape)" "claims/s" "ns/item" "time/C"
    row "per-claim logic: native C (TSV pre-loaded)" "$NAT" "1.00"
    row "per-claim logic: VM, example policy" "$VEX" "$(ratio "$NAT" "$VEX")"
    row "per-claim logic: VM, standard policy" "$VSTD" "$(ratio "$NAT" "$VSTD")"
    [ -n "$lua" ] && row "per-claim logic: Lua 5.4 (one pass)" "$lua" "$(ratio "$NAT" "$lua")"
    printf '  %-44s %10s %9s %9s\n' "" "" "" "time/C e2e"
    row "end to end: native C, JSON in and out" "$E2E" "1.00"
    row "end to end: yibao run --jobs 1, example" "$REX" "$(ratio "$E2E" "$REX")"
    row "end to end: yibao run --jobs 1, standard" "$RSTD" "$(ratio "$E2E" "$RSTD")"
    echo "  peak RSS: example $RSSEX KiB, standard $RSSSTD KiB;" \
         "bytes per member-year (peak minus a 200-claim run, / $MY): example" \
         "$(awk -v a="$RSSEX" -v b="$BASE_EX" -v m="$MY" 'BEGIN { printf "%.0f", (a - b) * 1024 / m }'), standard" \
         "$(awk -v a="$RSSSTD" -v b="$BASE_STD" -v m="$MY" 'BEGIN { printf "%.0f", (a - b) * 1024 / m }')"
    # the running totals alone (vm/ledger.c's rows and index, without the duplicate index)
    LB=$(sed -n 's/^vm: running totals: [0-9]* keys in \([0-9]*\) bytes.*/\1/p' "$B/bench-std.txt")
    echo "  running totals of the standard policy: $LB bytes, $(awk -v b="$LB" -v m="$MY" 'BEGIN { printf "%.0f", b / m }') bytes per member-year"
    echo "  (these divide fixed costs over the members too: bench/memyear.sh gives the marginal bytes per member-year)"
done

# callgrind's counts of the end-to-end runs (repeatable, unlike the timings)
if [ "$CG_N" -gt 0 ] && command -v valgrind > /dev/null; then
    "$B/gen_claims" "$CG_N" --seed "$SEED" --realistic --distinct > "$B/real-cg.jsonl"
    # counts CMD...: "instructions mispredictions" of one run
    counts() {
        valgrind --tool=callgrind --branch-sim=yes --callgrind-out-file=/dev/null "$@" 2>&1 > /dev/null |
            awk '/ I +refs:/ { gsub(",", "", $NF); i = $NF } /Mispredicts:/ { gsub(",", "", $3); m = $3 } END { print i, m }'
    }
    read -r ci cm < <(counts "$B/native_e2e" "$B/real-cg.jsonl" /dev/null)
    echo
    echo "== callgrind, $CG_N claims of the distinct corpus (instructions and simulated mispredictions: they do not move with the load)"
    printf '  %-44s %14s %8s %14s %8s\n' "end to end" "instructions" "/C" "mispredicts" "/C"
    printf '  %-44s %14d %8s %14d %8s\n' "native C, JSON in and out" "$ci" "1.00" "$cm" "1.00"
    for pol in "$EXAMPLE" "$STANDARD"; do
        read -r yi ym < <(counts "$YIBAO" run --jobs 1 "$pol" "$B/real-cg.jsonl" -o /dev/null)
        printf '  %-44s %14d %8s %14d %8s\n' "yibao run $(basename "$pol")" "$yi" "$(ratio "$yi" "$ci")" "$ym" "$(ratio "$ym" "$cm")"
    done
elif [ "$CG_N" -gt 0 ]; then
    echo
    echo "(valgrind not installed: no instruction counts; Debian package valgrind)"
fi
