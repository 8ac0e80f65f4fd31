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
kill $pid; wait $pid 2>/dev/null

# --ledger (SQLite): each claim one transaction, so every request needs a claim
# id of its own (a claim settled already is 409): the corpus 20 times over, ids
# made unique; each connection sends its own share once
for i in $(seq 1 20); do sed "s/\"claim_id\":\"\([^\"]*\)\"/\"claim_id\":\"\1-r$i\"/" examples/corpus.jsonl; done >"$T/unique.jsonl"
./bin/yibao serve "$T/hunan.ybc" --port 0 --threads "${THREADS:-2}" --ledger "$T/bench.db" 2>"$T/log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/log"); [ -n "$port" ] && break; sleep 0.1
done
echo "yibao serve --ledger (SQLite, synchronous = FULL: a commit per claim):"
"$T/serve_load" "$port" 1 2000 "$T/unique.jsonl"
head -n 4000 "$T/unique.jsonl" | tail -n +2001 >"$T/next.jsonl"
"$T/serve_load" "$port" 4 500 "$T/next.jsonl"
