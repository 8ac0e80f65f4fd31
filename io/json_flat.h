/* One JSON object (a settlement, a report entry) as field names and values in
 * the normal form a test writes them in: a string without its quotes, a
 * number or literal as written, a list as `[a, b]` of its items' forms, and an
 * object by its "rule" (an alert) or else as written.  For comparing, not for
 * reading claims: those go through the policy's own readers. */
#ifndef YB_JSON_FLAT_H
#define YB_JSON_FLAT_H

#include <stdbool.h>

#include "money.h"

typedef struct yb_json_flat {
    int n;
    char **keys, **values;
} yb_json_flat;

/* false when text is not one JSON object. */
bool yb_json_flat_parse(const char *text, yb_json_flat *out);
/* The value of a field, or NULL. */
const char *yb_json_flat_get(const yb_json_flat *f, const char *key);
void yb_json_flat_free(yb_json_flat *f);
/* Signed money as text ("-12.5", "8000"): true when it reads as money. */
bool yb_json_flat_money(const char *s, yb_money *out);

#endif
