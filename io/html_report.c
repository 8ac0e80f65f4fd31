/* A reform report as one self-contained HTML page (`yibao compare --html
 * FILE`): no script, no network, charts as inline SVG.  Sizes on the charts
 * are worked out in integers, like the money they draw. */
#include <stdlib.h>
#include <string.h>

#include "html_text.h"
#include "reform_report.h"

static void esc(FILE *out, const char *s) { yb_html_text(out, s); }

static void money(FILE *out, yb_reform_sum v, bool sign)
{
    char b[48];
    yb_reform_money_text(v, sign, b, sizeof b);
    fputs(b, out);
}

static const char style[] =
    "body{font-family:'Noto Sans CJK SC','Noto Sans',Arial,sans-serif;margin:24px 40px;color:#1d2733;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d6dde5;padding-bottom:4px}"
    ".sub{color:#5b6b7c;font-size:13px}.warn{background:#fff4d6;border:1px solid #e8c468;padding:8px 12px;margin:12px 0;font-size:13px}"
    ".cards{display:flex;gap:16px;margin:16px 0}.card{border:1px solid #d6dde5;border-radius:6px;padding:12px 18px;min-width:170px}"
    ".card .l{font-size:12px;color:#5b6b7c}.card .v{font-size:22px;font-weight:600;margin-top:4px}"
    ".up{color:#b3261e}.down{color:#1e7b34}"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:4px 10px;border-bottom:1px solid #e6ebf0;text-align:right}"
    "th{background:#f3f6f9}td.k,th.k{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:28px}"
    ".legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}";

static void card(FILE *out, const char *label, const char *id, yb_reform_sum v, bool sign)
{
    fprintf(out, "<div class=\"card\"><div class=\"l\">%s</div><div class=\"v%s\" id=\"%s\">", label,
            sign ? (v > 0 ? " up" : v < 0 ? " down" : "") : "", id);
    money(out, v, sign);
    fputs("</div></div>\n", out);
}

static const yb_reform_money *fund_total(const yb_reform *r)
{
    for (int i = 0; i < r->nmoney; i++)
        if (strcmp(r->money[i].name, "fund") == 0) return &r->money[i];
    return NULL;
}

static void headline(const yb_reform *r, FILE *out)
{
    fputs("<h1>Reform report: ", out);
    esc(out, r->new_p->name);
    fputs("</h1>\n<div class=\"sub\">", out);
    esc(out, r->old_name);
    fputs(" (", out);
    esc(out, r->old_p->version);
    fputs(") &rarr; ", out);
    esc(out, r->new_name);
    fputs(" (", out);
    esc(out, r->new_p->version);
    fprintf(out, ") &middot; <span id=\"claims\">%ld</span> claims compared, <span id=\"changed\">%ld</span> changed, %ld errors",
            r->claims, r->changed, r->errors);
    if (r->as_of) fprintf(out, " &middot; replayed as of %d", r->as_of);
    else if (r->shift_years) fprintf(out, " &middot; dates moved by %+d years", r->shift_years);
    fputs("</div>\n", out);
    char w[400];
    yb_reform_replay_warning(r, w, sizeof w);
    if (w[0]) {
        fputs("<div class=\"warn\">", out);
        esc(out, w);
        fputs("</div>\n", out);
    }
    const yb_reform_money *f = fund_total(r);
    if (!f) return;
    fputs("<div class=\"cards\">\n", out);
    card(out, "Fund, old policy", "fund-old", f->old_total, false);
    card(out, "Fund, new policy", "fund-new", f->new_total, false);
    card(out, "Cost of the reform", "fund-change", f->new_total - f->old_total, true);
    fputs("</div>\n", out);
}

/* Grouped bars, old and new, for one breakdown. */
static void bars(const yb_reform *r, FILE *out, const yb_reform_dim *dim)
{
    if (dim->field < 0 || !dim->n) return;
    yb_reform_sum most = 1;
    for (int i = 0; i < dim->n; i++) {
        if (dim->g[i].old_fund > most) most = dim->g[i].old_fund;
        if (dim->g[i].new_fund > most) most = dim->g[i].new_fund;
    }
    const int h = 180, bw = 22, gap = 26, left = 10, top = 10;
    int width = left + dim->n * (2 * bw + gap) + 10;
    fprintf(out, "<div><div class=\"sub\">Fund by %s, old and new</div>\n", dim->name);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" id=\"chart-%s\">\n",
            width < 260 ? 260 : width, h + top + 40, dim->name);
    for (int i = 0; i < dim->n; i++) {
        const yb_reform_group *g = &dim->g[i];
        int x = left + i * (2 * bw + gap);
        int ho = (int)(g->old_fund > 0 ? g->old_fund * h / most : 0), hn = (int)(g->new_fund > 0 ? g->new_fund * h / most : 0);
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#9fb3c8\"><title>", x, top + h - ho, bw, ho);
        esc(out, g->key);
        fputs(" old ", out);
        money(out, g->old_fund, false);
        fprintf(out, "</title></rect>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#2f6fb0\"><title>", x + bw,
                top + h - hn, bw, hn);
        esc(out, g->key);
        fputs(" new ", out);
        money(out, g->new_fund, false);
        fprintf(out, "</title></rect>\n<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">", x + bw, top + h + 14);
        esc(out, g->key);
        fputs("</text>\n", out);
    }
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#5b6b7c\"/>\n", left - 4, top + h, width - 6, top + h);
    fputs("</svg><div class=\"legend sub\"><span style=\"background:#9fb3c8\"></span>old<span "
          "style=\"background:#2f6fb0\"></span>new</div></div>\n",
          out);
    (void)r;
}

static void histogram(const yb_reform *r, FILE *out)
{
    /* scaled to the claims that changed: "no change" usually dwarfs them, and is drawn
       to the full height at most, with its count above it */
    long most = 1;
    for (int i = 0; i < YB_REFORM_BUCKETS; i++)
        if (i != 5 && r->buckets[i] > most) most = r->buckets[i];
    const int h = 160, bw = 44, left = 40, top = 16;
    int width = left + YB_REFORM_BUCKETS * (bw + 6) + 10;
    fputs("<h2>Change per claim (fund, yuan)</h2>\n", out);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" id=\"histogram\">\n", width, h + top + 56);
    for (int i = 0; i < YB_REFORM_BUCKETS; i++) {
        int x = left + i * (bw + 6), bh = (int)((r->buckets[i] > most ? most : r->buckets[i]) * h / most);
        if (r->buckets[i] && bh < 1) bh = 1;
        const char *fill = i < 5 ? "#1e7b34" : i == 5 ? "#9fb3c8" : "#b3261e";
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s: %ld</title></rect>\n", x,
                top + h - bh, bw, bh, fill, yb_reform_bucket_label[i], r->buckets[i]);
        fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%ld</text>\n", x + bw / 2, top + h - bh - 3,
                r->buckets[i]);
        fprintf(out, "<text font-size=\"9\" text-anchor=\"end\" transform=\"translate(%d,%d) rotate(-35)\">%s</text>\n",
                x + bw / 2 + 4, top + h + 12, yb_reform_bucket_label[i]);
    }
    fputs("</svg>\n", out);
}

static void dim_table(FILE *out, const yb_reform_dim *dim)
{
    if (dim->field < 0 || !dim->n) return;
    fprintf(out, "<h2>By %s</h2>\n<table id=\"by-%s\"><tr><th class=\"k\">%s</th><th>claims</th><th>changed</th><th>fund "
                 "old</th><th>fund new</th><th>change</th></tr>\n",
            dim->name, dim->name, dim->name);
    for (int i = 0; i < dim->n; i++) {
        const yb_reform_group *g = &dim->g[i];
        fputs("<tr><td class=\"k\">", out);
        esc(out, g->key);
        fprintf(out, "</td><td>%ld</td><td>%ld</td><td>", g->claims, g->changed);
        money(out, g->old_fund, false);
        fputs("</td><td>", out);
        money(out, g->new_fund, false);
        fputs("</td><td>", out);
        money(out, g->new_fund - g->old_fund, true);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void totals_table(const yb_reform *r, FILE *out)
{
    fputs("<h2>Every money output</h2>\n<table id=\"totals\"><tr><th class=\"k\">output</th><th>old</th><th>new</th><th>change</th></tr>\n", out);
    for (int i = 0; i < r->nmoney; i++) {
        const yb_reform_money *m = &r->money[i];
        fputs("<tr><td class=\"k\">", out);
        esc(out, m->name);
        fputs("</td><td>", out);
        money(out, m->old_total, false);
        fputs("</td><td>", out);
        money(out, m->new_total, false);
        fputs("</td><td>", out);
        money(out, m->new_total - m->old_total, true);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void members_and_top(const yb_reform *r, FILE *out)
{
    if (r->member_field >= 0) {
        long n;
        int64_t mean;
        const yb_member_sum *big;
        yb_reform_members(r, &n, &mean, &big);
        fprintf(out, "<h2>Members affected</h2>\n<p><span id=\"members-affected\">%ld</span> members; mean change ", n);
        money(out, mean, true);
        if (big) {
            fputs("; largest ", out);
            money(out, big->change, true);
            fputs(" (member ", out);
            esc(out, big->id);
            fputs(")", out);
        }
        fputs("</p>\n", out);
    }
    if (!r->ntop) return;
    fputs("<h2>Largest changes</h2>\n<table id=\"top\"><tr><th class=\"k\">claim</th><th class=\"k\">member</th><th>fund "
          "old</th><th>fund new</th><th>change</th><th class=\"k\">rules whose values differ</th></tr>\n",
          out);
    for (int i = 0; i < r->ntop; i++) {
        const yb_reform_top *t = &r->top[i];
        fputs("<tr><td class=\"k\">", out);
        esc(out, t->claim_id);
        fputs("</td><td class=\"k\">", out);
        esc(out, t->member_id);
        fputs("</td><td>", out);
        money(out, t->old_fund, false);
        fputs("</td><td>", out);
        money(out, t->new_fund, false);
        fputs("</td><td>", out);
        money(out, (yb_reform_sum)t->new_fund - t->old_fund, true);
        fputs("</td><td class=\"k\">", out);
        esc(out, t->rules);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static const char *met_word(const char *v) { return !v ? "—" : strcmp(v, "true") == 0 ? "met" : "missed"; }

static void targets(const yb_reform *r, FILE *out)
{
    if (!r->ntargets) return;
    fputs("<h2>Targets (section 9)</h2>\n<table id=\"targets\"><tr><th class=\"k\">report</th><th class=\"k\">key</th><th "
          "class=\"k\">old</th><th class=\"k\">new</th><th>old</th><th>new</th></tr>\n",
          out);
    for (int i = 0; i < r->ntargets; i++) {
        const yb_reform_target *t = &r->targets[i];
        fputs("<tr><td class=\"k\">", out);
        esc(out, t->report);
        fputs("</td><td class=\"k\">", out);
        esc(out, t->key);
        for (int s = 0; s < 2; s++) {
            const yb_json_flat *f = s ? &t->new_v : &t->old_v;
            fputs("</td><td class=\"k\">", out);
            for (int k = 0, shown = 0; k < f->n; k++) {
                if (!strcmp(f->keys[k], "report") || !strcmp(f->keys[k], "key") || !strcmp(f->keys[k], "met")) continue;
                fprintf(out, "%s", shown++ ? ", " : "");
                esc(out, f->keys[k]);
                fputs(" ", out);
                esc(out, f->values[k]);
            }
        }
        const char *o = yb_json_flat_get(&t->old_v, "met"), *n = yb_json_flat_get(&t->new_v, "met");
        fprintf(out, "</td><td>%s</td><td>%s</td></tr>\n", met_word(o), met_word(n));
    }
    fputs("</table>\n", out);
}

bool yb_reform_write_html(const yb_reform *r, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>Reform report</title><style>", out);
    fputs(style, out);
    fputs("</style></head><body>\n", out);
    headline(r, out);
    fputs("<div class=\"charts\">\n", out);
    for (int k = 0; k < YB_REFORM_DIMS; k++)
        if (!strcmp(r->dims[k].name, "scheme") || !strcmp(r->dims[k].name, "visit.level")) bars(r, out, &r->dims[k]);
    fputs("</div>\n", out);
    histogram(r, out);
    totals_table(r, out);
    for (int k = 0; k < YB_REFORM_DIMS; k++) dim_table(out, &r->dims[k]);
    members_and_top(r, out);
    targets(r, out);
    fputs("<p class=\"sub\">Written by yibao compare. Money in yuan, exact to the fen.</p>\n</body></html>\n", out);
    return !ferror(out);
}
