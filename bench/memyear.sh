#!/usr/bin/env bash
# bench/memyear.sh: the standard policy's memory, per member-year and per
# earlier record, as marginal peak RSS (GNU time %M) between two runs, so
# that fixed costs (the program, the duplicate index's 8 MiB filter and its
# table, each ledger's last chunk) cancel out:
#   (a) the running totals, bytes per member-year: two member counts at the
#       same claims per member, for both shapes of bench/realistic.sh
#       (distinct: one claim a member; m10: ten claims a member, drawn at
#       random), (RSS(2M) - RSS(M)) / (member-years(2M) - member-years(M));
#   (b) the duplicate check, bytes per earlier record: the same members, two
#       claim counts, (RSS(2N) - RSS(N)) / N.
# Claims are piped from gen_claims --realistic (every claim is in 2025, so a
# member is a member-year); members met when drawn at random: the expected
# count, M (1 - (1 - 1/M)^N), 99.995 % of M at ten claims a member.
#
# Knobs: YB_BENCH_MEM_DISTINCT (500000: M for distinct), YB_BENCH_MEM_M10
#        (200000: M for m10), YB_BENCH_SEED (2025), YB_BENCH_YIBAO (bin/yibao),
#        YB_BENCH_TIME (/usr/bin/time), CC.
set -euo pipefail
cd "$(dirname "$0")/.."

B=build/bench
DM=${YB_BENCH_MEM_DISTINCT:-500000}
MM=${YB_BENCH_MEM_M10:-200000}
SEED=${YB_BENCH_SEED:-2025}
YIBAO=${YB_BENCH_YIBAO:-bin/yibao}
TIME=${YB_BENCH_TIME:-/usr/bin/time}
CC=${CC:-cc}
STANDARD=stdlib-policies/hunan.yb
mkdir -p "$B"
$CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -o "$B/gen_claims" bench/gen_claims.c

# peak N MEMBERS|distinct: peak RSS (KiB) of `yibao run` on N realistic claims piped from the generator
peak() {
    local n=$1 who=$2 args
    if [ "$who" = distinct ]; then args=(--distinct); else args=(--members "$who"); fi
    "$TIME" -f %M -o "$B/memyear.rss" "$YIBAO" run "$STANDARD" - -o /dev/null \
        < <("$B/gen_claims" "$n" --seed "$SEED" --realistic "${args[@]}") > /dev/null 2> "$B/memyear.err"
    tail -n 1 "$B/memyear.rss"
}
met() { awk -v n="$1" -v m="$2" 'BEGIN { printf "%.0f", m * (1 - exp(n * log(1 - 1 / m))) }'; }
per() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.1f", (b - a) * 1024 / d }'; }

echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg); peak RSS of yibao run $STANDARD, claims piped from gen_claims --realistic --seed $SEED"
# (a) distinct: M and 2M claims, every one a different member
r1=$(peak "$DM" distinct); r2=$(peak $((2 * DM)) distinct)
echo "  distinct: $DM claims/members $r1 KiB, $((2 * DM)) claims/members $r2 KiB"
echo "  (a) running totals, distinct: $(per "$r1" "$r2" "$DM") bytes per member-year (duplicate index included: $DM more records)"
# (a) m10: M and 2M members, ten claims each
m1=$(peak $((10 * MM)) "$MM"); m2=$(peak $((20 * MM)) $((2 * MM)))
y1=$(met $((10 * MM)) "$MM"); y2=$(met $((20 * MM)) $((2 * MM)))
echo "  m10: $((10 * MM)) claims of $MM members $m1 KiB, $((20 * MM)) claims of $((2 * MM)) members $m2 KiB"
echo "  (a) running totals, m10: $(per "$m1" "$m2" $((y2 - y1))) bytes per member-year (duplicate index included: $((10 * MM)) more records)"
# (b) the same MM members, 10 and 20 claims a member
d2=$(peak $((20 * MM)) "$MM"); z2=$(met $((20 * MM)) "$MM")
echo "  $((20 * MM)) claims of $MM members $d2 KiB ($((z2 - y1)) more member-years met)"
echo "  (b) duplicate check: $(per "$m1" "$d2" $((10 * MM))) bytes per earlier record"
