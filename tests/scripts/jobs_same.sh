# Sourced by jobs.sh and jobs_groups.sh; not a test itself.  Needs Y (yibao), T (a
# temporary directory) and the scripts' ok/bad.
# same NAME ARGS...: --jobs 1, 2 and 3 give identical stdout, stderr and status
same() {
    local name=$1 j rc
    shift
    for j in 1 2 3; do
        "$Y" "$@" --jobs "$j" > "$T/out$j" 2> "$T/err$j"; rc=$?
        echo "$rc" > "$T/rc$j"
    done
    for j in 2 3; do
        if ! cmp -s "$T/out1" "$T/out$j" || ! cmp -s "$T/err1" "$T/err$j" || ! cmp -s "$T/rc1" "$T/rc$j"; then
            bad "$name: --jobs $j differs from --jobs 1"
            diff "$T/out1" "$T/out$j" | head -5
            diff "$T/err1" "$T/err$j" | head -5
            return
        fi
    done
    ok "$name: --jobs 1, 2, 3 identical ($(wc -l < "$T/out1") lines out, $(grep -c '"report"' "$T/out1") report lines, $(wc -l < "$T/err1") lines err, status $(cat "$T/rc1"))"
}
