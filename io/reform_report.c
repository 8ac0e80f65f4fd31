/* A reform report: the figures, claim by claim (reform_report.h).  The
 * writers are in reform_write.c (text, JSON, CSV) and html_report.c. */
#define _GNU_SOURCE 1 /* open_memstream */
#include "reform_report.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "siphash.h"

#define MAX_GROUPS 400 /* per breakdown: more keys than that go to "(other)" */

const char *const yb_reform_bucket_label[YB_REFORM_BUCKETS] = {
    "-10,000 or less", "-10,000 to -1,000", "-1,000 to -100", "-100 to -10", "-10 to 0", "no change",
    "0 to 10",         "10 to 100",         "100 to 1,000",   "1,000 to 10,000", "10,000 or more",
};

/* The bucket of a change in fen: edges at ±10, ±100, ±1,000, ±10,000 yuan. */
static int bucket_of(int64_t d)
{
    static const int64_t edge[4] = {1000, 10000, 100000, 1000000};
    if (d == 0) return 5;
    int64_t a = d < 0 ? -(d + 1) + 1 : d; /* |d| without overflow for INT64_MIN + 1 on */
    int k = 0;
    while (k < 4 && a >= edge[k]) k++;
    return d < 0 ? 4 - k : 6 + k;
}

void yb_reform_money_text(yb_reform_sum v, bool sign, char *buf, size_t n)
{
    bool neg = v < 0;
    unsigned __int128 a = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    char digits[48];
    int k = 0;
    do {
        digits[k++] = (char)('0' + (int)(a % 10));
        a /= 10;
    } while (a || k < 3);
    size_t o = 0;
    if (neg && o + 1 < n) buf[o++] = '-';
    else if (sign && v > 0 && o + 1 < n) buf[o++] = '+';
    for (int i = k - 1; i >= 0 && o + 1 < n; i--) {
        buf[o++] = digits[i];
        if (i == 2 && o + 1 < n) buf[o++] = '.';
    }
    buf[o] = 0;
}

/* ------------------------------------------------------------------------ */
/* Set up                                                                    */

static int find_output(const yb_program *p, const char *name, uint8_t kind)
{
    for (int i = 0; i < p->nouts; i++)
        if (strcmp(p->outs[i].name, name) == 0 && p->outs[i].kind == kind) return i;
    return -1;
}

/* A top-level (not in a list) field by its JSON path, or -1. */
static int field_by_path(const yb_program *p, const char *path)
{
    const yb_schema *s = &p->schema;
    for (int f = 0; f < s->nfields; f++) {
        if (p->elem_list && p->elem_list[f] >= 0) continue;
        char buf[256];
        yb_field_path(s, NULL, f, -1, buf, sizeof buf);
        if (strcmp(buf, path) == 0) return f;
    }
    return -1;
}

/* The claim field register r holds at pc: loaded before the code runs, or moved there. */
static int field_in_reg(const yb_program *p, int pc, unsigned r)
{
    for (int q = pc - 1; q >= 0; q--) {
        yb_instr in = p->code[q];
        if (YB_I_A(in) != r) continue;
        if (YB_I_OP(in) == YB_OP_MOV) return field_in_reg(p, q, YB_I_B(in));
        if (YB_I_OP(in) == YB_OP_LDF || YB_I_OP(in) == YB_OP_LDFC) return (int)YB_I_C(in);
        return -1;
    }
    for (int k = 0; k < p->nloads; k++)
        if ((unsigned)p->loads[k].reg == r) return p->loads[k].field;
    return -1;
}

int yb_reform_date_field(const yb_program *p)
{
    /* the register EPOCH reads holds the dated-by field */
    for (int i = 0; i < p->ncode; i++) {
        if (YB_I_OP(p->code[i]) != YB_OP_EPOCH) continue;
        int f = field_in_reg(p, i, YB_I_A(p->code[i]));
        if (f >= 0 && f < p->schema.nfields && p->schema.fields[f].kind == YB_T_DATE) return f;
        break;
    }
    /* else the first date of the claim itself (not of a list's elements) */
    for (int f = 0; f < p->schema.nfields; f++)
        if (p->schema.fields[f].kind == YB_T_DATE && p->elem_list[f] < 0) return f;
    return -1;
}

/* The first date from which a parameter (by name) has other values in the two
 * policies, or one policy has it and the other not; YB_DATE_MAX when none. */
static const yb_param *param_named(const yb_program *p, const char *name)
{
    for (int i = 0; i < p->nparams; i++)
        if (strcmp(p->params[i].name, name) == 0) return &p->params[i];
    return NULL;
}

static const yb_param_version *in_force(const yb_param *pp, yb_date d)
{
    const yb_param_version *v = NULL;
    for (int i = 0; pp && i < pp->nversions; i++)
        if (pp->versions[i].from <= d) v = &pp->versions[i];
    return v;
}

/* Do two versions hold the same values?  A bands cell names a band set: the bands compare. */
static bool same_values(const yb_program *pa, const yb_param *a, const yb_param_version *va, const yb_program *pb,
                        const yb_param *b, const yb_param_version *vb)
{
    if (!va || !vb) return va == vb;
    if (a->size != b->size || a->kind != b->kind) return false;
    bool bands = a->kind == YB_T_BANDS || a->range_key;
    for (int i = 0; i < a->size; i++) {
        if (!bands) {
            if (va->cells[i] != vb->cells[i]) return false;
            continue;
        }
        int64_t x = va->cells[i], y = vb->cells[i];
        if (x < 0 || y < 0 || x >= pa->nbandsets || y >= pb->nbandsets) return x == y;
        const yb_band_set *sx = &pa->bandsets[x], *sy = &pb->bandsets[y];
        if (sx->n != sy->n) return false;
        for (int k = 0; k < sx->n; k++)
            if (sx->bands[k].from != sy->bands[k].from || sx->bands[k].to != sy->bands[k].to ||
                sx->bands[k].rate != sy->bands[k].rate)
                return false;
        /* text keys live in each program's pool: compared as numbers above only when not text */
    }
    return true;
}

static yb_date first_difference(const yb_program *a, const yb_program *b)
{
    yb_date first = YB_DATE_MAX;
    for (int side = 0; side < 2; side++) {
        const yb_program *p = side ? b : a, *q = side ? a : b;
        for (int i = 0; i < p->nparams; i++) {
            const yb_param *pp = &p->params[i], *qp = param_named(q, pp->name);
            /* the dates where either side's value may change */
            for (int s2 = 0; s2 < 2; s2++) {
                const yb_param *src = s2 ? qp : pp;
                for (int v = 0; src && v < src->nversions; v++) {
                    yb_date d = src->versions[v].from;
                    if (d >= first) continue;
                    const yb_param_version *vp = in_force(pp, d), *vq = in_force(qp, d);
                    bool same = qp && (side ? same_values(q, qp, vq, p, pp, vp) : same_values(p, pp, vp, q, qp, vq));
                    if (!same) first = d;
                }
            }
        }
    }
    return first;
}

static void set_dims(yb_reform *r)
{
    static const char *const names[YB_REFORM_DIMS] = {"scheme", "visit.kind", "visit.level", "month", "member.status"};
    for (int d = 0; d < YB_REFORM_DIMS; d++) {
        yb_reform_dim *dim = &r->dims[d];
        dim->name = names[d];
        dim->month = strcmp(names[d], "month") == 0;
        dim->field = dim->month ? r->date_field : field_by_path(r->old_p, names[d]);
    }
}

yb_reform *yb_reform_new(const yb_program *old_p, const yb_program *new_p, int top_n)
{
    yb_reform *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->old_p = old_p;
    r->new_p = new_p;
    r->fund_old = find_output(old_p, "fund", YB_T_MONEY);
    r->fund_new = find_output(new_p, "fund", YB_T_MONEY);
    r->member_field = field_by_path(old_p, "member_id");
    r->claim_field = field_by_path(old_p, "claim_id");
    if (r->member_field >= 0 && old_p->schema.fields[r->member_field].kind != YB_T_TEXT) r->member_field = -1;
    if (r->claim_field >= 0 && old_p->schema.fields[r->claim_field].kind != YB_T_TEXT) r->claim_field = -1;
    r->date_field = yb_reform_date_field(old_p);
    r->latest = YB_DATE_MIN;
    r->differs_from = first_difference(old_p, new_p);
    r->top_n = top_n;
    yb_siphash_random_key(r->mkey); /* crafted member ids cannot make the table quadratic */
    r->top = calloc((size_t)top_n + 1, sizeof *r->top);
    r->money = calloc((size_t)old_p->nouts + 1, sizeof *r->money);
    if (!r->top || !r->money) {
        yb_reform_free(r);
        return NULL;
    }
    for (int i = 0; i < old_p->nouts; i++) {
        if (old_p->outs[i].kind != YB_T_MONEY) continue;
        int j = find_output(new_p, old_p->outs[i].name, YB_T_MONEY);
        if (j >= 0) r->money[r->nmoney++] = (yb_reform_money){old_p->outs[i].name, i, j, 0, 0};
    }
    set_dims(r);
    return r;
}

void yb_reform_free(yb_reform *r)
{
    if (!r) return;
    for (int d = 0; d < YB_REFORM_DIMS; d++) {
        for (int i = 0; i < r->dims[d].n; i++) free(r->dims[d].g[i].key);
        free(r->dims[d].g);
    }
    for (int i = 0; i < r->ntop; i++) {
        free(r->top[i].claim_id);
        free(r->top[i].member_id);
        free(r->top[i].file);
        free(r->top[i].rules);
    }
    for (size_t i = 0; i < r->mcap; i++) free(r->members[i].id);
    for (int i = 0; i < r->ntargets; i++) {
        free(r->targets[i].report);
        free(r->targets[i].key);
        yb_json_flat_free(&r->targets[i].old_v);
        yb_json_flat_free(&r->targets[i].new_v);
        free(r->targets[i].raw[0]);
        free(r->targets[i].raw[1]);
    }
    free(r->targets);
    free(r->members);
    free(r->top);
    free(r->money);
    free(r);
}

/* ------------------------------------------------------------------------ */
/* Claim by claim                                                            */

/* A top-level field's value as text, into buf; false when absent. */
static bool field_text(const yb_program *p, const yb_claim *c, int f, bool month, char *buf, size_t n)
{
    const yb_field *fd = &p->schema.fields[f];
    if (!c->present[fd->slot]) return false;
    int64_t v = c->slots[fd->slot];
    if (month) {
        int y, m, d;
        yb_date_to_ymd(v, &y, &m, &d);
        snprintf(buf, n, "%04d-%02d", y, m);
        return true;
    }
    if (fd->kind == YB_T_TEXT) return false; /* breakdowns are by enums, numbers and months */
    if (fd->kind == YB_T_ENUM) {
        const yb_enum_desc *e = &p->schema.enums[fd->enum_id];
        snprintf(buf, n, "%s", v >= 0 && v < e->n ? e->names[v] : "?");
        return true;
    }
    return yb_format_value(p, fd->kind, fd->enum_id, v, buf, n) >= 0;
}

static yb_reform_group *group_of(yb_reform_dim *dim, const char *key)
{
    for (int i = 0; i < dim->n; i++)
        if (strcmp(dim->g[i].key, key) == 0) return &dim->g[i];
    if (dim->n >= MAX_GROUPS) {
        dim->overflow = true;
        key = "(other)";
        for (int i = 0; i < dim->n; i++)
            if (strcmp(dim->g[i].key, key) == 0) return &dim->g[i];
    }
    yb_reform_group *g = realloc(dim->g, (size_t)(dim->n + 1) * sizeof *g);
    if (!g) return NULL;
    dim->g = g;
    g = &dim->g[dim->n];
    memset(g, 0, sizeof *g);
    if (!(g->key = strdup(key))) return NULL;
    dim->n++;
    return g;
}

/* The text of a text field of the claim (claim_id, member_id). */
static void claim_text(const yb_vm *vm, const yb_claim *c, int f, char *buf, size_t n)
{
    buf[0] = 0;
    if (f < 0) return;
    const yb_field *fd = &vm->p->schema.fields[f];
    if (!c->present[fd->slot]) return;
    const char *p;
    uint32_t len;
    yb_vm_text(vm, c->slots[fd->slot], &p, &len);
    snprintf(buf, n, "%.*s", (int)len, p);
}

static bool add_member(yb_reform *r, const char *id, int64_t change)
{
    if (r->mcount * 2 >= r->mcap) {
        size_t cap = r->mcap ? r->mcap * 2 : 1024;
        yb_member_sum *m = calloc(cap, sizeof *m);
        if (!m) return false;
        for (size_t i = 0; i < r->mcap; i++) {
            if (!r->members[i].id) continue;
            size_t h = yb_siphash13(r->mkey, r->members[i].id, strlen(r->members[i].id)) & (cap - 1);
            while (m[h].id) h = (h + 1) & (cap - 1);
            m[h] = r->members[i];
        }
        free(r->members);
        r->members = m;
        r->mcap = cap;
    }
    size_t h = yb_siphash13(r->mkey, id, strlen(id)) & (r->mcap - 1);
    while (r->members[h].id && strcmp(r->members[h].id, id) != 0) h = (h + 1) & (r->mcap - 1);
    yb_member_sum *ms = &r->members[h];
    if (!ms->id) {
        if (!(ms->id = strdup(id))) return false;
        r->mcount++;
    }
    ms->change += change;
    ms->claims++;
    return true;
}

/* One value of a rule's explanation, as text. */
static void explain_value(const yb_vm *vm, const yb_explain_value *ev, char *buf, size_t n)
{
    int64_t v = vm->regs[ev->reg];
    if (ev->kind == YB_T_TEXT) {
        const char *p;
        uint32_t len;
        yb_vm_text(vm, v, &p, &len);
        snprintf(buf, n, "\"%.*s\"", (int)len, p);
        return;
    }
    yb_format_value(vm->p, ev->kind, ev->enum_id, v, buf, n);
}

/* The first value of rule `name` that differs between the two settlements:
 * "住院: ratio 85% → 90%"; "" when the rule worked out the same values. */
static void rule_difference(const yb_vm *a, const yb_vm *b, const char *name, char *out, size_t n)
{
    const yb_vm *v[2] = {a, b};
    int fired[2] = {0, 0};
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < v[s]->p->nblocks; k++)
            if (v[s]->p->blocks[k].name && strcmp(v[s]->p->blocks[k].name, name) == 0 && v[s]->p->blocks[k].branch == 0)
                fired[s] = v[s]->fired[k] == v[s]->claim_no;
    out[0] = 0;
    if (fired[0] != fired[1]) {
        snprintf(out, n, "%s: %s", name, fired[0] ? "no longer fires" : "now fires");
        return;
    }
    if (!fired[0]) return;
    /* the values of every block of the rule that fired, in order, side by side */
    int ia = 0, ib = 0;
    for (;;) {
        const yb_explain_value *ea = NULL, *eb = NULL;
        for (; ia < a->p->nexplain; ia++) {
            const yb_explain_value *e = &a->p->explain[ia];
            const yb_block_desc *bd = &a->p->blocks[e->block];
            if (bd->name && strcmp(bd->name, name) == 0 && a->fired[e->block] == a->claim_no) { ea = e; break; }
        }
        for (; ib < b->p->nexplain; ib++) {
            const yb_explain_value *e = &b->p->explain[ib];
            const yb_block_desc *bd = &b->p->blocks[e->block];
            if (bd->name && strcmp(bd->name, name) == 0 && b->fired[e->block] == b->claim_no) { eb = e; break; }
        }
        if (!ea && !eb) return;
        char va[96] = "", vb[96] = "";
        if (ea) explain_value(a, ea, va, sizeof va);
        if (eb) explain_value(b, eb, vb, sizeof vb);
        if (!ea || !eb || strcmp(ea->label, eb->label) != 0 || strcmp(va, vb) != 0) {
            snprintf(out, n, "%s: %s %s → %s", name, ea ? ea->label : eb->label, ea ? va : "—", eb ? vb : "—");
            return;
        }
        ia++;
        ib++;
    }
}

/* The rules whose values differ, "; " between them (malloc'd). */
static char *rules_that_differ(const yb_vm *a, const yb_vm *b)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    int shown = 0;
    for (int s = 0; s < 2; s++) {
        const yb_program *p = s ? b->p : a->p, *q = s ? a->p : b->p;
        for (int k = 1; k < p->nblocks; k++) {
            const yb_block_desc *bd = &p->blocks[k];
            if (bd->branch || !bd->name) continue;
            if (s) { /* the new policy's rules the old one does not have */
                bool in_old = false;
                for (int j = 1; j < q->nblocks && !in_old; j++) in_old = q->blocks[j].name && strcmp(q->blocks[j].name, bd->name) == 0;
                if (in_old) continue;
            }
            char d[400];
            rule_difference(a, b, bd->name, d, sizeof d);
            if (d[0]) fprintf(m, "%s%s", shown++ ? "; " : "", d);
        }
    }
    fclose(m);
    return buf;
}

static int64_t abs_change(const yb_reform_top *t)
{
    int64_t d = t->new_fund - t->old_fund;
    return d < 0 ? -d : d;
}

/* Keep the claim if it is among the top N by the size of its change. */
static bool keep_top(yb_reform *r, const yb_vm *a, const yb_vm *b, const yb_claim *c, const char *file, long line,
                     int64_t of, int64_t nf)
{
    if (r->top_n <= 0) return true;
    int64_t d = nf - of, ad = d < 0 ? -d : d;
    if (ad == 0) return true;
    if (r->ntop == r->top_n && ad <= abs_change(&r->top[r->ntop - 1])) return true;
    yb_reform_top t = {0};
    char buf[256];
    claim_text(a, c, r->claim_field, buf, sizeof buf);
    t.claim_id = strdup(buf);
    claim_text(a, c, r->member_field, buf, sizeof buf);
    t.member_id = strdup(buf);
    t.file = strdup(file);
    t.rules = rules_that_differ(a, b);
    t.line = line;
    t.old_fund = of;
    t.new_fund = nf;
    if (!t.claim_id || !t.member_id || !t.file || !t.rules) {
        free(t.claim_id), free(t.member_id), free(t.file), free(t.rules);
        return false;
    }
    if (r->ntop == r->top_n) { /* the smallest goes */
        yb_reform_top *last = &r->top[--r->ntop];
        free(last->claim_id), free(last->member_id), free(last->file), free(last->rules);
    }
    int i = r->ntop++;
    while (i > 0 && abs_change(&r->top[i - 1]) < ad) {
        r->top[i] = r->top[i - 1];
        i--;
    }
    r->top[i] = t;
    return true;
}

bool yb_reform_claim(yb_reform *r, const yb_vm *a, const yb_vm *b, const yb_claim *c, const char *file, long line,
                     bool changed)
{
    r->claims++;
    r->changed += changed;
    int64_t of = r->fund_old >= 0 ? a->regs[r->fund_old] : 0, nf = r->fund_new >= 0 ? b->regs[r->fund_new] : 0;
    for (int i = 0; i < r->nmoney; i++) {
        r->money[i].old_total += a->regs[r->money[i].old_out];
        r->money[i].new_total += b->regs[r->money[i].new_out];
    }
    if (r->date_field >= 0 && c->present[r->old_p->schema.fields[r->date_field].slot]) {
        yb_date d = c->slots[r->old_p->schema.fields[r->date_field].slot];
        if (d > r->latest) r->latest = d;
    }
    for (int d = 0; d < YB_REFORM_DIMS; d++) {
        yb_reform_dim *dim = &r->dims[d];
        char key[128];
        if (dim->field < 0 || !field_text(r->old_p, c, dim->field, dim->month, key, sizeof key)) continue;
        yb_reform_group *g = group_of(dim, key);
        if (!g) return false;
        g->claims++;
        g->changed += changed;
        g->old_fund += of;
        g->new_fund += nf;
    }
    int64_t delta;
    if (__builtin_sub_overflow(nf, of, &delta)) delta = nf > of ? INT64_MAX : INT64_MIN;
    r->buckets[bucket_of(delta)]++;
    if (delta != 0 && r->member_field >= 0) {
        char id[256];
        claim_text(a, c, r->member_field, id, sizeof id);
        if (!add_member(r, id, delta)) return false;
    }
    return keep_top(r, a, b, c, file, line, of, nf);
}

void yb_reform_members(const yb_reform *r, long *count, int64_t *mean, const yb_member_sum **largest)
{
    long n = 0;
    __int128 sum = 0;
    const yb_member_sum *big = NULL;
    for (size_t i = 0; i < r->mcap; i++) {
        const yb_member_sum *m = &r->members[i];
        if (!m->id || m->change == 0) continue;
        n++;
        sum += m->change;
        int64_t am = m->change < 0 ? -m->change : m->change;
        int64_t ab = big ? (big->change < 0 ? -big->change : big->change) : -1;
        if (am > ab || (am == ab && strcmp(m->id, big->id) < 0)) big = m;
    }
    *count = n;
    /* the mean to the fen, half away from zero */
    *mean = n ? (int64_t)((sum + (sum < 0 ? -(n / 2) : n / 2)) / n) : 0;
    *largest = big;
}

/* ------------------------------------------------------------------------ */
/* The targets: batch report entries with `met`, from both sides            */

static bool reports_of(const yb_vm *vm, char **buf)
{
    size_t len = 0;
    FILE *m = open_memstream(buf, &len);
    if (!m) return false;
    bool ok = yb_write_reports(vm, m);
    return fclose(m) == 0 && ok;
}

static yb_reform_target *target_for(yb_reform *r, const char *report, const char *key)
{
    for (int i = 0; i < r->ntargets; i++)
        if (strcmp(r->targets[i].report, report) == 0 && strcmp(r->targets[i].key, key) == 0) return &r->targets[i];
    yb_reform_target *t = realloc(r->targets, (size_t)(r->ntargets + 1) * sizeof *t);
    if (!t) return NULL;
    r->targets = t;
    t = &r->targets[r->ntargets];
    memset(t, 0, sizeof *t);
    t->report = strdup(report);
    t->key = strdup(key);
    if (!t->report || !t->key) return NULL;
    r->ntargets++;
    return t;
}

static int by_key(const void *x, const void *y)
{
    return strcmp(((const yb_reform_group *)x)->key, ((const yb_reform_group *)y)->key);
}

bool yb_reform_finish(yb_reform *r, const yb_vm *a, const yb_vm *b)
{
    for (int d = 0; d < YB_REFORM_DIMS; d++) /* keys in order: months in time, names alphabetically */
        if (r->dims[d].n > 1) qsort(r->dims[d].g, (size_t)r->dims[d].n, sizeof *r->dims[d].g, by_key);
    for (int s = 0; s < 2; s++) {
        char *buf = NULL;
        if (!reports_of(s ? b : a, &buf)) {
            free(buf);
            return false;
        }
        for (char *line = buf, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next) *next++ = 0;
            yb_json_flat f;
            if (!yb_json_flat_parse(line, &f)) {
                yb_json_flat_free(&f);
                continue;
            }
            const char *rep = yb_json_flat_get(&f, "report"), *key = yb_json_flat_get(&f, "key");
            yb_reform_target *t = rep && key && yb_json_flat_get(&f, "met") ? target_for(r, rep, key) : NULL;
            if (t) {
                yb_json_flat *dst = s ? &t->new_v : &t->old_v;
                yb_json_flat_free(dst);
                *dst = f;
                free(t->raw[s]);
                t->raw[s] = strdup(line); /* JSON keeps the line's own types (key list, bools) */
            } else {
                yb_json_flat_free(&f);
            }
        }
        free(buf);
    }
    return true;
}

void yb_reform_replay_warning(const yb_reform *r, char *buf, size_t n)
{
    buf[0] = 0;
    if (r->differs_from == YB_DATE_MAX || r->claims == 0 || r->latest >= r->differs_from) return;
    char d1[16], d2[16];
    yb_date_format(r->differs_from, d1);
    yb_date_format(r->latest, d2);
    int y1 = yb_date_year(r->differs_from), y2 = yb_date_year(r->latest);
    snprintf(buf, n,
             "warning: the two policies' parameters differ only from %s on, and no claim falls on or after it "
             "(the latest is %s): replay the claims with --as-of %d or --shift-years %d",
             d1, d2, y1, y1 - y2);
}

/* ------------------------------------------------------------------------ */
/* Replay: every date of a claim moved by whole years                        */

static yb_date shift_date(yb_date d, int years)
{
    int y, m, day;
    yb_date_to_ymd(d, &y, &m, &day);
    y += years;
    int dim = yb_days_in_month(y, m);
    if (day > dim) day = dim;
    yb_date out = yb_date_from_ymd(y, m, day);
    return yb_date_in_range(out) ? out : d;
}

void yb_claim_shift_years(yb_claim *c, const yb_program *p, int years)
{
    if (!years) return;
    const yb_schema *s = &p->schema;
    for (int f = 0; f < s->nfields; f++) {
        if (s->fields[f].kind != YB_T_DATE) continue;
        int li = p->elem_list[f];
        if (li < 0) {
            int slot = s->fields[f].slot;
            if (c->present[slot]) c->slots[slot] = shift_date(c->slots[slot], years);
            continue;
        }
        yb_list_data *l = &c->lists[li];
        int stride = p->elem_stride[f], slot = p->elem_slot[f];
        for (int e = 0; e < l->count; e++) {
            size_t at = (size_t)e * (size_t)stride + (size_t)slot;
            if (l->present[at]) l->slots[at] = shift_date(l->slots[at], years);
        }
    }
}
