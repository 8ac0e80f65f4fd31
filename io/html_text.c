/* HTML escaping (html_text.h). */
#include "html_text.h"

#include <string.h>

void yb_html_text_n(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(s[i], out);
        }
    }
}

void yb_html_text(FILE *out, const char *s) { yb_html_text_n(out, s, strlen(s)); }
