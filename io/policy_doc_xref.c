/* `yibao doc`: what the cross-reference index (compiler/xref.h) tells the
 * page: a declaration's comment and text, who uses it, what a rule reads,
 * and code quoted with every name it uses linked to where that is shown. */
#include <stdlib.h>
#include <string.h>

#include "parse_ctx.h" /* yb_keyword_token: keywords set in bold */
#include "policy_doc_internal.h"

#define esc(d, s) yb_html_text((d)->out, (s))

int yb_doc_xdecl(const yb_doc *d, const yb_outline_step *st)
{
    const yb_xref *x = d->in->xref;
    if (!st->name) return -1;
    for (int i = 0; i < x->ndecls; i++) {
        const yb_xref_decl *xd = &x->decls[i];
        if (xd->parent < 0 && xd->loc.file == st->loc.file && xd->loc.line == st->loc.line && !strcmp(xd->name, st->name))
            return i;
    }
    return -1;
}

void yb_doc_comment_block(yb_doc *d, int xdecl)
{
    const char *c = xdecl >= 0 ? d->in->xref->decls[xdecl].comment : NULL;
    if (!c || !c[0]) return;
    fputs("<div class=\"comment\">", d->out);
    esc(d, c);
    fputs("</div>\n", d->out);
}

/* Where the page shows a declaration: its anchor ("p-inpatient"), or false
 * when it shows none (a let, a field, an enum member…). */
static bool anchor(const yb_doc *d, int xdecl, char *buf, size_t n)
{
    const yb_xref *x = d->in->xref;
    const yb_xref_decl *xd = &x->decls[xdecl];
    switch (xd->kind) {
    case YB_XREF_PARAM:
    case YB_XREF_TABLE: snprintf(buf, n, "p-%s", xd->name); return true;
    case YB_XREF_COLUMN: snprintf(buf, n, "p-%s.%s", x->decls[xd->parent].name, xd->name); return true;
    case YB_XREF_STATE:
    case YB_XREF_REPORT: snprintf(buf, n, "s-%s", xd->name); return true;
    case YB_XREF_STATE_FIELD: return xd->parent >= 0 && anchor(d, xd->parent, buf, n);
    case YB_XREF_RULE: snprintf(buf, n, "r-%s", xd->name); return true;
    case YB_XREF_DEFINE: snprintf(buf, n, "d-%s", xd->name); return true;
    case YB_XREF_STAGE: snprintf(buf, n, "stage-%s", xd->name); return true;
    default: return false;
    }
}

/* A link to a top-level declaration: a rule with its number in the evaluation order. */
static void link(yb_doc *d, int xdecl)
{
    char a[300];
    if (!anchor(d, xdecl, a, sizeof a)) return;
    const yb_xref_decl *xd = &d->in->xref->decls[xdecl];
    fputs("<a href=\"#", d->out);
    esc(d, a);
    fputs("\">", d->out);
    int s = xd->kind == YB_XREF_RULE ? yb_doc_step(d, D_RULE, xd->name) : -1;
    if (s >= 0) fprintf(d->out, "#%d ", d->rule_no[s]);
    esc(d, xd->name);
    fputs("</a>", d->out);
}

/* Is decl `of` (or its parent: a table's column, a state's field) what decl `i` is? */
static bool names(const yb_xref *x, int i, int of) { return i == of || (i >= 0 && x->decls[i].parent == of); }

void yb_doc_users(yb_doc *d, int xdecl, const char *label, const char *none)
{
    const yb_xref *x = d->in->xref;
    int n = 0;
    for (int u = 0; xdecl >= 0 && u < x->nuses; u++) {
        int in = x->uses[u].in;
        if (in < 0 || in == xdecl || !names(x, x->uses[u].decl, xdecl)) continue;
        bool seen = false; /* one link for a rule that names it many times */
        for (int v = 0; v < u && !seen; v++) seen = x->uses[v].in == in && names(x, x->uses[v].decl, xdecl);
        if (seen || x->decls[in].kind == YB_XREF_PARAM || x->decls[in].kind == YB_XREF_TABLE) continue;
        fputs(n++ ? ", " : "<div class=\"used\">", d->out);
        if (n == 1) esc(d, label);
        link(d, in);
    }
    if (n) fputs("</div>\n", d->out);
    else if (none) {
        fputs("<div class=\"used\">", d->out);
        esc(d, none);
        fputs("</div>\n", d->out);
    }
}

void yb_doc_reads(yb_doc *d, int xdecl)
{
    const yb_xref *x = d->in->xref;
    int n = 0, *shown = calloc((size_t)x->ndecls + 1, sizeof *shown);
    if (!shown) abort();
    for (int u = 0; xdecl >= 0 && u < x->nuses; u++) {
        int t = x->uses[u].decl;
        if (x->uses[u].in != xdecl || t < 0) continue;
        if (x->decls[t].kind == YB_XREF_COLUMN) t = x->decls[t].parent;
        if (t < 0 || (x->decls[t].kind != YB_XREF_PARAM && x->decls[t].kind != YB_XREF_TABLE) || shown[t]) continue;
        shown[t] = 1;
        fputs(n++ ? ", " : "<div class=\"line\"><b class=\"l\">Reads</b> ", d->out);
        fputs("<a class=\"pl\" href=\"#p-", d->out);
        esc(d, x->decls[t].name);
        fputs("\">", d->out);
        esc(d, x->decls[t].name);
        fputs("</a>", d->out);
    }
    if (n) fputs("</div>\n", d->out);
    free(shown);
}

/* ------------------------------------------------------------------------ */
/* code                                                                      */

typedef struct code_at {
    yb_doc *d;
    int file, line;
    const char *line_start;
} code_at;

static void code_piece(void *ctx, yb_doc_piece kind, const char *s, size_t n)
{
    code_at *at = ctx;
    yb_doc *d = at->d;
    char a[300];
    int xd = kind == YB_DOC_NAME || kind == YB_DOC_MEMBER
                 ? yb_xref_at(d->in->xref, at->file, at->line, (int)(s - at->line_start) + 1, NULL)
                 : -1;
    if (xd >= 0 && anchor(d, xd, a, sizeof a)) {
        fprintf(d->out, "<a%s href=\"#", a[0] == 'p' ? " class=\"pl\"" : "");
        esc(d, a);
        fputs("\">", d->out);
        yb_html_text_n(d->out, s, n);
        fputs("</a>", d->out);
        return;
    }
    const char *cls = kind == YB_DOC_COMMENT ? "cm" : kind == YB_DOC_STRING ? "str"
                    : kind == YB_DOC_NAME && yb_keyword_token(s, n) ? "kw" : NULL;
    if (cls) fprintf(d->out, "<span class=\"%s\">", cls);
    yb_html_text_n(d->out, s, n);
    if (cls) fputs("</span>", d->out);
}

void yb_doc_code(yb_doc *d, yb_loc span, bool one_line)
{
    for (int l = span.line; l >= 1 && l <= span.end_line; l++) {
        yb_doc_text t = yb_doc_line(d->in->src, span.file, l);
        size_t from = l == span.line && span.col > 1 ? (size_t)span.col - 1 : 0;
        size_t to = l == span.end_line && span.end_col > 0 && (size_t)span.end_col - 1 < t.n ? (size_t)span.end_col - 1 : t.n;
        if (one_line) { /* a condition over lines, read as one: no indent, no comment */
            while (from < to && (t.s[from] == ' ' || t.s[from] == '\t')) from++;
            to = from + yb_doc_comment_at(t.s + from, to > from ? to - from : 0);
            while (to > from && t.s[to - 1] == ' ') to--;
            if (l > span.line && to > from) fputc(' ', d->out);
        }
        code_at at = {d, span.file, l, t.s};
        if (to > from) yb_doc_pieces(t.s + from, to - from, code_piece, &at);
        if (!one_line && l < span.end_line) fputc('\n', d->out);
    }
}

void yb_doc_decl_code(yb_doc *d, int xdecl, const yb_outline_step *st)
{
    yb_loc e = xdecl >= 0 ? d->in->xref->decls[xdecl].extent : st->loc;
    if (xdecl < 0) e.col = 1, e.end_line = e.line, e.end_col = 0; /* its first line */
    yb_doc_code(d, e, false);
}
