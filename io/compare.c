/* `yibao compare OLD NEW CLAIMS…`: regression testing of a policy change.
 * Every claim is settled by both policies; each claim whose settlement
 * differs is written as one JSON line naming the outputs that changed (old,
 * new, and the difference for money), and a last line sums every money
 * output under both policies: what the reform costs the fund, to the fen. */
#include "compare.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "reform_report.h"
#include "report.h"
#include "vm.h"

typedef struct side {
    const yb_program *p;
    yb_vm *vm;
} side;

/* The outputs the two policies share: same name and kind. */
typedef struct pair {
    int old_out, new_out;
    uint8_t kind;
    __int128 old_total, new_total; /* 128 bits: no sum of int64 fen can wrap */
} pair;

static void put_money(FILE *out, int64_t v)
{
    char buf[32];
    yb_money_format(v, buf);
    yb_put_json_text(out, buf, strlen(buf));
}

/* A sum or a difference: printed when it is a money value (int64 fen), else
 * null, never a wrapped figure.  Returns whether it printed. */
static bool put_money_wide(FILE *out, __int128 v)
{
    if (!yb_fits64(v)) {
        fputs("null", out);
        return false;
    }
    put_money(out, (int64_t)v);
    return true;
}

/* One output of one side, as it would print in a settlement. */
static void put_output(FILE *out, const side *s, int o)
{
    const yb_out_field *f = &s->p->outs[o];
    int64_t v = s->vm->regs[o];
    char buf[64];
    switch (f->kind) {
    case YB_T_STATUS: fputs(s->vm->held ? "\"held\"" : "\"settled\"", out); return;
    case YB_T_REASONS:
        fputc('[', out);
        for (int k = 0; k < s->vm->nreasons; k++) {
            if (k) fputc(',', out);
            const char *r = s->p->reasons[s->vm->reasons[k]];
            yb_put_json_text(out, r, strlen(r));
        }
        fputc(']', out);
        return;
    case YB_T_ALERTS:
        fputc('[', out);
        for (int k = 0; k < s->vm->nalerts; k++) {
            if (k) fputc(',', out);
            const char *id = s->p->alerts[s->vm->alerts[k]].id;
            yb_put_json_text(out, id, strlen(id));
        }
        fputc(']', out);
        return;
    case YB_T_TEXT: {
        const char *p;
        uint32_t n;
        yb_vm_text(s->vm, v, &p, &n);
        yb_put_json_text(out, p, n);
        return;
    }
    case YB_T_INT:
    case YB_T_BOOL:
        yb_format_value(s->p, f->kind, f->enum_id, v, buf, sizeof buf);
        fputs(buf, out);
        return;
    default:
        yb_format_value(s->p, f->kind, f->enum_id, v, buf, sizeof buf);
        yb_put_json_text(out, buf, strlen(buf));
    }
}

/* Do the two sides' outputs differ?  Lists compare by their names in order. */
static bool differs(const side *a, int oa, const side *b, int ob)
{
    uint8_t k = a->p->outs[oa].kind;
    if (k == YB_T_STATUS) return a->vm->held != b->vm->held;
    if (k == YB_T_REASONS) {
        if (a->vm->nreasons != b->vm->nreasons) return true;
        for (int i = 0; i < a->vm->nreasons; i++)
            if (strcmp(a->p->reasons[a->vm->reasons[i]], b->p->reasons[b->vm->reasons[i]]) != 0) return true;
        return false;
    }
    if (k == YB_T_ALERTS) {
        if (a->vm->nalerts != b->vm->nalerts) return true;
        for (int i = 0; i < a->vm->nalerts; i++)
            if (strcmp(a->p->alerts[a->vm->alerts[i]].id, b->p->alerts[b->vm->alerts[i]].id) != 0) return true;
        return false;
    }
    int64_t va = a->vm->regs[oa], vb = b->vm->regs[ob];
    if (k == YB_T_TEXT) {
        const char *pa, *pb;
        uint32_t na, nb;
        yb_vm_text(a->vm, va, &pa, &na);
        yb_vm_text(b->vm, vb, &pb, &nb);
        return na != nb || memcmp(pa, pb, na) != 0;
    }
    if (k == YB_T_ENUM) {
        const yb_enum_desc *ea = &a->p->schema.enums[a->p->outs[oa].enum_id], *eb = &b->p->schema.enums[b->p->outs[ob].enum_id];
        return va < 0 || vb < 0 || va >= ea->n || vb >= eb->n || strcmp(ea->names[va], eb->names[vb]) != 0;
    }
    return va != vb;
}

static int find_output(const yb_program *p, const char *name)
{
    for (int i = 0; i < p->nouts; i++)
        if (strcmp(p->outs[i].name, name) == 0) return i;
    return -1;
}

static void claim_label(FILE *out, side *s, long line)
{
    int id = find_output(s->p, "claim_id");
    fprintf(out, "{\"line\":%ld", line);
    if (id >= 0 && s->p->outs[id].kind == YB_T_TEXT) {
        fputs(",\"claim_id\":", out);
        put_output(out, s, id);
    }
}

/* The outputs the two policies share: same name and kind. */
static int shared_outputs(const yb_program *old_p, const yb_program *new_p, pair *pairs, FILE *errs)
{
    int npairs = 0;
    for (int i = 0; i < old_p->nouts; i++) {
        int j = find_output(new_p, old_p->outs[i].name);
        if (j >= 0 && new_p->outs[j].kind == old_p->outs[i].kind) pairs[npairs++] = (pair){i, j, old_p->outs[i].kind, 0, 0};
        else fprintf(errs, "yibao: output `%s` is not in both policies (or not of one kind): not compared\n", old_p->outs[i].name);
    }
    return npairs;
}

typedef struct compare_ctx {
    side sides[2];
    pair *pairs;
    int npairs;
    long changed, too_large; /* too_large: figures printed as null */
    FILE *out, *errs;
    const yb_compare_opts *co; /* NULL: the JSON lines alone */
    bool lines;                /* write a line per changed claim and the summary */
} compare_ctx;

/* where: "FILE:LINE: " for one claim, "" for the summary */
static void too_large(compare_ctx *x, const char *where, const char *what, const char *name)
{
    fprintf(x->errs, "%serror: %s of `%s` is outside the money range (-92233720368547758.08 to 92233720368547758.07): printed as null\n",
            where, what, name);
    x->too_large++;
}

static const char *const side_label[2] = {"old policy", "new policy"};

/* --as-of YEAR, --shift-years N: every date of the claim moved by the same
 * whole years under both policies (as-of: the years that bring the date the
 * old policy is dated by into YEAR). */
static void replay(compare_ctx *x, yb_claim *const *claims)
{
    int years = x->co->shift_years;
    if (x->co->as_of) {
        int f = yb_reform_date_field(x->sides[0].p);
        const yb_claim *c = claims[0];
        if (f < 0 || !c->present[x->sides[0].p->schema.fields[f].slot]) return;
        years = x->co->as_of - yb_date_year(c->slots[x->sides[0].p->schema.fields[f].slot]);
    }
    for (int k = 0; k < 2; k++) yb_claim_shift_years(claims[k], x->sides[k].p, years);
}

/* One claim settled by both policies: a line when a shared output differs. */
static yb_batch_step compare_one(void *ctx, yb_claim *const *claims, const char *file, long line)
{
    compare_ctx *x = ctx;
    side *sides = x->sides;
    FILE *out = x->out;
    bool bad = false;
    if (x->co && (x->co->shift_years || x->co->as_of)) replay(x, claims);
    for (int k = 0; k < 2; k++)
        if (!yb_batch_settle(sides[k].vm, claims[k], file, line, side_label[k], x->errs)) bad = true;
    if (bad) return YB_BATCH_BAD;
    bool any = false;
    for (int i = 0; i < x->npairs; i++) {
        pair *pr = &x->pairs[i];
        if (pr->kind == YB_T_MONEY) {
            pr->old_total += sides[0].vm->regs[pr->old_out];
            pr->new_total += sides[1].vm->regs[pr->new_out];
        }
        if (!differs(&sides[0], pr->old_out, &sides[1], pr->new_out)) continue;
        if (!x->lines) {
            any = true;
            continue;
        }
        if (!any) {
            claim_label(out, &sides[0], line);
            fputs(",\"changes\":{", out);
        } else {
            fputc(',', out);
        }
        any = true;
        const char *name = sides[0].p->outs[pr->old_out].name;
        yb_put_json_text(out, name, strlen(name));
        fputs(":{\"old\":", out);
        put_output(out, &sides[0], pr->old_out);
        fputs(",\"new\":", out);
        put_output(out, &sides[1], pr->new_out);
        if (pr->kind == YB_T_MONEY) {
            fputs(",\"diff\":", out);
            if (!put_money_wide(out, (__int128)sides[1].vm->regs[pr->new_out] - sides[0].vm->regs[pr->old_out])) {
                char where[4200];
                snprintf(where, sizeof where, "%s:%ld: ", file, line);
                too_large(x, where, "the difference", name);
            }
        }
        fputc('}', out);
    }
    if (any) {
        if (x->lines) fputs("}}\n", out);
        x->changed++;
    }
    if (x->co && x->co->reform && !yb_reform_claim(x->co->reform, sides[0].vm, sides[1].vm, claims[0], file, line, any)) {
        fprintf(x->errs, "error: out of memory for the reform report\n");
        return YB_BATCH_STOP;
    }
    return ferror(out) ? YB_BATCH_STOP : YB_BATCH_DONE;
}

/* The last line: what each policy pays out over the whole corpus. */
static void put_summary(FILE *out, compare_ctx *x, const yb_batch_stats *st)
{
    fprintf(out, "{\"summary\":{\"claims\":%ld,\"changed\":%ld,\"errors\":%ld,\"totals\":{", st->done, x->changed, st->errors);
    bool first = true;
    for (int i = 0; i < x->npairs; i++) {
        const pair *pr = &x->pairs[i];
        if (pr->kind != YB_T_MONEY) continue;
        if (!first) fputc(',', out);
        first = false;
        const char *name = x->sides[0].p->outs[pr->old_out].name;
        yb_put_json_text(out, name, strlen(name));
        fputs(":{\"old\":", out);
        if (!put_money_wide(out, pr->old_total)) too_large(x, "", "the old policy's total", name);
        fputs(",\"new\":", out);
        if (!put_money_wide(out, pr->new_total)) too_large(x, "", "the new policy's total", name);
        fputs(",\"diff\":", out);
        if (!put_money_wide(out, pr->new_total - pr->old_total)) too_large(x, "", "the difference of the totals", name);
        fputc('}', out);
    }
    fputs("}}}\n", out);
}

int yb_compare(const yb_program *old_p, const yb_program *new_p, const char *const *inputs, int ninputs,
               const yb_batch_opts *o, FILE *out)
{
    return yb_compare_with(old_p, new_p, inputs, ninputs, o, out, NULL);
}

int yb_compare_with(const yb_program *old_p, const yb_program *new_p, const char *const *inputs, int ninputs,
                    const yb_batch_opts *o, FILE *out, const yb_compare_opts *co)
{
    FILE *errs = o->errors;
    compare_ctx x = {{{old_p, yb_vm_new(old_p)}, {new_p, yb_vm_new(new_p)}}, NULL, 0, 0, 0, out, errs, co, !co || co->lines};
    x.pairs = calloc((size_t)old_p->nouts + 1, sizeof *x.pairs);
    int rc = 1;
    if (!x.sides[0].vm || !x.sides[1].vm || !x.pairs) {
        fprintf(errs, "error: out of memory\n");
        goto done;
    }
    x.npairs = shared_outputs(old_p, new_p, x.pairs, errs);
    yb_batch_side sides[2] = {{&old_p->schema, side_label[0]}, {&new_p->schema, side_label[1]}};
    yb_batch_stats st;
    bool ok = yb_batch_each(sides, 2, inputs, ninputs, o, compare_one, &x, &st);
    if (ok && x.lines) put_summary(out, &x, &st);
    if (co && co->reform) {
        co->reform->errors = st.errors;
        if (!yb_reform_finish(co->reform, x.sides[0].vm, x.sides[1].vm)) ok = false;
    }
    if (fflush(out) != 0 || ferror(out)) ok = false; /* the caller, who knows the output, says so */
    fprintf(errs, "%ld claims compared, %ld changed, %ld errors\n", st.done, x.changed, st.errors);
    rc = ok && st.errors == 0 && x.too_large == 0 ? 0 : 1;
done:
    for (int k = 0; k < 2; k++) yb_vm_free(x.sides[k].vm);
    free(x.pairs);
    return rc;
}
