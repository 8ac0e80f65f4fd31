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

/* The reader's own buffer set aside while one line given by the caller is
 * its whole input, ended (eof), so it is never filled, grown or moved. */
typedef struct {
    char *buf;
    size_t cap;
} own_buffer;

static own_buffer borrow_line(yb_reader *r, char *line, size_t n)
{
    own_buffer own = {r->buf, r->cap};
    r->buf = line;
    r->cap = n;
    r->beg = r->scan = 0;
    r->end = n;
    r->eof = 1;
    r->read_error = r->read_error_told = 0;
    r->line = 0;
    return own;
}

static void give_back_buffer(yb_reader *r, own_buffer own)
{
    r->buf = own.buf;
    r->cap = own.cap;
    r->beg = r->scan = r->end = 0;
}

int yb_reader_read_line_ro(yb_reader *r, const char *line, size_t n, yb_claim *c, yb_record_error *err)
{
    if (r->fmt != YB_FMT_JSONL) return 2;
    /* only the fast path reads it, which never writes (json_reader.c) */
    own_buffer own = borrow_line(r, (char *)line, n);
    int rc = ybr_json_fast(r, c, err) ? 1 : 2;
    give_back_buffer(r, own);
    return rc;
}

int yb_reader_read_line(yb_reader *r, char *line, size_t n, yb_claim *c, yb_record_error *err)
{
    own_buffer own = borrow_line(r, line, n);
    int rc = yb_reader_next(r, c, err); /* one line: one record at most */
    give_back_buffer(r, own);
    return rc;
}
