# Sourced by the scripts that start `yibao serve` (serve.sh, native.sh); not a test itself.
# serve_start POLICY LOG [options]: a server on a free loopback port, its pid added to
# `pids`; sets PORT; returns 1 (its log on standard output) when it did not start in 60 s.
serve_start() {
    local pol=$1 log=$2; shift 2
    "$Y" serve "$pol" --port 0 --poll 50 "$@" 2>"$log" &
    pids+=($!)
    PORT=
    for _ in $(seq 600); do
        PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    cat "$log"
    return 1
}
