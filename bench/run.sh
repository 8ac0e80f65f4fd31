#!/usr/bin/env bash
# make bench: the example policy timed three ways (the VM, plain C, Lua 5.4)
# over a generated corpus, plus the VM end to end and its peak memory.
# What each number means: bench/README.md.
#
# Knobs (environment):
#   YB_BENCH_N        claims in the main corpus           (default 1000000)
#   YB_BENCH_SEED     generator seed                      (default 2025)
#   YB_BENCH_CHECK_N  claims in the agreement corpus      (default 20000)
#   YB_BENCH_BIG_N    claims for the peak-memory run, 0 skips it (default 10000000)
#   YB_BENCH_REAL_N   claims of the realistic corpus, each shape (default 500000)
#   YB_BENCH_ROUNDS   alternating rounds of the realistic runs (default 3)
#   YB_BENCH_MEM_DISTINCT, YB_BENCH_MEM_M10: the member counts of bench/memyear.sh
#   YB_BENCH_POLICY   the example policy in yibao         (default examples/hunan-basic.yb)
#   YB_BENCH_YIBAO    the yibao binary                    (default bin/yibao)
#   YB_BENCH_TIME     GNU time, for peak RSS; absent -> VmHWM polled from /proc
#                                                         (default /usr/bin/time)
#   CC, LUA           compiler and Lua interpreter        (default cc, lua5.4)
set -euo pipefail
cd "$(dirname "$0")/.."

B=build/bench
N=${YB_BENCH_N:-1000000}
SEED=${YB_BENCH_SEED:-2025}
CHECK_N=${YB_BENCH_CHECK_N:-20000}
BIG_N=${YB_BENCH_BIG_N:-10000000}
POLICY=${YB_BENCH_POLICY:-examples/hunan-basic.yb}
YIBAO=${YB_BENCH_YIBAO:-bin/yibao}
TIME=${YB_BENCH_TIME:-/usr/bin/time}
CC=${CC:-cc}
LUA=${LUA:-lua5.4}
MEMBERS=$(( N / 8 > 0 ? N / 8 : 1 ))

# results, filled as the steps run ("" = not measured)
NATIVE_RATE="" LUA_RATE="" VM_RATE="" E2E_RATE="" RSS_1M="" RSS_BIG=""

step() { printf '\n== %s\n' "$*"; }
rate_of() { sed -n "s/.*= \([0-9][0-9]*\) claims\/s.*/\1/p" | head -1; } # "...= Y claims/s ..." -> Y
fmt_rate() { # 1234567 -> 1,234,567
    awk -v r="$1" 'BEGIN { s = sprintf("%.0f", r); o = ""
        while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
        print s o }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

mkdir -p "$B"

# ---------------------------------------------------------------- build
step "build (gcc -O2) into $B/"
CFLAGS_BENCH="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror"
$CC $CFLAGS_BENCH -o "$B/gen_claims" bench/gen_claims.c
$CC $CFLAGS_BENCH -o "$B/bench_native" bench/bench_native.c bench/native_policy.c
echo "built $B/gen_claims $B/bench_native"
command -v "$LUA" >/dev/null || { echo "bench: $LUA not found (apt-get install lua5.4)"; exit 1; }

step "native self-test (domain.md section 11 examples 1 and 3, edge cases)"
"$B/bench_native" --selftest

# ---------------------------------------------------------------- corpora
# corpus COUNT FORMAT [MEMBERS]: prints the file's path; generated once and
# reused while the count, seed, members and generator source are unchanged.
corpus() {
    local count=$1 fmt=$2 members=${3:-$(( $1 / 8 > 0 ? $1 / 8 : 1 ))}
    local f="$B/claims-$count-s$SEED-m$members.$fmt"
    local stamp
    stamp="$count $SEED $members $(cksum < bench/gen_claims.c)"
    if [ -s "$f" ] && [ -f "$f.stamp" ] && [ "$(cat "$f.stamp")" = "$stamp" ]; then
        echo "reusing $f" >&2
    else
        echo "generating $f" >&2
        "$B/gen_claims" "$count" --seed "$SEED" --members "$members" --format "$fmt" > "$f.tmp"
        mv "$f.tmp" "$f"
        echo "$stamp" > "$f.stamp"
    fi
    echo "$f"
}

step "corpora (seed $SEED)"
CHECK_TSV=$(corpus "$CHECK_N" tsv)
CHECK_JSONL=$(corpus "$CHECK_N" jsonl)
TSV=$(corpus "$N" tsv)
JSONL=$(corpus "$N" jsonl)
ls -l "$TSV" "$JSONL" | awk '{ printf "  %s  %d bytes\n", $NF, $5 }'
awk -v n="$N" '{ s += length($0) + 1 } END { printf "  JSONL: %.0f bytes per claim on average\n", s / n }' "$JSONL"

# ---------------------------------------------------------------- agreement
step "native and Lua settle the $CHECK_N-claim corpus identically"
"$B/bench_native" "$CHECK_TSV" --repeat 1 --out "$B/check-native.jsonl" > /dev/null
"$LUA" bench/policy.lua "$CHECK_TSV" --out "$B/check-lua.jsonl" > /dev/null
if cmp -s "$B/check-native.jsonl" "$B/check-lua.jsonl"; then
    echo "native and lua agree on $(wc -l < "$B/check-native.jsonl") settlements"
else
    echo "native and lua DISAGREE; first differences (< native, > lua):"
    diff "$B/check-native.jsonl" "$B/check-lua.jsonl" | head -20 || true
    exit 1
fi

# ---------------------------------------------------------------- baselines
step "native C, per-claim logic ($N claims, best of 5 passes)"
out=$("$B/bench_native" "$TSV" --repeat 5 --stats --out "$B/native-settlements.jsonl")
echo "$out"
NATIVE_RATE=$(rate_of <<< "$out")

step "Lua 5.4, per-claim logic ($N claims, best of 3 passes)"
out=$("$LUA" bench/policy.lua "$TSV" --repeat 3)
echo "$out"
LUA_RATE=$(rate_of <<< "$out")

# ---------------------------------------------------------------- the VM
# These steps belong to the VM's authors: each skips with a message until
# bin/yibao has the subcommand (and $POLICY exists).
#
# yb_has_subcommand NAME: true if $YIBAO exists and lists NAME in its help.
# Adjust to the real CLI once it is settled.
yb_has_subcommand() {
    [ -x "$YIBAO" ] || return 1
    { "$YIBAO" --help 2>&1 || true; "$YIBAO" help 2>&1 || true; } | grep -qw -- "$1"
}

# measure OUT IN CMD...: runs CMD with stdin IN and stdout OUT; sets WALL
# (seconds) and RSS_KB (peak resident set, KiB) and returns CMD's status.
# Peak RSS from GNU time -f %M when present, else VmHWM polled from /proc
# every 50 ms (which can miss a peak in the last 50 ms).
measure() {
    local out=$1 in=$2 rc=0 t0 t1
    shift 2
    t0=$(date +%s.%N)
    if [ -x "$TIME" ]; then
        "$TIME" -f %M -o "$B/rss.txt" "$@" < "$in" > "$out" || rc=$?
        RSS_KB=$(tail -n 1 "$B/rss.txt")
    else
        "$@" < "$in" > "$out" &
        local pid=$! v
        RSS_KB=0
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
            [ -n "$v" ] && RSS_KB=$v
            sleep 0.05
        done
        wait "$pid" || rc=$?
    fi
    t1=$(date +%s.%N)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    return $rc
}

# VM per-claim logic: the same claims, timing only the interpreter (claims
# already read, settlements not written), to compare with native and Lua.
# Expected: `yibao bench POLICY CLAIMS` printing "vm: N claims in X s = Y claims/s".
vm_per_claim() {
    step "VM, per-claim logic ($N claims)"
    if ! yb_has_subcommand bench; then
        echo "skipped: $YIBAO has no 'bench' subcommand yet (see bench/README.md)"; return 0
    fi
    if [ ! -f "$POLICY" ]; then echo "skipped: no $POLICY yet"; return 0; fi
    local out
    out=$("$YIBAO" bench "$POLICY" "$JSONL") || { echo "yibao bench failed"; return 0; }
    echo "$out"
    VM_RATE=$(rate_of <<< "$out")
}

# VM end to end: JSONL in, JSONL out, one process, one core.  Also checks the
# VM's settlements of the agreement corpus against the native baseline's.
vm_end_to_end() {
    step "VM end to end: $YIBAO run ($N claims, JSONL in, JSONL out)"
    if ! yb_has_subcommand run; then
        echo "skipped: $YIBAO has no 'run' subcommand yet"; return 0
    fi
    if [ ! -f "$POLICY" ]; then echo "skipped: no $POLICY yet"; return 0; fi
    if "$YIBAO" run "$POLICY" "$CHECK_JSONL" > "$B/check-vm.jsonl" 2> "$B/check-vm.err" &&
        cmp -s "$B/check-native.jsonl" "$B/check-vm.jsonl"; then
        echo "vm and native agree on $(wc -l < "$B/check-vm.jsonl") settlements"
    else
        echo "vm and native DISAGREE on $CHECK_JSONL; first differences (< native, > vm):"
        diff "$B/check-native.jsonl" "$B/check-vm.jsonl" | head -10 || true
        head -5 "$B/check-vm.err" || true
    fi
    if measure "$B/vm-settlements.jsonl" /dev/null "$YIBAO" run "$POLICY" "$JSONL" 2> "$B/vm-run.err"; then
        E2E_RATE=$(awk -v n="$N" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')
        echo "vm end to end: $N claims in $WALL s = $E2E_RATE claims/s, peak RSS $RSS_KB KiB"
        # the same run with the settlements thrown away: what the CPU does, without the page cache
        if measure /dev/null /dev/null "$YIBAO" run "$POLICY" "$JSONL" 2> /dev/null; then
            E2E_NULL_RATE=$(awk -v n="$N" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')
            echo "vm end to end, settlements to /dev/null: $N claims in $WALL s = $E2E_NULL_RATE claims/s"
        fi
        echo "  (yibao: $(tail -n 1 "$B/vm-run.err"))"
        if cmp -s "$B/native-settlements.jsonl" "$B/vm-settlements.jsonl"; then
            echo "vm and native agree on all $(wc -l < "$B/vm-settlements.jsonl") settlements of the $N-claim corpus"
        else
            echo "vm and native DISAGREE on the $N-claim corpus; first differences (< native, > vm):"
            diff "$B/native-settlements.jsonl" "$B/vm-settlements.jsonl" | head -10 || true
        fi
    else
        echo "yibao run failed (exit $?):"
        tail -n 5 "$B/vm-run.err" || true
    fi
}

# VM peak memory: the same member count, $N claims and $BIG_N claims, piped
# straight from the generator (no 6 GB file), so only the claim count differs.
vm_peak_memory() {
    step "VM peak memory: $N vs $BIG_N claims, $MEMBERS members, piped from gen_claims"
    if [ "$BIG_N" = 0 ]; then echo "skipped: YB_BENCH_BIG_N=0"; return 0; fi
    if ! yb_has_subcommand run; then
        echo "skipped: $YIBAO has no 'run' subcommand yet"; return 0
    fi
    if [ ! -f "$POLICY" ]; then echo "skipped: no $POLICY yet"; return 0; fi
    local n
    for n in "$N" "$BIG_N"; do
        # process substitution, not a pipe: measure must run in this shell
        if measure /dev/null <("$B/gen_claims" "$n" --seed "$SEED" --members "$MEMBERS" --format jsonl) \
            "$YIBAO" run "$POLICY" - 2> "$B/vm-run.err"; then
            echo "vm: $n claims: peak RSS $RSS_KB KiB ($WALL s with the generator in the pipe)"
            if [ "$n" = "$N" ]; then RSS_1M=$RSS_KB; else RSS_BIG=$RSS_KB; fi
        else
            echo "vm: $n claims: yibao run failed:"
            tail -n 5 "$B/vm-run.err" || true
        fi
    done
}

vm_per_claim
vm_end_to_end
vm_peak_memory

step "claims of real size (bench/realistic.sh): example and standard policy, C end to end, two member shapes"
bash bench/realistic.sh || echo "bench/realistic.sh failed"
step "the standard policy's memory (bench/memyear.sh): running totals per member-year, duplicate check per earlier record, as marginal peak RSS"
bash bench/memyear.sh || echo "bench/memyear.sh failed"

step "the durable ledger (bench/ledger.sh): a later batch with --ledger against the same batch in memory"
bash bench/ledger.sh || echo "bench/ledger.sh failed"

# ---------------------------------------------------------------- summary
step "summary (claims/s; targets from the issue)"
show() { if [ -n "$1" ]; then fmt_rate "$1"; else echo "not measured"; fi; }
printf '  %-34s %14s\n' "native C, per-claim logic" "$(show "$NATIVE_RATE")"
printf '  %-34s %14s\n' "VM, per-claim logic" "$(show "$VM_RATE")"
printf '  %-34s %14s\n' "Lua 5.4, per-claim logic" "$(show "$LUA_RATE")"
printf '  %-34s %14s\n' "VM end to end (JSONL in and out)" "$(show "$E2E_RATE")"
echo
echo "  Lua/native time: $(ratio "$NATIVE_RATE" "$LUA_RATE")x (Lua takes that many times as long as C)"
if [ -n "$VM_RATE" ]; then
    echo "  VM/native time:  $(ratio "$NATIVE_RATE" "$VM_RATE")x (target: at most 3x)"
    echo "  Lua/VM time:     $(ratio "$VM_RATE" "$LUA_RATE")x (target: at least 4x)"
else
    echo "  VM/native, Lua/VM: need the VM per-claim number (yibao bench)"
fi
if [ -n "$E2E_RATE" ]; then
    echo "  end to end: $(fmt_rate "$E2E_RATE") claims/s writing the settlements to a file, $(fmt_rate "${E2E_NULL_RATE:-0}") to /dev/null (target: at least 1,000,000 on one core)"
fi
if [ -n "$RSS_1M" ] && [ -n "$RSS_BIG" ]; then
    echo "  peak RSS: $RSS_1M KiB for $N claims, $RSS_BIG KiB for $BIG_N claims" \
         "(ratio $(ratio "$RSS_BIG" "$RSS_1M"); target: the same)"
fi
