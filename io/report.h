/* Batch reports: the entries of every `report` declaration, printed once the
 * batch is settled (per community spending, per scheme targets, …). */
#ifndef YB_REPORT_H
#define YB_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vm.h"

/* One JSON line per entry, sorted by key:
 *   {"report":"communities","key":["YGT-01"],"claims":12,"spending":"1234.00"}
 * Returns false on a write error. */
bool yb_write_reports(const yb_vm *vm, FILE *out);

/* Where the entry key of report s was opened (report_merge.h yb_report_pos),
 * or UINT64_MAX when that is not to be written. */
typedef uint64_t (*yb_report_at_fn)(void *ctx, int s, const void *key, uint32_t keylen);
/* yb_write_reports, each entry at() places ending in "@opened":[INPUT,LINE]
 * (`yibao run --positions`, `merge-reports --keep-opened`; spec.md 7.8). */
bool yb_write_reports_at(const yb_vm *vm, FILE *out, yb_report_at_fn at, void *ctx);

/* Bytes as a JSON string, quoted and escaped as everywhere (json_text.h). */
void yb_put_json_text(FILE *out, const char *p, size_t n);

#endif
