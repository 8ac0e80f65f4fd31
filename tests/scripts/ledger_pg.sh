#!/usr/bin/env bash
# The durable ledger on PostgreSQL: a throwaway server of its own (initdb and
# pg_ctl from Debian's postgresql, in a temporary directory, listening on a Unix
# socket there only, run as an unprivileged user), the shared suite against it,
# a ledger of format 2 upgraded by the next run, failures once a commit's
# COPYs have ended and at its COMMIT, a write sent ahead that the server
# refuses, then a server that goes away in the middle of a batch.  The
# server is stopped and its directory removed however the script ends.
# usage: ledger_pg.sh YIBAO   (from the repository's root)
set -u
Y=$1
case $Y in /*) ;; *) Y=$PWD/$Y ;; esac
T=$(mktemp -d)
trap 'pg_stop immediate; rm -rf "$T"' EXIT
. tests/scripts/pg_server.sh
. tests/scripts/ledger_suite.sh

# ---- a ledger of format 2 (one row of yb_entry per key), made from a format-3
# one (store/ledger_buckets.c: each bucket's entries decoded, as in
# ledger_sqlite.sh): the tools refuse it and say how it is upgraded; the next
# run upgrades it in one transaction, with every total as it was
psql_to() { "$PGBIN/psql" -qAt -v ON_ERROR_STOP=1 -h "$T/sock" -U yb -d "$@"; }
cat > "$T/to_v2.py" << 'EOF'
import sys
def varint(b, i):
    x = s = 0
    while True:
        c = b[i]; i += 1
        x |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return x, i
print("BEGIN;")
print("CREATE TABLE yb_entry (state BIGINT NOT NULL, key BYTEA NOT NULL, vals BYTEA NOT NULL,"
      " opened_by BIGINT NOT NULL, changed_by BIGINT NOT NULL, batch BIGINT NOT NULL, PRIMARY KEY (state, key));")
for line in sys.stdin:
    state, data = line.split("|")
    data = bytes.fromhex(data.strip())
    i = 0
    while i < len(data):
        n, i = varint(data, i); key = data[i:i + n]; i += n
        n, i = varint(data, i); vals = data[i:i + n]; i += n
        o, i = varint(data, i); c, i = varint(data, i); b, i = varint(data, i)
        print("INSERT INTO yb_entry VALUES (%s, '\\x%s', '\\x%s', %d, %d, %d);" % (state, key.hex(), vals.hex(), o, c, b))
print("DROP TABLE yb_bucket; ALTER TABLE yb_state DROP COLUMN buckets;")
print("UPDATE yb_meta SET v = 'yibao-ledger 2' WHERE k = 'format'; COMMIT;")
EOF
V2=$(new_ledger v2)
"$Y" run "$P" "$T/a.jsonl" --ledger "$V2" > /dev/null 2>&1
"$Y" ledger export "$V2" | grep '^{"entry"' > "$T/v2.before"
psql_to v2 -c "SELECT state, encode(data, 'hex') FROM yb_bucket" | python3 "$T/to_v2.py" | psql_to v2 > /dev/null
check "a ledger of format 2 (made for the test) holds every entry" \
    [ "$(psql_to v2 -c 'SELECT COUNT(*) FROM yb_entry')" = "$(wc -l < "$T/v2.before")" -a -s "$T/v2.before" ]
"$Y" ledger export "$V2" > /dev/null 2> "$T/v2.err"
check "a ledger of format 2: ledger export exits 1" [ $? = 1 ]
check "  saying the next run upgrades it" grep -q 'a ledger of format "yibao-ledger 2": the next `yibao run` on it upgrades it to "yibao-ledger 3"' "$T/v2.err"
check "  and leaves it as it was" [ "$(psql_to v2 -c "SELECT v FROM yb_meta WHERE k = 'format'")" = "yibao-ledger 2" ]
"$Y" run "$P" "$T/a.jsonl" --ledger "$V2" > /dev/null 2> "$T/v2.err"
check "  the next run upgrades it" grep -q 'upgraded from format 2 to format 3' "$T/v2.err"
check "  and knows every claim settled before" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/v2.err"
check "  every entry as it was" diff "$T/v2.before" <("$Y" ledger export "$V2" | grep '^{"entry"')
check "  no yb_entry left" [ "$(psql_to v2 -c "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'yb_entry'")" = 0 ]
check "  after which the ledger checks" grep -q '^ok: ' <("$Y" ledger check "$V2")
"$Y" run "$P" "$T/b.jsonl" --ledger "$V2" > /dev/null 2> "$T/v2b.err"
check "  and takes the next batch" grep -q '^163 settled, 0 already settled, 0 errors$' "$T/v2b.err"

# ---- the ledger is opened while the policy compiles (store/ledger_early.c),
# without making or upgrading anything: a policy that does not compile leaves
# an empty database empty (and says why, once); a good one then makes it a ledger
E=$(new_ledger early)
printf 'policy "broken" version "1"\nrule r { set nothing = }\n' > "$T/broken.yb"
"$Y" run "$T/broken.yb" "$T/a.jsonl" --ledger "$E" > /dev/null 2> "$T/early.err"
check "a policy that does not compile, on an empty database: exit 1" [ $? = 1 ]
check "  saying where the policy is wrong" grep -q "broken.yb:2:" "$T/early.err"
check "  and nothing of the ledger's" [ -z "$(grep -i ledger "$T/early.err")" ]
check "  the database left empty" [ "$(psql_to early -c "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
"$Y" run "$P" "$T/a.jsonl" --ledger "$E" > /dev/null 2> "$T/early.err"
check "  then the policy that compiles makes it a ledger" grep -q '^163 settled, 0 already settled, 0 errors$' "$T/early.err"

# ---- a failure after a COPY (store/pg_store.c): a trigger run once the
# buckets' COPY into yb_bucket has ended, then one run once the fingerprint
# parts' COPY into yb_fps has, then at COMMIT itself (a deferred trigger, run
# as the server commits), then the connection cut after the buckets' COPY.
# Each: exit 1, the server's reason, the ledger as before; the batch (big.jsonl: hundreds of buckets and parts, so they go by
# COPY, not as statements) settles once the server takes it.
Cf=$(new_ledger copyfail)
"$Y" run "$P" "$T/a.jsonl" --ledger "$Cf" > /dev/null 2>&1
content "$Cf" > "$T/copyfail.before"
refuse_after_copy() { # TABLE WHAT: a trigger refusing once a statement has put rows in TABLE, saying how many
    psql_to copyfail -c "CREATE FUNCTION yb_refuse_$1() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN RAISE EXCEPTION 'refused by the test after a COPY of % $2', (SELECT COUNT(*) FROM new); END \$\$;
        CREATE TRIGGER yb_refuse_$1 AFTER INSERT ON $1 REFERENCING NEW TABLE AS new FOR EACH STATEMENT
        EXECUTE FUNCTION yb_refuse_$1();"
}
batch_fails() { # WHAT PATTERN LEDGER CLAIMS N BEFORE: a batch of N claims the server fails
    "$Y" run "$P" "$4" --ledger "$3" > /dev/null 2> "$T/fail.err"
    check "a failure $1: exit 1" [ $? = 1 ]
    check "  with the server's reason" grep -q "$2" "$T/fail.err"
    check "  and that nothing of the batch is kept" grep -q 'nothing of this batch is kept' "$T/fail.err"
    check "  the ledger as it was before the batch" diff -q "$6" <(content "$3")
    check "  and no warning of the server's" [ -z "$(grep WARNING "$T/fail.err")" ]
    check "  the summary says the ledger kept none of it" \
        grep -q "^$5 settled, 0 already settled, 0 errors; the ledger kept none of this batch\$" "$T/fail.err"
}
copy_fails() { batch_fails "$1" "$2" "$Cf" "$T/big.jsonl" 20000 "$T/copyfail.before"; }
refuse_after_copy yb_bucket buckets
copy_fails "after the buckets' COPY" 'refused by the test after a COPY of [1-9][0-9]* buckets'
psql_to copyfail -c "DROP TRIGGER yb_refuse_yb_bucket ON yb_bucket"
refuse_after_copy yb_fps 'fingerprint parts'
copy_fails "after the fingerprint parts' COPY" 'refused by the test after a COPY of [1-9][0-9] fingerprint parts'
psql_to copyfail -c "DROP TRIGGER yb_refuse_yb_fps ON yb_fps;
    CREATE FUNCTION yb_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN RAISE EXCEPTION 'refused by the test at commit'; END \$\$;
    CREATE CONSTRAINT TRIGGER yb_refuse_commit AFTER UPDATE ON yb_batch DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION yb_refuse_commit();"
copy_fails "at the final COMMIT" 'refused by the test at commit'
# the connection cut once the buckets' COPY has ended (the backend ends
# itself, as when the server goes away right there)
psql_to copyfail -c "DROP TRIGGER yb_refuse_commit ON yb_batch;
    CREATE FUNCTION yb_cut() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END \$\$;
    CREATE TRIGGER yb_cut AFTER INSERT ON yb_bucket FOR EACH STATEMENT EXECUTE FUNCTION yb_cut();"
copy_fails "the connection cut after the buckets' COPY" "the ledger's server went away"
# and cut at COMMIT (the answer lost): yibao asks the server again whether the batch was committed
psql_to copyfail -c "DROP TRIGGER yb_cut ON yb_bucket;
    CREATE CONSTRAINT TRIGGER yb_cut AFTER UPDATE ON yb_batch DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION yb_cut();"
copy_fails "the connection cut at COMMIT" "went away (.*) during the COMMIT; asked again, it says the batch was rolled back"
psql_to copyfail -c "DROP TRIGGER yb_cut ON yb_batch"
"$Y" run "$P" "$T/big.jsonl" --ledger "$Cf" > /dev/null 2> "$T/copyfail.err"
check "  the same batch once the server takes it: 20000 settled" grep -q '^20000 settled, 0 already settled, 0 errors$' "$T/copyfail.err"
# its fingerprint parts went by COPY in several pieces (240,000 bytes an
# index, sent 64 KiB at a time): every claim id is found again, and the
# ledger checks
"$Y" run "$P" "$T/big.jsonl" --ledger "$Cf" > /dev/null 2> "$T/copyfail.err"
check "  run again: every claim already settled" grep -q '^0 settled, 20000 already settled, 0 errors$' "$T/copyfail.err"
check "  and the ledger checks" grep -q '^ok: ' <("$Y" ledger check "$Cf")

# ---- a write sent ahead (pipeline mode) that the server refuses: the batch
# fails there, saying why, and the ledger stays as it was (a trigger refuses
# the batch's run of claim-id fingerprints, written at commit)
R=$(new_ledger refuse)
"$Y" run "$P" "$T/a.jsonl" --ledger "$R" > /dev/null 2>&1
content "$R" > "$T/refuse.before"
psql_to refuse -c "CREATE FUNCTION yb_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN RAISE EXCEPTION 'refused by the test'; END \$\$;
    CREATE TRIGGER yb_refuse BEFORE INSERT ON yb_fps FOR EACH ROW EXECUTE FUNCTION yb_refuse();"
batch_fails "of a write sent ahead, refused at commit" 'refused by the test' "$R" "$T/b.jsonl" 163 "$T/refuse.before"
psql_to refuse -c "DROP TRIGGER yb_refuse ON yb_fps"
"$Y" run "$P" "$T/b.jsonl" --ledger "$R" > /dev/null 2> "$T/refuse.err"
check "  the same batch once the server takes it: 163 settled" grep -q '^163 settled, 0 already settled, 0 errors$' "$T/refuse.err"

# ---- the server goes away in the middle of a batch: a clear error, exit 1, the ledger as before
G=$(new_ledger gone)
"$Y" run "$P" "$T/a.jsonl" --ledger "$G" > /dev/null 2>&1
content "$G" > "$T/before"
# the claims come through a pipe, so the server is stopped in the middle of the
# batch whatever the machine's speed: once the first 10,000 claims are being
# settled (settlements coming out), before the other 10,000 are sent
mkfifo "$T/feed"
(head -n 10000 "$T/big.jsonl"; while [ ! -e "$T/go" ]; do sleep 0.1; done; tail -n +10001 "$T/big.jsonl") \
    > "$T/feed" 2> /dev/null &
writer=$!
"$Y" run "$P" "$T/feed" --ledger "$G" > "$T/gone.out" 2> "$T/gone.err" &
pid=$!
for _ in $(seq 600); do [ -s "$T/gone.out" ] && break; sleep 0.1; done
pg_stop immediate
touch "$T/go"
wait "$pid"
rc=$?
kill "$writer" 2> /dev/null
check "a server gone mid-batch: exit 1" [ "$rc" = 1 ]
check "  (stopped once settlements were coming out)" [ -s "$T/gone.out" ]
check "  saying so" grep -q "the ledger's server went away\|server closed the connection" "$T/gone.err"
check "  and that nothing of the batch is kept" grep -q 'nothing of this batch is kept\|left as it was before this batch' "$T/gone.err"
grep -q 'nothing of this batch is kept\|left as it was before this batch' "$T/gone.err" || sed 's/^/    said: /' "$T/gone.err"
pg_start
check "  the ledger as it was before the batch" diff -q "$T/before" <(content "$G")
"$Y" run "$P" "$T/a.jsonl" --ledger "postgresql:///nosuchdb?host=$T/sock&user=yb" > /dev/null 2> "$T/nodb.err"
check "a database that does not exist: exit 1, a clear error" grep -q 'cannot connect to the ledger' "$T/nodb.err"
exit "$fails"
