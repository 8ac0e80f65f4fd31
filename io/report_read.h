/* Batch report lines read back and merged into a VM's reports
 * (report_read.c): `yibao merge-reports`. */
#ifndef YB_REPORT_READ_H
#define YB_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_merge.h"
#include "vm.h"

/* One line written by yb_write_reports (report.h) merged into vm's report
 * entries: added fields added; fixed fields from the entry opened first, by
 * the lines' "@opened" positions, noted in opens (report_merge.h; a line
 * without one: where its entry was opened is not known, and the fixed fields
 * must agree); derived fields are recomputed once every line is in
 * (yb_report_derive_all).  false with a message in err. */
bool yb_report_read_line(yb_vm *vm, yb_report_opens *opens, const char *line, size_t len, char *err, size_t errlen);
/* One entry's values (vals: every field of report s), opened at pos
 * (UINT64_MAX: not known), merged likewise. */
bool yb_report_read_entry(yb_vm *vm, yb_report_opens *opens, int s, const void *key, uint32_t klen, const int64_t *vals,
                          uint64_t pos, char *err, size_t errlen);

#endif
