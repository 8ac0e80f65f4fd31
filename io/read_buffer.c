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

int ybr_next_line(yb_reader *r, char **ls, char **le)
{
    for (;;) {
        char *b = r->buf;
        char *nl = r->scan < r->end ? memchr(b + r->scan, '\n', r->end - r->scan) : NULL;
        if (nl) {
            if ((size_t)(nl - (b + r->beg)) > r->max_record) return YBR_TOO_LONG;
            *ls = b + r->beg;
            *le = nl;
            *nl = 0;
            r->beg = r->scan = (size_t)(nl - b) + 1;
            return YBR_LINE;
        }
        /* no newline yet: a NUL byte in the line so far means the input is not text
           (no end of line may ever come: /dev/zero), and the line may not grow without bound */
        size_t from = r->scan;
        r->scan = r->end;
        int k = ybr_check_partial(r, from, r->end - r->beg);
        if (k != YBR_LINE) return k;
        if (r->eof) {
            if (r->beg < r->end) {
                *ls = b + r->beg;
                *le = b + r->end;
                **le = 0; /* buf has room past cap */
                r->beg = r->scan = r->end;
                return YBR_LINE;
            }
            return YBR_END;
        }
        ybr_fill(r);
    }
}

int ybr_check_partial(const yb_reader *r, size_t from, size_t have)
{
    if (from < r->end && memchr(r->buf + from, 0, r->end - from)) return YBR_NOT_TEXT;
    return have > r->max_record ? YBR_TOO_LONG : YBR_LINE;
}

int ybr_skip_line(yb_reader *r)
{
    for (;;) {
        char *b = r->buf;
        size_t n = r->end - r->beg;
        char *nl = n ? memchr(b + r->beg, '\n', n) : NULL;
        if (nl) {
            r->beg = r->scan = (size_t)(nl - b) + 1;
            return YBR_LINE;
        }
        if (n && memchr(b + r->beg, 0, n)) {
            ybr_abandon(r);
            return YBR_NOT_TEXT;
        }
        r->beg = r->scan = r->end; /* discarded */
        if (r->eof) return YBR_END;
        ybr_fill(r);
    }
}

void ybr_abandon(yb_reader *r)
{
    r->beg = r->scan = r->end;
    r->eof = 1;
}

int ybr_record_too_long(yb_reader *r, yb_record_error *err, int what)
{
    long line = r->line + 1;
    r->records++;
    ybr_err_init(err, line);
    if (what == YBR_TOO_LONG) {
        what = ybr_skip_line(r);
        r->line++;
        if (what != YBR_NOT_TEXT) {
            snprintf(err->message, sizeof err->message,
                     "a record of at most %zu bytes (--max-record) was expected, found a longer one; "
                     "reading resumes on the next line", r->max_record);
            return -1;
        }
    } else {
        ybr_abandon(r);
    }
    snprintf(err->message, sizeof err->message,
             "text was expected, found a NUL byte in a record without an end of line: "
             "the input is not a claims file, and the rest of it is not read");
    return -1;
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
