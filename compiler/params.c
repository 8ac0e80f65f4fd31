/* Parameters, tables and amendments: dated values become cells, one array
 * of cells per version, keyed by enums, ranges or texts. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Where a declaration was written, as a program keeps it (coverage reports). */
static yb_srcpos pos_of(yb_loc l) { return (yb_srcpos){l.file > 0 ? l.file : 0, l.line}; }

static bool key_enums(yb_compiler *c, yb_decl *d, int *key_enum, int *size)
{
    *size = 1;
    if (d->keys.n > 2) {
        ERR(d->loc, "`%s` has %d keys; at most two are supported", d->name, d->keys.n);
        return false;
    }
    for (int i = 0; i < d->keys.n; i++) {
        yb_expr *k = d->keys.items[i];
        key_enum[i] = yb_enum_find(c, k->name);
        if (key_enum[i] < 0) {
            ERR(k->loc, "keys are enums; `%s` is not an enum", k->name);
            return false;
        }
        *size *= ((yb_decl *)c->enums.items[key_enum[i]])->members.n;
    }
    return true;
}

/* The bands of one version: `FROM to TO at VALUE`, `above FROM at VALUE`.
 * For tiered bands the bounds are money and the values rates; a parameter
 * keyed by ranges has bounds of its key type and values of its own type. */
static int band_set_add(yb_compiler *c, yb_version *v, yb_type bound, yb_type val, bool tiered)
{
    yb_program *p = c->prog;
    p->bandsets = yb_grow(p->bandsets, p->nbandsets, sizeof *p->bandsets);
    yb_band_set *bs = &p->bandsets[p->nbandsets];
    bs->n = v->bands.n;
    bs->bands = calloc((size_t)(bs->n ? bs->n : 1), sizeof *bs->bands);
    bs->at = calloc((size_t)(bs->n ? bs->n : 1), sizeof *bs->at);
    bool ok = v->bands.n > 0;
    if (!ok) ERR(v->loc, tiered ? "give the bands: `16000.00 to 30000.00 at 60%%` … `above 150000.00 at 85%%`"
                                : "give the ranges: `0 to 18 at 90%%` … `above 60 at 80%%`");
    for (int i = 0; i < v->bands.n && ok; i++) {
        yb_band_decl *b = v->bands.items[i];
        int64_t from, to = INT64_MAX, rate;
        ok = yb_const_value(c, b->from, bound, &from) && (!b->to || yb_const_value(c, b->to, bound, &to)) &&
             yb_const_value(c, b->rate, val, &rate);
        if (!ok) break;
        if (from >= to) { ERR(b->loc, "a range runs from a lower to a higher bound"); ok = false; }
        if (i > 0 && from < bs->bands[i - 1].to) { ERR(b->loc, "ranges must not overlap and must be in ascending order"); ok = false; }
        if (i > 0 && bs->bands[i - 1].to == INT64_MAX) { ERR(b->loc, "nothing can follow an `above` range"); ok = false; }
        if (tiered && (rate < 0 || rate > YB_RATE_ONE)) { ERR(b->rate->loc, "a band's rate is between 0%% and 100%%"); ok = false; }
        bs->bands[i] = (yb_band){from, to, rate};
        if (bs->at) bs->at[i] = pos_of(b->loc);
    }
    if (!ok) {
        free(bs->bands);
        free(bs->at);
        return -1;
    }
    return p->nbandsets++;
}

/* ---------------------------------------------------------------- relative amendments */

/* Whether the row with key members `m` satisfies an amendment's `where`:
 * conditions on the keys only (`scheme = resident`, `level in [a, b]`, and, or,
 * not).  1 or 0; -1 after an error. */
static int row_holds(yb_compiler *c, yb_decl *d, const yb_expr *e, int nkeys, const int *key_enum, const int *m)
{
    if (e->kind == E_BINARY && (e->op == OP_AND || e->op == OP_OR)) {
        int x = row_holds(c, d, e->a, nkeys, key_enum, m);
        if (x < 0) return -1;
        int y = row_holds(c, d, e->b, nkeys, key_enum, m);
        if (y < 0) return -1;
        return e->op == OP_AND ? (x && y) : (x || y);
    }
    if (e->kind == E_UNARY && e->op == OP_NOT) {
        int x = row_holds(c, d, e->a, nkeys, key_enum, m);
        return x < 0 ? -1 : !x;
    }
    bool eq = e->kind == E_BINARY && (e->op == OP_EQ || e->op == OP_NE);
    if ((eq || e->kind == E_IN) && e->a->kind == E_NAME) {
        int k = 0;
        while (k < nkeys && strcmp(((yb_decl *)c->enums.items[key_enum[k]])->name, e->a->name) != 0) k++;
        if (k == nkeys) {
            ERR(e->a->loc, "`%s` is not a key of `%s`", e->a->name, d->name);
            return -1;
        }
        int n = eq ? 1 : e->args.n, hit = 0;
        for (int i = 0; i < n; i++) {
            const yb_expr *v = eq ? e->b : e->args.items[i];
            int mi = v->kind == E_NAME ? yb_member_index(c, key_enum[k], v->name) : -1;
            if (mi < 0) {
                ERR(v->loc, "a value of %s was expected here", e->a->name);
                if (v->kind == E_NAME) yb_suggest_name(c, v->name, v->loc, key_enum[k]);
                return -1;
            }
            hit |= mi == m[k];
        }
        return eq && e->op == OP_NE ? !hit : e->kind == E_IN && e->op ? !hit : hit;
    }
    ERR(e->loc, "the `where` of an amendment compares the keys of `%s` with their values (`scheme = resident`, "
                "`level in [municipal, provincial]`)", d->name);
    return -1;
}

/* `add 5% to ratio where scheme = resident`, `subtract 100.00 from deductible`,
 * `set ratio[resident, primary] = 90%`: applied in order to the values this
 * version starts from. */
static bool apply_changes(yb_compiler *c, yb_decl *d, yb_version *v, int nkeys, const int *key_enum, int ncols,
                          yb_type *col_types, int first_param, int vi)
{
    yb_program *p = c->prog;
    int size = p->params[first_param].size;
    bool ok = true;
    for (int i = 0; i < v->changes.n; i++) {
        yb_change *ch = v->changes.items[i];
        int col = -1;
        const char *names[64];
        for (int k = 0; k < ncols && k < 64; k++) {
            names[k] = d->kind == D_TABLE ? ((yb_fielddecl *)d->fields.items[k])->name : d->name;
            if (strcmp(names[k], ch->column) == 0) col = k;
        }
        if (col < 0) {
            ERR(ch->column_loc, d->kind == D_TABLE ? "`%s` is not a column of `%s`" : "`%s` is not the parameter `%s`",
                ch->column, d->name);
            const char *sg = yb_suggest(ch->column, names, (size_t)(ncols < 64 ? ncols : 64));
            if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
            ok = false;
            continue;
        }
        yb_type t = col_types[col];
        int64_t val;
        if (!yb_const_value(c, ch->value, t, &val)) { ok = false; continue; }
        int64_t *cells = p->params[first_param + col].versions[vi].cells;
        if (ch->kind == CH_SET) {
            if (ch->keys.n != nkeys) {
                ERR(ch->loc, "`%s` has %d key%s; give %s", d->name, nkeys, nkeys == 1 ? "" : "s",
                    nkeys ? "each in brackets: `set ratio[resident, primary] = 90%`" : "none: `set NAME = VALUE`");
                ok = false;
                continue;
            }
            int idx = 0;
            bool kok = true;
            for (int k = 0; k < nkeys; k++) {
                yb_expr *ke = ch->keys.items[k];
                yb_decl *ed = c->enums.items[key_enum[k]];
                int m = yb_member_index(c, key_enum[k], ke->name);
                if (m < 0) {
                    ERR(ke->loc, "`%s` is not a value of %s", ke->name, ed->name);
                    yb_suggest_name(c, ke->name, ke->loc, key_enum[k]);
                    kok = false;
                    break;
                }
                idx = idx * ed->members.n + m;
            }
            if (!kok) { ok = false; continue; }
            cells[idx] = val;
            continue;
        }
        if (t.kind != YB_T_MONEY && t.kind != YB_T_RATE && t.kind != YB_T_INT) {
            ERR(ch->loc, "`%s` is not a number: it can only be `set`", ch->column);
            ok = false;
            continue;
        }
        for (int idx = 0; idx < size; idx++) {
            int m[2] = {0, 0}, rest = idx;
            for (int k = nkeys - 1; k >= 0; k--) {
                int nm = ((yb_decl *)c->enums.items[key_enum[k]])->members.n;
                m[k] = rest % nm;
                rest /= nm;
            }
            int holds = ch->where ? row_holds(c, d, ch->where, nkeys, key_enum, m) : 1;
            if (holds < 0) { ok = false; break; }
            if (!holds) continue;
            int64_t r;
            bool over = ch->kind == CH_ADD ? __builtin_add_overflow(cells[idx], val, &r) : __builtin_sub_overflow(cells[idx], val, &r);
            if (over || (t.kind == YB_T_MONEY && (r > YB_MONEY_MAX || r < -YB_MONEY_MAX))) {
                ERR(ch->loc, "this change takes `%s` out of range", ch->column);
                ok = false;
                break;
            }
            cells[idx] = r;
        }
    }
    return ok;
}

/* Fill one version's cells from its rows: every key combination once. */
static bool fill_version(yb_compiler *c, yb_decl *d, yb_version *v, int nkeys, const int *key_enum, int ncols,
                         yb_type *col_types, int first_param, int vi)
{
    yb_program *p = c->prog;
    int size = p->params[first_param].size;
    uint8_t *seen = calloc((size_t)size, 1);
    bool ok = true;
    /* an amendment gives only the rows it changes: the others keep the values
       of the version in force before it */
    if (v->amended && vi > 0) {
        for (int col = 0; col < ncols; col++) {
            yb_param_version *now = &p->params[first_param + col].versions[vi], *before = now - 1;
            memcpy(now->cells, before->cells, (size_t)size * sizeof(int64_t));
            if (now->rows && before->rows) memcpy(now->rows, before->rows, (size_t)size * sizeof *now->rows);
        }
        memset(seen, 2, (size_t)size);
    }
    /* The parser grouped entries as names-then-literals; a column of enum values
       makes names values too, so regroup the entries by the shape the
       declaration gives: nkeys names, then ncols values, row after row. */
    if (v->changes.n && !v->rows.n) {
        if (vi == 0) {
            ERR(v->loc, "nothing of `%s` is in force before this date for these changes to change", d->name);
            free(seen);
            return false;
        }
        free(seen);
        return apply_changes(c, d, v, nkeys, key_enum, ncols, col_types, first_param, vi);
    }
    yb_vec tokens = {0};
    for (int r = 0; r < v->rows.n; r++) {
        yb_row *row = v->rows.items[r];
        for (int k = 0; k < row->keys.n; k++) yb_vec_push(A, &tokens, row->keys.items[k]);
        for (int k = 0; k < row->values.n; k++) yb_vec_push(A, &tokens, row->values.items[k]);
    }
    int width = nkeys + ncols;
    if (tokens.n == 0 || tokens.n % width != 0) {
        yb_loc at = tokens.n ? ((yb_expr *)tokens.items[tokens.n - (tokens.n % width ? tokens.n % width : width)])->loc : v->loc;
        if (nkeys == 0)
            ERR(at, "`%s` has one value per date; found %d", d->name, tokens.n);
        else
            ERR(at, "each row of `%s` gives %d key%s then %d value%s; the entries from this date do not divide into such rows",
                d->name, nkeys, nkeys == 1 ? "" : "s", ncols, ncols == 1 ? "" : "s");
        free(seen);
        return false;
    }
    for (int r = 0; r < tokens.n / width; r++) {
        yb_row rowbuf = {0}, *row = &rowbuf;
        row->loc = ((yb_expr *)tokens.items[r * width])->loc;
        for (int k = 0; k < nkeys; k++) yb_vec_push(A, &row->keys, tokens.items[r * width + k]);
        for (int k = 0; k < ncols; k++) yb_vec_push(A, &row->values, tokens.items[r * width + nkeys + k]);
        bool names_ok = true;
        for (int k = 0; k < nkeys; k++)
            if (((yb_expr *)row->keys.items[k])->kind != E_NAME) {
                ERR(((yb_expr *)row->keys.items[k])->loc, "a key (a member of %s) was expected here",
                    ((yb_decl *)c->enums.items[key_enum[k]])->name);
                names_ok = false;
            }
        if (!names_ok) { ok = false; continue; }
        int idx = 0;
        bool row_ok = true;
        for (int k = 0; k < nkeys; k++) {
            yb_expr *ke = row->keys.items[k];
            yb_decl *ed = c->enums.items[key_enum[k]];
            int m = yb_member_index(c, key_enum[k], ke->name);
            if (m < 0) {
                ERR(ke->loc, "`%s` is not a value of %s", ke->name, ed->name);
                yb_suggest_name(c, ke->name, ke->loc, key_enum[k]);
                row_ok = false;
                break;
            }
            idx = idx * ed->members.n + m;
        }
        if (!row_ok) { ok = false; continue; }
        if (seen[idx] == 1) {
            ERR(row->loc, "this row's keys are given twice in the version from this date");
            ok = false;
            continue;
        }
        seen[idx] = 1;
        for (int col = 0; col < ncols; col++) {
            int64_t v64;
            yb_param_version *pv = &p->params[first_param + col].versions[vi];
            if (pv->rows) pv->rows[idx] = pos_of(row->loc);
            if (!yb_const_value(c, row->values.items[col], col_types[col], &v64)) { ok = false; continue; }
            pv->cells[idx] = v64;
        }
    }
    for (int i = 0; i < size && ok; i++)
        if (!seen[i]) {
            const char *names[2] = {"", ""};
            int rest = i;
            for (int k = nkeys - 1; k >= 0; k--) {
                yb_decl *ed = c->enums.items[key_enum[k]];
                names[k] = ((yb_enum_member *)ed->members.items[rest % ed->members.n])->name;
                rest /= ed->members.n;
            }
            char keys[256];
            snprintf(keys, sizeof keys, "%s%s%s", names[0], nkeys > 1 ? " " : "", nkeys > 1 ? names[1] : "");
            ERR(v->loc, nkeys ? "the version from this date gives no row for `%s`" : "the version from this date gives no value%s", keys);
            ok = false;
        }
    free(seen);
    if (ok && v->changes.n) ok = apply_changes(c, d, v, nkeys, key_enum, ncols, col_types, first_param, vi);
    return ok;
}

/* A parameter whose one cell per version is a band set looked up by a key
 * (a range holding it, or an exact text). */
static int new_lookup_param(yb_compiler *c, yb_decl *d, yb_type val, uint8_t key_kind)
{
    yb_program *p = c->prog;
    int pi = p->nparams++;
    p->params = realloc(p->params, (size_t)p->nparams * sizeof *p->params);
    c->param_used = realloc(c->param_used, (size_t)p->nparams);
    c->param_used[pi] = 0;
    yb_param *pp = &p->params[pi];
    memset(pp, 0, sizeof *pp);
    pp->name = strdup(d->name);
    pp->kind = val.kind;
    pp->range_key = key_kind;
    pp->enum_id = (uint16_t)(val.kind == YB_T_ENUM ? val.enum_id : 0);
    pp->size = 1;
    pp->nversions = d->versions.n;
    pp->versions = calloc((size_t)d->versions.n, sizeof *pp->versions);
    return pi;
}

/* `param NAME: TYPE by range of KEY`: one band set per version; a value
 * looks up the range that holds it. */
static bool declare_range_param(yb_compiler *c, yb_decl *d)
{
    char tnbuf[1][64];
    yb_type key, val;
    if (!yb_scalar_type(c, d->range_of, &key) || !yb_is_ordered(key) || key.kind == YB_T_ENUM) {
        ERR(d->range_loc, "ranges are of int, money, rate or date, not `%s`", d->range_of);
        return false;
    }
    if (!d->type || d->type->kind != TY_NAMED || !yb_scalar_type(c, d->type->name, &val) || val.kind == YB_T_BANDS || val.kind == YB_T_TEXT) {
        if (d->type && d->type->kind == TY_NAMED && !yb_scalar_type(c, d->type->name, &val)) yb_unknown_type(c, d->type);
        else ERR(d->loc, "a parameter keyed by ranges holds a number, a date, a duration, a bool or an enum, not %s", d->type ? TN(val, 0) : "this");
        return false;
    }
    int pi = new_lookup_param(c, d, val, key.kind);
    yb_param *pp;
    bool ok = true;
    for (int vi = 0; vi < d->versions.n; vi++) {
        yb_version *v = d->versions.items[vi];
        pp = &c->prog->params[pi];
        pp->versions[vi].from = v->date->ival;
        pp->versions[vi].at = pos_of(v->loc);
        pp->versions[vi].cells = calloc(1, sizeof(int64_t));
        if (vi > 0 && v->date->ival <= pp->versions[vi - 1].from) { ERR(v->loc, "versions go in date order, each later than the one before"); ok = false; }
        if (v->rows.n) { ERR(v->loc, "ranges are written `FROM to TO at VALUE` or `above FROM at VALUE`"); ok = false; continue; }
        int bs = band_set_add(c, v, key, val, false);
        if (bs < 0) { ok = false; continue; }
        c->prog->params[pi].versions[vi].cells[0] = bs;
    }
    yb_global *g = yb_global_add(c, d->name, SYM_PARAM_RANGE, pi, val, d, d->loc);
    (void)g;
    return ok;
}

/* Text keys in (length, bytes) order, so a lookup halves its way to the key. */
static int compare_text_keys(const yb_program *p, int64_t a, int64_t b)
{
    uint32_t la = yb_text_length(a), lb = yb_text_length(b);
    if (la != lb) return la < lb ? -1 : 1;
    return memcmp(p->pool + yb_text_offset(a), p->pool + yb_text_offset(b), la);
}

static void sort_text_keys(const yb_program *p, yb_band_set *bs)
{
    for (int i = 1; i < bs->n; i++) { /* insertion sort: a version lists tens to thousands of keys, once */
        yb_band x = bs->bands[i];
        yb_srcpos xa = bs->at ? bs->at[i] : (yb_srcpos){0, 0};
        int j = i - 1;
        while (j >= 0 && compare_text_keys(p, bs->bands[j].from, x.from) > 0) {
            bs->bands[j + 1] = bs->bands[j];
            if (bs->at) bs->at[j + 1] = bs->at[j];
            j--;
        }
        bs->bands[j + 1] = x;
        if (bs->at) bs->at[j + 1] = xa;
    }
}

/* `param budget: money by text` with rows `"YGT-01" 1200000.00`: a value per
 * text key (a medical community, an institution), looked up exactly. */
static bool declare_text_param(yb_compiler *c, yb_decl *d)
{
    char tnbuf[1][64];
    yb_type val;
    if (!d->type || d->type->kind != TY_NAMED || !yb_scalar_type(c, d->type->name, &val) || val.kind == YB_T_BANDS) {
        if (d->type && d->type->kind == TY_NAMED && !yb_scalar_type(c, d->type->name, &val)) yb_unknown_type(c, d->type);
        else ERR(d->loc, "a parameter keyed by text holds a single value, not %s", d->type ? TN(val, 0) : "this");
        return false;
    }
    int pi = new_lookup_param(c, d, val, YB_T_TEXT);
    bool ok = true;
    for (int vi = 0; vi < d->versions.n; vi++) {
        yb_version *v = d->versions.items[vi];
        c->prog->params[pi].versions[vi].from = v->date->ival;
        c->prog->params[pi].versions[vi].at = pos_of(v->loc);
        c->prog->params[pi].versions[vi].cells = calloc(1, sizeof(int64_t));
        if (vi > 0 && v->date->ival <= c->prog->params[pi].versions[vi - 1].from) { ERR(v->loc, "versions go in date order, each later than the one before"); ok = false; }
        yb_vec tokens = {0};
        for (int r = 0; r < v->rows.n; r++) {
            yb_row *row = v->rows.items[r];
            for (int k = 0; k < row->keys.n; k++) yb_vec_push(A, &tokens, row->keys.items[k]);
            for (int k = 0; k < row->values.n; k++) yb_vec_push(A, &tokens, row->values.items[k]);
        }
        if (v->bands.n || tokens.n == 0 || tokens.n % 2) {
            ERR(v->loc, "rows of `%s` are a text key and a value: `\"YGT-01\" 1200000.00`", d->name);
            ok = false;
            continue;
        }
        yb_program *pr = c->prog;
        pr->bandsets = yb_grow(pr->bandsets, pr->nbandsets, sizeof *pr->bandsets);
        yb_band_set *bs = &pr->bandsets[pr->nbandsets];
        bs->n = tokens.n / 2;
        bs->bands = calloc((size_t)bs->n, sizeof *bs->bands);
        bs->at = calloc((size_t)bs->n, sizeof *bs->at);
        bool vok = true;
        for (int r = 0; r < bs->n; r++) {
            yb_expr *key = tokens.items[2 * r], *value = tokens.items[2 * r + 1];
            int64_t kv, vv;
            if (key->kind != E_TEXT) { ERR(key->loc, "a text key in quotes was expected here"); vok = false; continue; }
            for (int o = 0; o < r; o++) {
                yb_expr *ok2 = tokens.items[2 * o];
                if (ok2->text_len == key->text_len && memcmp(ok2->name, key->name, key->text_len) == 0) {
                    ERR(key->loc, "the key \"%s\" is given twice in the version from this date", key->name);
                    vok = false;
                }
            }
            if (!yb_const_value(c, key, T_TEXT, &kv) || !yb_const_value(c, value, val, &vv)) { vok = false; continue; }
            bs->bands[r] = (yb_band){kv, INT64_MAX, vv};
            if (bs->at) bs->at[r] = pos_of(key->loc);
        }
        if (!vok) { free(bs->bands); free(bs->at); ok = false; continue; }
        sort_text_keys(c->prog, bs);
        c->prog->params[pi].versions[vi].cells[0] = c->prog->nbandsets++;
    }
    yb_global_add(c, d->name, SYM_PARAM_RANGE, pi, val, d, d->loc);
    return ok;
}

bool yb_declare_params(yb_compiler *c, yb_decl *d)
{
    if (d->kind == D_PARAM && d->keys.n == 1 && strcmp(((yb_expr *)d->keys.items[0])->name, "text") == 0)
        return declare_text_param(c, d);
    char tnbuf[1][64];
    yb_program *p = c->prog;
    int key_enum[2] = {-1, -1}, size;
    if (!key_enums(c, d, key_enum, &size)) return false;
    if (d->range_of) return declare_range_param(c, d);
    bool is_table = d->kind == D_TABLE;
    int ncols = is_table ? d->fields.n : 1;
    if (ncols == 0) { ERR(d->loc, "table `%s` has no columns", d->name); return false; }
    yb_type col_types[64];
    if (ncols > 64) { ERR(d->loc, "at most 64 columns"); return false; }
    for (int i = 0; i < ncols; i++) {
        yb_typex *tx = is_table ? ((yb_fielddecl *)d->fields.items[i])->type : d->type;
        if (!tx || tx->kind != TY_NAMED) { ERR(is_table ? ((yb_fielddecl *)d->fields.items[i])->loc : d->loc, "a parameter holds a single value type"); return false; }
        if (!yb_scalar_type(c, tx->name, &col_types[i])) { yb_unknown_type(c, tx); return false; }
        if (col_types[i].kind == YB_T_BANDS && (is_table || d->keys.n)) {
            ERR(tx->loc, "bands parameters are not keyed"); return false;
        }
    }
    int first = p->nparams;
    p->nparams += ncols;
    p->params = realloc(p->params, (size_t)p->nparams * sizeof *p->params);
    c->param_used = realloc(c->param_used, (size_t)p->nparams);
    for (int i = 0; i < ncols; i++) {
        yb_param *pp = &p->params[first + i];
        memset(pp, 0, sizeof *pp);
        char name[256];
        if (is_table) snprintf(name, sizeof name, "%s.%s", d->name, ((yb_fielddecl *)d->fields.items[i])->name);
        else snprintf(name, sizeof name, "%s", d->name);
        pp->name = strdup(name);
        pp->kind = col_types[i].kind;
        pp->enum_id = (uint16_t)(col_types[i].kind == YB_T_ENUM ? col_types[i].enum_id : 0);
        pp->size = size;
        pp->nversions = d->versions.n;
        pp->versions = calloc((size_t)d->versions.n, sizeof *pp->versions);
        c->param_used[first + i] = 0;
    }
    bool ok = true;
    for (int vi = 0; vi < d->versions.n; vi++) {
        yb_version *v = d->versions.items[vi];
        yb_date date = v->date->ival;
        if (vi > 0 && date <= p->params[first].versions[vi - 1].from) {
            ERR(v->loc, "versions go in date order, each later than the one before");
            ok = false;
        }
        for (int i = 0; i < ncols; i++) {
            yb_param_version *pv = &p->params[first + i].versions[vi];
            pv->from = date;
            pv->at = pos_of(v->loc);
            pv->cells = calloc((size_t)size, sizeof(int64_t));
            pv->rows = calloc((size_t)size, sizeof *pv->rows);
        }
        if (col_types[0].kind == YB_T_BANDS) {
            if (v->rows.n) { ERR(v->loc, "bands are written `FROM to TO at RATE`"); ok = false; continue; }
            int bs = band_set_add(c, v, T_MONEY, T_RATE, true);
            if (bs < 0) { ok = false; continue; }
            p->params[first].versions[vi].cells[0] = bs;
        } else {
            if (v->bands.n) { ERR(v->loc, "bands belong to a parameter of type bands, not %s", TN(col_types[0], 0)); ok = false; continue; }
            ok &= fill_version(c, d, v, d->keys.n, key_enum, ncols, col_types, first, vi);
        }
    }
    if (is_table) {
        c->tables = yb_grow(c->tables, c->ntables, sizeof *c->tables);
        yb_table_info *t = &c->tables[c->ntables];
        *t = (yb_table_info){d, d->keys.n, {key_enum[0], key_enum[1]}, first, ncols};
        yb_global_add(c, d->name, SYM_TABLE, c->ntables++, T_VOID, d, d->loc);
    } else {
        yb_global_add(c, d->name, d->keys.n ? SYM_PARAM_KEYED : SYM_PARAM, first, col_types[0], d, d->loc);
    }
    return ok;
}

/* `amend param X from DATE: …` (a local variant of a standard policy) adds
 * versions to a parameter or table declared elsewhere, replacing a version
 * of the same date; the merged versions are then checked as one declaration. */
bool yb_apply_amendments(yb_compiler *c)
{
    bool ok = true;
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *a = c->steps.items[i];
        if (a->kind != D_AMEND) continue;
        bool table = a->amends == D_TABLE;
        yb_decl *target = NULL;
        const char *cands[512];
        int n = 0;
        for (int k = 0; k < c->steps.n; k++) {
            yb_decl *d = c->steps.items[k];
            if (d->kind != (table ? D_TABLE : D_PARAM)) continue;
            if (strcmp(d->name, a->name) == 0) target = d;
            if (n < 512) cands[n++] = d->name;
        }
        if (!target) {
            ERR(a->loc, "no %s `%s` to amend", table ? "table" : "param", a->name);
            const char *sg = yb_suggest(a->name, cands, (size_t)n);
            if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
            ok = false;
            continue;
        }
        for (int v = 0; v < a->versions.n; v++) {
            yb_version *nv = a->versions.items[v];
            nv->amended = true;
            int at = 0;
            while (at < target->versions.n && ((yb_version *)target->versions.items[at])->date->ival < nv->date->ival) at++;
            bool same_date = at < target->versions.n && ((yb_version *)target->versions.items[at])->date->ival == nv->date->ival;
            if (same_date && nv->changes.n) {
                /* changes on a date that has a version: applied to that version's values */
                yb_version *old = target->versions.items[at];
                for (int k = 0; k < nv->changes.n; k++) yb_vec_push(A, &old->changes, nv->changes.items[k]);
                continue;
            }
            if (same_date) {
                nv->amended = false; /* replacing a version: it gives every row itself */
                target->versions.items[at] = nv;
                continue;
            }
            yb_vec_push(A, &target->versions, NULL);
            memmove(&target->versions.items[at + 1], &target->versions.items[at],
                    (size_t)(target->versions.n - 1 - at) * sizeof(void *));
            target->versions.items[at] = nv;
        }
    }
    return ok;
}
