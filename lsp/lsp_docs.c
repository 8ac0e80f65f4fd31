/* Open documents: their text as the editor has it (whole or incremental
 * changes), compiled on every change with the compiler's messages published
 * as diagnostics; positions between LSP's (0-based line, UTF-16 code units)
 * and the compiler's (1-based line, byte column); file URIs and paths. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lsp.h"
#include "utf8.h"

/* ---- URIs */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f') return (c | 32) - 'a' + 10;
    return -1;
}

/* The path a file: URI names (percent escapes decoded); another scheme: the URI itself. */
static char *uri_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) != 0) return strdup(uri);
    const char *p = uri + 7;
    char *out = malloc(strlen(p) + 1), *o = out;
    if (!out) abort();
    for (; *p; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return out;
}

char *lsp_uri(const lsp_doc *d, const yb_diag *diag, int file)
{
    if (file <= 0 || file >= diag->nfiles) return strdup(d->uri);
    char *real = realpath(diag->files[file].name, NULL); /* `../stdlib-policies/x.yb` as the editor names it */
    const char *path = real ? real : diag->files[file].name;
    lbuf u = {0};
    lb_puts(&u, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            lb_put(&u, (const char *)p, 1);
        else
            lb_printf(&u, "%%%02X", *p);
    }
    free(real);
    return u.p;
}

void lsp_uri_json(lbuf *b, const lsp_doc *d, const yb_diag *diag, int file)
{
    char *u = lsp_uri(d, diag, file);
    lb_cstr(b, u);
    free(u);
}

/* ---- positions */

/* The byte offset of 0-based line `line`, or len when the text has fewer lines. */
static size_t line_offset(const char *text, size_t len, int line)
{
    size_t i = 0;
    for (int l = 0; l < line; l++) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl) return len;
        i = (size_t)(nl - text) + 1;
    }
    return i;
}

/* A code point's UTF-16 length: two units outside the Basic Multilingual Plane. */
static int units(unsigned cp) { return cp >= 0x10000 ? 2 : 1; }

/* The offset of UTF-16 character `ch` on 0-based `line` (clamped to the line's end). */
static size_t offset_of(const char *text, size_t len, int line, int64_t ch)
{
    size_t i = line_offset(text, len, line);
    for (int64_t u = 0; u < ch && i < len && text[i] != '\n';) u += units(yb_utf8_next((const unsigned char *)text, len, &i));
    return i;
}

/* UTF-16 units from byte offset `from` (a line's start) to 1-based byte column `col` of that line. */
static int units_to(const char *text, size_t len, size_t from, int col)
{
    size_t i = from, end = from + (col > 1 ? (size_t)col - 1 : 0);
    int u = 0;
    while (i < end && i < len && text[i] != '\n') u += units(yb_utf8_next((const unsigned char *)text, len, &i));
    return u;
}

/* Where 1-based `line` of a compiled file starts (from the table made at compilation). */
static size_t comp_line(const lsp_comp *c, int file, int line)
{
    if (line >= 1 && line <= c->nlines[file]) return c->lines[file][line - 1];
    return c->diag.files[file].len;
}

/* Each file's line starts, once per compilation: ranges are converted in
 * constant time per line, however long the file. */
static void index_lines(lsp_comp *c)
{
    int nf = c->diag.nfiles;
    c->lines = calloc((size_t)(nf ? nf : 1), sizeof *c->lines);
    c->nlines = calloc((size_t)(nf ? nf : 1), sizeof *c->nlines);
    if (!c->lines || !c->nlines) abort();
    for (int f = 0; f < nf; f++) {
        const yb_source *src = &c->diag.files[f];
        int n = 1;
        for (size_t i = 0; i < src->len; i++) n += src->text[i] == '\n';
        c->lines[f] = malloc((size_t)n * sizeof **c->lines);
        if (!c->lines[f]) abort();
        c->lines[f][0] = 0;
        for (size_t i = 0, k = 1; i < src->len; i++)
            if (src->text[i] == '\n') c->lines[f][k++] = i + 1;
        c->nlines[f] = n;
    }
}

void lsp_range_json(lbuf *b, const lsp_comp *c, yb_loc loc)
{
    if (loc.file < 0 || loc.file >= c->diag.nfiles || loc.line <= 0) {
        lb_puts(b, "{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":0,\"character\":0}}");
        return;
    }
    const yb_source *s = &c->diag.files[loc.file];
    int sc = units_to(s->text, s->len, comp_line(c, loc.file, loc.line), loc.col);
    int el = loc.end_line, ec;
    if (el < loc.line || (el == loc.line && loc.end_col <= loc.col)) { /* no end: one character */
        el = loc.line;
        ec = sc + 1;
    } else {
        ec = units_to(s->text, s->len, comp_line(c, loc.file, el), loc.end_col);
    }
    lb_printf(b, "{\"start\":{\"line\":%d,\"character\":%d},\"end\":{\"line\":%d,\"character\":%d}}", loc.line - 1, sc,
              el - 1, ec);
}

void lsp_text_end(const lsp_doc *d, int *line, int *character)
{
    int l = 0;
    size_t last = 0;
    for (size_t i = 0; i < d->len; i++)
        if (d->text[i] == '\n') l++, last = i + 1;
    *line = l;
    *character = units_to(d->text, d->len, last, (int)(d->len - last) + 1);
}

bool lsp_position(lsp_doc *d, const lj *params, int *line, int *col, lsp_error *err)
{
    int64_t l, c;
    if (!lj_int(lj_path(params, "position", "line"), &l) || !lj_int(lj_path(params, "position", "character"), &c) || l < 0 ||
        c < 0 || l > INT_MAX - 1) {
        err->code = LSP_INVALID_PARAMS;
        snprintf(err->message, sizeof err->message, "params.position needs a line and a character (numbers from 0)");
        return false;
    }
    size_t start = line_offset(d->text, d->len, (int)l);
    *line = (int)l + 1;
    *col = (int)(offset_of(d->text, d->len, (int)l, c) - start) + 1;
    return true;
}

/* ---- documents */

lsp_doc *lsp_doc_find(lsp_server *s, const char *uri)
{
    for (int i = 0; uri && i < s->ndocs; i++)
        if (strcmp(s->docs[i]->uri, uri) == 0) return s->docs[i];
    return NULL;
}

lsp_doc *lsp_doc_of(lsp_server *s, const lj *params, lsp_error *err)
{
    const char *uri = lj_str(lj_path(params, "textDocument", "uri"));
    lsp_doc *d = lsp_doc_find(s, uri);
    if (!d) {
        err->code = LSP_INVALID_PARAMS;
        snprintf(err->message, sizeof err->message, "%s: %.160s", uri ? "not an open document" : "params.textDocument.uri is missing",
                 uri ? uri : "");
    }
    return d;
}

static void clear_msgs(lsp_doc *d)
{
    for (int i = 0; i < d->nmsgs; i++) free(d->msgs[i].text);
    free(d->msgs);
    d->msgs = NULL;
    d->nmsgs = 0;
}

static void collect(void *ctx, const char *severity, yb_loc loc, const char *message)
{
    lsp_doc *d = ctx;
    d->msgs = realloc(d->msgs, (size_t)(d->nmsgs + 1) * sizeof *d->msgs);
    if (!d->msgs) abort();
    lsp_msg *m = &d->msgs[d->nmsgs++];
    snprintf(m->severity, sizeof m->severity, "%s", severity);
    m->loc = loc;
    m->text = strdup(message);
    if (!m->text) abort();
}

static int msg_file(const lsp_msg *m) { return m->loc.file > 0 ? m->loc.file : 0; }

/* The import line of the document that brings `file` in, directly or through other imports. */
static bool import_in_doc(const yb_xref *x, int file, yb_loc *at)
{
    for (int hops = 0; hops < 64 && file > 0; hops++) { /* imports nest at most 32 deep (modules.c) */
        int i = 0;
        while (i < x->ndecls && !(x->decls[i].kind == YB_XREF_IMPORT && x->decls[i].target_file == file)) i++;
        if (i == x->ndecls) return false;
        *at = x->decls[i].loc;
        file = at->file;
    }
    return file == 0;
}

/* Message i and its notes (up to end) as one diagnostic at `at`; `where`: a prefix, or NULL. */
static void diagnostic_json(lbuf *b, lsp_doc *d, int i, int end, yb_loc at, const char *where)
{
    const lsp_msg *m = &d->msgs[i];
    const yb_diag *dg = &d->cur->diag;
    lbuf text = {0};
    if (where) lb_puts(&text, where);
    lb_puts(&text, m->text);
    for (int k = i + 1; k < end; k++) lb_printf(&text, "\nnote: %s", d->msgs[k].text);
    lb_puts(b, "{\"range\":");
    lsp_range_json(b, d->cur, at);
    lb_printf(b, ",\"severity\":%d,\"source\":\"yibao\",\"message\":", strcmp(m->severity, "error") == 0 ? 1 : 2);
    lb_str(b, text.p, text.n);
    lb_free(&text);
    bool related = false;
    for (int k = i + 1; k < end; k++) {
        const lsp_msg *n = &d->msgs[k];
        if (n->loc.file < 0 || n->loc.line <= 0) continue;
        lb_puts(b, related ? ",{\"location\":{\"uri\":" : ",\"relatedInformation\":[{\"location\":{\"uri\":");
        related = true;
        lsp_uri_json(b, d, dg, n->loc.file);
        lb_puts(b, ",\"range\":");
        lsp_range_json(b, d->cur, n->loc);
        lb_puts(b, "},\"message\":");
        lb_cstr(b, n->text);
        lb_puts(b, "}");
    }
    if (related) lb_puts(b, "]");
    lb_puts(b, "}");
}

/* The diagnostics of one file: each error or warning, its notes appended
 * (and, where they point somewhere, as related information).  The document's
 * own also hold each error of an imported file, on the import line that
 * brings it in ("broken.yb:1:10: unknown type `mony`"). */
static void diagnostics_json(lbuf *b, lsp_doc *d, int file)
{
    const yb_diag *dg = &d->cur->diag;
    lb_puts(b, "{\"uri\":");
    lsp_uri_json(b, d, dg, file);
    lb_puts(b, ",\"diagnostics\":[");
    bool first = true;
    for (int i = 0; i < d->nmsgs; i++) {
        const lsp_msg *m = &d->msgs[i];
        if (strcmp(m->severity, "note") == 0) continue;
        int end = i + 1;
        while (end < d->nmsgs && strcmp(d->msgs[end].severity, "note") == 0) end++;
        yb_loc at;
        if (msg_file(m) == file) {
            if (!first) lb_puts(b, ",");
            first = false;
            diagnostic_json(b, d, i, end, m->loc.file >= 0 ? m->loc : (yb_loc){.file = -1}, NULL);
        } else if (file == 0 && strcmp(m->severity, "error") == 0 && import_in_doc(d->cur->x, msg_file(m), &at)) {
            const char *name = dg->files[m->loc.file].name, *slash = strrchr(name, '/');
            char where[300];
            snprintf(where, sizeof where, "%.200s:%d:%d: ", slash ? slash + 1 : name, m->loc.line, m->loc.col);
            if (!first) lb_puts(b, ",");
            first = false;
            diagnostic_json(b, d, i, end, at, where);
        }
    }
    lb_puts(b, "]}");
}

static void publish_empty(lsp_server *s, const char *uri)
{
    lbuf b = {0};
    lb_puts(&b, "{\"uri\":");
    lb_cstr(&b, uri);
    lb_puts(&b, ",\"diagnostics\":[]}");
    lsp_notify(s, "textDocument/publishDiagnostics", b.p);
    lb_free(&b);
}

/* The document's own diagnostics, those of imported files that have some, and
 * empty lists for imported files that had some and have none now. */
static void publish(lsp_server *s, lsp_doc *d)
{
    char **now = NULL;
    int nnow = 0;
    for (int f = 0; f < d->cur->diag.nfiles || f == 0; f++) {
        bool has = f == 0;
        for (int i = 0; i < d->nmsgs && !has; i++) has = msg_file(&d->msgs[i]) == f && strcmp(d->msgs[i].severity, "note") != 0;
        if (!has) continue;
        lbuf b = {0};
        diagnostics_json(&b, d, f);
        lsp_notify(s, "textDocument/publishDiagnostics", b.p);
        if (f > 0) { /* remember the URI: cleared when the messages go */
            now = realloc(now, (size_t)(nnow + 1) * sizeof *now);
            if (!now) abort();
            now[nnow++] = lsp_uri(d, &d->cur->diag, f);
        }
        lb_free(&b);
    }
    for (int i = 0; i < d->nothers; i++) {
        bool still = false;
        for (int k = 0; k < nnow && !still; k++) still = strcmp(now[k], d->others[i]) == 0;
        if (!still) publish_empty(s, d->others[i]);
        free(d->others[i]);
    }
    free(d->others);
    d->others = now;
    d->nothers = nnow;
}

static void comp_free(lsp_comp *c)
{
    if (!c) return;
    yb_xref_free(c->x);
    for (int f = 0; c->lines && f < c->diag.nfiles; f++) free(c->lines[f]);
    free(c->lines);
    free(c->nlines);
    yb_diag_free(&c->diag);
    free(c);
}

/* Whether the document itself parsed: its index holds declarations of file 0. */
static bool parsed(const lsp_comp *c)
{
    for (int i = 0; i < c->x->ndecls; i++)
        if (c->x->decls[i].loc.file == 0) return true;
    return false;
}

const lsp_comp *lsp_index(const lsp_doc *d) { return d->good ? d->good : d->cur; }

static void compile(lsp_server *s, lsp_doc *d)
{
    clear_msgs(d);
    lsp_comp *c = calloc(1, sizeof *c);
    if (!c) abort();
    yb_diag_init(&c->diag, NULL);
    c->diag.sink = collect;
    c->diag.sink_ctx = d;
    c->x = yb_xref_build(&c->diag, d->path, d->text);
    c->diag.sink = NULL;
    index_lines(c);
    if (parsed(c)) {
        if (d->good != d->cur) comp_free(d->good);
        d->good = c;
    }
    if (d->cur != d->good) comp_free(d->cur);
    d->cur = c;
    publish(s, d);
}

static void doc_free(lsp_doc *d)
{
    clear_msgs(d);
    if (d->good != d->cur) comp_free(d->good);
    comp_free(d->cur);
    for (int i = 0; i < d->nothers; i++) free(d->others[i]);
    free(d->others);
    free(d->uri);
    free(d->path);
    free(d->text);
    free(d);
}

static void bad_params(lsp_error *err, const char *what)
{
    err->code = LSP_INVALID_PARAMS;
    snprintf(err->message, sizeof err->message, "%s", what);
}

void lsp_did_open(lsp_server *s, const lj *params, lsp_error *err)
{
    const char *uri = lj_str(lj_path(params, "textDocument", "uri"));
    const lj *text = lj_path(params, "textDocument", "text");
    if (!uri || !lj_str(text)) return bad_params(err, "didOpen: params.textDocument needs a uri and a text");
    lsp_doc *d = lsp_doc_find(s, uri);
    if (!d) {
        d = calloc(1, sizeof *d);
        s->docs = realloc(s->docs, (size_t)(s->ndocs + 1) * sizeof *s->docs);
        if (!d || !s->docs) abort();
        s->docs[s->ndocs++] = d;
        d->uri = strdup(uri);
        d->path = uri_path(uri);
    }
    free(d->text);
    d->text = strndup(text->text, text->len);
    d->len = text->len;
    if (!d->text) abort();
    compile(s, d);
}

/* One change: the whole text, or a range replaced. */
static bool apply_change(lsp_doc *d, const lj *ch)
{
    const lj *text = lj_get(ch, "text");
    if (!lj_str(text)) return false;
    const lj *range = lj_get(ch, "range");
    size_t from = 0, to = d->len;
    if (range) {
        int64_t sl, sc, el, ec;
        if (!lj_int(lj_path(range, "start", "line"), &sl) || !lj_int(lj_path(range, "start", "character"), &sc) ||
            !lj_int(lj_path(range, "end", "line"), &el) || !lj_int(lj_path(range, "end", "character"), &ec) || sl < 0 || sc < 0 ||
            el < 0 || ec < 0 || sl > INT_MAX || el > INT_MAX)
            return false;
        from = offset_of(d->text, d->len, (int)sl, sc);
        to = offset_of(d->text, d->len, (int)el, ec);
        if (to < from) return false;
    }
    char *nt = malloc(d->len - (to - from) + text->len + 1);
    if (!nt) abort();
    memcpy(nt, d->text, from);
    memcpy(nt + from, text->text, text->len);
    memcpy(nt + from + text->len, d->text + to, d->len - to);
    d->len = d->len - (to - from) + text->len;
    nt[d->len] = 0;
    free(d->text);
    d->text = nt;
    return true;
}

void lsp_did_change(lsp_server *s, const lj *params, lsp_error *err)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    if (!d) return;
    const lj *changes = lj_get(params, "contentChanges");
    if (!changes || changes->kind != LJ_ARRAY) return bad_params(err, "didChange: params.contentChanges must be an array");
    for (int i = 0; i < changes->count; i++)
        if (!apply_change(d, &changes->items[i])) {
            bad_params(err, "didChange: a change needs a text and, when partial, a valid range");
            break; /* what was applied stays: the document is recompiled as it is now */
        }
    compile(s, d);
}

void lsp_did_close(lsp_server *s, const lj *params, lsp_error *err)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    if (!d) return;
    publish_empty(s, d->uri);
    for (int i = 0; i < d->nothers; i++) publish_empty(s, d->others[i]);
    int k = 0;
    while (s->docs[k] != d) k++;
    s->docs[k] = s->docs[--s->ndocs];
    doc_free(d);
}

void lsp_docs_free(lsp_server *s)
{
    for (int i = 0; i < s->ndocs; i++) doc_free(s->docs[i]);
    free(s->docs);
    s->docs = NULL;
    s->ndocs = 0;
}
