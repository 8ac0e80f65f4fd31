/* Warnings: what is declared but never used. */
#include "internal.h"

void yb_warn_unused(yb_compiler *c)
{
    for (int k = 0; k < c->derived.n; k++) {
        yb_decl *d = c->derived.items[k];
        if (!d->used) yb_warning(c->diag, d->loc, "`%s` is defined but never used", d->name);
    }
    for (int k = 0; k < c->natives.n; k++) {
        yb_decl *d = c->natives.items[k];
        if (!d->used) yb_warning(c->diag, d->loc, "native function `%s` is declared but never called", d->name);
    }
    for (int i = 0; i < c->nglobals; i++) {
        yb_global *g = &c->globals[i];
        if (g->kind == SYM_PARAM || g->kind == SYM_PARAM_KEYED || g->kind == SYM_PARAM_RANGE) {
            if (!c->param_used[g->index]) yb_warning(c->diag, g->decl->loc, "parameter `%s` is never used", g->name);
        } else if (g->kind == SYM_TABLE) {
            if (!g->decl->used) yb_warning(c->diag, g->decl->loc, "table `%s` is never used", g->name);
        } else if (g->kind == SYM_DEFINE) {
            if (!g->decl->used) yb_warning(c->diag, g->decl->loc, "`%s` is defined but never used", g->name);
        }
    }
}
