/* The readers' input buffer (reader_internal.h): bytes read in large blocks,
 * whole records handed out in place, zero padding kept after the data so the
 * scanners may load whole words past a record's end.
 */
#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

size_t ybr_fill(yb_reader *r)
{
    if (r->eof) return 0;
    if (r->beg > 0) {
        memmove(r->buf, r->buf + r->beg, r->end - r->beg);
        r->end -= r->beg;
        r->scan -= r->beg;
        r->beg = 0;
    }
    if (r->end == r->cap) {
        size_t cap = r->cap * 2;
        if (cap < r->cap || cap > SIZE_MAX - YBR_PAD) { r->eof = r->read_error = 1; return 0; }
        char *b = realloc(r->buf, cap + YBR_PAD);
        if (!b) { r->eof = r->read_error = 1; return 0; }
        r->buf = b;
        r->cap = cap;
    }
    size_t want = r->cap - r->end;
    size_t got = fread(r->buf + r->end, 1, want, r->f);
    r->end += got;
    memset(r->buf + r->end, 0, YBR_PAD); /* the scanners may look up to 32 bytes past a line's end */
    if (got < want) {
        r->eof = 1;
        if (ferror(r->f)) r->read_error = 1;
    }
    return got;
}

int ybr_scratch(yb_reader *r, size_t n)
{
    if (n <= r->scratch_cap) return 0;
    size_t cap = r->scratch_cap ? r->scratch_cap : 256;
    while (cap < n) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    char *p = realloc(r->scratch, cap);
    if (!p) return -1;
    r->scratch = p;
    r->scratch_cap = cap;
    return 0;
}

/* The next physical line: [*ls, *le) with *le == NUL (the newline replaced).
 * 0 at the end of input. */
int ybr_next_line(yb_reader *r, char **ls, char **le)
{
    for (;;) {
        char *b = r->buf;
        char *nl = r->scan < r->end ? memchr(b + r->scan, '\n', r->end - r->scan) : NULL;
        if (nl) {
            *ls = b + r->beg;
            *le = nl;
            *nl = 0;
            r->beg = r->scan = (size_t)(nl - b) + 1;
            return 1;
        }
        r->scan = r->end;
        if (r->eof) {
            if (r->beg < r->end) {
                *ls = b + r->beg;
                *le = b + r->end;
                **le = 0; /* buf has room past cap */
                r->beg = r->scan = r->end;
                return 1;
            }
            return 0;
        }
        ybr_fill(r);
    }
}

int ybr_read_error(yb_reader *r, yb_record_error *err)
{
    if (!r->read_error || r->read_error_told) return 0;
    r->read_error_told = 1;
    r->records++;
    ybr_err_init(err, r->line + 1);
    snprintf(err->message, sizeof err->message, "the input could not be read further (read error or out of memory)");
    return -1;
}
