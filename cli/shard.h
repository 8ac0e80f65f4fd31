/* `yibao shard` (shard.c). */
#ifndef YB_CLI_SHARD_H
#define YB_CLI_SHARD_H

#include "program.h"

/* 0 when every part was written, 1 on an error (reported), 2 on bad arguments. */
int yb_cmd_shard(const yb_program *p, int n, const char *dir, const char *const *inputs, int ninputs);

#endif
