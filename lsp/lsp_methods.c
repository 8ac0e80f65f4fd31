/* The requests on an open document, answered from its cross-reference index
 * (compiler/xref.h): hover, definition, references, completion, document
 * symbols; and formatting through `yibao fmt` (lang/format.c). */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "format.h"
#include "lsp.h"
#include "parse_ctx.h"

/* The declaration at the request's position, with the compilation it is in. */
static int at_position(lsp_server *s, const lj *params, lsp_error *err, lsp_doc **dp, const lsp_comp **cp, int *use)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    int line, col;
    if (!d || !lsp_position(d, params, &line, &col, err)) return -2;
    *dp = d;
    *cp = lsp_index(d);
    return yb_xref_at((*cp)->x, 0, line, col, use);
}

static void location_json(lbuf *b, const lsp_doc *d, const lsp_comp *c, yb_loc loc)
{
    lb_puts(b, "{\"uri\":");
    lsp_uri_json(b, d, &c->diag, loc.file);
    lb_puts(b, ",\"range\":");
    lsp_range_json(b, &c->diag, loc);
    lb_puts(b, "}");
}

/* ---- hover */

/* The dated versions of a param or table, as written, newest last. */
static void versions_md(lbuf *md, const lsp_comp *c, const yb_xref_decl *d)
{
    if (!d->nversions) return;
    lb_puts(md, "\n\nValues by effective date:\n\n```yibao\n");
    for (int v = 0; v < d->nversions; v++) {
        const yb_xref_version *xv = &d->versions[v];
        if (xv->amended && xv->loc.file >= 0 && xv->loc.file < c->diag.nfiles) {
            const char *name = c->diag.files[xv->loc.file].name, *slash = strrchr(name, '/');
            lb_printf(md, "# amended in %s:%d\n", slash ? slash + 1 : name, xv->loc.line);
        }
        lb_puts(md, xv->text);
        lb_puts(md, "\n");
    }
    lb_puts(md, "```");
}

static void hover_md(lbuf *md, const lsp_comp *c, int k)
{
    const yb_xref *x = c->x;
    const yb_xref_decl *d = &x->decls[k];
    lb_printf(md, "```yibao\n%s %s", yb_xref_kind_name(d->kind), d->name);
    if (d->type) lb_printf(md, ": %s", d->type);
    lb_puts(md, "\n```");
    if (d->parent >= 0)
        lb_printf(md, "\nof %s `%s`", yb_xref_kind_name(x->decls[d->parent].kind), x->decls[d->parent].name);
    if (d->detail) lb_printf(md, "\n\n%s", d->detail);
    if (d->comment) lb_printf(md, "\n\n%s", d->comment);
    if (d->kind == YB_XREF_COLUMN && d->parent >= 0) {
        const yb_xref_decl *t = &x->decls[d->parent];
        int col = 0;
        for (int i = d->parent + 1; i < k; i++) col += x->decls[i].parent == d->parent && x->decls[i].kind == YB_XREF_COLUMN;
        lb_printf(md, "\n\nColumn %d of table `%s`%s%s", col + 1, t->name, t->comment ? ":\n\n" : "", t->comment ? t->comment : "");
        versions_md(md, c, t);
    } else {
        versions_md(md, c, d);
    }
    if (d->loc.file >= 0 && d->loc.file < c->diag.nfiles) {
        const char *name = c->diag.files[d->loc.file].name, *slash = strrchr(name, '/');
        lb_printf(md, "\n\n*declared in %s:%d*", slash ? slash + 1 : name, d->loc.line);
    }
}

void lsp_hover(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d;
    const lsp_comp *c;
    int use, k = at_position(s, params, err, &d, &c, &use);
    if (k == -2) return;
    if (k < 0) { lb_puts(out, "null"); return; }
    lbuf md = {0};
    hover_md(&md, c, k);
    lb_puts(out, "{\"contents\":{\"kind\":\"markdown\",\"value\":");
    lb_str(out, md.p, md.n);
    lb_puts(out, "},\"range\":");
    lsp_range_json(out, &c->diag, use >= 0 ? c->x->uses[use].loc : c->x->decls[k].loc);
    lb_puts(out, "}");
    lb_free(&md);
}

/* ---- definition, references */

void lsp_definition(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d;
    const lsp_comp *c;
    int use, k = at_position(s, params, err, &d, &c, &use);
    if (k == -2) return;
    if (k < 0) { lb_puts(out, "null"); return; }
    const yb_xref_decl *xd = &c->x->decls[k];
    if (xd->kind == YB_XREF_IMPORT && xd->target_file >= 0) /* the imported file itself */
        location_json(out, d, c, (yb_loc){.file = xd->target_file, .line = 1, .col = 1, .end_line = 1, .end_col = 1});
    else
        location_json(out, d, c, xd->loc);
}

void lsp_references(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d;
    const lsp_comp *c;
    int use, k = at_position(s, params, err, &d, &c, &use);
    if (k == -2) return;
    if (k < 0) { lb_puts(out, "null"); return; }
    const lj *inc = lj_path(params, "context", "includeDeclaration");
    bool first = true;
    lb_puts(out, "[");
    if (inc && inc->kind == LJ_TRUE) {
        location_json(out, d, c, c->x->decls[k].loc);
        first = false;
    }
    for (int i = 0; i < c->x->nuses; i++)
        if (c->x->uses[i].decl == k) {
            if (!first) lb_puts(out, ",");
            first = false;
            location_json(out, d, c, c->x->uses[i].loc);
        }
    lb_puts(out, "]");
}

/* ---- completion */

/* LSP CompletionItemKind and SymbolKind of each declaration kind */
static const struct {
    yb_xref_kind kind;
    int completion, symbol;
} kinds[] = {
    {YB_XREF_ENUM, 13, 10},    {YB_XREF_MEMBER, 20, 22},  {YB_XREF_RECORD, 22, 23},       {YB_XREF_FIELD, 5, 8},
    {YB_XREF_INPUT, 8, 11},    {YB_XREF_OUTPUT, 8, 11},   {YB_XREF_OUTPUT_FIELD, 5, 8},  {YB_XREF_PARAM, 21, 14},
    {YB_XREF_TABLE, 22, 18},   {YB_XREF_COLUMN, 5, 8},    {YB_XREF_STATE, 7, 19},        {YB_XREF_REPORT, 7, 19},
    {YB_XREF_STATE_FIELD, 5, 8}, {YB_XREF_DEFINE, 6, 13}, {YB_XREF_RULE, 3, 12},         {YB_XREF_STAGE, 23, 3},
    {YB_XREF_REASON, 21, 20},  {YB_XREF_LET, 6, 13},      {YB_XREF_IMPORT, 9, 2},        {YB_XREF_POLICY, 17, 1},
};

static int kind_code(yb_xref_kind k, bool symbol)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k) return symbol ? kinds[i].symbol : kinds[i].completion;
    return 1;
}

typedef struct items {
    lbuf *out;
    const char **seen; /* labels given, once each: open addressing, kept at most half full */
    size_t cap;
    int n;
} items;

static size_t label_slot(const items *it, const char *label)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = label; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    size_t j = (size_t)h & (it->cap - 1);
    while (it->seen[j] && strcmp(it->seen[j], label) != 0) j = (j + 1) & (it->cap - 1);
    return j;
}

static void item(items *it, const char *label, int kind, const char *detail)
{
    if (2 * ((size_t)it->n + 1) > it->cap) {
        items grown = {it->out, NULL, it->cap ? 2 * it->cap : 256, it->n};
        grown.seen = calloc(grown.cap, sizeof *grown.seen);
        if (!grown.seen) abort();
        for (size_t j = 0; j < it->cap; j++)
            if (it->seen[j]) grown.seen[label_slot(&grown, it->seen[j])] = it->seen[j];
        free(it->seen);
        *it = grown;
    }
    size_t j = label_slot(it, label);
    if (it->seen[j]) return;
    it->seen[j] = label;
    it->n++;
    lb_puts(it->out, it->n > 1 ? ",{\"label\":" : "{\"label\":");
    lb_cstr(it->out, label);
    lb_printf(it->out, ",\"kind\":%d", kind);
    if (detail) {
        lb_puts(it->out, ",\"detail\":");
        lb_cstr(it->out, detail);
    }
    lb_puts(it->out, "}");
}

static bool ident_byte(unsigned char ch) { return ch == '_' || ch >= 0x80 || ((ch | 32) >= 'a' && (ch | 32) <= 'z') || (ch >= '0' && ch <= '9'); }

/* The declaration whose children follow `NAME.`: a global name (an input record,
 * a state, an output) or an enum or table by name; a field of a record type: the record. */
static int member_scope(const yb_xref *x, const char *name, size_t n)
{
    int found = -1;
    for (int i = 0; i < x->ndecls && found < 0; i++) {
        const yb_xref_decl *d = &x->decls[i];
        bool global = (d->kind == YB_XREF_FIELD && d->parent >= 0 && x->decls[d->parent].kind == YB_XREF_INPUT) ||
                      d->kind == YB_XREF_STATE || d->kind == YB_XREF_REPORT || d->kind == YB_XREF_ENUM ||
                      d->kind == YB_XREF_TABLE || d->kind == YB_XREF_RECORD;
        if (global && strlen(d->name) == n && memcmp(d->name, name, n) == 0) found = i;
    }
    if (found >= 0 && x->decls[found].kind == YB_XREF_FIELD && x->decls[found].type) {
        const char *t = x->decls[found].type;
        if (strncmp(t, "list of ", 8) == 0) t += 8;
        for (int i = 0; i < x->ndecls; i++)
            if (x->decls[i].kind == YB_XREF_RECORD && strcmp(x->decls[i].name, t) == 0) return i;
    }
    return found;
}

void lsp_completion(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    int line, col;
    if (!d || !lsp_position(d, params, &line, &col, err)) return;
    const yb_xref *x = lsp_index(d)->x;
    /* the word being typed, and what stands before it */
    size_t ls = 0;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(d->text + ls, '\n', d->len - ls);
        ls = nl ? (size_t)(nl - d->text) + 1 : d->len;
    }
    size_t at = ls + (size_t)col - 1, w = at;
    if (at > d->len) at = w = d->len;
    while (w > ls && ident_byte((unsigned char)d->text[w - 1])) w--;
    items it = {out, NULL, 0, 0};
    lb_puts(out, "{\"isIncomplete\":false,\"items\":[");
    if (w > ls && d->text[w - 1] == '.') { /* NAME. : the fields, members or columns of NAME */
        size_t e = w - 1, b;
        if (e > ls && d->text[e - 1] == ']') { /* `inpatient[scheme, level].`: the table's columns */
            int depth = 0;
            do {
                e--;
                depth += d->text[e] == ']' ? 1 : d->text[e] == '[' ? -1 : 0;
            } while (e > ls && depth > 0);
        }
        b = e;
        while (b > ls && ident_byte((unsigned char)d->text[b - 1])) b--;
        int scope = member_scope(x, d->text + b, e - b);
        for (int i = scope + 1; scope >= 0 && i < x->ndecls && x->decls[i].parent >= scope; i++)
            if (x->decls[i].parent == scope && x->decls[i].kind != YB_XREF_LET)
                item(&it, x->decls[i].name, kind_code(x->decls[i].kind, false), x->decls[i].type);
    } else {
        int rule = -1; /* the lets of the rule around the cursor */
        for (int i = 0; i < x->ndecls; i++) {
            const yb_xref_decl *r = &x->decls[i];
            if (r->kind == YB_XREF_RULE && r->loc.file == 0 && line >= r->extent.line && line <= r->extent.end_line) rule = i;
        }
        /* values first, as the checker resolves a name (a let, then the policy's names), then
         * the enum members and types, reason codes and stages: a label is given once */
        for (int pass = 0; pass < 3; pass++)
            for (int i = 0; i < x->ndecls; i++) {
                const yb_xref_decl *xd = &x->decls[i];
                yb_xref_kind k = xd->kind;
                bool root = xd->parent >= 0 && (x->decls[xd->parent].kind == YB_XREF_INPUT || x->decls[xd->parent].kind == YB_XREF_OUTPUT);
                bool take = pass == 0 ? k == YB_XREF_LET && xd->parent == rule && rule >= 0
                          : pass == 1 ? k == YB_XREF_PARAM || k == YB_XREF_TABLE || k == YB_XREF_DEFINE || k == YB_XREF_STATE ||
                                            k == YB_XREF_REPORT || ((k == YB_XREF_FIELD || k == YB_XREF_OUTPUT_FIELD) && root)
                                      : k == YB_XREF_ENUM || k == YB_XREF_MEMBER || k == YB_XREF_REASON || k == YB_XREF_STAGE;
                if (take) item(&it, xd->name, kind_code(k, false), xd->type ? xd->type : yb_xref_kind_name(k));
            }
        static const char *const fns[] = {"given", "min", "max", "clamp", "abs", "round_up", "round_down", "age"};
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) item(&it, fns[i], 3, "function");
        for (size_t i = 0; i < yb_nkeywords; i++) item(&it, yb_keywords[i].word, 14, "keyword");
    }
    lb_puts(out, "]}");
    free(it.seen);
}

/* ---- document symbols */

/* A declaration's range: its extent, widened over its children's. */
static yb_loc symbol_range(const yb_xref *x, int k)
{
    yb_loc r = x->decls[k].extent;
    for (int i = k + 1; i < x->ndecls && x->decls[i].parent >= k; i++) { /* its members follow it (xref.h) */
        if (x->decls[i].parent != k || x->decls[i].kind == YB_XREF_LET) continue;
        yb_loc c = symbol_range(x, i);
        if (c.line < r.line || (c.line == r.line && c.col < r.col)) { r.line = c.line; r.col = c.col; }
        if (c.end_line > r.end_line || (c.end_line == r.end_line && c.end_col > r.end_col)) {
            r.end_line = c.end_line;
            r.end_col = c.end_col;
        }
    }
    return r;
}

static void symbol_list(lbuf *out, const lsp_comp *c, int parent);

static void symbol(lbuf *out, const lsp_comp *c, int k)
{
    const yb_xref_decl *d = &c->x->decls[k];
    lb_puts(out, "{\"name\":");
    lb_cstr(out, d->name[0] ? d->name : "(unnamed)");
    lb_printf(out, ",\"kind\":%d", kind_code(d->kind, true));
    if (d->type || d->detail) {
        lb_puts(out, ",\"detail\":");
        lb_cstr(out, d->type ? d->type : d->detail);
    }
    lb_puts(out, ",\"range\":");
    lsp_range_json(out, &c->diag, symbol_range(c->x, k));
    lb_puts(out, ",\"selectionRange\":");
    lsp_range_json(out, &c->diag, d->loc);
    lb_puts(out, ",\"children\":");
    symbol_list(out, c, k);
    lb_puts(out, "}");
}

/* The symbols of parent's members (they follow it, xref.h), or, parent -1, of the document's top level. */
static void symbol_list(lbuf *out, const lsp_comp *c, int parent)
{
    const yb_xref *x = c->x;
    bool first = true;
    lb_puts(out, "[");
    for (int i = parent + 1; i < x->ndecls && (parent < 0 || x->decls[i].parent >= parent); i++) {
        const yb_xref_decl *xd = &x->decls[i];
        if (xd->parent != parent || xd->kind == YB_XREF_LET || (parent < 0 && xd->loc.file != 0)) continue;
        if (!first) lb_puts(out, ",");
        first = false;
        symbol(out, c, i);
    }
    lb_puts(out, "]");
}

void lsp_document_symbol(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    if (d) symbol_list(out, lsp_index(d), -1);
}

/* ---- formatting: one edit, the whole text, when `fmt` changes it */

void lsp_formatting(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    if (!d) return;
    size_t n;
    char *f = yb_format_policy(d->text, d->len, &n);
    if (!f) {
        err->code = -32603; /* internal error */
        snprintf(err->message, sizeof err->message, "out of memory formatting the document");
        return;
    }
    if (n == d->len && memcmp(f, d->text, n) == 0) {
        lb_puts(out, "[]");
    } else {
        int el, ec;
        lsp_text_end(d, &el, &ec);
        lb_printf(out, "[{\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":%d,\"character\":%d}},\"newText\":",
                  el, ec);
        lb_str(out, f, n);
        lb_puts(out, "}]");
    }
    free(f);
}
