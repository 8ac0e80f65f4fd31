/* The claim readers' front (claim_reader.h): open a reader for a format, and
 * hand each call on to that format's reader (json_reader.c, csv_reader.c).
 * Both formats sit on the reader core (reader_core.c, read_buffer.c); neither
 * calls the other.
 */
#include "claim_reader.h"

#include <stdlib.h>

#include "reader_formats.h"
#include "reader_internal.h"

yb_reader *yb_reader_open_opts(const yb_schema *s, FILE *f, const char *filename, yb_format fmt,
                               const yb_reader_opts *o, char *why, size_t n)
{
    char ignored[8];
    if (!why || n == 0) {
        why = ignored;
        n = sizeof ignored;
    }
    snprintf(why, n, "out of memory");
    if (!s || !f || (fmt != YB_FMT_JSONL && fmt != YB_FMT_CSV)) {
        snprintf(why, n, "no input shape, input or format");
        return NULL;
    }
    yb_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->s = s;
    r->f = f;
    r->filename = filename ? filename : "";
    r->fmt = fmt;
    r->max_record = o && o->max_record ? o->max_record : YB_DEFAULT_MAX_RECORD;
    r->strict = o && o->strict;
    r->cap = YBR_BLOCK;
    r->buf = calloc(r->cap + YBR_PAD, 1);
    /* a refusal without a reason: the shape is malformed (a .ybc edited by hand), or the format's
       own tables could not be allocated */
    int bad = !r->buf ? 1 : ybr_core_open(r) < 0 ? 2 : (fmt == YB_FMT_CSV ? ybr_csv_open(r) : ybr_json_open(r)) < 0 ? 3 : 0;
    if (bad) {
        snprintf(why, n, "%s", r->why[0] ? r->why : bad == 2 ? "its fields, lists or enums are malformed" : "out of memory");
        yb_reader_close(r);
        return NULL;
    }
    return r;
}

yb_reader *yb_reader_open(const yb_schema *s, FILE *f, const char *filename, yb_format fmt)
{
    return yb_reader_open_opts(s, f, filename, fmt, NULL, NULL, 0);
}

void yb_reader_close(yb_reader *r)
{
    if (!r) return;
    if (r->fmt == YB_FMT_CSV) ybr_csv_close(r);
    else ybr_json_close(r);
    ybr_core_close(r);
    free(r);
}

long yb_reader_records(const yb_reader *r) { return r->records; }

int yb_reader_next(yb_reader *r, yb_claim *c, yb_record_error *err)
{
    if (c->schema != r->s &&
        (c->schema->nslots != r->s->nslots || c->schema->nlists != r->s->nlists)) {
        ybr_err_init(err, r->line);
        snprintf(err->message, sizeof err->message, "the claim was made for another input shape");
        return -1;
    }
    return r->fmt == YB_FMT_CSV ? ybr_csv_next(r, c, err) : ybr_json_next(r, c, err);
}
