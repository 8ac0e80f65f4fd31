/* `yibao shard` (shard.c). */
#ifndef YB_CLI_SHARD_H
#define YB_CLI_SHARD_H

#include <stdbool.h>
#include <stdio.h>

#include "program.h"

#include "report_merge.h"
#include "vm.h"

/* DIR/part-K.jsonl and its positions DIR/part-K.pos (io/report_pos.h).
 * 0 when every part was written, 1 on an error (reported), 2 on bad arguments. */
int yb_cmd_shard(const yb_program *p, int n, const char *dir, const char *const *inputs, int ninputs);

/* `yibao merge-reports POLICY REPORTS... [-o FILE] [--keep-opened]`: the
 * report lines of `yibao run --report` over shard parts merged into the
 * lines one run over every claim prints (io/report_merge.h, report_read.h);
 * keep_opened: each line keeps where its entry was opened, when known, so
 * the output can be merged again.  0, or 1 on an error (reported). */
int yb_cmd_merge_reports(const yb_program *p, const char *const *inputs, int ninputs, FILE *out, const char *outname,
                         bool keep_opened);

/* `yibao run`'s --report lines: with opens (run PART --positions FILE),
 * each entry with fixed fields says where in shard's inputs it was opened.
 * false on an error (reported) or a write error. */
bool yb_cli_part_reports(yb_vm *vm, FILE *out, yb_report_opens *opens, const char *positions, const char *part);

#endif
