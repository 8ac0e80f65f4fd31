/* Native functions: `extern fn NAME(p: T, …) -> T from "LIB"` declares one
 * (spec.md section 4.19); a call is checked like any function's.  The
 * program's extern table records names and signatures only: the host binds
 * them at load (vm/native.c). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int yb_native_find(yb_compiler *c, const char *name)
{
    for (int i = 0; i < c->natives.n; i++)
        if (strcmp(((yb_decl *)c->natives.items[i])->name, name) == 0) return i;
    return -1;
}

/* A parameter's or the result's type: one that crosses to C. */
static bool native_type(yb_compiler *c, yb_typex *tx, bool param, uint8_t *out)
{
    yb_type t; /* the grammar allows a name only */
    if (!yb_scalar_type(c, tx->name, &t)) {
        if (yb_record_find(c, tx->name)) ERR(tx->loc, "a native function takes and returns single values, not a record");
        else yb_unknown_type(c, tx);
        return false;
    }
    if (!yb_native_kind_ok(t.kind, param)) {
        ERR(tx->loc, "a native function %s, not %s", param ? "takes money, rate, date, int, bool or text"
                     : "returns money, rate, date, int or bool (not text: the VM would have to own its bytes)", tx->name);
        return false;
    }
    *out = t.kind;
    return true;
}

bool yb_declare_native(yb_compiler *c, yb_decl *d)
{
    if (!yb_native_word_ok(d->name, false)) {
        ERR(d->loc, "a native function's name is its C symbol: ASCII letters, digits and _, at most %d", YB_NATIVE_MAX_NAME);
        return false;
    }
    int prev = yb_native_find(c, d->name);
    if (prev >= 0) {
        ERR(d->loc, "native function `%s` is declared twice", d->name);
        yb_note(c->diag, ((yb_decl *)c->natives.items[prev])->loc, "the first declaration is here");
        return false;
    }
    if (yb_builtin_fn(d->name)) {
        ERR(d->loc, "`%s` is a function of the language; a native function needs another name", d->name);
        return false;
    }
    if (!yb_native_word_ok(d->text, true)) {
        ERR(d->loc, "`from \"%s\"`: a library is named, not located: 1 to %d ASCII letters, digits, _ - or ., not starting "
                    "with a digit (the host says where it is: --native NAME=PATH)", d->text, YB_NATIVE_MAX_NAME);
        return false;
    }
    if (d->fields.n > YB_NATIVE_MAX_PARAMS) {
        ERR(d->loc, "a native function takes at most %d parameters", YB_NATIVE_MAX_PARAMS);
        return false;
    }
    yb_native_desc nd = {.nparams = d->fields.n};
    bool ok = native_type(c, d->type, false, &nd.result);
    for (int k = 0; k < d->fields.n; k++) {
        yb_fielddecl *f = d->fields.items[k];
        ok &= native_type(c, f->type, true, &nd.params[k]);
        for (int j = 0; j < k; j++)
            if (strcmp(((yb_fielddecl *)d->fields.items[j])->name, f->name) == 0) {
                ERR(f->loc, "parameter `%s` is listed twice", f->name);
                ok = false;
            }
    }
    if (!ok) return false;
    yb_program *p = c->prog;
    nd.name = strdup(d->name);
    nd.library = strdup(d->text);
    p->natives = yb_grow(p->natives, p->nnatives, sizeof *p->natives);
    p->natives[p->nnatives++] = nd;
    d->index = c->natives.n;
    yb_vec_push(A, &c->natives, d);
    return true;
}

/* `drug_on_list(item.code, visit.date)`: as many arguments as parameters, each of its parameter's type. */
bool yb_check_native_call(yb_compiler *c, yb_expr *e, int k)
{
    char tnbuf[2][64];
    yb_decl *d = c->natives.items[k];
    const yb_native_desc *nd = &c->prog->natives[k];
    if (e->args.n != d->fields.n) {
        ERR(e->loc, "`%s` takes %d argument%s, found %d", d->name, d->fields.n, d->fields.n == 1 ? "" : "s", e->args.n);
        yb_note(c->diag, d->loc, "`%s` is declared here", d->name);
        return false;
    }
    for (int i = 0; i < e->args.n; i++) {
        yb_expr *a = e->args.items[i];
        yb_type want = {nd->params[i], -1};
        if (!yb_check_value(c, a, &want)) return false;
        yb_coerce_literal(a, want);
        if (!yb_same_type(a->type, want)) {
            ERR(a->loc, "argument %d of `%s` (`%s`) is %s, found %s", i + 1, d->name, ((yb_fielddecl *)d->fields.items[i])->name,
                TN(want, 0), TN(a->type, 1));
            return false;
        }
    }
    d->used = true;
    yb_set_sym(e, SYM_NATIVE, k, (yb_type){nd->result, -1});
    return true;
}
