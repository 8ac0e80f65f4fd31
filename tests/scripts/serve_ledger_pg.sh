#!/usr/bin/env bash
# yibao serve --ledger on a throwaway PostgreSQL server (tests/scripts/pg_server.sh):
# the suite of serve_ledger_suite.sh, as serve_ledger.sh runs it on SQLite.
# usage: serve_ledger_pg.sh YIBAO   (from the repository's root)
set -u
Y=$1
case $Y in /*) ;; *) Y=$PWD/$Y ;; esac
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; pg_stop immediate; rm -rf "$T"; }
trap cleanup EXIT
. tests/scripts/pg_server.sh
. tests/scripts/serve_ledger_suite.sh
