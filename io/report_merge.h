/* Batch reports settled in parts, merged exactly (report_merge.c): by
 * `yibao run --jobs` (one part per worker) and `yibao merge-reports` (one
 * per `yibao shard` part), as compiler/routing.c classed each report field:
 * added fields added up, fixed fields (a default, never written) taken from
 * the entry opened first in input order, derived fields (only `set`)
 * recomputed over the merged entry. */
#ifndef YB_REPORT_MERGE_H
#define YB_REPORT_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* Where in the input each report entry with fixed fields was opened, for
 * one worker: an input position (yb_report_pos) per key. */
typedef struct yb_report_opens yb_report_opens;

/* NULL when out of memory. */
yb_report_opens *yb_report_opens_new(const yb_program *p);
void yb_report_opens_free(yb_report_opens *o);
/* An input position: input file i, line n (the order of the batch); an input
 * below YB_REPORT_POS_INPUTS, a line below 2^40. */
#define YB_REPORT_POS_INPUTS (1 << 23)
static inline uint64_t yb_report_pos(int input, long line) { return (uint64_t)input << 40 | (uint64_t)line; }
static inline int yb_report_pos_input(uint64_t pos) { return (int)(pos >> 40); }
static inline long yb_report_pos_line(uint64_t pos) { return (long)(pos & ((UINT64_C(1) << 40) - 1)); }
/* After vm settled (or refused) the claim at pos: the entries it opened are
 * noted.  false: out of memory. */
bool yb_report_opens_note(yb_report_opens *o, yb_vm *vm, uint64_t pos);
/* Where entry key of report s was opened (UINT64_MAX: not noted). */
uint64_t yb_report_opened_at(yb_report_opens *o, int s, const void *key, uint32_t keylen);
/* Entry key of report s noted as opened at pos (UINT64_MAX: where is not
 * known), whatever was noted before; nothing for a report without fixed
 * fields.  false: out of memory. */
bool yb_report_opens_put(yb_report_opens *o, int s, const void *key, uint32_t keylen, uint64_t pos);
/* Every position noted, in no order: *out a new array of *n (free it).
 * false: out of memory. */
bool yb_report_opens_all(const yb_report_opens *o, uint64_t **out, size_t *n);

/* Every report entry of vms[1 .. n) merged into vms[0]'s, then each merged
 * entry's derived fields recomputed (opens[k]: worker k's).  false with a
 * message in err (out of memory; a total or a recomputed value that
 * overflows or divides by zero). */
bool yb_report_merge(yb_vm *const *vms, yb_report_opens *const *opens, int n, char *err, size_t errlen);

/* The derived fields of report s recomputed from vals (the entry's values,
 * all fields): they start at 0 and take each `set` whose condition holds.
 * false with a message in err on overflow or division by zero. */
bool yb_report_derive(const yb_program *p, int s, int64_t *vals, char *err, size_t errlen);

/* Every opened entry of every report of vm with its derived fields recomputed. */
bool yb_report_derive_all(yb_vm *vm, char *err, size_t errlen);

#endif
