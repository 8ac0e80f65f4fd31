/* A few JSON reading steps over raw bytes (json_lite.c), not a parser: the
 * routing of claim lines reads one field without parsing the claim. */
#ifndef YB_JSON_LITE_H
#define YB_JSON_LITE_H

#include <stddef.h>

/* Past JSON whitespace. */
const char *yb_jl_ws(const char *p, const char *e);
/* A JSON string at p (at its quote), decoded into out (up to cap bytes; the
 * length is counted past cap); returns the position after it, or NULL when
 * malformed. */
const char *yb_jl_string(const char *p, const char *e, char *out, size_t cap, size_t *len);
/* Past one JSON value (strings honoured, brackets counted); NULL when malformed. */
const char *yb_jl_skip(const char *p, const char *e);

#endif
