/* Text into an HTML page (the reform report, `yibao doc`): the one escaping
 * of the five characters HTML gives meaning to. */
#ifndef YB_HTML_TEXT_H
#define YB_HTML_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* s as HTML text or a quoted attribute value: & < > " ' escaped. */
void yb_html_text(FILE *out, const char *s);
/* The n bytes at s, the same way. */
void yb_html_text_n(FILE *out, const char *s, size_t n);

#endif
