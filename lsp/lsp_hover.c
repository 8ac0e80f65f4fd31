/* textDocument/hover: a name's kind, type and owner, the comment above its
 * declaration, and a parameter's or table's values by effective date as
 * written (a table's column: each row's keys and that column's value). */
#include <string.h>

#include "lsp.h"


/* One row of a table version as written, to md; with col >= 0 only its keys and
 * that column's value (a row of nkeys keys and ncols values), else the whole line. */
static void row_md(lbuf *md, const char *p, size_t n, int col, int nkeys, int ncols)
{
    size_t body = n;
    bool quoted = false;
    for (size_t i = 0; i < n; i++) { /* a trailing comment stays with its row */
        if (p[i] == '"') quoted = !quoted;
        else if (p[i] == '#' && !quoted) { body = i; break; }
    }
    const char *tok[64];
    size_t len[64];
    int nt = 0;
    for (size_t i = 0; i < body && nt < 64;) {
        while (i < body && (p[i] == ' ' || p[i] == '\t')) i++;
        if (i == body) break;
        tok[nt] = p + i;
        while (i < body && p[i] != ' ' && p[i] != '\t') i++;
        len[nt] = (size_t)(p + i - tok[nt]);
        nt++;
    }
    if (col < 0 || nt != nkeys + ncols) {
        lb_put(md, p, n);
        lb_puts(md, "\n");
        return;
    }
    for (int k = 0; k < nkeys; k++) {
        lb_put(md, tok[k], len[k]);
        lb_puts(md, " ");
    }
    lb_puts(md, "→ ");
    lb_put(md, tok[nkeys + col], len[nkeys + col]);
    if (body < n) {
        lb_puts(md, "   ");
        lb_put(md, p + body, n - body);
    }
    lb_puts(md, "\n");
}

/* The dated versions of a param or table as written, in source order (a table's
 * column: each row's keys and that column's value). */
static void versions_md(lbuf *md, const lsp_comp *c, const yb_xref_decl *d, int col, int nkeys, int ncols)
{
    if (!d->nversions) return;
    lb_puts(md, "\n\nValues by effective date:\n\n```yibao\n");
    for (int v = 0; v < d->nversions; v++) {
        const yb_xref_version *xv = &d->versions[v];
        if (xv->amended && xv->loc.file >= 0 && xv->loc.file < c->diag.nfiles) {
            const char *name = c->diag.files[xv->loc.file].name, *slash = strrchr(name, '/');
            lb_printf(md, "# amended in %s:%d\n", slash ? slash + 1 : name, xv->loc.line);
        }
        for (const char *p = xv->text; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            const char *colon = p == xv->text ? memchr(p, ':', n) : NULL; /* `from DATE: rest` */
            if (colon) {
                lb_put(md, p, (size_t)(colon - p) + 1);
                lb_puts(md, "\n");
                size_t rest = n - (size_t)(colon + 1 - p);
                if (rest && strspn(colon + 1, " \t") < rest) {
                    lb_puts(md, "  ");
                    row_md(md, colon + 1 + strspn(colon + 1, " \t"), rest - strspn(colon + 1, " \t"), col, nkeys, ncols);
                }
            } else {
                lb_puts(md, "  ");
                row_md(md, p, n, col, nkeys, ncols);
            }
            p += n + (nl ? 1 : 0);
        }
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
        int col = 0, ncols = 0, nkeys = 0;
        for (int i = d->parent + 1; i < x->ndecls && x->decls[i].parent >= d->parent; i++)
            if (x->decls[i].parent == d->parent && x->decls[i].kind == YB_XREF_COLUMN) col += i < k, ncols++;
        const char *by = t->type ? strstr(t->type, " by ") : NULL; /* "table by scheme, level" */
        for (const char *p = by; p && *p; p++) nkeys += p == by || *p == ',';
        lb_printf(md, "\n\nColumn %d of table `%s`%s%s", col + 1, t->name, t->comment ? ":\n\n" : "", t->comment ? t->comment : "");
        versions_md(md, c, t, col, nkeys, ncols);
    } else {
        versions_md(md, c, d, -1, 0, 0);
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
    int use, k = lsp_at_position(s, params, err, &d, &c, &use);
    if (k == -2) return;
    if (k < 0) { lb_puts(out, "null"); return; }
    lbuf md = {0};
    hover_md(&md, c, k);
    lb_puts(out, "{\"contents\":{\"kind\":\"markdown\",\"value\":");
    lb_str(out, md.p, md.n);
    lb_puts(out, "},\"range\":");
    lsp_range_json(out, c, use >= 0 ? c->x->uses[use].loc : c->x->decls[k].loc);
    lb_puts(out, "}");
    lb_free(&md);
}

