/* The requests on an open document answered from its cross-reference index
 * (compiler/xref.h): definition, references and highlights, document and
 * workspace symbols; and formatting through `yibao fmt` (lang/format.c).
 * Hover: lsp_hover.c; completion: lsp_complete.c. */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "lsp.h"

int lsp_at_position(lsp_server *s, const lj *params, lsp_error *err, lsp_doc **dp, const lsp_comp **cp, int *use)
{
    lsp_doc *d = lsp_doc_of(s, params, err);
    int line, col;
    if (!d || !lsp_position(d, params, &line, &col, err)) return -2;
    *dp = d;
    *cp = lsp_index(d);
    return yb_xref_at((*cp)->x, 0, line, col, use);
}

void lsp_location_json(lbuf *b, const lsp_doc *d, const lsp_comp *c, yb_loc loc)
{
    lb_puts(b, "{\"uri\":");
    lsp_uri_json(b, d, &c->diag, loc.file);
    lb_puts(b, ",\"range\":");
    lsp_range_json(b, c, loc);
    lb_puts(b, "}");
}

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

int lsp_kind_code(yb_xref_kind k, bool symbol)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k) return symbol ? kinds[i].symbol : kinds[i].completion;
    return 1;
}

/* ---- definition, references */

void lsp_definition(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    lsp_doc *d;
    const lsp_comp *c;
    int use, k = lsp_at_position(s, params, err, &d, &c, &use);
    if (k == -2) return;
    if (k < 0) { lb_puts(out, "null"); return; }
    const yb_xref_decl *xd = &c->x->decls[k];
    if (xd->kind == YB_XREF_IMPORT && xd->target_file >= 0) /* the imported file itself */
        lsp_location_json(out, d, c, (yb_loc){.file = xd->target_file, .line = 1, .col = 1, .end_line = 1, .end_col = 1});
    else
        lsp_location_json(out, d, c, xd->loc);
}

/* The declaration's place (when wanted) and its uses: as locations, or (highlight) the
 * ones in the document itself as highlights. */
static void occurrences(lsp_server *s, const lj *params, lbuf *out, lsp_error *err, bool highlight)
{
    lsp_doc *d;
    const lsp_comp *c;
    int use, k = lsp_at_position(s, params, err, &d, &c, &use);
    if (k == -2) return;
    if (k < 0) { lb_puts(out, "null"); return; }
    const lj *inc = lj_path(params, "context", "includeDeclaration");
    bool first = true;
    lb_puts(out, "[");
    for (int i = -1; i < c->x->nuses; i++) {
        yb_loc at = i < 0 ? c->x->decls[k].loc : c->x->uses[i].loc;
        if (i < 0 ? !highlight && !(inc && inc->kind == LJ_TRUE) : c->x->uses[i].decl != k) continue;
        if (highlight && at.file != 0) continue;
        if (!first) lb_puts(out, ",");
        first = false;
        if (highlight) { /* kind 1: text (neither read nor written is told apart) */
            lb_puts(out, "{\"range\":");
            lsp_range_json(out, c, at);
            lb_puts(out, ",\"kind\":1}");
        } else {
            lsp_location_json(out, d, c, at);
        }
    }
    lb_puts(out, "]");
}

void lsp_references(lsp_server *s, const lj *params, lbuf *out, lsp_error *err) { occurrences(s, params, out, err, false); }

void lsp_highlight(lsp_server *s, const lj *params, lbuf *out, lsp_error *err) { occurrences(s, params, out, err, true); }

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
    lb_printf(out, ",\"kind\":%d", lsp_kind_code(d->kind, true));
    if (d->type || d->detail) {
        lb_puts(out, ",\"detail\":");
        lb_cstr(out, d->type ? d->type : d->detail);
    }
    lb_puts(out, ",\"range\":");
    lsp_range_json(out, c, symbol_range(c->x, k));
    lb_puts(out, ",\"selectionRange\":");
    lsp_range_json(out, c, d->loc);
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

/* Whether an earlier open document's policy read the file `name` too (its
 * declarations are listed once). */
static bool listed_before(lsp_server *s, int n, const char *name)
{
    for (int m = 0; m < n; m++) {
        const yb_diag *dg = &lsp_index(s->docs[m])->diag;
        for (int f = 0; f < dg->nfiles; f++)
            if (strcmp(dg->files[f].name, name) == 0) return true;
    }
    return false;
}

/* The declarations of every open document's policy (imports included) whose
 * name holds the query (params.query; "" = all). */
void lsp_workspace_symbol(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    const char *q = lj_str(lj_get(params, "query"));
    if (!q) {
        err->code = LSP_INVALID_PARAMS;
        snprintf(err->message, sizeof err->message, "workspace/symbol: params.query must be a string");
        return;
    }
    bool first = true;
    lb_puts(out, "[");
    for (int n = 0; n < s->ndocs; n++) {
        const lsp_doc *d = s->docs[n];
        const lsp_comp *c = lsp_index(d);
        for (int i = 0; i < c->x->ndecls; i++) {
            const yb_xref_decl *xd = &c->x->decls[i];
            if (xd->kind == YB_XREF_LET || !strstr(xd->name, q) || xd->loc.file < 0 ||
                listed_before(s, n, c->diag.files[xd->loc.file].name))
                continue;
            if (!first) lb_puts(out, ",");
            first = false;
            lb_puts(out, "{\"name\":");
            lb_cstr(out, xd->name);
            lb_printf(out, ",\"kind\":%d,\"location\":", lsp_kind_code(xd->kind, true));
            lsp_location_json(out, d, c, xd->loc);
            if (xd->parent >= 0) {
                lb_puts(out, ",\"containerName\":");
                lb_cstr(out, c->x->decls[xd->parent].name);
            }
            lb_puts(out, "}");
        }
    }
    lb_puts(out, "]");
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

