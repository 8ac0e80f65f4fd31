/* UTF-8 code points, decoded one way for the places that count characters
 * (caret widths in diagnostics, "did you mean" distances). */
#ifndef YB_UTF8_H
#define YB_UTF8_H

#include <stddef.h>

/* The code point at p[*i] (of the n bytes at p), advancing *i past it.  A
 * byte that does not start a complete sequence is one code point of its own
 * value, so any bytes decode and every call advances. */
unsigned yb_utf8_next(const unsigned char *p, size_t n, size_t *i);

#endif
