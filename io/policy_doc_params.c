/* `yibao doc`: the parameters and tables, each with its values by effective
 * date, the dates on a timeline, the comment that cites its source, its
 * amendments and the rules that read it (policy_doc.h). */
#include <stdlib.h>
#include <string.h>

#include "policy_doc_internal.h"

#define esc(d, s) yb_html_text((d)->out, (s))

/* A table's columns are parameters named TABLE.COLUMN: the group is TABLE. */
static size_t group_len(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? (size_t)(dot - name) : strlen(name);
}

static bool same_group(const yb_program *p, int i, int j)
{
    size_t n = group_len(p->params[i].name);
    return n == group_len(p->params[j].name) && !strncmp(p->params[i].name, p->params[j].name, n);
}

int yb_doc_param_group(const yb_program *p, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < p->nparams; i++)
        if (group_len(p->params[i].name) == n && !strncmp(p->params[i].name, name, n)) return i;
    return -1;
}

/* The dates of every version of the group's parameters, ascending, once each. */
static int group_dates(const yb_program *p, int first, int end, yb_date *dates)
{
    int n = 0;
    for (int i = first; i < end; i++)
        for (int v = 0; v < p->params[i].nversions; v++) {
            yb_date x = p->params[i].versions[v].from;
            int at = 0;
            while (at < n && dates[at] < x) at++;
            if (at < n && dates[at] == x) continue;
            memmove(&dates[at + 1], &dates[at], (size_t)(n - at) * sizeof *dates);
            dates[at] = x;
            n++;
        }
    return n;
}

/* One cell's value in force on `day`, into buf ("" before the first version). */
static void value_on(const yb_program *p, int param, int cell, yb_date day, char *buf, size_t n)
{
    const yb_param_version *v = yb_param_version_at(&p->params[param], day);
    if (v) yb_param_cell_value(p, param, v->cells, cell, buf, n);
    else buf[0] = 0;
}

/* The amendment (outline step) that writes the group's version of `day`, or -1. */
static int amended_by(const yb_doc *d, const char *group, yb_date day)
{
    for (int s = 0; s < d->o->nsteps; s++) {
        const yb_outline_step *st = &d->o->steps[s];
        if (st->kind != D_AMEND || strcmp(st->name, group)) continue;
        for (int k = 0; k < st->ndates; k++)
            if (st->dates[k] == day) return s;
    }
    return -1;
}

/* A value as a table cell shows it: a list of bands one a line. */
static void value_html(yb_doc *d, const char *v)
{
    for (const char *s = v; *s;) {
        const char *semi = strstr(s, "; ");
        size_t n = semi ? (size_t)(semi - s) : strlen(s);
        yb_html_text_n(d->out, s, n);
        if (!semi) break;
        fputs("<br>", d->out);
        s = semi + 2;
    }
}

/* A note under a value: what another policy holds there. */
static void was(yb_doc *d, const char *cls, const char *label, const char *v)
{
    fprintf(d->out, "<div class=\"%s\">", cls);
    esc(d, label);
    fputs(": ", d->out);
    value_html(d, v);
    fputs("</div>", d->out);
}

static void cell(yb_doc *d, int param, int c, yb_date day, yb_date prev_day, bool first, const char *key)
{
    const yb_program *p = d->p;
    char v[2048], prev[2048], date[16];
    value_on(p, param, c, day, v, sizeof v);
    value_on(p, param, c, prev_day, prev, sizeof prev);
    yb_date_format(day, date);
    const yb_doc_change *dch = yb_doc_change_find(&d->old, "value", p->params[param].name, date, key);
    const yb_doc_change *bch = yb_doc_change_find(&d->base, "value", p->params[param].name, date, key);
    bool changed = !first && strcmp(v, prev) != 0;
    fprintf(d->out, "<td class=\"v%s%s%s\" data-param=\"", changed ? " chg" : !first ? " same" : "", dch ? " diff" : "",
            bch ? " amd" : "");
    esc(d, p->params[param].name); /* which cell this is, for a reader's tools (and the test) */
    fprintf(d->out, "\" data-from=\"%s\" data-key=\"", date);
    esc(d, key);
    fputs("\">", d->out);
    if (changed) {
        fputs("<del>", d->out);
        value_html(d, prev);
        fputs("</del> ", d->out);
    }
    value_html(d, v);
    if (bch) was(d, "was", "base", bch->old_value);
    if (dch) was(d, "was", "before", dch->old_value);
    fputs("</td>", d->out);
}

/* The header of a date's columns: the date, and the amendment that wrote it. */
static void date_head(yb_doc *d, const char *group, yb_date day, int ncols)
{
    char date[16];
    yb_date_format(day, date);
    int a = amended_by(d, group, day);
    fprintf(d->out, "<th colspan=\"%d\" class=\"date%s\">from %s", ncols, a >= 0 ? " amd" : "", date);
    if (a >= 0) {
        fputs("<div class=\"was\">amended at ", d->out);
        yb_doc_path(d, d->in->src->files[d->o->steps[a].loc.file].name);
        fprintf(d->out, ":%d</div>", d->o->steps[a].loc.line);
    }
    fputs("</th>", d->out);
}

static void values_table(yb_doc *d, const char *group, int first, int end, const yb_date *dates, int nd)
{
    const yb_program *p = d->p;
    int ncols = end - first, size = p->params[first].size;
    bool keyed = size > 1, named = ncols > 1 || strchr(p->params[first].name, '.');
    fputs("<table class=\"vals\"><tr>", d->out);
    if (keyed) fprintf(d->out, "<th class=\"k\"%s></th>", named ? " rowspan=\"2\"" : "");
    for (int k = 0; k < nd; k++) date_head(d, group, dates[k], ncols);
    fputs("</tr>\n", d->out);
    if (named) {
        fputs("<tr>", d->out);
        for (int k = 0; k < nd; k++)
            for (int i = first; i < end; i++) {
                fprintf(d->out, "<th class=\"col\"><a id=\"p-");
                esc(d, p->params[i].name);
                fputs("\"></a>", d->out);
                esc(d, p->params[i].name + group_len(p->params[i].name) + 1);
                fputs("</th>", d->out);
            }
        fputs("</tr>\n", d->out);
    }
    char key[256];
    for (int c = 0; c < size; c++) {
        yb_param_cell_name(p, first, c, key, sizeof key);
        fputs("<tr>", d->out);
        if (keyed) {
            fputs("<td class=\"k\">", d->out);
            esc(d, key);
            fputs("</td>", d->out);
        }
        for (int k = 0; k < nd; k++)
            for (int i = first; i < end; i++) cell(d, i, c, dates[k], k ? dates[k - 1] : dates[k], k == 0, key);
        fputs("</tr>\n", d->out);
    }
    fputs("</table>\n", d->out);
}

/* How many of the group's cells change on dates[k]. */
static int changes_on(const yb_doc *d, int first, int end, const yb_date *dates, int k)
{
    char a[2048], b[2048];
    int n = 0;
    for (int i = first; i < end; i++)
        for (int c = 0; c < d->p->params[i].size; c++) {
            value_on(d->p, i, c, dates[k], a, sizeof a);
            value_on(d->p, i, c, dates[k - 1], b, sizeof b);
            n += strcmp(a, b) != 0;
        }
    return n;
}

/* The effective dates on a line, spaced by the days between them; above each
 * date the value (one value) or how many values change there. */
static void timeline(yb_doc *d, int first, int end, const yb_date *dates, int nd)
{
    const int w = 560, left = 50, right = 50, y = 30;
    long span = dates[nd - 1] - dates[0];
    fprintf(d->out, "<svg class=\"tl\" width=\"%d\" height=\"56\" role=\"img\" aria-label=\"effective dates\">", w);
    fprintf(d->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9fb3c8\" stroke-width=\"2\"/>", left - 20, y,
            w - right + 30, y);
    bool one = end - first == 1 && d->p->params[first].size == 1;
    for (int k = 0; k < nd; k++) {
        int x = left + (int)(span ? (long)(dates[k] - dates[0]) * (w - left - right) / span : 0);
        char date[16], v[2048];
        yb_date_format(dates[k], date);
        fprintf(d->out, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/>", x, y, k ? "#b3261e" : "#2f6fb0");
        fprintf(d->out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", x, y + 20, date);
        if (one) value_on(d->p, first, 0, dates[k], v, sizeof v);
        else if (k) snprintf(v, sizeof v, "%d changed", changes_on(d, first, end, dates, k));
        else snprintf(v, sizeof v, "first values");
        if (strlen(v) > 40) { /* cut on a character's first byte, not inside a Chinese one */
            size_t cut = 37;
            while (cut && ((unsigned char)v[cut] & 0xC0) == 0x80) cut--;
            strcpy(v + cut, "…");
        }
        fprintf(d->out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6b7c\">", x, y - 10);
        esc(d, v);
        fputs("</text>", d->out);
    }
    fputs("</svg>\n", d->out);
}

static void group(yb_doc *d, int first, int end)
{
    const yb_program *p = d->p;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)group_len(p->params[first].name), p->params[first].name);
    int s = yb_doc_step(d, strchr(p->params[first].name, '.') ? D_TABLE : D_PARAM, name);
    bool added = yb_doc_change_find(&d->old, "added", p->params[first].name, "", "") != NULL;
    bool new_here = yb_doc_change_find(&d->base, "added", p->params[first].name, "", "") != NULL;
    int width = 0; /* value columns: a wide table takes the page's width */
    for (int i = first; i < end; i++) width += p->params[i].nversions;
    fprintf(d->out, "<section class=\"param%s\" id=\"p-", width >= 4 || p->params[first].kind == YB_T_BANDS ? " wide" : "");
    esc(d, name);
    fputs("\"><h3>", d->out);
    esc(d, name);
    if (added) fputs(" <span class=\"badge diff\">new since the old version</span>", d->out);
    if (new_here) fputs(" <span class=\"badge amd\">added by this variant</span>", d->out);
    fputs("</h3>\n", d->out);
    int xd = s >= 0 ? yb_doc_xdecl(d, &d->o->steps[s]) : -1;
    if (s >= 0) {
        yb_doc_text sig = yb_doc_line(d->in->src, d->o->steps[s].loc.file, d->o->steps[s].loc.line);
        size_t n = yb_doc_comment_at(sig.s, sig.n);
        while (n && (sig.s[n - 1] == ' ' || sig.s[n - 1] == '{')) n--; /* a table's `{` opens its columns */
        fputs("<code class=\"sig\">", d->out);
        yb_html_text_n(d->out, sig.s, n);
        fputs("</code>", d->out);
        yb_doc_where(d, d->o->steps[s].loc);
        yb_doc_comment_block(d, xd);
    }
    int per = 0;
    for (int i = first; i < end; i++) per += p->params[i].nversions;
    yb_date *all = malloc(sizeof *all * (size_t)(per ? per : 1));
    if (!all) abort();
    int nd = group_dates(p, first, end, all);
    if (nd > 1) timeline(d, first, end, all, nd);
    if (nd) values_table(d, name, first, end, all, nd);
    yb_doc_users(d, xd, "Read by: ", "Read by no rule.");
    free(all);
    fputs("</section>\n", d->out);
}

void yb_doc_params(yb_doc *d)
{
    const yb_program *p = d->p;
    fprintf(d->out, "<h2 id=\"params\">Parameters and tables</h2>\n");
    fputs("<p class=\"sub\">Each value by the date it takes effect; a value struck out is the one in force before "
          "that date. The comment is the one written above the declaration, which cites its source.</p>\n",
          d->out);
    fputs("<div class=\"grid\">\n", d->out);
    for (int i = 0; i < p->nparams;) {
        int end = i + 1;
        while (end < p->nparams && same_group(p, i, end)) end++;
        group(d, i, end);
        i = end;
    }
    fputs("</div>\n", d->out);
}
