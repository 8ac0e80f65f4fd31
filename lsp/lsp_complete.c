/* textDocument/completion: after `NAME.` the members of NAME; elsewhere the
 * names in scope (the rule's lets, the policy's names, enum members and types),
 * the functions and the keywords. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lsp.h"
#include "parse_ctx.h"


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
                item(&it, x->decls[i].name, lsp_kind_code(x->decls[i].kind, false), x->decls[i].type);
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
                if (take) item(&it, xd->name, lsp_kind_code(k, false), xd->type ? xd->type : yb_xref_kind_name(k));
            }
        static const char *const fns[] = {"given", "min", "max", "clamp", "abs", "round_up", "round_down", "age"};
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) item(&it, fns[i], 3, "function");
        for (size_t i = 0; i < yb_nkeywords; i++) item(&it, yb_keywords[i].word, 14, "keyword");
    }
    lb_puts(out, "]}");
    free(it.seen);
}

