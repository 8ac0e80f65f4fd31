/* JSON string text, written one way everywhere (settlements, reports,
 * explanations, comparisons): ", \ and control bytes escaped (\n \r \t \b \f
 * by name, the others as \u00XX), everything else -- UTF-8 included -- as is.
 */
#ifndef YB_JSON_TEXT_H
#define YB_JSON_TEXT_H

#include <stddef.h>

/* Where the text goes: n bytes at p, in order. */
typedef void (*yb_json_sink)(void *ctx, const char *p, size_t n);

/* How many bytes of [p, p+n) come before the first that needs an escape
 * (n: none does). */
size_t yb_json_plain_len(const char *p, size_t n);

/* The body of a JSON string holding [p, p+n) (no quotes), through put:
 * runs that need no escape whole, and each escape. */
void yb_json_text(const char *p, size_t n, yb_json_sink put, void *ctx);

/* The same body's length, and the body written at d (room for that length,
 * at most 6 n): returns the end of what was written. */
size_t yb_json_text_len(const char *p, size_t n);
char *yb_json_text_at(char *d, const char *p, size_t n);

#endif
