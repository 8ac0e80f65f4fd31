/* `yibao shard` (shard.c). */
#ifndef YB_CLI_SHARD_H
#define YB_CLI_SHARD_H

#include <stdio.h>

#include "program.h"

/* 0 when every part was written, 1 on an error (reported), 2 on bad arguments. */
int yb_cmd_shard(const yb_program *p, int n, const char *dir, const char *const *inputs, int ninputs);

/* `yibao merge-reports POLICY REPORTS... [-o FILE]`: the report lines of
 * `yibao run --report` over shard parts merged into the lines one run over
 * every claim prints (io/report_merge.h); 0, or 1 on an error (reported). */
int yb_cmd_merge_reports(const yb_program *p, const char *const *inputs, int ninputs, FILE *out, const char *outname);

#endif
