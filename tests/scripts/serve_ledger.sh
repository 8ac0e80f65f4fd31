#!/usr/bin/env bash
# yibao serve --ledger on loopback, over a real SQLite file: the shipped
# corpus settled claim by claim through the service equals `yibao run
# --ledger` on a fresh ledger (settlements, and the ledgers' entries); after a
# restart the same claims are refused as settled already (409; in a JSON
# Lines body an error line in place) and nothing changes; a monthly batch
# writing the same ledger between the service's claims skips what the service
# settled and the service then continues from the batch's totals (never from
# totals it read before); kill -9 mid-stream keeps every claim answered 200
# and nothing half-applied.  Every wait is bounded.
# usage: serve_ledger.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
new_ledger() { echo "$T/$1.db"; }
. tests/scripts/serve_ledger_suite.sh
