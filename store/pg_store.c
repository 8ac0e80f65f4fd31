/* The ledger on a PostgreSQL server (Debian libpq-dev, libpq >= 14), for a
 * bureau whose batches run on several machines.  A batch is one transaction
 * that first locks yb_batch (two batches never interleave); a bucket of keys
 * is one prepared statement away; the changed buckets go up at commit as one
 * DELETE of the rows they replace and one binary COPY (bytea as it is, not
 * hex) straight into yb_bucket, or, a few of them, as upserts sent ahead; the
 * run of fingerprint parts by COPY too; the batch's other writes are sent
 * ahead in pipeline mode (below).  A server that goes
 * away mid-batch takes the open transaction with it: the ledger stays as it
 * was before the batch. */
#include "store_backend.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A statement prepared on the connection (sent ahead, below). */
enum { PG_STMTS = 32 };
typedef struct pg_stmt {
    char *sql;
    char name[16];
    bool pending; /* its preparation sent, not answered yet */
} pg_stmt;

/* A row of three integers and a blob: a bucket (state, bucket, its entries,
   the entries) or a fingerprint part (state, run, its highest, the part). */
enum { PG_HELD = 16 };
typedef struct pg_row {
    int64_t state, bucket, count;
    unsigned char *data;
    size_t n;
} pg_row;

/* The rows of one commit bound for one table: the first PG_HELD held back (a
   small commit, a service's claim, sends them as statements ahead: no COPY to
   wait for), past that a binary COPY opened by the row that does not fit. */
typedef struct pg_rows {
    pg_row held[PG_HELD];
    int nheld;
    bool copying; /* its COPY is open */
} pg_rows;

/* Bytes being gathered (a COPY's rows, an array parameter). */
typedef struct pg_buf {
    unsigned char *p;
    size_t n, cap;
} pg_buf;

typedef struct pg_backend {
    yb_backend base;
    PGconn *conn;
    char *conninfo; /* to ask again after a COMMIT whose answer was lost (commit_outcome) */
    int64_t xid;    /* the batch's transaction (0: none known) */
    bool prepared; /* yb_get */
    pg_rows puts;  /* a commit's buckets (pg_bucket_put) */
    pg_buf bulk;   /* past PG_HELD of them: their rows as COPY's bytes */
    pg_buf keys[2]; /* and their states and buckets, as int8 array elements */
    int64_t nkeys;
    pg_rows fps;   /* a commit's fingerprint parts, by COPY straight into yb_fps (new rows) */
    pg_buf out;    /* the open COPY's rows not sent yet (copy_send) */
    int queued;    /* statements sent ahead (pipeline mode), their answers not read yet */
    pg_stmt stmts[PG_STMTS];
    int nstmts, last_stmt;
    unsigned names; /* statement names given so far */
} pg_backend;

/* Whether the server is gone: libpq may hand back "server closed the
 * connection unexpectedly", or the server's own "terminating connection"
 * (SQLSTATE 57P01-57P03, or class 08), before it marks the connection bad. */
static bool server_gone(pg_backend *g, const PGresult *r, const char *m)
{
    if (PQstatus(g->conn) != CONNECTION_OK) return true;
    const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (code && (strncmp(code, "08", 2) == 0 || strncmp(code, "57P", 3) == 0)) return true;
    return strstr(m, "server closed the connection") != NULL;
}

/* The server's message, on one line; "the server went away" when it did. */
static void set_err(pg_backend *g, const PGresult *r, char *err, size_t errlen)
{
    if (!err) return;
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !m[0]) m = PQerrorMessage(g->conn);
    if (server_gone(g, r, m))
        snprintf(err, errlen, "the ledger's server went away (%.*s); nothing of this batch is kept",
                 (int)strcspn(m, "\n"), m);
    else snprintf(err, errlen, "%.*s", (int)strcspn(m, "\n"), m);
}

static bool ok_result(pg_backend *g, PGresult *r, char *err, size_t errlen)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return true;
    set_err(g, r, err, errlen);
    return false;
}

/* Rows to the callback: text columns as they are, bytea decoded. */
static bool rows(pg_backend *g, PGresult *r, yb_row_fn fn, void *ctx, char *err, size_t errlen)
{
    int nrows = PQntuples(r), ncols = PQnfields(r);
    if (ncols > 16) ncols = 16;
    bool ok = true;
    for (int i = 0; ok && i < nrows; i++) {
        yb_cell cols[16];
        unsigned char *freed[16] = {0};
        for (int c = 0; c < ncols; c++) {
            if (PQgetisnull(r, i, c)) {
                cols[c] = (yb_cell){YB_CELL_NULL, 0, "", 0};
            } else if (PQftype(r, c) == 17 /* bytea */) {
                size_t n = 0;
                freed[c] = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, c), &n);
                if (!freed[c]) ok = false;
                cols[c] = (yb_cell){YB_CELL_BLOB, 0, freed[c] ? (const void *)freed[c] : "", n};
            } else {
                cols[c] = (yb_cell){YB_CELL_TEXT, 0, PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c)};
            }
        }
        if (ok) ok = fn(ctx, cols, ncols);
        else if (err) snprintf(err, errlen, "out of memory");
        for (int c = 0; c < ncols; c++) PQfreemem(freed[c]);
    }
    if (!ok && err && !err[0]) snprintf(err, errlen, "out of memory");
    return ok;
}

/* A COMMIT whose answer the server took with it when it went away: the
   batch may have been committed all the same (the server had written its
   commit) or not.  A new connection asks the server (txid_status of the
   batch's transaction): true when it was committed, the new connection taking
   the old one's place; false with err saying what is known. */
static bool commit_outcome(pg_backend *g, char *err, size_t errlen)
{
    const char *keys[] = {"dbname", "connect_timeout", NULL}, *vals[] = {g->conninfo, "10", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    char x[24], status[16] = "";
    snprintf(x, sizeof x, "%lld", (long long)g->xid);
    const char *v[1] = {x};
    bool up = c && PQstatus(c) == CONNECTION_OK;
    if (up) PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = up ? PQexecParams(c, "SELECT txid_status($1)", 1, NULL, v, NULL, NULL, 0) : NULL;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        snprintf(status, sizeof status, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    g->xid = 0;
    g->base.commit_unknown = strcmp(status, "committed") != 0 && strcmp(status, "aborted") != 0;
    if (strcmp(status, "committed") == 0) { /* kept: the statements prepared were the old connection's */
        PQfinish(g->conn);
        g->conn = c;
        for (int i = 0; i < g->nstmts; i++) free(g->stmts[i].sql);
        g->nstmts = g->last_stmt = 0;
        g->prepared = false;
        return true;
    }
    PQfinish(c);
    if (!err) return false;
    char was[300];
    snprintf(was, sizeof was, "%.*s", (int)strcspn(err, ";"), err); /* "the ledger's server went away (...)" */
    if (strcmp(status, "aborted") == 0)
        snprintf(err, errlen, "%s during the COMMIT; asked again, it says the batch was rolled back: nothing of this "
                 "batch is kept", was);
    else
        snprintf(err, errlen, "%s during the COMMIT and could not be asked again whether it had committed the batch: "
                 "nothing of this batch is kept unless it had; once the server is back, run the batch again (claims "
                 "it kept are already settled, never counted twice)", was);
    return false;
}

/* A big-endian integer of a binary result. */
static int64_t be_int(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[i];
    if (n < 8 && n > 0 && (p[0] & 0x80)) v |= ~(uint64_t)0 << (8 * n); /* sign-extended */
    return (int64_t)v;
}

/* Rows of a binary result: bytea as it is (no hex to decode), integers as numbers, text as it is. */
static bool raw_rows(PGresult *r, yb_row_fn fn, void *ctx)
{
    int nrows = PQntuples(r), ncols = PQnfields(r);
    if (ncols > 16) ncols = 16;
    bool ok = true;
    for (int i = 0; ok && i < nrows; i++) {
        yb_cell cols[16];
        for (int c = 0; c < ncols; c++) {
            const unsigned char *v = (const unsigned char *)PQgetvalue(r, i, c);
            int n = PQgetlength(r, i, c);
            Oid t = PQftype(r, c);
            if (PQgetisnull(r, i, c)) cols[c] = (yb_cell){YB_CELL_NULL, 0, "", 0};
            else if (t == 20 || t == 23 || t == 21) cols[c] = (yb_cell){YB_CELL_INT, be_int(v, n), NULL, 0};
            else cols[c] = (yb_cell){t == 17 ? YB_CELL_BLOB : YB_CELL_TEXT, 0, v, (size_t)n};
        }
        ok = fn(ctx, cols, ncols);
    }
    return ok;
}

/* A big-endian integer of n bytes (libpq's binary parameters, binary COPY). */
static size_t put_be(unsigned char *o, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) o[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    return (size_t)n;
}

/* A statement's parameters as libpq takes them: integers as binary int8
   (no decimal to print or parse), blobs as binary bytea, text as it is. */
enum { MAXP = 8 };
typedef struct pg_params {
    Oid types[MAXP];
    const char *values[MAXP];
    int lengths[MAXP], formats[MAXP];
    unsigned char ints[MAXP][8];
} pg_params;

static bool bind_params(pg_params *q, const yb_cell *params, int nparams, char *err, size_t errlen)
{
    if (nparams > MAXP) {
        if (err) snprintf(err, errlen, "too many parameters");
        return false;
    }
    for (int i = 0; i < nparams; i++) {
        const yb_cell *c = &params[i];
        q->types[i] = c->kind == YB_CELL_INT ? 20 /* int8 */ : 0; /* 0: the server infers it */
        q->formats[i] = c->kind == YB_CELL_BLOB || c->kind == YB_CELL_INT;
        q->values[i] = c->kind == YB_CELL_INT ? (const char *)q->ints[i] : c->kind == YB_CELL_NULL ? NULL : c->p;
        q->lengths[i] = c->kind == YB_CELL_INT ? 8 : c->kind == YB_CELL_NULL ? 0 : (int)c->n;
        if (c->kind == YB_CELL_INT) put_be(q->ints[i], (uint64_t)c->i, 8);
    }
    return true;
}

/* ---------------------------------------------------------------- statements sent ahead
 * A batch's writes (a statement with parameters and no rows to read, inside
 * the batch's transaction: the fingerprint parts, the filter pages, …) are
 * sent in pipeline mode without waiting for their answers, each as a
 * statement prepared once per connection: thousands of them cost a few round
 * trips, not one each, and the server parses each kind once.  The answers are
 * read (drain) before anything else is asked: the first error among them
 * fails that next call, and the batch (its transaction is aborted already). */

/* The prepared statement for sql (sent ahead when new): its name, or NULL when the table is full. */
static const char *stmt_name(pg_backend *g, const char *sql, int nparams, const Oid *types, bool *sent_ok)
{
    *sent_ok = true;
    for (int i = 0; i < g->nstmts; i++) {
        int k = (g->last_stmt + i) % g->nstmts; /* the statement of the last call, most often */
        if (strcmp(g->stmts[k].sql, sql) == 0) return g->last_stmt = k, g->stmts[k].name;
    }
    if (g->nstmts == PG_STMTS) return NULL;
    pg_stmt *t = &g->stmts[g->nstmts];
    if (!(t->sql = strdup(sql))) return NULL;
    snprintf(t->name, sizeof t->name, "yb_s%u", ++g->names); /* never reused: a name dropped stays unused */
    t->pending = true;
    if (!PQsendPrepare(g->conn, t->name, sql, nparams, types)) {
        free(t->sql);
        *sent_ok = false;
        return NULL;
    }
    g->queued++;
    g->last_stmt = g->nstmts++;
    return t->name;
}

/* After a drain: the statements prepared in it are known to the server, or (an error) forgotten. */
static void stmts_settle(pg_backend *g, bool ok)
{
    int k = 0;
    for (int i = 0; i < g->nstmts; i++) {
        if (g->stmts[i].pending && !ok) {
            free(g->stmts[i].sql);
            continue;
        }
        g->stmts[i].pending = false;
        g->stmts[k++] = g->stmts[i];
    }
    g->nstmts = k;
    g->last_stmt = 0;
}

static bool queue_stmt(pg_backend *g, const char *sql, const pg_params *q, int nparams, char *err, size_t errlen)
{
    if (!g->queued && PQenterPipelineMode(g->conn) != 1) {
        set_err(g, NULL, err, errlen);
        return false;
    }
    bool sent = true;
    const char *name = stmt_name(g, sql, nparams, q->types, &sent);
    if (sent)
        sent = name ? PQsendQueryPrepared(g->conn, name, nparams, q->values, q->lengths, q->formats, 0)
                    : PQsendQueryParams(g->conn, sql, nparams, q->types, q->values, q->lengths, q->formats, 0);
    if (sent) g->queued++;
    if (!sent) set_err(g, NULL, err, errlen);
    if (!g->queued) PQexitPipelineMode(g->conn);
    return sent;
}

/* The answers of the statements sent ahead: false with the first error (err may be NULL). */
static bool drain_queue(pg_backend *g, char *err, size_t errlen)
{
    if (!g->queued) return true;
    bool ok = PQpipelineSync(g->conn) == 1;
    if (!ok) set_err(g, NULL, err, errlen);
    /* each statement's answer ends with a NULL; the sync's comes last */
    for (int nulls = 0; ok || PQstatus(g->conn) == CONNECTION_OK;) {
        PGresult *r = PQgetResult(g->conn);
        if (!r && (PQstatus(g->conn) != CONNECTION_OK || ++nulls > g->queued + 1)) {
            if (ok) set_err(g, NULL, err, errlen);
            ok = false;
            break;
        }
        ExecStatusType s = r ? PQresultStatus(r) : PGRES_COMMAND_OK;
        if (ok && s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_PIPELINE_SYNC) {
            set_err(g, r, err, errlen); /* later ones answer PGRES_PIPELINE_ABORTED: skipped */
            ok = false;
        }
        PQclear(r);
        if (s == PGRES_PIPELINE_SYNC) break;
    }
    g->queued = 0;
    stmts_settle(g, ok);
    if (PQexitPipelineMode(g->conn) != 1 && ok) {
        set_err(g, NULL, err, errlen);
        ok = false;
    }
    return ok;
}

static void bulk_free(pg_backend *g)
{
    for (int i = 0; i < 3; i++) {
        pg_buf *b = i < 2 ? &g->keys[i] : &g->bulk;
        free(b->p);
        *b = (pg_buf){NULL, 0, 0};
    }
    g->nkeys = 0;
}

/* A batch that failed between its first row and the end of its rows: the rows held dropped, the COPY ended. */
static void rows_drop(pg_backend *g, pg_rows *s)
{
    if (s == &g->puts) bulk_free(g);
    for (int i = 0; i < s->nheld; i++) free(s->held[i].data);
    s->nheld = 0;
    if (!s->copying) return;
    s->copying = false;
    g->out.n = 0;
    if (PQputCopyEnd(g->conn, "the batch failed") == 1)
        for (PGresult *r; (r = PQgetResult(g->conn));) PQclear(r);
}

static bool fps_end(pg_backend *g, char *err, size_t errlen);

/* Before anything else is asked: the fingerprint parts sent, then the answers of all sent ahead. */
static bool drain(pg_backend *g, char *err, size_t errlen)
{
    bool ok = fps_end(g, err, errlen);
    return drain_queue(g, ok ? err : NULL, errlen) && ok;
}

/* A fingerprint part: the rows of this statement go by COPY (fps_row). */
static const char fps_insert_sql[] = "INSERT INTO yb_fps(state, run, hi, fps) VALUES ($1, $2, $3, $4)";
static bool fps_row(pg_backend *g, const yb_cell *params, char *err, size_t errlen);
static bool is_fps_row(const char *sql, const yb_cell *params, int nparams)
{
    return nparams == 4 && strcmp(sql, fps_insert_sql) == 0 && params[0].kind == YB_CELL_INT &&
           params[1].kind == YB_CELL_INT && params[2].kind == YB_CELL_INT && params[3].kind == YB_CELL_BLOB;
}

static bool pg_run(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                   char *err, size_t errlen, bool raw)
{
    pg_backend *g = (pg_backend *)b;
    pg_params q;
    /* a new batch, or a rollback: nothing of a failed commit's rows stays */
    if (strncmp(sql, "BEGIN", 5) == 0 || strncmp(sql, "ROLLBACK", 8) == 0) {
        rows_drop(g, &g->puts);
        rows_drop(g, &g->fps);
    }
    if (!bind_params(&q, params, nparams, err, errlen)) return false;
    /* a write of the batch (err NULL: a rollback, whose answer is not waited for anyway) */
    if (!fn && !raw && nparams && err &&
        (g->queued || g->fps.nheld || g->fps.copying || PQtransactionStatus(g->conn) == PQTRANS_INTRANS)) {
        if (is_fps_row(sql, params, nparams)) return fps_row(g, params, err, errlen);
        return fps_end(g, err, errlen) && queue_stmt(g, sql, &q, nparams, err, errlen);
    }
    if (!drain(g, err, errlen) && err) return false;
    /* a failed COMMIT ended the transaction already: no "no transaction in progress" warning */
    if (strcmp(sql, "ROLLBACK") == 0 && PQtransactionStatus(g->conn) == PQTRANS_IDLE) return true;
    PGresult *r = nparams || raw ? PQexecParams(g->conn, sql, nparams, q.types, q.values, q.lengths, q.formats, raw)
                                 : PQexec(g->conn, sql);
    bool ok = ok_result(g, r, err, errlen);
    bool commit = strcmp(sql, "COMMIT") == 0;
    if (!ok && commit && g->xid &&
        server_gone(g, r, r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(g->conn))) {
        PQclear(r);
        return commit_outcome(g, err, errlen);
    }
    /* a batch's transaction: begin_sql's last statement answers its id */
    if (strncmp(sql, "BEGIN", 5) == 0) g->xid = ok && PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    if (commit || strncmp(sql, "ROLLBACK", 8) == 0) g->xid = 0;
    /* COMMIT of a transaction an error aborted answers ROLLBACK, and succeeds */
    if (ok && commit && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        if (err) snprintf(err, errlen, "the server rolled the batch back (an earlier statement failed)");
        ok = false;
    }
    if (ok && fn) ok = raw ? raw_rows(r, fn, ctx) : rows(g, r, fn, ctx, err, errlen);
    if (!ok && raw && err && !err[0]) snprintf(err, errlen, "out of memory");
    PQclear(r);
    return ok;
}

static bool pg_exec(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                    char *err, size_t errlen)
{
    return pg_run(b, sql, params, nparams, fn, ctx, err, errlen, false);
}

static bool pg_exec_raw(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                        char *err, size_t errlen)
{
    return pg_run(b, sql, params, nparams, fn, ctx, err, errlen, true);
}

static bool pg_has_ledger(yb_backend *b, bool *ours, bool *empty, char *err, size_t errlen)
{
    pg_backend *g = (pg_backend *)b;
    if (!drain(g, err, errlen)) return false;
    /* the catalog itself: information_schema's view cost the server more than the batch's first dozen questions */
    PGresult *r = PQexec(g->conn, "SELECT relname FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace"
                                  " AND relkind IN ('r', 'p', 'v', 'f')");
    bool ok = ok_result(g, r, err, errlen);
    *ours = false;
    *empty = true;
    for (int i = 0; ok && i < PQntuples(r); i++) {
        *empty = false;
        if (strcmp(PQgetvalue(r, i, 0), "yb_meta") == 0) *ours = true;
    }
    PQclear(r);
    return ok;
}

static int pg_bucket_get(yb_backend *b, int64_t state, int64_t bucket, unsigned char **data, size_t *n, char *err,
                         size_t errlen)
{
    pg_backend *g = (pg_backend *)b;
    *data = NULL;
    *n = 0;
    if (!drain(g, err, errlen)) return -1;
    if (!g->prepared) {
        PGresult *r = PQprepare(g->conn, "yb_get", "SELECT data FROM yb_bucket WHERE state = $1 AND bucket = $2", 2, NULL);
        bool ok = ok_result(g, r, err, errlen);
        PQclear(r);
        if (!ok) return -1;
        g->prepared = true;
    }
    char s[24], k[24];
    snprintf(s, sizeof s, "%lld", (long long)state);
    snprintf(k, sizeof k, "%lld", (long long)bucket);
    const char *values[2] = {s, k};
    int lengths[2] = {(int)strlen(s), (int)strlen(k)}, formats[2] = {0, 0};
    PGresult *r = PQexecPrepared(g->conn, "yb_get", 2, values, lengths, formats, 1);
    int out = -1;
    if (ok_result(g, r, err, errlen)) {
        out = PQntuples(r) > 0;
        size_t len = out ? (size_t)PQgetlength(r, 0, 0) : 0;
        if (out && !(*data = malloc(len ? len : 1))) {
            snprintf(err, errlen, "out of memory");
            out = -1;
        } else if (out) {
            memcpy(*data, PQgetvalue(r, 0, 0), len);
            *n = len;
        }
    }
    PQclear(r);
    return out;
}

static bool buf_add(pg_buf *b, const void *p, size_t n)
{
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) return false;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return true;
}

static bool copy_put(pg_backend *g, const unsigned char *p, size_t n, char *err, size_t errlen)
{
    if (PQputCopyData(g->conn, (const char *)p, (int)n) == 1) return true;
    set_err(g, NULL, err, errlen);
    return false;
}

/* The rows gathered for the open COPY, sent. */
static bool copy_flush(pg_backend *g, char *err, size_t errlen)
{
    bool ok = !g->out.n || copy_put(g, g->out.p, g->out.n, err, errlen);
    g->out.n = 0;
    return ok;
}

/* Bytes of the open COPY: gathered and sent 64 KiB at a time.  libpq
   sends each 8 KiB as it comes, a system call and often a wait for the
   server each: a 200,000-claim batch's 4.8 MB of fingerprint parts made
   600 of them. */
enum { PG_CHUNK = 64 << 10 };
static bool copy_send(pg_backend *g, const unsigned char *p, size_t n, char *err, size_t errlen)
{
    if (g->out.n + n > PG_CHUNK && !copy_flush(g, err, errlen)) return false;
    if (n >= PG_CHUNK) return copy_put(g, p, n, err, errlen);
    if (buf_add(&g->out, p, n)) return true;
    snprintf(err, errlen, "out of memory");
    return false;
}

/* The tables of blobs a batch rewrites (buckets of a few KiB, fingerprint
   parts of 3 KiB, filter pages of up to 4 KiB) keep rows of up to 8 KiB whole in the table, and never compress
   a blob: past the default 2 KiB a row would be compressed (in vain, mostly:
   fingerprints are random) and moved to the TOAST table, which cost the
   server more than the batch's other work. */
#define INLINE " WITH (toast_tuple_target = 8160)"
#define RAW(table, column) "ALTER TABLE " table " ALTER " column " SET STORAGE EXTERNAL;"

/* A COPY of rows (setup first, when given), binary: no hex for yibao to
   write or for the server to read.  The statements sent ahead are answered
   first (a COPY cannot join a pipeline). */
static bool copy_open(pg_backend *g, pg_rows *s, const char *setup, const char *copy, char *err, size_t errlen)
{
    if ((s != &g->fps && !fps_end(g, err, errlen)) || !drain_queue(g, err, errlen)) return false;
    static const unsigned char header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0377, '\r', '\n', 0};
    PGresult *r = setup ? PQexec(g->conn, setup) : NULL;
    bool ok = !setup || ok_result(g, r, err, errlen);
    PQclear(r);
    if (!ok) return false;
    r = PQexec(g->conn, copy);
    ok = r && PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok) set_err(g, r, err, errlen);
    PQclear(r);
    s->copying = ok;
    return ok && copy_send(g, header, sizeof header, err, errlen); /* the signature, no flags, no extension */
}

/* The end of a COPY: the server's answer (an error of any of its rows: a trigger, a constraint, …). */
static bool copy_end(pg_backend *g, pg_rows *s, char *err, size_t errlen)
{
    s->copying = false;
    static const unsigned char trailer[2] = {0xff, 0xff};
    if (!copy_send(g, trailer, sizeof trailer, err, errlen) || !copy_flush(g, err, errlen)) return false;
    if (PQputCopyEnd(g->conn, NULL) != 1) {
        set_err(g, NULL, err, errlen);
        return false;
    }
    PGresult *r = PQgetResult(g->conn);
    bool ok = ok_result(g, r, err, errlen);
    PQclear(r);
    while ((r = PQgetResult(g->conn))) PQclear(r);
    return ok;
}

/* A row of the COPY up to its blob's bytes: 4 fields, 3 int8 (a length of 8, 8 bytes), a bytea of n bytes. */
enum { ROW_HEAD = 2 + 3 * 12 + 4 };
static void row_head(const pg_row *w, unsigned char row[ROW_HEAD])
{
    size_t k = put_be(row, 4, 2);
    int64_t ints[3] = {w->state, w->bucket, w->count};
    for (int i = 0; i < 3; i++) {
        k += put_be(row + k, 8, 4);
        k += put_be(row + k, (uint64_t)ints[i], 8);
    }
    put_be(row + k, w->n, 4);
}

static bool copy_row(pg_backend *g, const pg_row *w, char *err, size_t errlen)
{
    unsigned char row[ROW_HEAD];
    row_head(w, row);
    return copy_send(g, row, ROW_HEAD, err, errlen) && (!w->n || copy_send(g, w->data, w->n, err, errlen));
}

/* The rows held back, into the COPY just opened. */
static bool copy_held(pg_backend *g, pg_rows *s, char *err, size_t errlen)
{
    bool ok = true;
    for (int i = 0; i < s->nheld; i++) {
        ok = ok && copy_row(g, &s->held[i], err, errlen);
        free(s->held[i].data);
    }
    s->nheld = 0;
    return ok;
}

/* A row of a commit: held back (a copy of its blob) while PG_HELD are not,
   then into the COPY, opened (setup, copy) by the first that does not fit. */
static bool rows_put(pg_backend *g, pg_rows *s, const pg_row *w, const char *setup, const char *copy, char *err,
                     size_t errlen)
{
    if (w->n > INT32_MAX - 64) {
        snprintf(err, errlen, "a row of %zu bytes is too big for the server", w->n);
        return false;
    }
    if (!s->copying && s->nheld < PG_HELD) {
        pg_row *h = &s->held[s->nheld];
        if (!(h->data = malloc(w->n ? w->n : 1))) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        memcpy(h->data, w->data, w->n);
        h->state = w->state, h->bucket = w->bucket, h->count = w->count, h->n = w->n;
        s->nheld++;
        return true;
    }
    if (!s->copying && !(copy_open(g, s, setup, copy, err, errlen) && copy_held(g, s, err, errlen))) return false;
    return copy_row(g, w, err, errlen);
}

/* The rows held back, each as statement sql sent ahead (the batch's transaction is open). */
static bool rows_send_held(pg_backend *g, pg_rows *s, const char *sql, char *err, size_t errlen)
{
    bool ok = true;
    for (int i = 0; i < s->nheld; i++) {
        const pg_row *w = &s->held[i];
        yb_cell v[4] = {{YB_CELL_INT, w->state, NULL, 0}, {YB_CELL_INT, w->bucket, NULL, 0},
                        {YB_CELL_INT, w->count, NULL, 0}, {YB_CELL_BLOB, 0, w->data, w->n}};
        pg_params q;
        ok = ok && bind_params(&q, v, 4, err, errlen) && queue_stmt(g, sql, &q, 4, err, errlen);
        free(w->data);
    }
    s->nheld = 0;
    return ok;
}

/* A commit's fingerprint parts (new rows: each run is new) go straight into
   yb_fps by COPY once there are more than PG_HELD of them: a 200,000-claim
   batch writes some 1,600, which as statements cost the server twice the
   CPU.  The COPY stays open while parts come in a row; anything else ends it
   first (fps_end), so every statement keeps its place. */
static bool fps_row(pg_backend *g, const yb_cell *params, char *err, size_t errlen)
{
    pg_row w = {params[0].i, params[1].i, params[2].i, (unsigned char *)params[3].p, params[3].n};
    return rows_put(g, &g->fps, &w, NULL, "COPY yb_fps (state, run, hi, fps) FROM STDIN (FORMAT binary)", err, errlen);
}

static bool fps_end(pg_backend *g, char *err, size_t errlen)
{
    if (g->fps.copying) return copy_end(g, &g->fps, err, errlen);
    return !g->fps.nheld || rows_send_held(g, &g->fps, fps_insert_sql, err, errlen);
}

/* A bucket past the first PG_HELD: its key, and its row in COPY's bytes. */
static bool bulk_add(pg_backend *g, const pg_row *w)
{
    unsigned char row[ROW_HEAD], k[2][12];
    row_head(w, row);
    put_be(k[0], 8, 4), put_be(k[0] + 4, (uint64_t)w->state, 8);
    put_be(k[1], 8, 4), put_be(k[1] + 4, (uint64_t)w->bucket, 8);
    g->nkeys++;
    return buf_add(&g->keys[0], k[0], 12) && buf_add(&g->keys[1], k[1], 12) && buf_add(&g->bulk, row, ROW_HEAD) &&
           buf_add(&g->bulk, w->data, w->n);
}

/* A commit's buckets: the first PG_HELD held back; a commit of a few (a
   service's claim) sends them as upserts ahead of its COMMIT, with nothing
   to wait for.  Past that they are gathered, and at the flush the buckets
   they replace are deleted and they go straight into yb_bucket by one binary
   COPY: no temporary table to create, fill and read again (a third of the
   server's CPU for them). */
static bool pg_bucket_put(yb_backend *b, int64_t state, int64_t bucket, int64_t count, const void *data, size_t n,
                          char *err, size_t errlen)
{
    pg_backend *g = (pg_backend *)b;
    pg_row w = {state, bucket, count, (unsigned char *)data, n};
    if (n > INT32_MAX - 64) {
        snprintf(err, errlen, "a bucket of %zu bytes is too big for the server", n);
        return false;
    }
    if (!g->nkeys && g->puts.nheld < PG_HELD) return rows_put(g, &g->puts, &w, NULL, NULL, err, errlen);
    bool ok = true;
    for (int i = 0; i < g->puts.nheld; i++) {
        ok = ok && bulk_add(g, &g->puts.held[i]);
        free(g->puts.held[i].data);
    }
    g->puts.nheld = 0;
    if (ok && bulk_add(g, &w)) return true;
    snprintf(err, errlen, "out of memory");
    return false;
}

/* A binary int8[] of the n elements gathered in e (a length and 8 bytes each). */
static bool int8_array(pg_buf *out, const pg_buf *e, int64_t n)
{
    unsigned char h[20];
    put_be(h, 1, 4);       /* one dimension */
    put_be(h + 4, 0, 4);   /* no NULL */
    put_be(h + 8, 20, 4);  /* of int8 */
    put_be(h + 12, (uint64_t)n, 4);
    put_be(h + 16, 1, 4);  /* from 1 */
    return buf_add(out, h, sizeof h) && buf_add(out, e->p, e->n);
}

/* The buckets gathered: the rows they replace deleted, then they go in by COPY. */
static bool bulk_write(pg_backend *g, char *err, size_t errlen)
{
    pg_buf arr[2] = {{NULL, 0, 0}, {NULL, 0, 0}};
    bool ok = int8_array(&arr[0], &g->keys[0], g->nkeys) && int8_array(&arr[1], &g->keys[1], g->nkeys) &&
              arr[0].n < INT32_MAX && arr[1].n < INT32_MAX;
    if (!ok) snprintf(err, errlen, "out of memory");
    if (ok) {
        Oid types[2] = {1016, 1016}; /* int8[] */
        const char *values[2] = {(const char *)arr[0].p, (const char *)arr[1].p};
        int lengths[2] = {(int)arr[0].n, (int)arr[1].n}, formats[2] = {1, 1};
        PGresult *r = PQexecParams(g->conn,
                                   "DELETE FROM yb_bucket b USING unnest($1::int8[], $2::int8[]) AS k(state, bucket)"
                                   " WHERE b.state = k.state AND b.bucket = k.bucket",
                                   2, types, values, lengths, formats, 0);
        ok = ok_result(g, r, err, errlen);
        PQclear(r);
    }
    free(arr[0].p);
    free(arr[1].p);
    ok = ok && copy_open(g, &g->puts, NULL, "COPY yb_bucket (state, bucket, n, data) FROM STDIN (FORMAT binary)", err, errlen);
    /* in pieces: libpq takes an int's worth at a time */
    for (size_t at = 0; ok && at < g->bulk.n; at += 1 << 20) {
        size_t n = g->bulk.n - at < (size_t)1 << 20 ? g->bulk.n - at : (size_t)1 << 20;
        ok = copy_flush(g, err, errlen) && copy_put(g, g->bulk.p + at, n, err, errlen);
    }
    ok = ok && copy_end(g, &g->puts, err, errlen);
    bulk_free(g);
    return ok;
}

static bool pg_bucket_flush(yb_backend *b, char *err, size_t errlen)
{
    pg_backend *g = (pg_backend *)b;
    static const char upsert[] = "INSERT INTO yb_bucket (state, bucket, n, data) VALUES ($1, $2, $3, $4)"
                                 " ON CONFLICT (state, bucket) DO UPDATE SET n = excluded.n, data = excluded.data";
    if (g->nkeys) return fps_end(g, err, errlen) && drain_queue(g, err, errlen) && bulk_write(g, err, errlen);
    return fps_end(g, err, errlen) && rows_send_held(g, &g->puts, upsert, err, errlen);
}

static void pg_close(yb_backend *b)
{
    pg_backend *g = (pg_backend *)b;
    PQfinish(g->conn);
    free(g->conninfo);
    for (int i = 0; i < g->nstmts; i++) free(g->stmts[i].sql);
    for (int i = 0; i < g->puts.nheld; i++) free(g->puts.held[i].data);
    for (int i = 0; i < g->fps.nheld; i++) free(g->fps.held[i].data);
    bulk_free(g);
    free(g->out.p);
    free(g);
}

/* The entries by bucket (ledger_buckets.c): in a new ledger, and a ledger of format 2 upgraded. */
#define BUCKET_TABLE \
        "CREATE TABLE yb_bucket (state BIGINT NOT NULL, bucket BIGINT NOT NULL, n BIGINT NOT NULL," \
        " data BYTEA NOT NULL, PRIMARY KEY (state, bucket))" INLINE ";" RAW("yb_bucket", "data")

/* The fingerprint indexes (ledger_fps.c): in a new ledger, and added to one of format 1. */
#define FPS_TABLES \
        "CREATE TABLE yb_run (state BIGINT NOT NULL, run BIGINT NOT NULL, n BIGINT NOT NULL," \
        " PRIMARY KEY (state, run));" \
        "CREATE TABLE yb_fps (state BIGINT NOT NULL, run BIGINT NOT NULL, hi BIGINT NOT NULL, fps BYTEA NOT NULL," \
        " PRIMARY KEY (state, run, hi))" INLINE ";" RAW("yb_fps", "fps") \
        "CREATE TABLE yb_filter (state BIGINT NOT NULL, page BIGINT NOT NULL, bits BYTEA NOT NULL, sum BIGINT NOT NULL," \
        " PRIMARY KEY (state, page))" INLINE ";" RAW("yb_filter", "bits")

static const yb_backend_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .exec = pg_exec,
    .exec_raw = pg_exec_raw,
    .create_sql =
        "CREATE TABLE yb_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
        "CREATE TABLE yb_policy (id BIGINT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
        " hash TEXT NOT NULL UNIQUE);"
        "CREATE TABLE yb_state (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, decl TEXT NOT NULL,"
        " nfields BIGINT NOT NULL, policy BIGINT NOT NULL, entries BIGINT NOT NULL DEFAULT 0,"
        " buckets BIGINT NOT NULL DEFAULT 0);"
        "CREATE TABLE yb_batch (id BIGINT PRIMARY KEY, at TEXT NOT NULL, policy BIGINT NOT NULL,"
        " kind TEXT NOT NULL, claims BIGINT NOT NULL);"
        BUCKET_TABLE
        FPS_TABLES,
    .fps_sql = FPS_TABLES,
    .bucket_sql = BUCKET_TABLE,
    .preload_ratio = 64, /* a question is a round trip (~50 us); a row of a scan, ~1 us */
    .begin_sql = "BEGIN; LOCK TABLE yb_batch IN EXCLUSIVE MODE; SELECT txid_current()",
    .ready = NULL,
    .integrity = NULL,
    .has_ledger = pg_has_ledger,
    .bucket_get = pg_bucket_get,
    .bucket_put = pg_bucket_put,
    .bucket_flush = pg_bucket_flush,
};

yb_backend *yb_pg_open(const char *conninfo, char *err, size_t errlen)
{
    pg_backend *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->base.ops = &pg_ops;
    g->conninfo = strdup(conninfo);
    g->conn = g->conninfo ? PQconnectdb(conninfo) : NULL;
    if (!g->conn || PQstatus(g->conn) != CONNECTION_OK) {
        const char *m = g->conn ? PQerrorMessage(g->conn) : "out of memory";
        snprintf(err, errlen, "cannot connect to the ledger's server: %.*s", (int)strcspn(m, "\n"), m);
        PQfinish(g->conn);
        free(g->conninfo);
        free(g);
        return NULL;
    }
    /* quiet: notices (a temporary table already there, …) are not for the user */
    PGresult *r = PQexec(g->conn, "SET client_min_messages = warning");
    PQclear(r);
    return &g->base;
}
