/* The ledger in an SQLite file (Debian libsqlite3-dev): write-ahead log, a
 * full sync at each commit, so a batch is either all in the file or not at
 * all, whenever the process dies. */
#include "store_backend.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a batch uses about twenty distinct statements; a statement that found the
   cache full would be parsed again on every call (60,000 instructions each) */
enum { NCACHE = 64 };

typedef struct sq_backend {
    yb_backend base;
    sqlite3 *db;
    const char *sql[NCACHE]; /* statements prepared once, found by their text's address */
    sqlite3_stmt *stmt[NCACHE];
} sq_backend;

static void set_err(sq_backend *s, char *err, size_t errlen)
{
    if (!err) return;
    int code = sqlite3_extended_errcode(s->db);
    if ((code & 0xff) == SQLITE_NOTADB) snprintf(err, errlen, "not a yibao ledger (not an SQLite database); left as it is");
    else if ((code & 0xff) == SQLITE_CORRUPT) snprintf(err, errlen, "the ledger file is corrupt (%s); left as it is", sqlite3_errmsg(s->db));
    else if ((code & 0xff) == SQLITE_BUSY) snprintf(err, errlen, "the ledger is busy: another batch is running on it");
    else snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
}

static sqlite3_stmt *prepared(sq_backend *s, const char *sql)
{
    for (int i = 0; i < NCACHE; i++)
        if (s->sql[i] == sql) return s->stmt[i];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    for (int i = 0; i < NCACHE; i++) {
        if (s->sql[i]) continue;
        s->sql[i] = sql;
        s->stmt[i] = st;
        return st;
    }
    return st; /* cache full: the caller finalizes it */
}

static bool cached(const sq_backend *s, const sqlite3_stmt *st)
{
    for (int i = 0; i < NCACHE; i++)
        if (s->stmt[i] == st) return true;
    return false;
}

static bool bind(sqlite3_stmt *st, const yb_cell *params, int n)
{
    for (int i = 0; i < n; i++) {
        const yb_cell *c = &params[i];
        int rc = c->kind == YB_CELL_INT    ? sqlite3_bind_int64(st, i + 1, c->i)
                 : c->kind == YB_CELL_TEXT ? sqlite3_bind_text(st, i + 1, c->p, (int)c->n, SQLITE_STATIC)
                 : c->kind == YB_CELL_BLOB ? sqlite3_bind_blob(st, i + 1, c->n ? c->p : "", (int)c->n, SQLITE_STATIC)
                                           : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) return false;
    }
    return true;
}

/* raw: integer columns come as INT cells (exec_raw), not as decimal text to be
   parsed again (sqlite3_column_text formats each: 350 instructions a column). */
static bool sq_run(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                   char *err, size_t errlen, bool raw)
{
    sq_backend *s = (sq_backend *)b;
    if (!nparams && !fn) {
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK) return true;
        set_err(s, err, errlen);
        return false;
    }
    sqlite3_stmt *st = prepared(s, sql);
    if (!st || !bind(st, params, nparams)) {
        set_err(s, err, errlen);
        if (st && !cached(s, st)) sqlite3_finalize(st);
        return false;
    }
    int rc;
    bool ok = true;
    yb_cell cols[16];
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        if (n > 16) n = 16;
        for (int i = 0; i < n; i++) {
            int t = sqlite3_column_type(st, i);
            cols[i].i = 0;
            if (t == SQLITE_NULL) {
                cols[i] = (yb_cell){YB_CELL_NULL, 0, "", 0};
            } else if (raw && t == SQLITE_INTEGER) {
                cols[i] = (yb_cell){YB_CELL_INT, sqlite3_column_int64(st, i), "", 0};
            } else if (t == SQLITE_BLOB) {
                const void *p = sqlite3_column_blob(st, i);
                cols[i] = (yb_cell){YB_CELL_BLOB, 0, p ? p : "", (size_t)sqlite3_column_bytes(st, i)};
            } else {
                const unsigned char *p = sqlite3_column_text(st, i);
                cols[i] = (yb_cell){YB_CELL_TEXT, 0, p ? (const char *)p : "", (size_t)sqlite3_column_bytes(st, i)};
            }
        }
        if (fn) ok = fn(ctx, cols, n);
    }
    if (ok && rc != SQLITE_DONE) {
        set_err(s, err, errlen);
        ok = false;
    } else if (!ok && err && !err[0]) {
        snprintf(err, errlen, "out of memory");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!cached(s, st)) sqlite3_finalize(st);
    return ok;
}

static bool sq_exec(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                    char *err, size_t errlen)
{
    return sq_run(b, sql, params, nparams, fn, ctx, err, errlen, false);
}

static bool sq_exec_raw(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                        char *err, size_t errlen)
{
    return sq_run(b, sql, params, nparams, fn, ctx, err, errlen, true);
}

static bool sq_has_ledger(yb_backend *b, bool *ours, bool *empty, char *err, size_t errlen)
{
    sq_backend *s = (sq_backend *)b;
    sqlite3_stmt *st = NULL;
    *ours = false;
    *empty = true;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st, NULL) != SQLITE_OK) {
        set_err(s, err, errlen);
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        *empty = false;
        if (name && strcmp(name, "yb_meta") == 0) *ours = true;
    }
    if (rc != SQLITE_DONE) set_err(s, err, errlen);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
}

/* Only once the file is known to be a ledger: a foreign file is never touched. */
static bool sq_ready(yb_backend *b, char *err, size_t errlen)
{
    sq_backend *s = (sq_backend *)b;
    if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -16384",
                     NULL, NULL, NULL) == SQLITE_OK)
        return true;
    set_err(s, err, errlen);
    return false;
}

static bool integrity_row(void *ctx, const yb_cell *cols, int ncols)
{
    char *out = ctx;
    if (ncols >= 1 && !(cols[0].n == 2 && memcmp(cols[0].p, "ok", 2) == 0) && !out[0])
        snprintf(out, 300, "SQLite integrity check: %.*s", (int)(cols[0].n > 200 ? 200 : cols[0].n), (const char *)cols[0].p);
    return true;
}

static bool sq_integrity(yb_backend *b, char *err, size_t errlen)
{
    char found[300] = "";
    if (!sq_exec(b, "PRAGMA integrity_check", NULL, 0, integrity_row, found, err, errlen)) return false;
    if (!found[0]) return true;
    snprintf(err, errlen, "%s", found);
    return false;
}

static const char get_sql[] = "SELECT data FROM yb_bucket WHERE state = $1 AND bucket = $2";

static int sq_bucket_get(yb_backend *b, int64_t state, int64_t bucket, unsigned char **data, size_t *n, char *err,
                         size_t errlen)
{
    sq_backend *s = (sq_backend *)b;
    sqlite3_stmt *st = prepared(s, get_sql);
    *data = NULL;
    *n = 0;
    if (!st) {
        set_err(s, err, errlen);
        return -1;
    }
    sqlite3_bind_int64(st, 1, state);
    sqlite3_bind_int64(st, 2, bucket);
    int rc = sqlite3_step(st), out = 0;
    if (rc == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        if (!(*data = malloc(len ? len : 1))) {
            snprintf(err, errlen, "out of memory");
            out = -1;
        } else {
            if (len) memcpy(*data, p, len);
            *n = len;
            out = 1;
        }
    } else if (rc != SQLITE_DONE) {
        set_err(s, err, errlen);
        out = -1;
    }
    sqlite3_reset(st);
    return out;
}

static const char put_sql[] =
    "INSERT INTO yb_bucket(state, bucket, n, data) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (state, bucket) DO UPDATE SET n = excluded.n, data = excluded.data";

static bool sq_bucket_put(yb_backend *b, int64_t state, int64_t bucket, int64_t count, const void *data, size_t n,
                          char *err, size_t errlen)
{
    yb_cell v[4] = {{YB_CELL_INT, state, NULL, 0}, {YB_CELL_INT, bucket, NULL, 0}, {YB_CELL_INT, count, NULL, 0},
                    {YB_CELL_BLOB, 0, data, n}};
    return sq_exec(b, put_sql, v, 4, NULL, NULL, err, errlen);
}

static bool sq_bucket_flush(yb_backend *b, char *err, size_t errlen) { return true; }
static void sq_release(yb_backend *b) { sqlite3_db_release_memory(((sq_backend *)b)->db); }

static void sq_close(yb_backend *b)
{
    sq_backend *s = (sq_backend *)b;
    for (int i = 0; i < NCACHE; i++) sqlite3_finalize(s->stmt[i]);
    sqlite3_close(s->db);
    free(s);
}

/* The entries by bucket (ledger_buckets.c): in a new ledger, and a ledger of format 2 upgraded.
   A rowid table: a bucket of a few KiB stays on its own page, not in overflow pages. */
#define BUCKET_TABLE \
        "CREATE TABLE yb_bucket (state INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL," \
        " data BLOB NOT NULL, PRIMARY KEY (state, bucket));"

/* The fingerprint indexes (ledger_fps.c): in a new ledger, and added to one of format 1. */
#define FPS_TABLES \
        "CREATE TABLE yb_run (state INTEGER NOT NULL, run INTEGER NOT NULL, n INTEGER NOT NULL," \
        " PRIMARY KEY (state, run));" \
        "CREATE TABLE yb_fps (state INTEGER NOT NULL, run INTEGER NOT NULL, hi INTEGER NOT NULL, fps BLOB NOT NULL," \
        " PRIMARY KEY (state, run, hi));" \
        "CREATE TABLE yb_filter (state INTEGER NOT NULL, page INTEGER NOT NULL, bits BLOB NOT NULL, sum INTEGER NOT NULL," \
        " PRIMARY KEY (state, page));"

static const yb_backend_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .exec = sq_exec,
    .exec_raw = sq_exec_raw,
    /* 16 KiB pages (a new ledger; an older file keeps its own): a batch's
       commit writes each changed page twice (the log, then the checkpoint),
       a write call and a log frame header a page; with 4 KiB pages that was
       8,300 write calls for a 200,000-claim batch, with 16 KiB 1,900, for
       the same bytes, and a 4 KiB bucket no longer takes a page of its own */
    .create_sql =
        "PRAGMA page_size = 16384;"
        "CREATE TABLE yb_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
        "CREATE TABLE yb_policy (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
        " hash TEXT NOT NULL UNIQUE);"
        "CREATE TABLE yb_state (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, decl TEXT NOT NULL,"
        " nfields INTEGER NOT NULL, policy INTEGER NOT NULL, entries INTEGER NOT NULL DEFAULT 0,"
        " buckets INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE yb_batch (id INTEGER PRIMARY KEY, at TEXT NOT NULL, policy INTEGER NOT NULL,"
        " kind TEXT NOT NULL, claims INTEGER NOT NULL);"
        BUCKET_TABLE
        FPS_TABLES,
    .fps_sql = FPS_TABLES,
    .bucket_sql = BUCKET_TABLE,
    .preload_ratio = 8,
    .begin_sql = "BEGIN IMMEDIATE",
    .ready = sq_ready,
    .integrity = sq_integrity,
    .has_ledger = sq_has_ledger,
    .bucket_get = sq_bucket_get,
    .bucket_put = sq_bucket_put,
    .bucket_flush = sq_bucket_flush,
    .release = sq_release,
};

yb_backend *yb_sqlite_open(const char *path, char *err, size_t errlen)
{
    sq_backend *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.ops = &sq_ops;
    /* NOMUTEX: a store is used by one thread at a time (the service holds its
       lock around each batch), so SQLite's own locking of the connection on
       every call is pure cost (4 % of a batch's instructions) */
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open: %s", s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_close(s->db);
        free(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    return &s->base;
}
