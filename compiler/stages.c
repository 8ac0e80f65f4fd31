/* Named stages: `stage NAME` marks a point of the evaluation order (the
 * standard policy declares records, eligibility, audit, hold, pay, split,
 * accounts, reports), and a rule or define written `in STAGE [before|after
 * RULE]` is moved there, wherever it was written: a local variant places a
 * rule inside the standard policy without re-listing its imports.  Whether the
 * place is a safe one is checked later, on the typed steps (order.c). */
#include <string.h>

#include "internal.h"

static int find_stage(yb_vec *steps, const char *name)
{
    for (int i = 0; i < steps->n; i++) {
        yb_decl *d = steps->items[i];
        if (d->kind == D_STAGE && strcmp(d->name, name) == 0) return i;
    }
    return -1;
}

/* The end of the stage whose marker is at `m`: the next marker, or the end. */
static int stage_end(yb_vec *steps, int m)
{
    for (int i = m + 1; i < steps->n; i++)
        if (((yb_decl *)steps->items[i])->kind == D_STAGE) return i;
    return steps->n;
}

int yb_stage_of(yb_compiler *c, int step)
{
    for (int i = step < c->steps.n ? step : c->steps.n - 1; i >= 0; i--)
        if (((yb_decl *)c->steps.items[i])->kind == D_STAGE) return i;
    return -1;
}

static void unknown(yb_compiler *c, yb_vec *steps, const char *what, const char *name, yb_loc loc, yb_decl_kind kind)
{
    const char *cands[256];
    size_t n = 0;
    char list[512];
    int len = 0;
    list[0] = 0;
    for (int i = 0; i < steps->n && n < 256; i++) {
        yb_decl *d = steps->items[i];
        if (d->kind != kind) continue;
        cands[n++] = d->name;
        if (len < (int)sizeof list - 80) len += snprintf(list + len, sizeof list - (size_t)len, "%s%s", len ? ", " : "", d->name);
    }
    ERR(loc, "no %s `%s`", what, name);
    const char *sg = yb_suggest(name, cands, n);
    if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
    else if (kind == D_STAGE && n) yb_note(c->diag, YB_NOLOC, "the stages are: %s", list);
    else if (kind == D_STAGE) yb_note(c->diag, YB_NOLOC, "the policy declares no stages (`stage NAME`)");
}

static void insert(yb_compiler *c, yb_vec *v, int at, void *item)
{
    yb_vec_push(A, v, item);
    memmove(&v->items[at + 1], &v->items[at], (size_t)(v->n - 1 - at) * sizeof v->items[0]);
    v->items[at] = item;
}

/* Where a placed step goes: after `anchor`, before it, or at the stage's end. */
static int place(yb_compiler *c, yb_vec *steps, yb_decl *d)
{
    int m = find_stage(steps, d->stage);
    if (m < 0) {
        unknown(c, steps, "stage", d->stage, d->stage_loc, D_STAGE);
        return -1;
    }
    int end = stage_end(steps, m);
    if (!d->anchor) return end;
    for (int i = 0; i < steps->n; i++) {
        yb_decl *r = steps->items[i];
        if (r->kind != D_RULE || strcmp(r->name, d->anchor) != 0) continue;
        if (i < m || i > end) {
            int s = yb_stage_of(c, i);
            ERR(d->anchor_loc, "rule `%s` is not in stage `%s`%s%s%s", d->anchor, d->stage, s >= 0 ? " but in `" : "",
                s >= 0 ? ((yb_decl *)steps->items[s])->name : "", s >= 0 ? "`" : "");
            return -1;
        }
        return d->stage_rel < 0 ? i : i + 1;
    }
    unknown(c, steps, "rule", d->anchor, d->anchor_loc, D_RULE);
    return -1;
}

bool yb_place_steps(yb_compiler *c)
{
    bool ok = true;
    yb_vec rest = {0}, placed = {0};
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind == D_STAGE) {
            int o = find_stage(&rest, d->name);
            if (o >= 0) {
                ERR(d->loc, "stage `%s` is declared twice", d->name);
                yb_note(c->diag, ((yb_decl *)rest.items[o])->loc, "the first stage `%s` is here", d->name);
                ok = false;
                continue;
            }
        }
        yb_vec_push(A, d->stage ? &placed : &rest, d);
    }
    /* in the order written, so two rules placed at one point keep their order */
    for (int i = 0; i < placed.n; i++) {
        yb_decl *d = placed.items[i];
        int at = place(c, &rest, d);
        if (at < 0) { ok = false; continue; }
        insert(c, &rest, at, d);
    }
    c->steps = rest;
    return ok;
}
