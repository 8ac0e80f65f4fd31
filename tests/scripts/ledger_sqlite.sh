#!/usr/bin/env bash
# The durable ledger in SQLite files: the shared suite, then what only a file can get wrong.
# usage: ledger_sqlite.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
new_ledger() { echo "$T/$1.db"; }
. tests/scripts/ledger_suite.sh

# ---- a file that is not a ledger: refused, exit 1, left as it is
printf 'not a database at all\n' > "$T/text.db"
cp "$T/text.db" "$T/text.copy"
"$Y" run "$P" "$T/a.jsonl" --ledger "$T/text.db" > "$T/x.out" 2> "$T/x.err"
check "a text file as ledger: exit 1" [ $? = 1 ]
check "  'not a yibao ledger'" grep -q 'text.db: not a yibao ledger (not an SQLite database); left as it is' "$T/x.err"
check "  the file unchanged" cmp -s "$T/text.db" "$T/text.copy"
check "  nothing made beside it" [ ! -e "$T/text.db-wal" ]
check "  no settlements" [ ! -s "$T/x.out" ]
"$Y" ledger check "$T/text.db" > /dev/null 2> "$T/x.err"
check "ledger check of a text file: exit 1" [ $? = 1 ]

# ---- a corrupt ledger: the schema page overwritten
cp "$(new_ledger split)" "$T/corrupt.db"
"$Y" ledger check "$T/corrupt.db" > /dev/null 2>&1 # checkpoints the log into the file
printf '%03000d' 7 | dd of="$T/corrupt.db" bs=1 seek=100 conv=notrunc 2> /dev/null
cp "$T/corrupt.db" "$T/corrupt.copy"
"$Y" run "$P" "$T/a.jsonl" --ledger "$T/corrupt.db" > "$T/c.out" 2> "$T/c.err"
check "a corrupt ledger: exit 1" [ $? = 1 ]
check "  'corrupt'" grep -q 'corrupt.db: the ledger file is corrupt' "$T/c.err"
check "  the file unchanged" cmp -s "$T/corrupt.db" "$T/corrupt.copy"
"$Y" ledger check "$T/corrupt.db" > "$T/c.out" 2>&1
check "ledger check of a corrupt ledger: exit 1" [ $? = 1 ]
"$Y" ledger show "$T/nothing.db" X > /dev/null 2> "$T/n.err"
check "show on a ledger that does not exist: exit 1, no file made" [ $? = 1 -a ! -e "$T/nothing.db" ]

exit "$fails"
