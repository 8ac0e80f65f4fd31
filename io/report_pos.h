/* The positions file `yibao shard` writes beside each part (report_pos.c):
 * DIR/part-K.pos, whose line n says where line n of DIR/part-K.jsonl was in
 * shard's inputs, as "INPUT LINE" (INPUT from 0 in the order the inputs were
 * given, LINE from 1), closed by "# part of BYTES bytes, LINES lines": the
 * part's size, so that a positions file given with another part (or cut
 * short) is refused, not used.  `yibao run PART --report R --positions part-K.pos`
 * reads it to write, for each report entry with fixed fields, where in the
 * whole batch the claim that opened it was (report.h "@opened"), so that
 * `yibao merge-reports` keeps the fixed fields of the entry opened first
 * (spec.md 7.8). */
#ifndef YB_REPORT_POS_H
#define YB_REPORT_POS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report_merge.h"

/* One line of a positions file; false on a write error. */
bool yb_pos_put(FILE *f, int input, long line);
/* The closing line, for a part of `bytes` bytes and `lines` lines. */
bool yb_pos_end(FILE *f, uint64_t bytes, long lines);

/* Where the entries noted in opens (positions in the part: its one input,
 * input 0) were opened in shard's inputs, read from the positions file. */
typedef struct yb_pos_map yb_pos_map;

/* The positions of part (its path; "-": standard input, whose size is not
 * checked) read from path.  NULL with a message in err: the file cannot be
 * read, a line is not a position, the positions do not increase, the
 * closing line is missing or does not fit the part, or no line is there for
 * a line of the part that opened an entry. */
yb_pos_map *yb_pos_map_load(const yb_report_opens *opens, const char *path, const char *part, char *err, size_t errlen);
void yb_pos_map_free(yb_pos_map *m);
/* A report.h yb_report_at_fn: ctx is the map. */
uint64_t yb_pos_map_at(void *ctx, int s, const void *key, uint32_t keylen);

#endif
