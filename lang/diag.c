#include "diag.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

void yb_diag_init(yb_diag *d, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->out = out;
    d->max_errors = 50;
}

void yb_diag_free(yb_diag *d)
{
    for (int i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        free(d->files[i].text);
    }
    free(d->files);
    d->files = NULL;
    d->nfiles = d->capfiles = 0;
}

int yb_diag_add_source(yb_diag *d, const char *name, char *text, size_t len)
{
    if (d->nfiles == d->capfiles) {
        int cap = d->capfiles ? d->capfiles * 2 : 8;
        yb_source *f = realloc(d->files, (size_t)cap * sizeof *f);
        if (!f) abort();
        d->files = f;
        d->capfiles = cap;
    }
    yb_source *s = &d->files[d->nfiles];
    s->name = strdup(name);
    s->text = text;
    s->len = len;
    return d->nfiles++;
}

static int cp_width(unsigned cp)
{
    /* East Asian wide and fullwidth ranges that policies actually use */
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int yb_display_width(const char *p, size_t n)
{
    int w = 0;
    size_t i = 0;
    while (i < n) {
        if (p[i] == '\t') {
            w = (w / 8 + 1) * 8;
            i++;
            continue;
        }
        w += cp_width(yb_utf8_next((const unsigned char *)p, n, &i));
    }
    return w;
}

static void show_line(yb_diag *d, yb_loc loc)
{
    if (loc.file < 0 || loc.file >= d->nfiles || loc.line <= 0) return;
    const yb_source *s = &d->files[loc.file];
    const char *p = s->text, *end = s->text + s->len;
    for (int l = 1; l < loc.line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    size_t len = (size_t)(eol - p);
    if (len && p[len - 1] == '\r') len--;
    size_t col = loc.col > 0 ? (size_t)loc.col - 1 : 0;
    if (col > len) col = len;
    /* a very long line is shown as a window around the spot */
    const size_t before = 60, window = 120;
    size_t from = col > before ? col - before : 0;
    while (from > 0 && ((unsigned char)p[from] & 0xc0) == 0x80) from--;
    size_t to = from + window < len ? from + window : len;
    while (to < len && ((unsigned char)p[to] & 0xc0) == 0x80) to++;
    const char *lead = from > 0 ? "…" : "", *tail = to < len ? "…" : "";
    fprintf(d->out, " %4d | %s%.*s%s\n", loc.line, lead, (int)(to - from), p + from, tail);
    int pad = yb_display_width(p + from, col - from) + (from > 0 ? 1 : 0);
    int width = 1;
    if (loc.end_line == loc.line && loc.end_col > loc.col) {
        size_t ec = (size_t)loc.end_col - 1;
        if (ec > to) ec = to;
        if (ec > col) width = yb_display_width(p + col, ec - col);
        if (width < 1) width = 1;
    }
    fprintf(d->out, "      | %*s^", pad, "");
    for (int i = 1; i < width; i++) fputc('~', d->out);
    fputc('\n', d->out);
}

/* The column as characters, not bytes: what an editor shows. */
static int char_column(const yb_source *s, yb_loc loc)
{
    const char *p = s->text, *end = s->text + s->len;
    for (int l = 1; l < loc.line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return loc.col;
        p = nl + 1;
    }
    int col = 1;
    for (int i = 0; i < loc.col - 1 && p + i < end; i++)
        if (((unsigned char)p[i] & 0xc0) != 0x80) col++;
    return col;
}

static void report(yb_diag *d, const char *what, yb_loc loc, const char *fmt, va_list ap)
{
    if (d->sink) { /* the whole message: a cut one could end inside a UTF-8 character */
        va_list cp;
        va_copy(cp, ap);
        int n = vsnprintf(NULL, 0, fmt, cp);
        va_end(cp);
        char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (msg) {
            va_copy(cp, ap);
            vsnprintf(msg, (size_t)n + 1, fmt, cp);
            va_end(cp);
            d->sink(d->sink_ctx, what, loc, msg);
            free(msg);
        }
    }
    if (!d->out) return;
    if (loc.file >= 0 && loc.file < d->nfiles && loc.line > 0)
        fprintf(d->out, "%s:%d:%d: %s: ", d->files[loc.file].name, loc.line,
                char_column(&d->files[loc.file], loc), what);
    else if (loc.file >= 0 && loc.file < d->nfiles)
        fprintf(d->out, "%s: %s: ", d->files[loc.file].name, what);
    else
        fprintf(d->out, "%s: ", what);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    show_line(d, loc);
}

void yb_error(yb_diag *d, yb_loc loc, const char *fmt, ...)
{
    d->errors++;
    if (d->errors > d->max_errors) return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "error", loc, fmt, ap);
    va_end(ap);
    if (d->errors == d->max_errors && d->out) fprintf(d->out, "too many errors; stopping here\n");
}

void yb_warning(yb_diag *d, yb_loc loc, const char *fmt, ...)
{
    d->warnings++;
    va_list ap;
    va_start(ap, fmt);
    report(d, "warning", loc, fmt, ap);
    va_end(ap);
}

void yb_note(yb_diag *d, yb_loc loc, const char *fmt, ...)
{
    if (d->errors > d->max_errors) return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "note", loc, fmt, ap);
    va_end(ap);
}

