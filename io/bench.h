#ifndef YB_BENCH_H
#define YB_BENCH_H
#include "batch.h"
#include "program.h"
/* Time the VM alone over the claims of a JSON Lines file. */
/* Returns the exit status (1: the claims could not be read). */
int yb_bench_vm(const yb_program *p, const char *path, int passes, const yb_batch_opts *o);
#endif
