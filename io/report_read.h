/* Batch report lines read back and merged into a VM's reports
 * (report_read.c): `yibao merge-reports`. */
#ifndef YB_REPORT_READ_H
#define YB_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* One line written by yb_write_reports (report.h) merged into vm's report
 * entries (added fields added, fixed fields checked to agree; derived fields
 * are recomputed once every line is in: report_merge.h
 * yb_report_derive_all).  false with a message in err. */
bool yb_report_read_line(yb_vm *vm, const char *line, size_t len, char *err, size_t errlen);
/* One entry's values (vals: every field of report s) merged likewise. */
bool yb_report_read_entry(yb_vm *vm, int s, const void *key, uint32_t klen, const int64_t *vals, char *err, size_t errlen);

#endif
