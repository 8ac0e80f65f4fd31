/* What a compiled policy holds and how two differ, without claims:
 * `yibao params POLICY` (every parameter and table value with its dates) and
 * `yibao diff OLD NEW` (parameters and tables by effective date, rules added,
 * removed or changed). */
#ifndef YB_POLICY_DIFF_H
#define YB_POLICY_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "program.h"

/* A cell of a parameter named by its keys ("resident, municipal"), or "[i]"
 * when the keys cannot be told from the code; "" for an unkeyed parameter. */
void yb_param_cell_name(const yb_program *p, int param, int cell, char *buf, size_t n);
/* The enums that index parameter `param` (keys[0], keys[1]), read from the
 * first PARAMX that reads it: their number (1 or 2), or 0 when the code does
 * not say.  yb_param_cell_name_by names a cell by them (for many cells: the
 * code is read once). */
int yb_param_keys(const yb_program *p, int param, int keys[2]);
void yb_param_cell_name_by(const yb_program *p, int nk, const int keys[2], int cell, char *buf, size_t n);
/* One cell's value as the policy writes it ("1200.00", "65%", "16000.00 to 30000.00 at 60%; …"). */
void yb_param_cell_value(const yb_program *p, int param, const int64_t *cells, int cell, char *buf, size_t n);

/* One band of a parameter keyed by ranges or text, or of a bands parameter,
 * as the policy writes it ("16000.00 to 30000.00 at 60%", "above 70 at 90%",
 * "\"YGT-01\": 1200000.00"). */
void yb_band_text(const yb_program *p, const yb_param *pp, const yb_band *band, char *buf, size_t n);
/* The version of a parameter in force on day d, or NULL before its first. */
const yb_param_version *yb_param_version_at(const yb_param *pp, yb_date d);

/* Every parameter, each version with its date and its values; false on a write error. */
bool yb_params_write(const yb_program *p, FILE *out, bool json);
/* One difference between two policies, as `yibao diff` prints it:
 *   what "value": name[key] from the date `from`, old_value -> new_value;
 *   what "added", "removed", "retyped" (a parameter), "rule added", "rule removed",
 *   "rule changed" (old_value: where, "FILE:LINE" or "FILE:LINE -> FILE:LINE");
 * the strings unused by a kind are "". */
typedef struct yb_policy_change {
    const char *what, *name, *from, *key, *old_value, *new_value;
} yb_policy_change;
typedef void (*yb_policy_change_fn)(void *ctx, const yb_policy_change *change);
/* Every difference, parameters (in a's order, then b's new ones) before rules; returns how many. */
long yb_policy_changes(const yb_program *a, const yb_program *b, yb_policy_change_fn fn, void *ctx);
/* What changed between two policies; returns the number of differences, -1 on a write error. */
long yb_policy_diff(const yb_program *a, const yb_program *b, FILE *out, bool json);

#endif
