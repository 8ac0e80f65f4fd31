/* States: values kept across claims per key (`state used per member_id, year
 * of visit.date { … }`), their fields held in registers while a claim runs. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool yb_declare_state(yb_compiler *c, yb_decl *d, int order)
{
    yb_program *p = c->prog;
    int si = p->nstates++;
    p->states = realloc(p->states, (size_t)p->nstates * sizeof *p->states);
    yb_state_desc *sd = &p->states[si];
    memset(sd, 0, sizeof *sd);
    sd->name = strdup(d->name);
    sd->nkeys = d->keys.n;
    sd->key_kinds = calloc((size_t)(d->keys.n ? d->keys.n : 1), 1);
    sd->key_enums = calloc((size_t)(d->keys.n ? d->keys.n : 1), sizeof *sd->key_enums);
    sd->report = d->report;
    sd->nfields = d->fields.n;
    sd->field_names = calloc((size_t)(d->fields.n ? d->fields.n : 1), sizeof *sd->field_names);
    c->state_syms = yb_grow(c->state_syms, si, sizeof *c->state_syms);
    c->state_syms[si] = c->nsyms; /* its fields' registers: codegen sets sd->first_reg */
    bool ok = true;
    for (int i = 0; i < d->fields.n; i++) {
        yb_fielddecl *fd = d->fields.items[i];
        sd->field_names[i] = strdup(fd->name);
        yb_type t = T_INT;
        if (!fd->type || fd->type->kind != TY_NAMED || !yb_scalar_type(c, fd->type->name, &t) ||
            !(yb_is_num(t) || t.kind == YB_T_BOOL || t.kind == YB_T_DATE)) {
            if (fd->type && fd->type->kind == TY_NAMED && !yb_scalar_type(c, fd->type->name, &t)) yb_unknown_type(c, fd->type);
            else ERR(fd->loc, "a state field holds money, int, rate, bool or date");
            ok = false;
            t = T_INT;
        }
        yb_sym_new(c, t.kind);
    }
    if (d->keys.n > 64) { ERR(d->loc, "`%s` has %d keys; at most 64", d->name, d->keys.n); ok = false; }
    if (!d->keys.n) { ERR(d->loc, "say what the %s is kept per: `%s %s per member_id, year of visit.date { … }`", d->report ? "report" : "state", d->report ? "report" : "state", d->name); ok = false; }
    yb_global *g = yb_global_add(c, d->name, SYM_STATE, si, T_VOID, d, d->loc);
    if (g) g->order = order;
    d->index = si;
    return ok;
}

bool yb_check_state(yb_compiler *c, yb_decl *d)
{
    char tnbuf[1][64];
    yb_state_desc *sd = &c->prog->states[d->index];
    bool ok = true;
    if (d->value) { /* `when`: kept only for the claims where it holds */
        if (!yb_check_value(c, d->value, NULL)) ok = false;
        else if (d->value->type.kind != YB_T_BOOL) {
            ERR(d->value->loc, "`when` needs a condition, found %s", TN(d->value->type, 0));
            ok = false;
        } else {
            yb_fold(c, d->value);
        }
    }
    for (int i = 0; i < d->keys.n; i++) {
        yb_expr *k = d->keys.items[i];
        if (!yb_check_value(c, k, NULL)) { ok = false; continue; }
        yb_fold(c, k);
        uint8_t kk = k->type.kind;
        if (kk == YB_T_ENUM) sd->key_enums[i] = (uint16_t)k->type.enum_id;
        if (kk == YB_T_DURATION) { ERR(k->loc, "a state key is text, a number, a date or an enum; found %s", TN(k->type, 0)); ok = false; }
        sd->key_kinds[i] = kk;
    }
    for (int i = 0; i < d->fields.n; i++) {
        yb_fielddecl *fd = d->fields.items[i];
        if (!fd->dflt) continue;
        yb_type t = {c->sym_kinds[c->state_syms[d->index] + i], -1};
        if (!yb_check_value(c, fd->dflt, &t)) { ok = false; continue; }
        yb_fold(c, fd->dflt);
        yb_coerce_literal(fd->dflt, t);
        if (!yb_same_type(fd->dflt->type, t)) {
            char tb[64];
            ERR(fd->dflt->loc, "%s expected, found %s", TN(t, 0), yb_type_name(c, fd->dflt->type, tb, sizeof tb));
            ok = false;
        }
    }
    return ok;
}
