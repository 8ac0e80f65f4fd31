/* The canonical layout of a policy file (`yibao fmt`).  Conservative: only the
 * white space between a line's words changes (never to none), blank lines are
 * collapsed, and runs of table-like lines are aligned in columns (CJK counted
 * double width), so the compiled program is the same. */ // ok-float: time, bytes or prose, never money
#ifndef YB_FORMAT_H
#define YB_FORMAT_H

#include <stddef.h>

/* The formatted text of src[0..n) (malloc'd, NUL-terminated, length in *out_n);
 * NULL when out of memory. */
char *yb_format_policy(const char *src, size_t n, size_t *out_n);

#endif
