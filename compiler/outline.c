/* The outline of a compiled policy (outline.h), copied out of the checked
 * steps before the compiler's arena is freed. */
#include "outline.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char *dup_n(const char *s, size_t n) { return s ? strndup(s, n) : NULL; }
static char *dup(const char *s) { return s ? strdup(s) : NULL; }

/* A target of `set`/`add`/`subtract` as written: `basic`, `totals.basic_paid`. */
static void target_text(const yb_expr *e, char *buf, size_t n)
{
    if (!e) snprintf(buf, n, "?");
    else if (e->kind == E_NAME) snprintf(buf, n, "%s", e->name);
    else if (e->kind == E_FIELD) {
        char in[200];
        target_text(e->a, in, sizeof in);
        snprintf(buf, n, "%s.%s", in, e->name);
    } else snprintf(buf, n, "…");
}

static void add_effect(yb_outline_step *s, const char *text)
{
    for (int i = 0; i < s->neffects; i++)
        if (strcmp(s->effects[i], text) == 0) return;
    s->effects = yb_grow(s->effects, s->neffects, sizeof *s->effects);
    s->effects[s->neffects++] = strdup(text);
}

/* What a rule's statements set, add to, and raise, in the order written (branches too). */
static void effects(yb_outline_step *s, const yb_vec *body)
{
    char t[240], e[300];
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        switch (st->kind) {
        case S_SET: target_text(st->target, t, sizeof t); snprintf(e, sizeof e, "set %s", t); break;
        case S_ADD: target_text(st->target, t, sizeof t); snprintf(e, sizeof e, "add to %s", t); break;
        case S_SUBTRACT: target_text(st->target, t, sizeof t); snprintf(e, sizeof e, "subtract from %s", t); break;
        case S_REASON: snprintf(e, sizeof e, "reason %s", st->name); break;
        case S_WARN: snprintf(e, sizeof e, "warn %s", st->name); break;
        case S_BLOCK: snprintf(e, sizeof e, "block %s", st->name); break;
        case S_REJECT: target_text(st->target, t, sizeof t); snprintf(e, sizeof e, "reject %s", t); break;
        case S_IF:
            effects(s, &st->then_body);
            effects(s, &st->else_body);
            continue;
        default: continue; /* let */
        }
        add_effect(s, e);
    }
}

static void version_dates(yb_outline_step *s, const yb_vec *versions)
{
    s->dates = calloc((size_t)(versions->n ? versions->n : 1), sizeof *s->dates);
    for (int v = 0; v < versions->n; v++) {
        const yb_version *ver = versions->items[v];
        if (ver->date) s->dates[s->ndates++] = (yb_date)ver->date->ival;
    }
}

static char *placement(const yb_decl *d)
{
    if (!d->stage) return NULL;
    char buf[600];
    if (d->anchor) snprintf(buf, sizeof buf, "in %s %s %s", d->stage, d->stage_rel < 0 ? "before" : "after", d->anchor);
    else snprintf(buf, sizeof buf, "in %s", d->stage);
    return strdup(buf);
}

static void fill_step(yb_compiler *c, int i, yb_outline_step *s)
{
    const yb_decl *d = c->steps.items[i];
    s->kind = d->kind;
    s->loc = d->loc;
    s->stage = yb_stage_of(c, i);
    if (s->stage == i) s->stage = -1; /* a marker is not inside itself */
    s->report = d->report;
    s->amends = d->amends;
    s->placed = placement(d);
    if (d->kind != D_INVARIANT) s->name = dup(d->name);
    if (d->kind == D_RULE || d->kind == D_STAGE || d->kind == D_INVARIANT) s->text = dup_n(d->text, d->text_len);
    if (d->kind == D_RULE) {
        if (d->value) s->when = d->value->loc;
        effects(s, &d->body);
    }
    if (d->kind == D_PARAM || d->kind == D_TABLE || d->kind == D_AMEND) version_dates(s, &d->versions);
}

/* Invariants: proved when every comparison the declaration stands for was. */
static void mark_proved(yb_compiler *c, yb_outline *o)
{
    for (int i = 0; i < c->steps.n; i++) {
        const yb_decl *d = c->steps.items[i];
        if (d->kind != D_INVARIANT) continue;
        bool any = false, all = true;
        for (int k = 0; k < c->invariants.n; k++) {
            const yb_invariant *inv = c->invariants.items[k];
            if (inv->decl != d) continue;
            any = true;
            all &= inv->proved;
        }
        o->steps[i].proved = any && all;
    }
}

/* compile.c calls this once the policy has compiled. */
void yb_outline_fill(yb_compiler *c, yb_outline *o)
{
    o->nsteps = c->steps.n;
    o->steps = calloc((size_t)(o->nsteps ? o->nsteps : 1), sizeof *o->steps);
    for (int i = 0; i < c->steps.n; i++) fill_step(c, i, &o->steps[i]);
    mark_proved(c, o);
}

void yb_outline_free(yb_outline *o)
{
    for (int i = 0; i < o->nsteps; i++) {
        yb_outline_step *s = &o->steps[i];
        free(s->name);
        free(s->text);
        free(s->placed);
        free(s->dates);
        for (int k = 0; k < s->neffects; k++) free(s->effects[k]);
        free(s->effects);
    }
    free(o->steps);
    memset(o, 0, sizeof *o);
}
