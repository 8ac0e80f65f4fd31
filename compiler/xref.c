/* The cross-reference index (xref.h): built after the checker, from the
 * syntax trees of every file read.  Two walks: the declarations of every file
 * first (types and enums may be used above where they are written), then the
 * uses, each name resolved the way the checker scopes it: the lets of the
 * rule, the fields of the list elements being aggregated, the enum the
 * checker chose for a member, then the policy's global names.  Where the
 * checker stopped on an error a name is found by the same scopes without it. */
#include "xref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "internal.h"

static const char *const kind_names[] = {
#define YB_XREF_NAME_(id, word) word,
    YB_XREF_KINDS(YB_XREF_NAME_)
#undef YB_XREF_NAME_
};

const char *yb_xref_kind_name(yb_xref_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

/* An index of declarations (map_add). */
typedef struct xmap {
    int *slots;
    size_t cap, used;
    bool by_name;
} xmap;

/* The builder: the index being filled, and the scopes of the walk. */
typedef struct xb {
    yb_compiler *c;
    yb_xref *x;
    int capdecls, capuses;
    const yb_typex **tx; /* per declaration: its type as written (fields, columns, params), or NULL */
    const void **key;    /* per declaration: the syntax node it was made from */
    xmap by_key, globals; /* declarations by node; global names by name (map_add) */
    int lets[256], nlets; /* the lets in scope (declarations) */
    int elems[16], nelems; /* records whose fields are in scope (aggregates, `define … of`) */
    int in;               /* the top-level declaration being walked */
    size_t **lines;       /* per file: the offsets of its line starts (line_at) */
    int *nlines, nlinefiles;
} xb;

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* ---- the source text */

static const yb_source *src_of(xb *b, int file)
{
    return file >= 0 && file < b->c->diag->nfiles ? &b->c->diag->files[file] : NULL;
}

/* Line `line` (1-based) of a file: its start, *len without the line end; NULL
 * past the end.  Each file's line starts are found once (a policy of tens of
 * thousands of lines is not scanned from the top for every declaration). */
static const char *line_at(xb *b, int file, int line, size_t *len)
{
    const yb_source *s = src_of(b, file);
    if (!s || line < 1) return NULL;
    if (file >= b->nlinefiles) {
        int n = b->c->diag->nfiles;
        b->lines = realloc(b->lines, (size_t)n * sizeof *b->lines);
        b->nlines = realloc(b->nlines, (size_t)n * sizeof *b->nlines);
        if (!b->lines || !b->nlines) abort();
        for (int f = b->nlinefiles; f < n; f++) b->lines[f] = NULL, b->nlines[f] = 0;
        b->nlinefiles = n;
    }
    if (!b->lines[file]) {
        int n = 1;
        for (size_t i = 0; i < s->len; i++) n += s->text[i] == '\n';
        size_t *off = malloc((size_t)(n + 1) * sizeof *off);
        if (!off) abort();
        int k = 0;
        off[k++] = 0;
        for (size_t i = 0; i < s->len; i++)
            if (s->text[i] == '\n') off[k++] = i + 1;
        off[k] = s->len + 1; /* one past the last line's (absent) newline */
        b->lines[file] = off;
        b->nlines[file] = n;
    }
    if (line > b->nlines[file]) return NULL;
    size_t from = b->lines[file][line - 1], to = b->lines[file][line] - 1;
    if (to > s->len) to = s->len;
    *len = to - from;
    if (*len && s->text[from + *len - 1] == '\r') (*len)--;
    return s->text + from;
}

static size_t skip_blank(const char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    return i;
}

/* Where a `#` comment starts on a line (outside strings), or n. */
static size_t comment_start(const char *p, size_t n)
{
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') quoted = !quoted;
        else if (p[i] == '#' && !quoted) return i;
    }
    return n;
}

/* Append one comment line's text (after '#' and one space) to buf. */
static void put_comment(char **buf, size_t *len, const char *p, size_t n)
{
    size_t i = 1;
    if (i < n && p[i] == ' ') i++;
    char *nb = realloc(*buf, *len + (n - i) + 2);
    if (!nb) abort();
    *buf = nb;
    if (*len) nb[(*len)++] = '\n';
    memcpy(nb + *len, p + i, n - i);
    *len += n - i;
    nb[*len] = 0;
}

/* The `#` lines right above `line` (no blank line between), then a comment on
 * it and the `#` lines under it that carry that one on, in its column. */
static char *comment_for(xb *b, int file, int line)
{
    size_t n;
    const char *p = line_at(b, file, line, &n);
    size_t indent = p ? skip_blank(p, 0, n) : 0;
    int first = line;
    for (;;) { /* a comment indented deeper continues the line above's, not ours */
        p = line_at(b, file, first - 1, &n);
        if (!p) break;
        size_t i = skip_blank(p, 0, n);
        if (i == n || p[i] != '#' || i > indent) break;
        first--;
    }
    char *buf = NULL;
    size_t len = 0;
    for (int l = first; l < line; l++) {
        p = line_at(b, file, l, &n);
        size_t i = skip_blank(p, 0, n);
        put_comment(&buf, &len, p + i, n - i);
    }
    p = line_at(b, file, line, &n);
    size_t at = p ? comment_start(p, n) : 0;
    if (p && at < n) put_comment(&buf, &len, p + at, n - at);
    /* a comment beside code, carried on by `#` lines under it in its column */
    for (int l = line + 1; p && at < n && at > skip_blank(p, 0, n); l++) {
        size_t m;
        const char *q = line_at(b, file, l, &m);
        if (!q || skip_blank(q, 0, m) != at || at >= m || q[at] != '#') break;
        put_comment(&buf, &len, q + at, m - at);
    }
    return buf;
}

/* The word `name` written at or after loc on its line, as a span (else loc). */
static yb_loc word_at(xb *b, yb_loc loc, const char *name)
{
    size_t n, w = strlen(name);
    const char *p = line_at(b, loc.file, loc.line, &n);
    if (!p || !w) return loc;
    for (size_t i = loc.col > 0 ? (size_t)loc.col - 1 : 0; i + w <= n; i++)
        if (memcmp(p + i, name, w) == 0) {
            yb_loc r = loc;
            r.col = (int)i + 1;
            r.end_line = loc.line;
            r.end_col = (int)(i + w) + 1;
            return r;
        }
    return loc;
}

/* ---- declarations */

static void map_add(xb *b, xmap *m, int d);

static int add_decl(xb *b, yb_xref_kind kind, const char *name, yb_loc loc, int parent, const void *key,
                    const yb_typex *tx)
{
    yb_xref *x = b->x;
    if (x->ndecls == b->capdecls) {
        b->capdecls = b->capdecls ? 2 * b->capdecls : 64;
        x->decls = realloc(x->decls, (size_t)b->capdecls * sizeof *x->decls);
        b->tx = realloc(b->tx, (size_t)b->capdecls * sizeof *b->tx);
        b->key = realloc(b->key, (size_t)b->capdecls * sizeof *b->key);
        if (!x->decls || !b->tx || !b->key) abort();
    }
    int i = x->ndecls++;
    yb_xref_decl *d = &x->decls[i];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->name = xstrdup(name ? name : "");
    d->loc = d->extent = loc;
    d->parent = parent;
    d->target_file = -1;
    d->comment = loc.line > 0 ? comment_for(b, loc.file, loc.line) : NULL;
    b->tx[i] = tx;
    b->key[i] = key;
    map_add(b, &b->by_key, i);
    return i;
}

/* The builder's two indexes of declarations, open addressing (declaration + 1,
 * 0 = empty), kept at most half full: by the syntax node a declaration was made
 * from, and the global names by name. */
static const void *map_key(const xb *b, const xmap *m, int d) { return m->by_name ? (const void *)b->x->decls[d].name : b->key[d]; }

static size_t map_slot(const xb *b, const xmap *m, const void *k)
{
    size_t mask = m->cap - 1;
    size_t j = (m->by_name ? yb_hash_bytes(k, strlen(k)) : yb_hash_bytes((const char *)&k, sizeof k)) & mask;
    while (m->slots[j] && (m->by_name ? strcmp(map_key(b, m, m->slots[j] - 1), k) != 0 : map_key(b, m, m->slots[j] - 1) != k))
        j = (j + 1) & mask;
    return j;
}

/* Index declaration d; a key indexed before keeps its first declaration (as the checker's names do). */
static void map_add(xb *b, xmap *m, int d)
{
    if (!map_key(b, m, d)) return;
    if (2 * (m->used + 1) > m->cap) {
        xmap grown = {NULL, m->cap ? 2 * m->cap : 256, 0, m->by_name};
        grown.slots = calloc(grown.cap, sizeof *grown.slots);
        if (!grown.slots) abort();
        for (size_t j = 0; j < m->cap; j++)
            if (m->slots[j]) grown.slots[map_slot(b, &grown, map_key(b, m, m->slots[j] - 1))] = m->slots[j];
        grown.used = m->used;
        free(m->slots);
        *m = grown;
    }
    size_t j = map_slot(b, m, map_key(b, m, d));
    if (!m->slots[j]) {
        m->slots[j] = d + 1;
        m->used++;
    }
}

static int map_find(const xb *b, const xmap *m, const void *k)
{
    if (!k || !m->cap) return -1;
    return m->slots[map_slot(b, m, k)] - 1;
}

static int decl_of_key(xb *b, const void *key) { return map_find(b, &b->by_key, key); }
static void global_add(xb *b, int d) { map_add(b, &b->globals, d); }
static int global_find(xb *b, const char *name) { return map_find(b, &b->globals, name); }

static int find_kind(xb *b, yb_xref_kind kind, const char *name)
{
    for (int i = 0; i < b->x->ndecls; i++)
        if (b->x->decls[i].kind == kind && strcmp(b->x->decls[i].name, name) == 0) return i;
    return -1;
}

/* A member, field or column of parent by name.  They follow their parent (its
 * descendants are the declarations right after it whose parent is at or after it). */
static int child(xb *b, int parent, const char *name)
{
    for (int i = parent + 1; parent >= 0 && i < b->x->ndecls && b->x->decls[i].parent >= parent; i++)
        if (b->x->decls[i].parent == parent && b->x->decls[i].kind != YB_XREF_LET && strcmp(b->x->decls[i].name, name) == 0)
            return i;
    return -1;
}

static char *typex_text(const yb_typex *t)
{
    if (!t) return NULL;
    char buf[160];
    if (t->kind == TY_LIST) snprintf(buf, sizeof buf, "list of %s", t->name);
    else if (t->kind == TY_RECORD) snprintf(buf, sizeof buf, "record");
    else snprintf(buf, sizeof buf, "%s", t->name);
    return strdup(buf);
}

/* "by level", "by scheme, level": the key names of a param or table */
static void keys_text(char *buf, size_t n, const yb_vec *keys)
{
    size_t len = strlen(buf);
    for (int i = 0; i < keys->n && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : " by ", ((yb_expr *)keys->items[i])->name);
}

static void add_fields(xb *b, yb_vec *fields, int parent, yb_xref_kind kind, bool global)
{
    for (int i = 0; i < fields->n; i++) {
        yb_fielddecl *fd = fields->items[i];
        int d = add_decl(b, kind, fd->name, fd->loc, parent, fd, fd->type);
        b->x->decls[d].type = fd->type ? typex_text(fd->type) : xstrdup(fd->name); /* status, reasons, alerts */
        if (global) global_add(b, d);
        if (fd->type && fd->type->kind == TY_RECORD) add_fields(b, &fd->type->fields, d, YB_XREF_FIELD, false);
    }
}

/* The last line a version's text reaches. */
static int version_end(const yb_version *v)
{
    int end = v->loc.end_line > v->loc.line ? v->loc.end_line : v->loc.line;
#define REACH(l) do { if ((l).end_line > end) end = (l).end_line; if ((l).line > end) end = (l).line; } while (0)
    for (int i = 0; i < v->rows.n; i++) {
        const yb_row *r = v->rows.items[i];
        REACH(r->loc);
        for (int k = 0; k < r->values.n; k++) REACH(((yb_expr *)r->values.items[k])->loc);
        for (int k = 0; k < r->keys.n; k++) REACH(((yb_expr *)r->keys.items[k])->loc);
    }
    for (int i = 0; i < v->bands.n; i++) REACH(((yb_band_decl *)v->bands.items[i])->loc);
    for (int i = 0; i < v->changes.n; i++) REACH(((yb_change *)v->changes.items[i])->loc);
#undef REACH
    return end;
}

static void add_versions(xb *b, int d, const yb_vec *versions, bool amend)
{
    yb_xref_decl *xd = &b->x->decls[d];
    for (int i = 0; i < versions->n; i++) {
        const yb_version *v = versions->items[i];
        xd->versions = realloc(xd->versions, (size_t)(xd->nversions + 1) * sizeof *xd->versions);
        if (!xd->versions) abort();
        yb_xref_version *xv = &xd->versions[xd->nversions++];
        xv->date = v->date ? v->date->ival : 0;
        xv->loc = v->loc;
        xv->amended = amend || v->amended;
        char *buf = NULL;
        size_t len = 0;
        for (int l = v->loc.line, end = version_end(v); l <= end; l++) {
            size_t n;
            const char *p = line_at(b, v->loc.file, l, &n);
            if (!p) break;
            size_t s = skip_blank(p, 0, n);
            buf = realloc(buf, len + n - s + 2);
            if (!buf) abort();
            if (len) buf[len++] = '\n';
            memcpy(buf + len, p + s, n - s);
            len += n - s;
            buf[len] = 0;
        }
        xv->text = buf ? buf : strdup("");
    }
}

/* The file an import brings in: the importing file's directory + the path (modules.c reads it so). */
static int import_target(xb *b, const yb_decl *d)
{
    const yb_source *s = src_of(b, d->loc.file);
    if (!s) return -1;
    const char *slash = d->text[0] == '/' ? NULL : strrchr(s->name, '/');
    size_t dir = slash ? (size_t)(slash - s->name + 1) : 0;
    for (int f = 0; f < b->c->diag->nfiles; f++) {
        const char *n = b->c->diag->files[f].name;
        if (strncmp(n, s->name, dir) == 0 && strcmp(n + dir, d->text) == 0) return f;
    }
    return -1;
}

static void declare(xb *b, yb_decl *d)
{
    char buf[256];
    int i;
    switch (d->kind) {
    case D_POLICY:
        snprintf(buf, sizeof buf, "%.*s", (int)d->text_len, d->text);
        i = add_decl(b, YB_XREF_POLICY, buf, d->loc, -1, d, NULL);
        b->x->decls[i].detail = xstrdup(d->version_text);
        break;
    case D_IMPORT:
        i = add_decl(b, YB_XREF_IMPORT, d->text, d->loc, -1, d, NULL);
        b->x->decls[i].detail = xstrdup(d->text);
        b->x->decls[i].target_file = import_target(b, d);
        break;
    case D_ENUM:
        i = add_decl(b, YB_XREF_ENUM, d->name, d->loc, -1, d, NULL); /* a type: after the global names */
        for (int m = 0; m < d->members.n; m++) {
            yb_enum_member *em = d->members.items[m];
            int k = add_decl(b, YB_XREF_MEMBER, em->name, em->loc, i, em, NULL);
            b->x->decls[k].type = xstrdup(d->name);
        }
        break;
    case D_REASONS:
        for (int m = 0; m < d->members.n; m++) {
            yb_enum_member *em = d->members.items[m];
            add_decl(b, YB_XREF_REASON, em->name, em->loc, -1, em, NULL);
        }
        break;
    case D_RECORD:
        i = add_decl(b, YB_XREF_RECORD, d->name, d->loc, -1, d, NULL);
        add_fields(b, &d->fields, i, YB_XREF_FIELD, false);
        break;
    case D_INPUT:
        i = add_decl(b, YB_XREF_INPUT, d->name, d->loc, -1, d, NULL);
        add_fields(b, &d->fields, i, YB_XREF_FIELD, true); /* the claim's root fields are global names */
        break;
    case D_OUTPUT:
        i = add_decl(b, YB_XREF_OUTPUT, d->name, d->loc, -1, d, NULL);
        add_fields(b, &d->fields, i, YB_XREF_OUTPUT_FIELD, true);
        break;
    case D_PARAM:
        snprintf(buf, sizeof buf, "%s", d->type ? d->type->name : "?");
        if (d->range_of) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " by range of %s", d->range_of);
        else keys_text(buf, sizeof buf, &d->keys);
        global_add(b, i = add_decl(b, YB_XREF_PARAM, d->name, d->loc, -1, d, d->type));
        b->x->decls[i].type = strdup(buf);
        add_versions(b, i, &d->versions, false);
        break;
    case D_TABLE:
        snprintf(buf, sizeof buf, "table");
        keys_text(buf, sizeof buf, &d->keys);
        global_add(b, i = add_decl(b, YB_XREF_TABLE, d->name, d->loc, -1, d, NULL));
        b->x->decls[i].type = strdup(buf);
        add_versions(b, i, &d->versions, false);
        add_fields(b, &d->fields, i, YB_XREF_COLUMN, false);
        break;
    case D_STATE:
        global_add(b, i = add_decl(b, d->report ? YB_XREF_REPORT : YB_XREF_STATE, d->name, d->loc, -1, d, NULL));
        add_fields(b, &d->fields, i, YB_XREF_STATE_FIELD, false);
        break;
    case D_DEFINE:
        i = add_decl(b, YB_XREF_DEFINE, d->name, d->loc, -1, d, NULL);
        if (!d->of_record) global_add(b, i);
        if (d->value && d->value->type.kind != YB_T_VOID) {
            char tn[64];
            yb_type_name(b->c, d->value->type, tn, sizeof tn);
            if (d->of_record) snprintf(buf, sizeof buf, "%s of every %s", tn, d->of_record);
            else snprintf(buf, sizeof buf, "%s", tn);
            b->x->decls[i].type = strdup(buf);
        }
        break;
    case D_RULE:
        global_add(b, i = add_decl(b, YB_XREF_RULE, d->name, d->loc, -1, d, NULL));
        if (d->text) {
            snprintf(buf, sizeof buf, "%.*s", (int)d->text_len, d->text);
            b->x->decls[i].detail = strdup(buf);
        }
        break;
    case D_STAGE:
        global_add(b, i = add_decl(b, YB_XREF_STAGE, d->name, d->loc, -1, d, NULL));
        if (d->text) {
            snprintf(buf, sizeof buf, "%.*s", (int)d->text_len, d->text);
            b->x->decls[i].detail = strdup(buf);
        }
        break;
    default: /* dated by, amend, invariant: no name of their own */
        break;
    }
}

/* A top-level declaration runs from its first line to the line before the
 * next one's (less the blank and comment lines above that one). */
static void extents(xb *b, const yb_file_ast *f)
{
    const yb_source *s = src_of(b, f->file);
    int nlines = 1;
    for (size_t k = 0; s && k < s->len; k++) nlines += s->text[k] == '\n';
    for (int i = 0; i < f->decls.n; i++) {
        int d = decl_of_key(b, f->decls.items[i]);
        if (d < 0) continue;
        int end = i + 1 < f->decls.n ? ((yb_decl *)f->decls.items[i + 1])->loc.line - 1 : nlines;
        for (;;) {
            size_t n;
            const char *p = line_at(b, f->file, end, &n);
            if (end <= b->x->decls[d].loc.line || !p) break;
            size_t k = skip_blank(p, 0, n);
            if (k < n && p[k] != '#') break;
            end--;
        }
        size_t n = 0;
        line_at(b, f->file, end, &n);
        yb_loc *e = &b->x->decls[d].extent;
        e->col = 1;
        e->end_line = end;
        e->end_col = (int)n + 1;
    }
}

/* ---- uses */

static void add_use(xb *b, int decl, yb_loc loc)
{
    if (decl < 0 || loc.line <= 0) return;
    yb_xref *x = b->x;
    if (x->nuses == b->capuses) {
        b->capuses = b->capuses ? 2 * b->capuses : 256;
        x->uses = realloc(x->uses, (size_t)b->capuses * sizeof *x->uses);
        if (!x->uses) abort();
    }
    x->uses[x->nuses++] = (yb_xref_use){decl, loc, b->in};
}

/* The declaration whose children are the fields of d: a record for a field of
 * a record or list type, the declaration itself for an inline record, a
 * state, an enum, a table, a record. */
static int scope_of(xb *b, int d)
{
    if (d < 0) return -1;
    const yb_typex *t = b->tx[d];
    switch (b->x->decls[d].kind) {
    case YB_XREF_FIELD: case YB_XREF_OUTPUT_FIELD: case YB_XREF_COLUMN: case YB_XREF_STATE_FIELD:
        if (!t) return -1;
        if (t->kind == TY_RECORD) return d;
        return find_kind(b, YB_XREF_RECORD, t->name);
    default:
        return d;
    }
}

/* A derived element value `define NAME of RECORD` */
static int derived(xb *b, int rec, const char *name)
{
    for (int i = 0; rec >= 0 && i < b->x->ndecls; i++) {
        const yb_decl *d = b->key[i];
        if (b->x->decls[i].kind == YB_XREF_DEFINE && d->of_record && strcmp(d->of_record, b->x->decls[rec].name) == 0 &&
            strcmp(d->name, name) == 0)
            return i;
    }
    return -1;
}

static int resolve_name(xb *b, const yb_expr *e)
{
    for (int i = b->nlets - 1; i >= 0; i--)
        if (strcmp(b->x->decls[b->lets[i]].name, e->name) == 0) return b->lets[i];
    for (int i = b->nelems - 1; i >= 0; i--) {
        int d = child(b, b->elems[i], e->name);
        if (d < 0) d = derived(b, b->elems[i], e->name);
        if (d >= 0) return d;
    }
    if (e->sym_kind == SYM_ENUM_MEMBER && e->type.kind == YB_T_ENUM && e->type.enum_id >= 0 &&
        e->type.enum_id < b->c->enums.n) {
        int m = child(b, decl_of_key(b, b->c->enums.items[e->type.enum_id]), e->name);
        if (m >= 0) return m;
    }
    int g = global_find(b, e->name);
    if (g < 0) g = find_kind(b, YB_XREF_ENUM, e->name); /* `by level`, `level.primary` */
    return g >= 0 ? g : find_kind(b, YB_XREF_MEMBER, e->name);
}

static void walk_stmts(xb *b, yb_vec *body);

/* Walks e, recording its uses; returns the declaration e names (a name, a
 * field, a table row), or -1. */
static int walk(xb *b, yb_expr *e)
{
    if (!e) return -1;
    switch (e->kind) {
    case E_NAME: {
        int d = resolve_name(b, e);
        add_use(b, d, e->loc);
        return d;
    }
    case E_FIELD: {
        int a = walk(b, e->a), s = scope_of(b, a), d = child(b, s, e->name);
        if (d < 0 && e->a->kind == E_NAME) /* `level.primary`: an enum named in full, where `level` is also a field */
            d = child(b, find_kind(b, YB_XREF_ENUM, e->a->name), e->name);
        if (d < 0 && s >= 0 && b->x->decls[s].kind == YB_XREF_RECORD) d = derived(b, s, e->name);
        yb_loc at = e->loc;
        at.line = at.end_line;
        at.col = at.end_col - (int)strlen(e->name);
        add_use(b, d, at);
        return d;
    }
    case E_INDEX: {
        int a = walk(b, e->a);
        for (int i = 0; i < e->args.n; i++) walk(b, e->args.items[i]);
        return a >= 0 && b->x->decls[a].kind == YB_XREF_TABLE ? a : -1; /* a row: `.column` follows */
    }
    case E_AGG: {
        int list = walk(b, e->b);
        int rec = scope_of(b, list);
        bool pushed = rec >= 0 && b->nelems < 16;
        if (pushed) b->elems[b->nelems++] = rec;
        walk(b, e->a);
        walk(b, e->c);
        if (pushed) b->nelems--;
        return -1;
    }
    default:
        walk(b, e->a);
        walk(b, e->b);
        walk(b, e->c);
        for (int i = 0; i < e->args.n; i++) walk(b, e->args.items[i]);
        return -1;
    }
}

static void walk_typex(xb *b, const yb_typex *t)
{
    if (!t) return;
    if (t->kind == TY_RECORD) {
        for (int i = 0; i < t->fields.n; i++) walk_typex(b, ((yb_fielddecl *)t->fields.items[i])->type);
        return;
    }
    int d = find_kind(b, YB_XREF_RECORD, t->name);
    if (d < 0) d = find_kind(b, YB_XREF_ENUM, t->name);
    add_use(b, d, word_at(b, t->loc, t->name));
}

static void walk_fields(xb *b, yb_vec *fields)
{
    for (int i = 0; i < fields->n; i++) {
        yb_fielddecl *fd = fields->items[i];
        walk_typex(b, fd->type);
        walk(b, fd->dflt);
    }
}

static void walk_stmts(xb *b, yb_vec *body)
{
    int lets = b->nlets;
    for (int i = 0; i < body->n; i++) {
        yb_stmt *s = body->items[i];
        switch (s->kind) {
        case S_LET: {
            walk(b, s->value);
            int d = add_decl(b, YB_XREF_LET, s->name, word_at(b, s->loc, s->name), b->in, s, NULL);
            if (s->value && s->value->type.kind != YB_T_VOID) {
                char tn[64];
                b->x->decls[d].type = strdup(yb_type_name(b->c, s->value->type, tn, sizeof tn));
            }
            if (b->nlets < 256) b->lets[b->nlets++] = d;
            break;
        }
        case S_REASON: {
            int d = find_kind(b, YB_XREF_REASON, s->name);
            add_use(b, d, word_at(b, s->loc, s->name));
            break;
        }
        case S_IF:
            walk(b, s->value);
            walk_stmts(b, &s->then_body);
            walk_stmts(b, &s->else_body);
            break;
        default:
            walk(b, s->target);
            walk(b, s->value);
            for (int k = 0; k < s->parts.n; k++) walk(b, ((yb_msg_part *)s->parts.items[k])->value); /* `{value}`s of a message */
            break;
        }
    }
    b->nlets = lets;
}

/* A table row's keys and a param's enum values name members of known enums. */
static void walk_versions(xb *b, yb_decl *d, int target)
{
    int value_enum = d->type ? find_kind(b, YB_XREF_ENUM, d->type->name) : -1;
    for (int i = 0; i < d->versions.n; i++) {
        yb_version *v = d->versions.items[i];
        for (int r = 0; r < v->rows.n; r++) {
            yb_row *row = v->rows.items[r];
            for (int k = 0; k < row->keys.n; k++) {
                yb_expr *key = row->keys.items[k];
                const yb_decl *td = target >= 0 ? b->key[target] : d;
                int en = k < td->keys.n ? find_kind(b, YB_XREF_ENUM, ((yb_expr *)td->keys.items[k])->name) : -1;
                int m = child(b, en, key->name);
                add_use(b, m >= 0 ? m : resolve_name(b, key), key->loc);
            }
            for (int k = 0; k < row->values.n; k++) {
                yb_expr *val = row->values.items[k];
                if (val->kind != E_NAME) continue;
                int m = child(b, value_enum, val->name);
                add_use(b, m >= 0 ? m : resolve_name(b, val), val->loc);
            }
        }
        for (int k = 0; k < v->bands.n; k++) {
            yb_band_decl *band = v->bands.items[k];
            walk(b, band->rate);
        }
        for (int k = 0; k < v->changes.n; k++) {
            yb_change *ch = v->changes.items[k];
            int col = target >= 0 ? child(b, target, ch->column) : -1;
            if (col < 0 && target >= 0 && strcmp(b->x->decls[target].name, ch->column) == 0) col = target;
            add_use(b, col, ch->column_loc);
            for (int j = 0; j < ch->keys.n; j++) walk(b, ch->keys.items[j]);
            walk(b, ch->where);
        }
    }
}

static void uses_of(xb *b, yb_decl *d)
{
    int me = decl_of_key(b, d);
    b->in = me;
    b->nlets = b->nelems = 0;
    if (d->stage) add_use(b, find_kind(b, YB_XREF_STAGE, d->stage), d->stage_loc);
    if (d->anchor) add_use(b, find_kind(b, YB_XREF_RULE, d->anchor), d->anchor_loc);
    switch (d->kind) {
    case D_POLICY:
        walk(b, d->date);
        break;
    case D_RECORD: case D_INPUT: case D_OUTPUT:
        walk_fields(b, &d->fields);
        break;
    case D_PARAM: case D_TABLE:
        for (int i = 0; i < d->keys.n; i++) { /* `by scheme, level`: enums, though fields share their names */
            yb_expr *k = d->keys.items[i];
            add_use(b, find_kind(b, YB_XREF_ENUM, k->name), k->loc);
        }
        walk_typex(b, d->type);
        walk_fields(b, &d->fields);
        walk_versions(b, d, me);
        break;
    case D_AMEND: {
        int target = find_kind(b, d->amends == D_TABLE ? YB_XREF_TABLE : YB_XREF_PARAM, d->name);
        b->in = target;
        add_use(b, target, d->loc);
        if (target >= 0) add_versions(b, target, &d->versions, true);
        walk_versions(b, d, target);
        break;
    }
    case D_STATE:
        for (int i = 0; i < d->keys.n; i++) walk(b, d->keys.items[i]);
        walk(b, d->value);
        walk_fields(b, &d->fields);
        break;
    case D_DEFINE: {
        int rec = d->of_record ? find_kind(b, YB_XREF_RECORD, d->of_record) : -1;
        if (rec >= 0) b->elems[b->nelems++] = rec;
        walk(b, d->value);
        break;
    }
    case D_RULE:
        walk(b, d->value);
        walk_stmts(b, &d->body);
        break;
    case D_DATED: case D_INVARIANT:
        walk(b, d->value);
        walk(b, d->cond);
        break;
    default:
        break;
    }
}

yb_xref *yb_xref_collect(yb_compiler *c, bool checked)
{
    xb b = {.c = c, .in = -1, .globals.by_name = true};
    b.x = calloc(1, sizeof *b.x);
    if (!b.x) abort();
    b.x->checked = checked;
    for (int f = 0; f < c->files.n; f++) {
        yb_file_ast *ast = c->files.items[f];
        for (int i = 0; i < ast->decls.n; i++) declare(&b, ast->decls.items[i]);
        extents(&b, ast);
    }
    for (int f = 0; f < c->files.n; f++) {
        yb_file_ast *ast = c->files.items[f];
        for (int i = 0; i < ast->decls.n; i++) uses_of(&b, ast->decls.items[i]);
    }
    free(b.tx);
    free(b.key);
    free(b.by_key.slots);
    free(b.globals.slots);
    for (int f = 0; f < b.nlinefiles; f++) free(b.lines[f]);
    free(b.lines);
    free(b.nlines);
    return b.x;
}

yb_xref *yb_xref_build(yb_diag *diag, const char *path, const char *text)
{
    yb_xref *x = NULL;
    yb_program_free(yb_compile_with(path, text, diag, &x));
    if (!x) { /* nothing was read */
        x = calloc(1, sizeof *x);
        if (!x) abort();
    }
    return x;
}

void yb_xref_free(yb_xref *x)
{
    if (!x) return;
    for (int i = 0; i < x->ndecls; i++) {
        yb_xref_decl *d = &x->decls[i];
        free(d->name);
        free(d->type);
        free(d->detail);
        free(d->comment);
        for (int v = 0; v < d->nversions; v++) free(d->versions[v].text);
        free(d->versions);
    }
    free(x->decls);
    free(x->uses);
    free(x);
}

static bool covers(yb_loc l, int file, int line, int col)
{
    return l.file == file && l.line == line && col >= l.col && col <= (l.end_col > l.col ? l.end_col : l.col + 1);
}

int yb_xref_at(const yb_xref *x, int file, int line, int col, int *use_out)
{
    if (use_out) *use_out = -1;
    for (int i = 0; i < x->nuses; i++)
        if (covers(x->uses[i].loc, file, line, col)) {
            if (use_out) *use_out = i;
            return x->uses[i].decl;
        }
    for (int i = 0; i < x->ndecls; i++)
        if (covers(x->decls[i].loc, file, line, col)) return i;
    return -1;
}
