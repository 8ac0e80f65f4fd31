/* The batch loop every command that reads claims uses (run, explain, bench,
 * compare): claim files in, each claim read well handed to a callback, bad
 * records reported with their file and line while the rest of the batch goes
 * on.  A claims file can be read by several policies at once (compare): one
 * reader per policy, in step, record by record.
 */
#ifndef YB_BATCH_H
#define YB_BATCH_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "claim_reader.h"
#include "settlement_writer.h"
#include "vm.h"

typedef struct yb_batch_opts {
    int in_format;         /* -1: by file name (.csv is CSV, anything else JSON Lines) */
    yb_reader_opts reader; /* --max-record, --strict */
    FILE *errors;          /* where bad records are reported; NULL: counted only */
    FILE *progress;        /* NULL, or where a progress line is kept up to date (a terminal) */
    /* NULL, or told of each record read well as soon as it is read; records
       are then read one ahead of the callback (in the same order, each
       reported in its turn), so that what the callback will need of a claim
       (a durable ledger's claim-id lookup: a cache miss a claim) is on its
       way while the claim before it settles */
    void (*ahead)(void *ctx, yb_claim *const *claims);
    void *ahead_ctx;
} yb_batch_opts;

typedef struct yb_batch_stats {
    long records; /* read, good and bad */
    long done;    /* handed to the callback and done with (settled, compared, ...) */
    long errors;  /* bad records, and inputs that could not be opened */
} yb_batch_stats;

/* One policy reading the claims: its input shape, and its name in messages
 * (NULL when there is only one). */
typedef struct yb_batch_side {
    const yb_schema *schema;
    const char *label;
} yb_batch_side;

/* What the callback says of a claim. */
typedef enum {
    YB_BATCH_DONE = 0, /* done with it: counted in `done` */
    YB_BATCH_BAD,      /* a bad record, reported by the callback: counted in `errors` */
    YB_BATCH_END,      /* read no more (not a failure) */
    YB_BATCH_STOP,     /* give up: the output failed (the callback said why) */
    YB_BATCH_SKIP,     /* passed over (settled by an earlier batch): counted in neither */
} yb_batch_step;

/* claims[k]: the claim as side k read it; file and line name it in messages. */
typedef yb_batch_step (*yb_batch_fn)(void *ctx, yb_claim *const *claims, const char *file, long line);

/* Read every claim of every input ("-" or no input at all: standard input)
 * with each side's reader, in step, and hand each claim to fn.  Returns false
 * when a reader could not be made for a policy or fn gave up: the batch
 * stopped there (and the reason was reported). */
bool yb_batch_each(const yb_batch_side *sides, int nsides, const char *const *inputs, int ninputs,
                   const yb_batch_opts *o, yb_batch_fn fn, void *ctx, yb_batch_stats *st);

/* The progress line (on a terminal): "\rN claims, R claims/s, S s left",
 * the time left from `done` of `total` bytes read (none when total is 0 or
 * not above done); `last` ends it with a newline, without the time left. */
void yb_batch_progress_line(FILE *f, long records, double seconds, double done, double total, bool last); // ok-float: time, bytes or prose, never money
/* Seconds since t0 (CLOCK_MONOTONIC). */
double yb_batch_seconds_since(const struct timespec *t0); // ok-float: time, bytes or prose, never money

/* The one wording of a bad record: FILE:LINE: error: [LABEL: ][FIELD: ]MESSAGE
 * (nothing when errs is NULL). */
void yb_batch_error(FILE *errs, const char *file, long line, const char *label, const char *field, const char *msg);

/* Settle one claim; a claim the policy refuses is reported as a bad record.
 * true: settled. */
/* The reasons and alerts of the VM's last settlement, as the writers take
 * them (an alert's message with its values written; valid until the VM
 * settles its next claim). */
void yb_batch_outcome(const yb_vm *vm, const char **reasons, yb_alert *alerts);
bool yb_batch_settle(yb_vm *vm, const yb_claim *c, const char *file, long line, const char *label, FILE *errs);

/* `yibao run`: settle every claim and write the settlements to out. */
typedef struct yb_run_opts {
    yb_batch_opts batch;
    yb_format out_format;
    bool explain; /* each settlement with its explanation (JSON Lines only) */
    const yb_stamp *stamp; /* NULL, or the policy that settles (--stamp): "policy" in JSON, policy_* columns in CSV */
    FILE *out;
    /* A durable ledger's gate around each claim (the cli wires
       store/ledger_store.h here), or NULL.  admit: 0 settle the claim, 1 pass
       it over (msg says why: it was settled before), -1 stop the batch (msg).
       settled: the claim was settled (not a record error); false stops. */
    int (*admit)(void *gate, const yb_claim *c, char *msg, size_t msglen);
    bool (*settled)(void *gate, const yb_claim *c, char *msg, size_t msglen);
    void *gate;
    /* --jobs (batch_jobs.c): jobs_log (-v) gets a line saying how the batch was
       split or why it runs on one worker; jobs_given (--jobs N was written):
       a family-grouped batch read from a pipe says it runs on one worker */
    FILE *jobs_log;
    bool jobs_given;
    /* run --positions (a shard part, one input): NULL, or where each claim
       opened report entries with fixed fields is noted here, by its line
       (report_merge.h; batch_jobs.c merges its workers' into it) */
    struct yb_report_opens *opens;
} yb_run_opts;

typedef struct yb_run_stats {
    yb_batch_stats batch;
    long held;
    long skipped; /* passed over by the gate */
    bool stopped; /* the gate stopped the batch */
} yb_run_stats;

/* Returns false if a policy's reader could not be made or the output could
 * not be written (the reason is reported on o->batch.errors). */
bool yb_batch_run(yb_vm *vm, const char *const *inputs, int ninputs, const yb_run_opts *o, yb_run_stats *st);

#endif
