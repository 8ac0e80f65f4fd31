/* Claims from memory: a reader fed one buffer at a time (a JSON line or a
 * JSON Lines body handed over by a host or an HTTP request) instead of a
 * file.  Same parser, same tables, same error text as the file readers; the
 * tables are built once at open, so a fed claim costs what a read one does. */
#include <stdlib.h>
#include <string.h>

#include "reader_formats.h"
#include "reader_internal.h"

yb_reader *yb_reader_open_mem(const yb_schema *s, const char *name)
{
    /* the stream is never read: every feed marks the input as ended, so
       ybr_fill returns before it touches the FILE */
    yb_reader *r = yb_reader_open(s, stdin, name, YB_FMT_JSONL);
    if (r) r->eof = 1;
    return r;
}

int yb_reader_feed(yb_reader *r, const char *data, size_t n)
{
    if (n > r->cap) {
        if (n > SIZE_MAX - YBR_PAD) return -1;
        char *b = realloc(r->buf, n + YBR_PAD);
        if (!b) return -1;
        r->buf = b;
        r->cap = n;
    }
    if (n) memcpy(r->buf, data, n);
    memset(r->buf + n, 0, YBR_PAD); /* the scanners may look past the end */
    r->beg = r->scan = 0;
    r->end = n;
    r->eof = 1;
    r->read_error = r->read_error_told = 0;
    r->line = 0;
    return 0;
}

int yb_reader_read_line_ro(yb_reader *r, const char *line, size_t n, yb_claim *c, yb_record_error *err)
{
    if (r->fmt != YB_FMT_JSONL) return 2;
    char *own = r->buf;
    size_t cap = r->cap;
    r->buf = (char *)line; /* only the fast path reads it, which never writes (json_reader.c) */
    r->cap = n;
    r->beg = r->scan = 0;
    r->end = n;
    r->eof = 1;
    r->read_error = r->read_error_told = 0;
    r->line = 0;
    int rc = ybr_json_fast(r, c, err) ? 1 : 2;
    r->buf = own;
    r->cap = cap;
    r->beg = r->scan = r->end = 0;
    return rc;
}

int yb_reader_read_line(yb_reader *r, char *line, size_t n, yb_claim *c, yb_record_error *err)
{
    /* the reader's own buffer set aside for the call: the line is its whole
       input, ended (eof), so it is never filled, grown or moved */
    char *own = r->buf;
    size_t cap = r->cap;
    r->buf = line;
    r->cap = n;
    r->beg = r->scan = 0;
    r->end = n;
    r->eof = 1;
    r->read_error = r->read_error_told = 0;
    r->line = 0;
    int rc = yb_reader_next(r, c, err); /* one line: one record at most */
    r->buf = own;
    r->cap = cap;
    r->beg = r->scan = r->end = 0;
    return rc;
}
