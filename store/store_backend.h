/* What a database must do for the durable ledger (store/ledger_store.c):
 * SQLite (sqlite_store.c) and PostgreSQL (pg_store.c) each fill one of these.
 * Statements use $1, $2, … for their parameters (both databases read that). */
#ifndef YB_STORE_BACKEND_H
#define YB_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { YB_CELL_NULL, YB_CELL_INT, YB_CELL_TEXT, YB_CELL_BLOB } yb_cell_kind;

/* A parameter, or a column of a result row.  Result columns come as TEXT
 * (numbers in decimal) or BLOB, or NULL. */
typedef struct yb_cell {
    yb_cell_kind kind;
    int64_t i;
    const void *p;
    size_t n;
} yb_cell;

/* Called per result row; false stops the statement (an error already in err). */
typedef bool (*yb_row_fn)(void *ctx, const yb_cell *cols, int ncols);

typedef struct yb_backend yb_backend;

typedef struct yb_backend_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(yb_backend *b);
    /* One statement (no parameters: several may be given, separated by ';').
       err may be NULL (a rollback, whose failure changes nothing). */
    bool (*exec)(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                 char *err, size_t errlen);
    /* One statement whose columns are all integers, text or blobs, read
       without conversion: integers may come as INT cells, blobs without
       escaping (PostgreSQL's binary results).  For the big reads. */
    bool (*exec_raw)(yb_backend *b, const char *sql, const yb_cell *params, int nparams, yb_row_fn fn, void *ctx,
                     char *err, size_t errlen);
    /* The schema's statements for this database (types differ). */
    const char *create_sql;
    /* The fingerprint indexes' tables alone (a ledger of format 1 upgraded). */
    const char *fps_sql;
    /* The entries' table (yb_bucket) alone (a ledger of format 2 upgraded). */
    const char *bucket_sql;
    /* A state asked for 1/preload_ratio of its entries one by one is loaded
       whole: where one question costs a round trip, sooner. */
    int preload_ratio;
    /* Starts a batch's transaction, taking the lock that keeps two batches apart. */
    const char *begin_sql;
    /* Once the database is known to be a ledger: settings for running batches (or NULL). */
    bool (*ready)(yb_backend *b, char *err, size_t errlen);
    /* The database's own consistency check (NULL: none); false with the problem in err. */
    bool (*integrity)(yb_backend *b, char *err, size_t errlen);
    /* Whether the database holds tables none of them ours (a database that is not a ledger). */
    bool (*has_ledger)(yb_backend *b, bool *ours, bool *empty, char *err, size_t errlen);
    /* The blob of bucket (state, bucket) of the entries (ledger_buckets.c): 1
       with *data (malloc'd) and *n, 0 absent, -1 error.  Called once per
       bucket a batch meets: fast. */
    int (*bucket_get)(yb_backend *b, int64_t state, int64_t bucket, unsigned char **data, size_t *n, char *err,
                      size_t errlen);
    /* Upsert one bucket holding count entries; the buckets of one commit come
       in a row, then flush (no other statement in between). */
    bool (*bucket_put)(yb_backend *b, int64_t state, int64_t bucket, int64_t count, const void *data, size_t n,
                       char *err, size_t errlen);
    /* Optional: give back the memory of cached pages not in use (the
       filters' pages once read: the batch's next allocations reuse it) */
    void (*release)(yb_backend *b);
    bool (*bucket_flush)(yb_backend *b, char *err, size_t errlen);
} yb_backend_ops;

struct yb_backend {
    const yb_backend_ops *ops;
    bool commit_unknown; /* the last COMMIT's answer was lost and the server could not be asked again */
};

/* Opens an SQLite file (created when absent) or connects to PostgreSQL; NULL with err. */
yb_backend *yb_sqlite_open(const char *path, char *err, size_t errlen);
yb_backend *yb_pg_open(const char *conninfo, char *err, size_t errlen);

/* Values are stored as little-endian int64s, whatever the machine. */
void yb_store_pack(const int64_t *vals, int n, unsigned char *out);
void yb_store_unpack(const unsigned char *in, int n, int64_t *vals);

#endif
