#!/usr/bin/env bash
# The durable ledger in SQLite files: the shared suite, then what only a file can get wrong.
# usage: ledger_sqlite.sh YIBAO   (from the repository's root)
set -u
Y=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
new_ledger() { echo "$T/$1.db"; }
. tests/scripts/ledger_suite.sh

# ---- the duplicate index on disk behind its filter (store/ledger_fps.c)
# set_filter DB HOW: rewrites every index's stored filter, checksums and all
# (saturate: every bit set, a "maybe" for every lookup), or breaks one page of
# the claim-id index's without its checksum (corrupt).
quiet() { "$@" > /dev/null; }
set_filter() {
    python3 - "$1" "$2" << 'EOF'
import sqlite3, sys
def fnv(b):  # store/ledger_fps.c, yb_fps_checksum
    h = 0xcbf29ce484222325 ^ len(b)
    for i in range(0, len(b), 8):
        h = ((h ^ int.from_bytes(b[i:i + 8].ljust(8, b"\0"), "little")) * 0x100000001b3) & (2**64 - 1)
        h ^= h >> 29
    return h - 2**64 if h >= 2**63 else h
db = sqlite3.connect(sys.argv[1])
if sys.argv[2] == "saturate":
    page = b"\xff" * 4096
    s = fnv(page)
    for (state,) in db.execute("SELECT DISTINCT state FROM yb_filter").fetchall():
        db.executemany("INSERT OR REPLACE INTO yb_filter(state, page, bits, sum) VALUES (?, ?, ?, ?)",
                       [(state, p, page, s) for p in range(2048)])
else:
    page, bits = db.execute("SELECT page, bits FROM yb_filter WHERE state = 0 AND page >= 0 ORDER BY page LIMIT 1").fetchone()
    db.execute("UPDATE yb_filter SET bits = ? WHERE state = 0 AND page = ?", (bytes([bits[0] ^ 0x55]) + bits[1:], page))
db.commit()
EOF
}
F=$T/fp.db
"$Y" run "$P" "$T/a.jsonl" --ledger "$F" > /dev/null 2>&1
cp "$F" "$T/fp-plain.db"
set_filter "$F" saturate
"$Y" run "$P" "$T/b.jsonl" --ledger "$F" > "$T/fp.out" 2> "$T/fp.err"
check "a filter that says maybe to everything: batch 2 exits 0" [ $? = 0 ]
check "  every claim settled, none taken for one settled before" grep -q '^163 settled, 0 already settled, 0 errors$' "$T/fp.err"
"$Y" run "$P" "$T/b.jsonl" --ledger "$T/fp-plain.db" > "$T/fp-plain.out" 2> /dev/null
check "  the settlements of a ledger with a true filter, byte for byte (no good claim held as a duplicate)" \
    cmp -s "$T/fp.out" "$T/fp-plain.out"
check "  the ledger checks" quiet "$Y" ledger check "$F"
"$Y" run "$P" "$T/dup.jsonl" --ledger "$F" > "$T/fp-dup.out" 2> /dev/null
check "  a true duplicate is still found in the runs on disk and held" grep -q '"status":"held".*DUPLICATE_CLAIM' "$T/fp-dup.out"
"$Y" run "$P" "$T/b.jsonl" --ledger "$F" > /dev/null 2> "$T/fp-re.err"
check "  a re-run of batch 2 settles nothing" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/fp-re.err"
# a stored filter page that fails its checksum: check says so, the next batch rebuilds it
cp "$T/fp-plain.db" "$T/fp-bad.db"
set_filter "$T/fp-bad.db" corrupt
"$Y" ledger check "$T/fp-bad.db" > "$T/fpb.out" 2>&1
check "a damaged filter page: ledger check exits 1" [ $? = 1 ]
check "  naming the filter" grep -q 'the filter of fingerprint index 0 is damaged' "$T/fpb.out"
"$Y" run "$P" "$T/a.jsonl" --ledger "$T/fp-bad.db" > "$T/fpb.run" 2> "$T/fpb.err"
check "  the next batch notes the rebuild" grep -q 'note: .*fp-bad.db: the filter of the claim id index was damaged or missing; rebuilt from its 326 fingerprints' "$T/fpb.err"
check "  and still knows every claim of batch 1" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/fpb.err"
check "  after which the ledger checks" quiet "$Y" ledger check "$T/fp-bad.db"

# a batch opens the ledger by its filters and run lists, never its fingerprints: a
# part of batch 1's claim-id run, damaged, is not read by a batch of new claims
# (each a filter "no"), and ledger check finds it
cp "$T/fp-plain.db" "$T/fp-part.db"
python3 - "$T/fp-part.db" << 'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE yb_fps SET fps = x'0102030405' WHERE rowid = (SELECT MIN(rowid) FROM yb_fps WHERE state = 0)")
db.commit()
EOF
head -n 20 "$T/b.jsonl" | sed 's/"claim_id":"\([^"]*\)"/"claim_id":"NEW-\1"/' > "$T/new20.jsonl"
"$Y" run "$P" "$T/new20.jsonl" --ledger "$T/fp-part.db" > /dev/null 2> "$T/fpp.err"
check "a damaged part of an old run: a batch of new claims does not read it (exit 0)" [ $? = 0 ]
"$Y" ledger check "$T/fp-part.db" > "$T/fpp.out" 2>&1
check "  ledger check finds it" grep -q 'a part of run 1 of fingerprint index 0 is not whole 12-byte entries' "$T/fpp.out"

# parts of any length are read (a batch writes parts of 640 entries; ledgers written
# before, 256): every run of a ledger cut into parts of 7 entries, its claims and
# records are still found there
cp "$T/fp-plain.db" "$T/fp-cut.db"
python3 - "$T/fp-cut.db" << 'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
runs = {}
for state, run, fps in db.execute("SELECT state, run, fps FROM yb_fps ORDER BY state, run, hi").fetchall():
    runs.setdefault((state, run), bytearray()).extend(fps)
db.execute("DELETE FROM yb_fps")
for (state, run), b in runs.items():
    for i in range(0, len(b), 7 * 12):
        part = bytes(b[i:i + 7 * 12])
        hi = int.from_bytes(part[-12:-4], "little") ^ (1 << 63)  # the last fingerprint, top bit flipped, signed
        db.execute("INSERT INTO yb_fps(state, run, hi, fps) VALUES (?, ?, ?, ?)", (state, run, hi - (1 << 64) if hi >> 63 else hi, part))
db.commit()
EOF
check "a ledger cut into parts of 7 entries checks" quiet "$Y" ledger check "$T/fp-cut.db"
"$Y" run "$P" "$T/a.jsonl" --ledger "$T/fp-cut.db" > /dev/null 2> "$T/cut-a.err"
"$Y" run "$P" "$T/b.jsonl" --ledger "$T/fp-cut.db" > /dev/null 2> "$T/cut-b.err"
check "  both batches run again settle nothing" \
    [ "$(cat "$T/cut-a.err" "$T/cut-b.err" | grep -c '^0 settled, 163 already settled, 0 errors$')" = 2 ]
"$Y" run "$P" "$T/dup.jsonl" --ledger "$T/fp-cut.db" > "$T/cut-dup.out" 2> /dev/null
check "  a duplicate record is found in them and held" grep -q '"status":"held".*DUPLICATE_CLAIM' "$T/cut-dup.out"

# a ledger of format 2 (one row of yb_entry per key), made from a format-3 one
# (store/ledger_buckets.c: each bucket's entries decoded): the tools refuse it
# and say how it is upgraded; the next run upgrades it, with every total as it was
to_v2() {
    python3 - "$1" "$2" << 'EOF'
import shutil, sqlite3, sys
shutil.copy(sys.argv[1], sys.argv[2])
db = sqlite3.connect(sys.argv[2])
def varint(b, i):
    x = s = 0
    while True:
        c = b[i]; i += 1
        x |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return x, i
db.execute("CREATE TABLE yb_entry (state INTEGER NOT NULL, key BLOB NOT NULL, vals BLOB NOT NULL, opened_by INTEGER NOT NULL,"
           " changed_by INTEGER NOT NULL, batch INTEGER NOT NULL, PRIMARY KEY (state, key)) WITHOUT ROWID")
for state, data in db.execute("SELECT state, data FROM yb_bucket").fetchall():
    i = 0
    while i < len(data):
        n, i = varint(data, i); key = data[i:i + n]; i += n
        n, i = varint(data, i); vals = data[i:i + n]; i += n
        o, i = varint(data, i); c, i = varint(data, i); b, i = varint(data, i)
        db.execute("INSERT INTO yb_entry VALUES (?, ?, ?, ?, ?, ?)", (state, key, vals, o, c, b))
db.execute("DROP TABLE yb_bucket")
db.execute("ALTER TABLE yb_state DROP COLUMN buckets")
db.execute("UPDATE yb_meta SET v = 'yibao-ledger 2' WHERE k = 'format'")
db.commit()
EOF
}
to_v2 "$T/fp-plain.db" "$T/v2.db"
"$Y" ledger export "$T/fp-plain.db" | grep '^{"entry"' > "$T/v2.before"
check "a ledger of format 2 (made for the test) holds every entry" \
    [ "$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM yb_entry").fetchone()[0])' "$T/v2.db")" = "$(wc -l < "$T/v2.before")" ]
"$Y" ledger export "$T/v2.db" > /dev/null 2> "$T/v2.err"
check "a ledger of format 2: ledger export exits 1" [ $? = 1 ]
check "  saying the next run upgrades it" grep -q 'a ledger of format "yibao-ledger 2": the next `yibao run` on it upgrades it to "yibao-ledger 3"' "$T/v2.err"
"$Y" run "$P" "$T/b.jsonl" --ledger "$T/v2.db" > /dev/null 2> "$T/v2.err"
check "  the next run upgrades it" grep -q 'v2.db: upgraded from format 2 to format 3' "$T/v2.err"
check "  and knows every claim settled before" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/v2.err"
check "  every entry as it was" diff "$T/v2.before" <("$Y" ledger export "$T/v2.db" | grep '^{"entry"')
check "  after which the ledger checks" quiet "$Y" ledger check "$T/v2.db"

# a ledger of format 1 (each batch's fingerprints in one row of yb_claims or
# yb_records, no filter), made from a format-2 one: the tools refuse it and say
# how it is upgraded; the next run upgrades it and it still knows its claims and records
to_v2 "$T/fp-plain.db" "$T/v1.db"
python3 - "$T/v1.db" << 'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE yb_claims (batch INTEGER NOT NULL, part INTEGER NOT NULL, fps BLOB NOT NULL, PRIMARY KEY (batch, part))")
db.execute("CREATE TABLE yb_records (state INTEGER NOT NULL, batch INTEGER NOT NULL, part INTEGER NOT NULL, fps BLOB NOT NULL, PRIMARY KEY (state, batch, part))")
rows = {}
for state, fps in db.execute("SELECT state, fps FROM yb_fps ORDER BY state, run, hi"):
    for i in range(0, len(fps), 12):
        batch = int.from_bytes(fps[i + 8:i + 12], "little")
        rows.setdefault((state, batch), []).append(fps[i:i + 8])
for (state, batch), v in rows.items():
    v.sort(key=lambda b: int.from_bytes(b, "little"))
    if state == 0:
        db.execute("INSERT INTO yb_claims VALUES (?, 0, ?)", (batch, b"".join(v)))
    else:
        db.execute("INSERT INTO yb_records VALUES (?, ?, 0, ?)", (state, batch, b"".join(v)))
db.execute("DROP TABLE yb_fps")
db.execute("DROP TABLE yb_run")
db.execute("DROP TABLE yb_filter")
db.execute("UPDATE yb_meta SET v = 'yibao-ledger 1' WHERE k = 'format'")
db.commit()
EOF
"$Y" ledger check "$T/v1.db" > /dev/null 2> "$T/v1.err"
check "a ledger of format 1: ledger check exits 1" [ $? = 1 ]
check "  saying the next run upgrades it" grep -q 'a ledger of format "yibao-ledger 1": the next `yibao run` on it upgrades it' "$T/v1.err"
"$Y" run "$P" "$T/b.jsonl" --ledger "$T/v1.db" > /dev/null 2> "$T/v1.err"
check "  the next run upgrades it" grep -q 'v1.db: upgraded from format 1 to format 2' "$T/v1.err"
check "  and on to format 3" grep -q 'v1.db: upgraded from format 2 to format 3' "$T/v1.err"
check "  and knows every claim settled before" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/v1.err"
"$Y" run "$P" "$T/dup.jsonl" --ledger "$T/v1.db" > "$T/v1.out" 2> /dev/null
check "  and every record (a duplicate held)" grep -q '"status":"held".*DUPLICATE_CLAIM' "$T/v1.out"
check "  after which the ledger checks" quiet "$Y" ledger check "$T/v1.db"

# ---- the filter is a checkpoint (store/ledger_fps.c): a batch writes its run of
# fingerprints, not the filter's pages, until the runs after the checkpoint hold
# more than a bound (YB_LEDGER_CKPT_FPS lowers it from 174,762 to 50 here) and
# the batch added at most half of them (up to 4 x the bound: 200 here); a batch
# adds those runs to the filter as it opens the ledger.
# ckpt DB: the claim-id index's filter header (fingerprints covered, the last run
# included) and its pages' rows (how many, a sum of their checksums: a rewrite changes it)
ckpt() {
    python3 - "$1" << 'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
head = db.execute("SELECT bits FROM yb_filter WHERE state = 0 AND page = -1").fetchone()[0]
pages = db.execute("SELECT COUNT(*), TOTAL(sum) FROM yb_filter WHERE state = 0 AND page >= 0").fetchone()
print(int.from_bytes(head[0:8], "little"), int.from_bytes(head[16:24], "little"), pages[0], int(pages[1]))
EOF
}
runs() { python3 -c 'import sqlite3, sys; print(*sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*), SUM(n) FROM yb_run WHERE state = 0").fetchone())' "$1"; }
export YB_LEDGER_CKPT_FPS=50
K=$T/ckpt.db
head -n 20 "$T/b.jsonl" > "$T/k1.jsonl"
sed -n '21,80p' "$T/b.jsonl" > "$T/k2.jsonl"
sed -n '81,100p' "$T/b.jsonl" > "$T/k3.jsonl"
head -n 1 "$T/k1.jsonl" | sed 's/"claim_id":"[^"]*"/"claim_id":"DUP-K1"/' > "$T/kdup.jsonl"
"$Y" run "$P" "$T/a.jsonl" --ledger "$K" > /dev/null 2>&1
read -r n1 r1 p1 s1 <<< "$(ckpt "$K")"
check "checkpoints: the first batch writes the filter, covering its 163 claim ids, run 1" [ "$n1 $r1" = "163 1" ]
"$Y" run "$P" "$T/k1.jsonl" --ledger "$K" > /dev/null 2> "$T/k1.err"
check "  a small batch (20 claims) settles" grep -q '^20 settled, 0 already settled, 0 errors$' "$T/k1.err"
check "  and writes its run (2 runs, 183 claim ids)" [ "$(runs "$K")" = "2 183" ]
check "  but not the filter: header and pages as before" [ "$(ckpt "$K")" = "$n1 $r1 $p1 $s1" ]
check "  the ledger checks" quiet "$Y" ledger check "$K"
"$Y" run "$P" "$T/dup.jsonl" --ledger "$K" > "$T/kd.out" 2> /dev/null
check "  a duplicate of a claim in the checkpoint is held" grep -q '"status":"held".*DUPLICATE_CLAIM' "$T/kd.out"
"$Y" run "$P" "$T/kdup.jsonl" --ledger "$K" > "$T/kd2.out" 2> /dev/null
check "  a duplicate of a claim in a run after it is held" grep -q '"status":"held".*DUPLICATE_CLAIM' "$T/kd2.out"
"$Y" run "$P" "$T/k1.jsonl" --ledger "$K" > /dev/null 2> "$T/k1re.err"
check "  a re-run of the small batch settles nothing" grep -q '^0 settled, 20 already settled, 0 errors$' "$T/k1re.err"
"$Y" run "$P" "$T/a.jsonl" --ledger "$K" > /dev/null 2> "$T/k0re.err"
check "  nor of the first" grep -q '^0 settled, 163 already settled, 0 errors$' "$T/k0re.err"
check "  still the first checkpoint (4 runs, 185 claim ids)" [ "$(ckpt "$K") | $(runs "$K")" = "$n1 $r1 $p1 $s1 | 4 185" ]
"$Y" run "$P" "$T/k2.jsonl" --ledger "$K" > /dev/null 2> "$T/k2.err"
# 22 + 60 = 82 after it, past 50, but 60 of them this batch's (2 x 60 > 82): no checkpoint
check "  a batch that is most of the 82 fingerprints after it leaves the filter (5 runs, 245 claim ids)" \
    [ "$(ckpt "$K") | $(runs "$K")" = "$n1 $r1 $p1 $s1 | 5 245" ]
check "  the ledger checks" quiet "$Y" ledger check "$K"
"$Y" run "$P" "$T/k3.jsonl" --ledger "$K" > /dev/null 2> "$T/k3.err"
# 82 + 20 = 102 after it, 20 of them this batch's (2 x 20 <= 102): a checkpoint
check "  the next small batch writes it again: all 265 claim ids, to run 6" \
    [ "$(ckpt "$K" | cut -d' ' -f1,2) | $(runs "$K")" = "265 6 | 6 265" ]
check "  the ledger checks" quiet "$Y" ledger check "$K"
"$Y" run "$P" "$T/k2.jsonl" --ledger "$K" > /dev/null 2> "$T/k2re.err"
check "  and a re-run of that batch settles nothing" grep -q '^0 settled, 60 already settled, 0 errors$' "$T/k2re.err"
unset YB_LEDGER_CKPT_FPS

# a filter header of before the checkpoints (16 bytes: every run): the next batch
# reads it so and writes a checkpoint
"$Y" run "$P" "$T/a.jsonl" --ledger "$T/old-head.db" > /dev/null 2>&1
python3 - "$T/old-head.db" << 'EOF'
import sqlite3, sys
def fnv(b):  # store/ledger_fps.c, yb_fps_checksum
    h = 0xcbf29ce484222325 ^ len(b)
    for i in range(0, len(b), 8):
        h = ((h ^ int.from_bytes(b[i:i + 8].ljust(8, b"\0"), "little")) * 0x100000001b3) & (2**64 - 1)
        h ^= h >> 29
    return h - 2**64 if h >= 2**63 else h
db = sqlite3.connect(sys.argv[1])
for state, bits in db.execute("SELECT state, bits FROM yb_filter WHERE page = -1").fetchall():
    db.execute("UPDATE yb_filter SET bits = ?, sum = ? WHERE state = ? AND page = -1", (bits[:16], fnv(bits[:16]), state))
db.commit()
EOF
check "a 16-byte filter header (every run): the ledger checks" quiet "$Y" ledger check "$T/old-head.db"
"$Y" run "$P" "$T/k1.jsonl" --ledger "$T/old-head.db" > /dev/null 2> "$T/oh.err"
check "  a batch on it settles, no rebuild" [ "$(grep -c 'rebuilt\|settled, 0 already settled, 0 errors' "$T/oh.err")" = 1 ]
check "  and writes a checkpoint of runs 1 and 2" [ "$(ckpt "$T/old-head.db" | cut -d' ' -f1,2)" = "183 2" ]
check "  the ledger checks" quiet "$Y" ledger check "$T/old-head.db"

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
