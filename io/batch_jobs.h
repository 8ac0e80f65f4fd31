/* `yibao run --jobs N` (batch_jobs.c): the batch on N threads, with exactly
 * the settlements, errors and reports of one. */
#ifndef YB_BATCH_JOBS_H
#define YB_BATCH_JOBS_H

#include "batch.h"

/* The machine's cores (at most 64): --jobs without a number. */
int yb_jobs_default(void);

/* yb_batch_run on njobs workers when the policy's states split by a claim
 * field (program.h route_field) and the run can be split (JSON Lines in and
 * out, no durable ledger, default reader options); else yb_batch_run itself.
 * The reports of every worker end up in vm's ledgers. */
bool yb_batch_run_jobs(yb_vm *vm, int njobs, const char *const *inputs, int ninputs, const yb_run_opts *o,
                       yb_run_stats *st);

#endif
