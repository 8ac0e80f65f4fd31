/* The checker's driver: declarations gathered in step order, then names,
 * layout, parameters and types, pass by pass (see compiler.h for the files). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* `define within_limit of item = …`: a value of every element of the list
 * whose elements are `item`, worked out at this step, read like a field of
 * the element in aggregates (`sum of within_limit in items`). */
static bool declare_derived(yb_compiler *c, yb_decl *d, int order)
{
    const yb_schema *s = &c->prog->schema;
    int li = -1;
    const char *cands[64];
    int n = 0;
    for (int l = 0; l < s->nlists; l++) {
        const yb_field *lf = &s->fields[s->lists[l].field];
        if (strcmp(lf->elem_name, d->of_record) == 0) {
            if (li >= 0) {
                ERR(d->loc, "two lists hold `%s` records: a value `of %s` would be ambiguous", d->of_record, d->of_record);
                return false;
            }
            li = l;
        }
        if (n < 64) cands[n++] = lf->elem_name;
    }
    if (li < 0) {
        ERR(d->loc, "no list of the claim holds `%s` records", d->of_record);
        const char *sg = yb_suggest(d->of_record, cands, (size_t)n);
        if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
        return false;
    }
    if (yb_schema_child(c, s->lists[li].field, d->name) >= 0 || yb_derived_find(c, li, d->name) >= 0) {
        ERR(d->loc, "`%s` is already a field of `%s`", d->name, d->of_record);
        return false;
    }
    yb_program *p = c->prog;
    p->derived = yb_grow(p->derived, p->nderived, sizeof *p->derived);
    p->derived[p->nderived] = (yb_derived){strdup(d->name), li, YB_T_INT, 0};
    p->nderived++;
    yb_vec_push(A, &c->derived, d);
    d->index = order; /* its step, for "used before it is worked out" */
    return true;
}

bool yb_check(yb_compiler *c)
{
    yb_program *p = c->prog;
    /* rules and defines written `in STAGE` go to their stage first */
    bool ok = yb_place_steps(c);
    /* pass 1: types and shapes, wherever they stand */
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        switch (d->kind) {
        case D_POLICY:
            if (c->policy) { ERR(d->loc, "a policy has one `policy` header"); ok = false; }
            c->policy = d;
            break;
        case D_ENUM:
            if (yb_enum_find(c, d->name) >= 0 || yb_record_find(c, d->name)) { ERR(d->loc, "type `%s` is declared twice", d->name); ok = false; break; }
            for (int m = 0; m < d->members.n; m++)
                for (int k = 0; k < m; k++)
                    if (strcmp(((yb_enum_member *)d->members.items[m])->name, ((yb_enum_member *)d->members.items[k])->name) == 0) {
                        ERR(((yb_enum_member *)d->members.items[m])->loc, "`%s` is listed twice", ((yb_enum_member *)d->members.items[m])->name);
                        ok = false;
                    }
            if (d->members.n > 255) { ERR(d->loc, "an enum has at most 255 members"); ok = false; }
            for (int m = 0; m < d->members.n; m++)
                for (int k = 0; k < m; k++) {
                    yb_enum_member *x = d->members.items[m], *y = d->members.items[k];
                    if (x->has_code && y->has_code && x->code == y->code) {
                        ERR(x->loc, "`%s` has the code %lld of `%s`; codes must differ", x->name, (long long)x->code, y->name);
                        ok = false;
                    }
                }
            yb_vec_push(A, &c->enums, d);
            break;
        case D_RECORD:
            if (yb_enum_find(c, d->name) >= 0 || yb_record_find(c, d->name)) { ERR(d->loc, "type `%s` is declared twice", d->name); ok = false; break; }
            yb_vec_push(A, &c->records, d);
            break;
        case D_REASONS:
            for (int m = 0; m < d->members.n; m++) {
                yb_enum_member *r = d->members.items[m];
                if (r->has_code) { ERR(r->loc, "reason codes take no number"); ok = false; }
                if (r->texts.n) { ERR(r->loc, "reason codes take no text code"); ok = false; }
                for (int k = 0; k < c->reasons.n; k++)
                    if (strcmp(((yb_enum_member *)c->reasons.items[k])->name, r->name) == 0) {
                        ERR(r->loc, "reason `%s` is declared twice", r->name);
                        ok = false;
                    }
                yb_vec_push(A, &c->reasons, r);
            }
            break;
        case D_RULE:
            for (int k = 0; k < i; k++) {
                yb_decl *o = c->steps.items[k];
                if (o->kind == D_RULE && strcmp(o->name, d->name) == 0) {
                    ERR(d->loc, "rule `%s` is declared twice; explanations name rules, so names must differ", d->name);
                    yb_note(c->diag, o->loc, "the first rule `%s` is here", d->name);
                    ok = false;
                }
            }
            break;
        case D_INPUT:
            if (c->input) { ERR(d->loc, "a policy has one `input` block"); ok = false; }
            c->input = d;
            break;
        case D_OUTPUT:
            if (c->output) { ERR(d->loc, "a policy has one `output` block"); ok = false; }
            c->output = d;
            break;
        case D_EXTERN:
            ok &= yb_declare_native(c, d);
            break;
        case D_DATED:
            if (c->dated) { ERR(d->loc, "a policy is `dated by` one date"); ok = false; }
            c->dated = d;
            break;
        default:
            break;
        }
    }
    if (!ok) return false;
    ok &= yb_apply_amendments(c);
    ok &= yb_layout_input(c);
    ok &= yb_layout_outputs(c);
    if (!ok) return false;
    /* pass 2: parameters, states and defines get their names */
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind == D_PARAM || d->kind == D_TABLE) ok &= yb_declare_params(c, d);
        else if (d->kind == D_STATE) ok &= yb_declare_state(c, d, i);
        else if (d->kind == D_DEFINE && d->of_record) {
            ok &= declare_derived(c, d, i);
        } else if (d->kind == D_DEFINE) {
            yb_global *g = yb_global_add(c, d->name, SYM_DEFINE, -1, T_VOID, d, d->loc);
            if (g) g->order = i;
            else ok = false;
        }
    }
    p = c->prog;
    p->nreasons = c->reasons.n;
    p->reasons = calloc((size_t)(p->nreasons ? p->nreasons : 1), sizeof *p->reasons);
    for (int i = 0; i < c->reasons.n; i++) p->reasons[i] = xstrdup(((yb_enum_member *)c->reasons.items[i])->name);
    if (!ok) return false;
    /* pass 3: every expression, in step order */
    c->cur_order = -1;
    if (c->dated) {
        ok &= yb_check_value(c, c->dated->value, NULL);
        if (ok && c->dated->value->type.kind != YB_T_DATE) {
            ERR(c->dated->value->loc, "`dated by` takes the claim's service date");
            ok = false;
        }
    }
    for (int i = 0; i < c->output->fields.n; i++) {
        yb_fielddecl *fd = c->output->fields.items[i];
        if (!fd->dflt || fd->special) continue;
        yb_type t = {p->outs[i].kind, (int16_t)(p->outs[i].kind == YB_T_ENUM ? p->outs[i].enum_id : -1)};
        if (!yb_check_value(c, fd->dflt, &t)) { ok = false; continue; }
        yb_fold(c, fd->dflt);
        yb_coerce_literal(fd->dflt, t);
        if (!yb_same_type(fd->dflt->type, t)) {
            char tnbuf[2][64];
            ERR(fd->dflt->loc, "output `%s` is %s, found %s", fd->name, TN(t, 0), TN(fd->dflt->type, 1));
            ok = false;
        }
    }
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        c->cur_order = i;
        c->nlocals = 0;
        switch (d->kind) {
        case D_DEFINE: {
            if (d->of_record) {
                int k = 0;
                while (k < c->derived.n && c->derived.items[k] != d) k++;
                yb_derived *dv = &c->prog->derived[k];
                c->elem_list_stack[c->nelem++] = dv->list;
                bool vok = yb_check_value(c, d->value, NULL);
                c->nelem--;
                if (!vok) { ok = false; break; }
                yb_fold(c, d->value);
                dv->kind = d->value->type.kind;
                dv->enum_id = (uint16_t)(dv->kind == YB_T_ENUM ? d->value->type.enum_id : 0);
                break;
            }
            yb_global *g = yb_global_find(c, d->name);
            if (!yb_check_value(c, d->value, NULL)) {
                g->index = -2; /* failed: later uses stay quiet */
                ok = false;
                break;
            }
            yb_fold(c, d->value);
            g->type = d->value->type;
            g->index = yb_sym_new(c, d->value->type.kind);
            break;
        }
        case D_STATE:
            ok &= yb_check_state(c, d);
            break;
        case D_RULE:
            if (d->value) {
                if (!yb_check_value(c, d->value, NULL)) { ok = false; break; }
                yb_fold(c, d->value);
                if (d->value->type.kind != YB_T_BOOL) {
                    char tnbuf[1][64];
                    ERR(d->value->loc, "`when` needs a condition, found %s", TN(d->value->type, 0));
                    ok = false;
                    break;
                }
            }
            ok &= yb_check_stmts(c, &d->body);
            break;
        default:
            break;
        }
    }
    if (!ok) return false;
    /* the steps in order: stale reads, blocks after payment; then the invariants */
    ok &= yb_check_order(c);
    ok &= yb_check_invariants(c);
    if (!ok) return false;
    bool any_param = false;
    for (int i = 0; i < p->nparams; i++) any_param |= c->param_used[i];
    if (any_param && !c->dated) {
        ERR(YB_NOLOC, "the policy uses dated parameters but does not say which date picks them: add `dated by visit.date`");
        return false;
    }
    yb_warn_unused(c);
    return true;
}
