#!/usr/bin/env bash
# yibao serve under load on loopback (part of make bench): single-claim
# requests with keep-alive from several concurrent clients, and JSON Lines
# bodies of 1,000 claims.  The server and the clients share the machine's
# cores (2 here), so the figures are what one box does end to end.
set -eu
cd "$(dirname "$0")/.."
T=$(mktemp -d)
cc -std=c11 -O2 -Wall -Wextra -o "$T/serve_load" bench/serve_load.c -pthread
./bin/yibao compile stdlib-policies/hunan.yb -o "$T/hunan.ybc"
for i in 1 2 3 4; do cat examples/corpus.jsonl; done | head -1000 >"$T/1000.jsonl"
./bin/yibao serve "$T/hunan.ybc" --port 0 --threads "${THREADS:-2}" 2>"$T/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
port=
for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/log"); [ -n "$port" ] && break; sleep 0.1
done
echo "yibao serve (libmicrohttpd, ${THREADS:-2} threads), hunan.ybc, examples/corpus.jsonl claims:"
"$T/serve_load" "$port" 1 5000 examples/corpus.jsonl
"$T/serve_load" "$port" 4 5000 examples/corpus.jsonl
"$T/serve_load" "$port" 16 1000 examples/corpus.jsonl
"$T/serve_load" "$port" 1 30 "$T/1000.jsonl" lines
"$T/serve_load" "$port" 2 20 "$T/1000.jsonl" lines
