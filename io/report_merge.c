/* Batch reports merged from parts (report_merge.h).
 *
 * Why each rule is exact (compiler/routing.c checks the shapes): an added
 * field's value is the sum of what every claim added, whichever part settled
 * it.  A fixed field was given its value once, by the claim that opened the
 * entry, and never changed: the part whose entry was opened first in input
 * order holds the value one worker would have.  A derived field was set by
 * the last claim that changed the entry, from its final added and fixed
 * fields, so the same `set`s run once over the merged entry give it. */
#include "report_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arith.h"
#include "route_plan.h"

struct yb_report_opens {
    int n;             /* states */
    yb_ledger **at;    /* per report with fixed fields: key -> input position; else NULL */
    size_t *cursor;    /* per report: how far its ledger's entries were looked at */
    /* entries met but not opened (a record error got to the report): looked at again */
    unsigned char **pending;
    uint32_t *pending_len;
    int *pending_state;
    size_t npending, cap;
};

static bool has_fixed(const yb_program *p, int s)
{
    const yb_route_plan *rp = p->route_plan;
    if (!rp || !p->states[s].report) return false;
    for (int f = 0; f < p->states[s].nfields; f++)
        if (rp->reg_class[p->states[s].first_reg + f] == YB_RP_FIXED) return true;
    return false;
}

yb_report_opens *yb_report_opens_new(const yb_program *p)
{
    yb_report_opens *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->n = p->nstates;
    o->at = calloc((size_t)(p->nstates + 1), sizeof *o->at);
    o->cursor = calloc((size_t)(p->nstates + 1), sizeof *o->cursor);
    bool ok = o->at && o->cursor;
    for (int s = 0; ok && s < p->nstates; s++)
        if (has_fixed(p, s) && !(o->at[s] = yb_ledger_new(1))) ok = false;
    if (!ok) {
        yb_report_opens_free(o);
        return NULL;
    }
    return o;
}

void yb_report_opens_free(yb_report_opens *o)
{
    if (!o) return;
    for (int s = 0; o->at && s < o->n; s++) yb_ledger_free(o->at[s]);
    for (size_t i = 0; i < o->npending; i++) free(o->pending[i]);
    free(o->pending);
    free(o->pending_len);
    free(o->pending_state);
    free(o->at);
    free(o->cursor);
    free(o);
}

/* The first position key of state s was opened at, kept. */
static bool note(yb_report_opens *o, int s, const void *key, uint32_t len, uint64_t pos)
{
    yb_ledger_entry *e = yb_ledger_get(o->at[s], key, len);
    if (!e) return false;
    if (!(e->flags & YB_ENTRY_OPENED)) {
        e = yb_ledger_set_value(o->at[s], e, 0, (int64_t)pos); /* the entry just got: cannot fail */
        e->flags |= YB_ENTRY_OPENED;
    }
    return true;
}

static bool add_pending(yb_report_opens *o, int s, const unsigned char *key, uint32_t len)
{
    if (o->npending == o->cap) {
        size_t c = o->cap ? o->cap * 2 : 16;
        unsigned char **k = realloc(o->pending, c * sizeof *k);
        if (k) o->pending = k;
        uint32_t *l = realloc(o->pending_len, c * sizeof *l);
        if (l) o->pending_len = l;
        int *st = realloc(o->pending_state, c * sizeof *st);
        if (st) o->pending_state = st;
        if (!k || !l || !st) return false;
        o->cap = c;
    }
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy) return false;
    memcpy(copy, key, len);
    o->pending[o->npending] = copy;
    o->pending_len[o->npending] = len;
    o->pending_state[o->npending++] = s;
    return true;
}

bool yb_report_opens_note(yb_report_opens *o, yb_vm *vm, uint64_t pos)
{
    for (size_t i = 0; i < o->npending;) {
        int s = o->pending_state[i];
        yb_ledger_entry *e = yb_ledger_get(vm->ledgers[s], o->pending[i], o->pending_len[i]);
        if (!e) return false;
        if (!(e->flags & YB_ENTRY_OPENED)) {
            i++;
            continue;
        }
        if (!note(o, s, o->pending[i], o->pending_len[i], pos)) return false;
        free(o->pending[i]);
        o->npending--;
        o->pending[i] = o->pending[o->npending];
        o->pending_len[i] = o->pending_len[o->npending];
        o->pending_state[i] = o->pending_state[o->npending];
    }
    for (int s = 0; s < o->n; s++) {
        if (!o->at[s]) continue;
        const yb_ledger *l = vm->ledgers[s];
        yb_ledger_entry *e;
        /* new keys come last in a ledger's walk (so does an entry that moved:
           noted already, note keeps the first position) */
        while ((e = yb_ledger_next(l, &o->cursor[s]))) {
            bool ok = e->flags & YB_ENTRY_OPENED ? note(o, s, yb_ledger_key(l, e), e->keylen, pos)
                                                 : add_pending(o, s, yb_ledger_key(l, e), e->keylen);
            if (!ok) return false;
        }
    }
    return true;
}

uint64_t yb_report_opened_at(yb_report_opens *o, int s, const void *key, uint32_t keylen)
{
    if (!o || s < 0 || s >= o->n || !o->at[s]) return UINT64_MAX;
    /* a lookup that adds an unopened entry (all zero) changes no answer */
    yb_ledger_entry *e = yb_ledger_get(o->at[s], key, keylen);
    return e && (e->flags & YB_ENTRY_OPENED) ? (uint64_t)yb_ledger_value(o->at[s], e, 0) : UINT64_MAX;
}

bool yb_report_opens_put(yb_report_opens *o, int s, const void *key, uint32_t keylen, uint64_t pos)
{
    if (!o || s < 0 || s >= o->n || !o->at[s]) return true;
    yb_ledger_entry *e = yb_ledger_get(o->at[s], key, keylen);
    if (!e) return false;
    e = yb_ledger_set_value(o->at[s], e, 0, (int64_t)pos); /* the entry just got: cannot fail */
    e->flags |= YB_ENTRY_OPENED;
    return true;
}

bool yb_report_opens_all(const yb_report_opens *o, uint64_t **out, size_t *n)
{
    size_t total = 0, k = 0;
    for (int s = 0; s < o->n; s++) total += o->at[s] ? yb_ledger_count(o->at[s]) : 0;
    *n = 0;
    if (!(*out = malloc((total ? total : 1) * sizeof **out))) return false;
    for (int s = 0; s < o->n; s++) {
        size_t cur = 0;
        const yb_ledger_entry *e;
        while (o->at[s] && (e = yb_ledger_next(o->at[s], &cur)))
            if (e->flags & YB_ENTRY_OPENED) (*out)[k++] = (uint64_t)yb_ledger_value(o->at[s], e, 0);
    }
    *n = k;
    return true;
}

/* ------------------------------------------------------------ recompute */

static bool eval(const yb_route_plan *rp, int n, const int64_t *vals, int64_t *out, int depth)
{
    if (n < 0 || n >= rp->nnodes || depth > YB_RP_MAX_NODES) return false;
    const yb_rp_node *x = &rp->nodes[n];
    int64_t a = 0, b = 0;
    switch (x->kind) {
    case YB_RPN_CONST: *out = x->k; return true;
    case YB_RPN_FIELD: *out = vals[x->a]; return true;
    case YB_RPN_BIN:
        return eval(rp, x->a, vals, &a, depth + 1) && eval(rp, x->b, vals, &b, depth + 1) &&
               yb_arith_apply(x->opcode, a, b, (yb_rounding)x->mode, out);
    case YB_RPN_NOT:
        if (!eval(rp, x->a, vals, &a, depth + 1)) return false;
        *out = !a;
        return true;
    case YB_RPN_NEG:
        if (!eval(rp, x->a, vals, &a, depth + 1) || a == INT64_MIN) return false;
        *out = -a;
        return true;
    case YB_RPN_AND:
    case YB_RPN_OR:
        if (!eval(rp, x->a, vals, &a, depth + 1)) return false;
        if ((x->kind == YB_RPN_AND) != (a != 0)) { *out = a != 0; return true; }
        if (!eval(rp, x->b, vals, &b, depth + 1)) return false;
        *out = b != 0;
        return true;
    case YB_RPN_IF:
        if (!eval(rp, x->c, vals, &a, depth + 1)) return false;
        return eval(rp, a ? x->a : x->b, vals, out, depth + 1);
    case YB_RPN_MIN:
    case YB_RPN_MAX:
        if (!eval(rp, x->a, vals, &a, depth + 1) || !eval(rp, x->b, vals, &b, depth + 1)) return false;
        *out = x->kind == YB_RPN_MIN ? (a < b ? a : b) : (a > b ? a : b);
        return true;
    }
    return false;
}

bool yb_report_derive(const yb_program *p, int s, int64_t *vals, char *err, size_t errlen)
{
    const yb_route_plan *rp = p->route_plan;
    const yb_state_desc *sd = &p->states[s];
    if (!rp) return true;
    for (int f = 0; f < sd->nfields; f++)
        if (rp->reg_class[sd->first_reg + f] == YB_RP_DERIVED) vals[f] = 0;
    for (int i = 0; i < rp->nsets; i++) {
        const yb_rp_set *set = &rp->sets[i];
        if (set->state != s) continue;
        int64_t c = 1, v;
        if ((set->cond >= 0 && !eval(rp, set->cond, vals, &c, 0)) || (c && !eval(rp, set->value, vals, &v, 0))) {
            snprintf(err, errlen, "report `%s`: `%s` of a merged entry overflows or divides by zero", sd->name,
                     sd->field_names[set->field]);
            return false;
        }
        if (c) vals[set->field] = v;
    }
    return true;
}

static bool derives(const yb_program *p, int s)
{
    for (int i = 0; p->route_plan && i < p->route_plan->nsets; i++)
        if (p->route_plan->sets[i].state == s) return true;
    return false;
}

bool yb_report_derive_all(yb_vm *vm, char *err, size_t errlen)
{
    const yb_program *p = vm->p;
    for (int s = 0; s < p->nstates; s++) {
        if (!p->states[s].report || !derives(p, s)) continue;
        yb_ledger *l = vm->ledgers[s];
        int64_t *vals = malloc((size_t)(p->states[s].nfields + 1) * sizeof *vals);
        yb_ledger_entry **v = yb_ledger_entries(l);
        size_t n = yb_ledger_count(l);
        if ((!v && n) || !vals) {
            free(v);
            free(vals);
            snprintf(err, errlen, "out of memory");
            return false;
        }
        bool ok = true;
        for (size_t i = 0; ok && i < n; i++) {
            if (!(v[i]->flags & YB_ENTRY_OPENED)) continue;
            yb_ledger_values(l, v[i], vals);
            /* another entry's set may move this one: got again by key first */
            yb_ledger_entry *e = yb_ledger_get(l, yb_ledger_key(l, v[i]), v[i]->keylen);
            ok = e && yb_report_derive(p, s, vals, err, errlen) && yb_ledger_set(l, e, vals);
            if (!e) snprintf(err, errlen, "out of memory");
        }
        free(v);
        free(vals);
        if (!ok) return false;
    }
    return true;
}

/* ---------------------------------------------------------------- merge */

/* Worker k's entry e of report s merged into worker 0's. */
static bool merge_entry(yb_vm *const *vms, yb_report_opens *const *opens, int k, int s, const yb_ledger_entry *e,
                        int64_t *vals, char *err, size_t errlen)
{
    const yb_program *p = vms[0]->p;
    const yb_state_desc *sd = &p->states[s];
    const yb_ledger *src = vms[k]->ledgers[s];
    yb_ledger *dst = vms[0]->ledgers[s];
    const unsigned char *key = yb_ledger_key(src, e);
    int64_t *a = vals, *b = vals + sd->nfields;
    yb_ledger_values(src, e, b);
    uint64_t at_k = (e->flags & YB_ENTRY_OPENED) ? yb_report_opened_at(opens[k], s, key, e->keylen) : UINT64_MAX;
    uint64_t at_0 = yb_report_opened_at(opens[0], s, key, e->keylen);
    yb_ledger_entry *d = yb_ledger_get(dst, key, e->keylen);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool first = !(d->flags & YB_ENTRY_OPENED) || at_k < at_0;
    yb_ledger_values(dst, d, a);
    for (int f = 0; f < sd->nfields; f++) {
        uint8_t cls = p->route_plan ? p->route_plan->reg_class[sd->first_reg + f] : YB_RP_ADDED;
        if (cls == YB_RP_FIXED && first && (e->flags & YB_ENTRY_OPENED)) a[f] = b[f];
        if (cls == YB_RP_ADDED && __builtin_add_overflow(a[f], b[f], &a[f])) {
            snprintf(err, errlen, "report `%s`: the total of `%s` overflows", sd->name, sd->field_names[f]);
            return false;
        }
    }
    d = yb_ledger_set(dst, d, a); /* the entry just got: cannot fail */
    d->flags |= e->flags;
    /* worker 0's entry now holds worker k's opening */
    if (at_k < at_0 && !yb_report_opens_put(opens[0], s, key, e->keylen, at_k)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

bool yb_report_merge(yb_vm *const *vms, yb_report_opens *const *opens, int n, char *err, size_t errlen)
{
    const yb_program *p = vms[0]->p;
    for (int s = 0; s < p->nstates; s++) {
        if (!p->states[s].report) continue;
        int64_t *vals = malloc(2 * (size_t)(p->states[s].nfields + 1) * sizeof *vals);
        if (!vals) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        for (int k = 1; k < n; k++) {
            const yb_ledger *l = vms[k]->ledgers[s];
            size_t pos = 0;
            const yb_ledger_entry *e;
            while ((e = yb_ledger_next(l, &pos)))
                if (!merge_entry(vms, opens, k, s, e, vals, err, errlen)) {
                    free(vals);
                    return false;
                }
        }
        free(vals);
    }
    return yb_report_derive_all(vms[0], err, errlen);
}
