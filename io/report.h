/* Batch reports: the entries of every `report` declaration, printed once the
 * batch is settled (per community spending, per scheme targets, …). */
#ifndef YB_REPORT_H
#define YB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "vm.h"

/* One JSON line per entry, sorted by key:
 *   {"report":"communities","key":["YGT-01"],"claims":12,"spending":"1234.00"}
 * Returns false on a write error. */
bool yb_write_reports(const yb_vm *vm, FILE *out);

/* Bytes as a JSON string, quoted and escaped as everywhere (json_text.h). */
void yb_put_json_text(FILE *out, const char *p, size_t n);

#endif
