/* A reform report as text, JSON and CSV (reform_report.h). */
#include <stdlib.h>
#include <string.h>

#include "reform_report.h"
#include "report.h"

static void money(yb_reform_sum v, char *buf) { yb_reform_money_text(v, false, buf, 48); }
static void change(yb_reform_sum v, char *buf) { yb_reform_money_text(v, true, buf, 48); }

/* A change as a share of the old figure, to 0.01% ("+5.31%"); "" when the old figure is 0. */
static void percent(yb_reform_sum old_v, yb_reform_sum new_v, char *buf, size_t n)
{
    buf[0] = 0;
    if (old_v == 0) return;
    yb_reform_sum d = (new_v - old_v) * 10000, q = d / old_v, rem = d % old_v;
    yb_reform_sum a = old_v < 0 ? -old_v : old_v;
    if ((rem < 0 ? -rem : rem) * 2 >= a) q += (d < 0) == (old_v < 0) ? 1 : -1; /* half away from zero */
    bool neg = q < 0;
    yb_reform_sum aq = neg ? -q : q;
    snprintf(buf, n, "%s%lld.%02lld%%", neg ? "-" : q > 0 ? "+" : "", (long long)(aq / 100), (long long)(aq % 100));
}

static const char *fund_or(const yb_reform *r) { return r->fund_old >= 0 ? "fund" : "(no fund output)"; }

/* ------------------------------------------------------------------------ */
/* Text                                                                      */

static void text_header(const yb_reform *r, FILE *out)
{
    char a[48], b[48], d[48], pc[32];
    fprintf(out, "Reform: %s (\"%s\" %s) -> %s (\"%s\" %s)\n", r->old_name, r->old_p->name, r->old_p->version, r->new_name,
            r->new_p->name, r->new_p->version);
    if (r->as_of) fprintf(out, "Replay: every claim's dates moved into %d\n", r->as_of);
    else if (r->shift_years) fprintf(out, "Replay: every claim's dates moved by %+d year%s\n", r->shift_years, r->shift_years == 1 || r->shift_years == -1 ? "" : "s");
    fprintf(out, "Claims: %ld compared, %ld changed, %ld errors\n", r->claims, r->changed, r->errors);
    char w[400];
    yb_reform_replay_warning(r, w, sizeof w);
    if (w[0]) fprintf(out, "%s\n", w);
    for (int i = 0; i < r->nmoney; i++) {
        const yb_reform_money *m = &r->money[i];
        money(m->old_total, a);
        money(m->new_total, b);
        change(m->new_total - m->old_total, d);
        percent(m->old_total, m->new_total, pc, sizeof pc);
        if (strcmp(m->name, "fund") == 0)
            fprintf(out, "\nCost to the fund: %s -> %s, change %s%s%s%s\n", a, b, d, pc[0] ? " (" : "", pc, pc[0] ? ")" : "");
    }
    fprintf(out, "\n%-14s %16s %16s %14s %9s\n", "output", "old", "new", "change", "");
    for (int i = 0; i < r->nmoney; i++) {
        const yb_reform_money *m = &r->money[i];
        money(m->old_total, a);
        money(m->new_total, b);
        change(m->new_total - m->old_total, d);
        percent(m->old_total, m->new_total, pc, sizeof pc);
        fprintf(out, "%-14s %16s %16s %14s %9s\n", m->name, a, b, d, pc);
    }
}

static void text_dims(const yb_reform *r, FILE *out)
{
    for (int k = 0; k < YB_REFORM_DIMS; k++) {
        const yb_reform_dim *dim = &r->dims[k];
        if (dim->field < 0 || !dim->n) continue;
        fprintf(out, "\nBy %s (%s)\n%-16s %8s %8s %16s %16s %14s %9s\n", dim->name, fund_or(r), dim->name, "claims", "changed",
                "old", "new", "change", "");
        for (int i = 0; i < dim->n; i++) {
            const yb_reform_group *g = &dim->g[i];
            char a[48], b[48], d[48], pc[32];
            money(g->old_fund, a);
            money(g->new_fund, b);
            change(g->new_fund - g->old_fund, d);
            percent(g->old_fund, g->new_fund, pc, sizeof pc);
            fprintf(out, "%-16s %8ld %8ld %16s %16s %14s %9s\n", g->key, g->claims, g->changed, a, b, d, pc);
        }
    }
}

static void text_members(const yb_reform *r, FILE *out)
{
    if (r->member_field < 0) return;
    long n;
    int64_t mean;
    const yb_member_sum *big;
    yb_reform_members(r, &n, &mean, &big);
    char a[48], b[48];
    change(mean, a);
    fprintf(out, "\nMembers affected: %ld", n);
    if (n && big) {
        change(big->change, b);
        fprintf(out, "; mean change %s; largest %s (member %s, %ld claim%s)", a, b, big->id, big->claims, big->claims == 1 ? "" : "s");
    }
    fputc('\n', out);
}

static void text_histogram(const yb_reform *r, FILE *out)
{
    long most = 1;
    for (int i = 0; i < YB_REFORM_BUCKETS; i++)
        if (r->buckets[i] > most) most = r->buckets[i];
    fprintf(out, "\nChange per claim (%s, yuan)\n", fund_or(r));
    for (int i = 0; i < YB_REFORM_BUCKETS; i++) {
        int bar = (int)(r->buckets[i] * 40 / most);
        if (r->buckets[i] && !bar) bar = 1;
        fprintf(out, "  %-20s %8ld  ", yb_reform_bucket_label[i], r->buckets[i]);
        for (int k = 0; k < bar; k++) fputc('#', out);
        fputc('\n', out);
    }
}

static void text_top(const yb_reform *r, FILE *out)
{
    if (!r->ntop) return;
    fprintf(out, "\nTop %d claims by change (%s)\n", r->ntop, fund_or(r));
    for (int i = 0; i < r->ntop; i++) {
        const yb_reform_top *t = &r->top[i];
        char a[48], b[48], d[48];
        money(t->old_fund, a);
        money(t->new_fund, b);
        change((yb_reform_sum)t->new_fund - t->old_fund, d);
        fprintf(out, "  %s (member %s, %s:%ld): %s -> %s, %s\n    %s\n", t->claim_id, t->member_id, t->file, t->line, a, b, d,
                t->rules[0] ? t->rules : "(no rule's values differ)");
    }
}

/* A target line: "inpatient_reimbursement [resident, 2025]: ratio 42% -> 45%; met false -> false". */
static void text_targets(const yb_reform *r, FILE *out)
{
    if (!r->ntargets) return;
    fputs("\nTargets (section 9 reports), old -> new\n", out);
    for (int i = 0; i < r->ntargets; i++) {
        const yb_reform_target *t = &r->targets[i];
        fprintf(out, "  %s %s:", t->report, t->key);
        const yb_json_flat *src = t->old_v.n ? &t->old_v : &t->new_v;
        for (int k = 0; k < src->n; k++) {
            const char *name = src->keys[k];
            if (!strcmp(name, "report") || !strcmp(name, "key")) continue;
            const char *o = yb_json_flat_get(&t->old_v, name), *n = yb_json_flat_get(&t->new_v, name);
            if (!strcmp(name, "met")) {
                fprintf(out, " %s -> %s", o ? (strcmp(o, "true") ? "missed" : "met") : "—",
                        n ? (strcmp(n, "true") ? "missed" : "met") : "—");
                continue;
            }
            if (o && n && !strcmp(o, n)) fprintf(out, " %s %s;", name, o);
            else fprintf(out, " %s %s -> %s;", name, o ? o : "—", n ? n : "—");
        }
        fputc('\n', out);
    }
}

bool yb_reform_write_text(const yb_reform *r, FILE *out)
{
    text_header(r, out);
    text_dims(r, out);
    text_members(r, out);
    text_histogram(r, out);
    text_top(r, out);
    text_targets(r, out);
    return !ferror(out);
}

/* ------------------------------------------------------------------------ */
/* JSON: one object                                                          */

static void jstr(FILE *out, const char *s) { yb_put_json_text(out, s, strlen(s)); }

static void jmoney(FILE *out, yb_reform_sum v)
{
    char b[48];
    money(v, b);
    jstr(out, b);
}

bool yb_reform_write_json(const yb_reform *r, FILE *out)
{
    fputs("{\"old\":", out);
    jstr(out, r->old_name);
    fputs(",\"new\":", out);
    jstr(out, r->new_name);
    fprintf(out, ",\"shift_years\":%d,\"as_of\":%d,\"claims\":%ld,\"changed\":%ld,\"errors\":%ld", r->shift_years, r->as_of,
            r->claims, r->changed, r->errors);
    char w[400];
    yb_reform_replay_warning(r, w, sizeof w);
    fputs(",\"warning\":", out);
    if (w[0]) jstr(out, w);
    else fputs("null", out);
    fputs(",\"totals\":{", out);
    for (int i = 0; i < r->nmoney; i++) {
        const yb_reform_money *m = &r->money[i];
        fprintf(out, "%s", i ? "," : "");
        jstr(out, m->name);
        fputs(":{\"old\":", out);
        jmoney(out, m->old_total);
        fputs(",\"new\":", out);
        jmoney(out, m->new_total);
        fputs(",\"diff\":", out);
        jmoney(out, m->new_total - m->old_total);
        fputc('}', out);
    }
    fputs("},\"breakdowns\":{", out);
    bool first = true;
    for (int k = 0; k < YB_REFORM_DIMS; k++) {
        const yb_reform_dim *dim = &r->dims[k];
        if (dim->field < 0) continue;
        fprintf(out, "%s", first ? "" : ",");
        first = false;
        jstr(out, dim->name);
        fputs(":[", out);
        for (int i = 0; i < dim->n; i++) {
            const yb_reform_group *g = &dim->g[i];
            fprintf(out, "%s{\"key\":", i ? "," : "");
            jstr(out, g->key);
            fprintf(out, ",\"claims\":%ld,\"changed\":%ld,\"old\":", g->claims, g->changed);
            jmoney(out, g->old_fund);
            fputs(",\"new\":", out);
            jmoney(out, g->new_fund);
            fputs(",\"diff\":", out);
            jmoney(out, g->new_fund - g->old_fund);
            fputc('}', out);
        }
        fputc(']', out);
    }
    fputs("}", out);
    if (r->member_field >= 0) {
        long n;
        int64_t mean;
        const yb_member_sum *big;
        yb_reform_members(r, &n, &mean, &big);
        fprintf(out, ",\"members\":{\"affected\":%ld,\"mean_change\":", n);
        jmoney(out, mean);
        fputs(",\"largest\":", out);
        if (big) {
            fputs("{\"member_id\":", out);
            jstr(out, big->id);
            fputs(",\"change\":", out);
            jmoney(out, big->change);
            fprintf(out, ",\"claims\":%ld}", big->claims);
        } else {
            fputs("null", out);
        }
        fputc('}', out);
    }
    fputs(",\"histogram\":[", out);
    for (int i = 0; i < YB_REFORM_BUCKETS; i++) {
        fprintf(out, "%s{\"range\":", i ? "," : "");
        jstr(out, yb_reform_bucket_label[i]);
        fprintf(out, ",\"claims\":%ld}", r->buckets[i]);
    }
    fputs("],\"top\":[", out);
    for (int i = 0; i < r->ntop; i++) {
        const yb_reform_top *t = &r->top[i];
        fprintf(out, "%s{\"claim_id\":", i ? "," : "");
        jstr(out, t->claim_id);
        fputs(",\"member_id\":", out);
        jstr(out, t->member_id);
        fputs(",\"file\":", out);
        jstr(out, t->file);
        fprintf(out, ",\"line\":%ld,\"old\":", t->line);
        jmoney(out, t->old_fund);
        fputs(",\"new\":", out);
        jmoney(out, t->new_fund);
        fputs(",\"diff\":", out);
        jmoney(out, (yb_reform_sum)t->new_fund - t->old_fund);
        fputs(",\"rules\":", out);
        jstr(out, t->rules);
        fputc('}', out);
    }
    fputs("],\"targets\":[", out);
    for (int i = 0; i < r->ntargets; i++) {
        const yb_reform_target *t = &r->targets[i];
        fprintf(out, "%s{\"report\":", i ? "," : "");
        jstr(out, t->report);
        fputs(",\"old\":", out); /* the entry as `run --report` writes it, its key included */
        fputs(t->raw[0] ? t->raw[0] : "null", out);
        fputs(",\"new\":", out);
        fputs(t->raw[1] ? t->raw[1] : "null", out);
        fputc('}', out);
    }
    fputs("]}\n", out);
    return !ferror(out);
}

/* ------------------------------------------------------------------------ */
/* CSV: one table, a section column first                                    */

static void csv_cell(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_row(FILE *out, const char *section, const char *key, long claims, long changed, yb_reform_sum o,
                    yb_reform_sum n)
{
    char a[48], b[48], d[48];
    money(o, a);
    money(n, b);
    money(n - o, d);
    csv_cell(out, section);
    fputc(',', out);
    csv_cell(out, key);
    fprintf(out, ",%ld,%ld,%s,%s,%s\n", claims, changed, a, b, d);
}

bool yb_reform_write_csv(const yb_reform *r, FILE *out)
{
    fputs("section,key,claims,changed,old,new,diff\n", out);
    for (int i = 0; i < r->nmoney; i++)
        csv_row(out, "total", r->money[i].name, r->claims, r->changed, r->money[i].old_total, r->money[i].new_total);
    for (int k = 0; k < YB_REFORM_DIMS; k++)
        for (int i = 0; r->dims[k].field >= 0 && i < r->dims[k].n; i++) {
            const yb_reform_group *g = &r->dims[k].g[i];
            csv_row(out, r->dims[k].name, g->key, g->claims, g->changed, g->old_fund, g->new_fund);
        }
    for (int i = 0; i < YB_REFORM_BUCKETS; i++) {
        fputs("histogram,", out);
        csv_cell(out, yb_reform_bucket_label[i]);
        fprintf(out, ",%ld,,,,\n", r->buckets[i]);
    }
    for (int i = 0; i < r->ntop; i++) {
        const yb_reform_top *t = &r->top[i];
        csv_row(out, "top", t->claim_id, 1, 1, t->old_fund, t->new_fund);
    }
    return !ferror(out);
}
