/* `yibao run --jobs N` (batch_jobs.c): the batch on N threads, with exactly
 * the settlements, errors and reports of one. */
#ifndef YB_BATCH_JOBS_H
#define YB_BATCH_JOBS_H

#include "batch.h"

/* The machine's cores (at most 64): --jobs without a number. */
int yb_jobs_default(void);

/* yb_batch_run on njobs workers when the policy's batch can be split
 * (compiler/routing.c; spec.md 7.8) and the run can be (JSON Lines in and
 * out, files, no durable ledger, default reader options); else yb_batch_run
 * itself (o->jobs_log says why).  The merged reports end up in vm's ledgers. */
bool yb_batch_run_jobs(yb_vm *vm, int njobs, const char *const *inputs, int ninputs, const yb_run_opts *o,
                       yb_run_stats *st);

#endif
