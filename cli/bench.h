#ifndef YB_CLI_BENCH_H
#define YB_CLI_BENCH_H
#include "program.h"
/* Time the VM alone over the claims of a JSON Lines file. */
int yb_bench_vm(const yb_program *p, const char *path, int passes);
#endif
