/* `yibao doc`: the page (policy_doc.h): its head, imports, the changes
 * against a base or an older version, the rules in evaluation order, states
 * and reports, invariants.  The parameters: policy_doc_params.c. */
#include <stdlib.h>
#include <string.h>

#include "policy_doc_internal.h"

#define esc(d, s) yb_html_text((d)->out, (s))

static const char style[] =
    "body{font-family:'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','Noto Sans',"
    "Arial,sans-serif;margin:24px 40px;color:#1d2733;background:#fff;line-height:1.45;max-width:1200px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;border-bottom:2px solid #d6dde5;padding-bottom:4px}"
    "h3{font-size:16px;margin:18px 0 4px}h4{font-size:15px;margin:0 0 4px}"
    ".sub,.where,.used{color:#5b6b7c;font-size:13px}.where{margin:2px 0}"
    "nav{margin:12px 0;font-size:14px}nav a{margin-right:14px}a{color:#2f6fb0;text-decoration:none}a:hover{text-decoration:underline}"
    "code,pre{font-family:'Noto Sans Mono CJK SC','DejaVu Sans Mono',monospace;font-size:13px}"
    "pre{background:#f6f8fa;border:1px solid #e6ebf0;padding:8px 10px;overflow-x:auto;margin:6px 0}"
    ".sig{background:#f3f6f9;padding:1px 6px;border-radius:3px}"
    ".comment{white-space:pre-wrap;border-left:3px solid #9fb3c8;background:#f7f9fb;padding:4px 10px;margin:6px 0;"
    "font-size:13px;color:#33414f}"
    "section.param,section.rule,section.state{border:1px solid #e1e7ee;border-radius:6px;padding:10px 14px;margin:12px 0}"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:3px 9px;border:1px solid #e6ebf0;"
    "text-align:right;vertical-align:top}th{background:#f3f6f9;font-weight:600}td.k,th.k{text-align:left}"
    "td.same{color:#8a98a8}td.chg{background:#eef5ff}del{color:#b3261e;margin-right:4px}"
    "td.diff,.badge.diff,tr.diff td{background:#fff1b8}td.amd,th.amd,tr.amd td:first-child{box-shadow:inset 3px 0 #8e44ad}"
    ".was{font-size:11px;color:#6b5a00}th .was{color:#6b3d80;font-weight:400}"
    ".badge{font-size:11px;font-weight:600;border-radius:3px;padding:1px 6px;margin-left:6px;background:#e8eef5;color:#33414f}"
    ".badge.amd{background:#f3e8f8;color:#6b3d80}.badge.ok{background:#e4f4e8;color:#1e7b34}"
    ".stage{margin-top:26px;color:#2f6fb0}.stage .sub{font-weight:400}.no{color:#5b6b7c;margin-right:6px}"
    ".desc{font-size:14px;margin:2px 0 4px}.line{margin:3px 0;font-size:14px}.line b.l{display:inline-block;min-width:52px;"
    "color:#5b6b7c;font-weight:600;font-size:12px}"
    ".kw{color:#7a3e9d;font-weight:600}.cm{color:#6a7785;font-style:italic}.str{color:#1e7b34}a.pl{font-weight:600}"
    "div.define{font-size:13px;margin:4px 0 4px 14px}.tl{display:block;margin:4px 0}"
    "ul.imports{font-size:14px}ul.imports li{margin:2px 0}.changes td,.changes th{text-align:left}"
    "summary{cursor:pointer;color:#5b6b7c;font-size:13px}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:12px;align-items:start}.grid section.param{margin:0}"
    ".grid .wide{grid-column:1/-1}";

/* ------------------------------------------------------------------------ */
/* helpers shared with policy_doc_params.c                                   */

static bool match(const char *want, const char *have) { return !want[0] || !strcmp(want, have); }

const yb_doc_change *yb_doc_change_find(const yb_doc_changes *c, const char *what, const char *name, const char *from,
                                        const char *key)
{
    for (int i = 0; i < c->n; i++) {
        const yb_doc_change *ch = &c->v[i];
        if (!strcmp(ch->what, what) && !strcmp(ch->name, name) && match(from, ch->from) && match(key, ch->key)) return ch;
    }
    return NULL;
}

int yb_doc_step(const yb_doc *d, int kind, const char *name)
{
    for (int s = 0; s < d->o->nsteps; s++)
        if (d->o->steps[s].kind == kind && d->o->steps[s].name && !strcmp(d->o->steps[s].name, name)) return s;
    return -1;
}

void yb_doc_path(yb_doc *d, const char *path)
{
    char buf[1024];
    size_t n = 0;
    /* `examples/../stdlib-policies/x.yb` (an import's path joined to its importer's) reads as
       `stdlib-policies/x.yb`: each `DIR/..` pair dropped */
    for (const char *s = path; *s && n < sizeof buf - 1;) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        bool up = len == 2 && !strncmp(s, "..", 2);
        size_t prev = n ? n - 1 : 0; /* the start of the last segment kept */
        while (prev && buf[prev - 1] != '/') prev--;
        if (up && n && !(n - prev == 3 && !strncmp(buf + prev, "../", 3))) n = prev;
        else {
            if (len + 1 >= sizeof buf - n) break;
            memcpy(buf + n, s, len);
            n += len;
            if (slash) buf[n++] = '/';
        }
        s = slash ? slash + 1 : s + len;
    }
    buf[n] = 0;
    esc(d, buf);
}

void yb_doc_where(yb_doc *d, yb_loc loc)
{
    fputs("<div class=\"where\">", d->out);
    if (loc.file >= 0 && loc.file < d->in->src->nfiles) yb_doc_path(d, d->in->src->files[loc.file].name);
    fprintf(d->out, ":%d</div>\n", loc.line);
}

/* ------------------------------------------------------------------------ */
/* the changes against another policy                                        */

static void keep_change(void *ctx, const yb_policy_change *ch)
{
    yb_doc_changes *c = ctx;
    yb_doc_change *v = realloc(c->v, (size_t)(c->n + 1) * sizeof *v);
    if (!v) abort();
    c->v = v;
    v[c->n++] = (yb_doc_change){strdup(ch->what), strdup(ch->name), strdup(ch->from), strdup(ch->key), strdup(ch->old_value),
                                strdup(ch->new_value)};
}

static void changes_free(yb_doc_changes *c)
{
    for (int i = 0; i < c->n; i++) {
        yb_doc_change *ch = &c->v[i];
        free(ch->what);
        free(ch->name);
        free(ch->from);
        free(ch->key);
        free(ch->old_value);
        free(ch->new_value);
    }
    free(c->v);
}

/* A link to what a change is about: a parameter's group, or a rule. */
static void change_link(yb_doc *d, const yb_doc_change *ch)
{
    bool rule = !strncmp(ch->what, "rule ", 5), gone = strstr(ch->what, "removed") != NULL;
    char group[256];
    snprintf(group, sizeof group, "%s", ch->name);
    char *dot = strchr(group, '.');
    if (dot && !rule) *dot = 0;
    if (!gone) {
        fprintf(d->out, "<a href=\"#%s-", rule ? "r" : "p");
        esc(d, rule ? ch->name : group);
        fputs("\">", d->out);
    }
    esc(d, ch->name);
    if (ch->key[0]) {
        fputs("[", d->out);
        esc(d, ch->key);
        fputs("]", d->out);
    }
    if (!gone) fputs("</a>", d->out);
}

void yb_doc_changes_table(yb_doc *d, const yb_doc_changes *c, const char *id, const char *title, const char *old_label,
                          const char *new_label)
{
    fprintf(d->out, "<h2 id=\"%s\">", id);
    esc(d, title);
    fprintf(d->out, "</h2>\n<p class=\"sub\"><span id=\"%s-count\">%d</span> difference%s against <code>", id, c->n,
            c->n == 1 ? "" : "s");
    yb_doc_path(d, c->against);
    fputs("</code> (the logic of <code>yibao diff</code>).</p>\n", d->out);
    if (!c->n) return;
    fprintf(d->out, "<table class=\"changes\" id=\"%s-table\"><tr><th>what</th><th>parameter or rule</th><th>from</th><th>", id);
    esc(d, old_label);
    fputs("</th><th>", d->out);
    esc(d, new_label);
    fputs("</th></tr>\n", d->out);
    for (int i = 0; i < c->n; i++) {
        const yb_doc_change *ch = &c->v[i];
        bool value = !strcmp(ch->what, "value");
        fprintf(d->out, "<tr class=\"%s\"><td>", !strcmp(id, "changes") ? "diff" : "amd");
        esc(d, value ? "value" : ch->what);
        fputs("</td><td>", d->out);
        change_link(d, ch);
        fputs("</td><td>", d->out);
        esc(d, ch->from);
        fputs("</td><td>", d->out);
        esc(d, value ? ch->old_value : "");
        fputs("</td><td>", d->out);
        esc(d, value ? ch->new_value : ch->old_value);
        fputs("</td></tr>\n", d->out);
    }
    fputs("</table>\n", d->out);
}

/* ------------------------------------------------------------------------ */
/* head and imports                                                          */

static int count_kind(const yb_outline *o, int kind)
{
    int n = 0;
    for (int s = 0; s < o->nsteps; s++) n += o->steps[s].kind == kind;
    return n;
}

static void head(yb_doc *d)
{
    const yb_program *p = d->p;
    char eff[16];
    yb_date_format(p->effective, eff);
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>", d->out);
    esc(d, p->name);
    fprintf(d->out, "</title>\n<style>%s</style></head><body>\n<h1 id=\"title\">", style);
    esc(d, p->name);
    fputs("</h1>\n<div class=\"sub\">version <span id=\"version\">", d->out);
    esc(d, p->version);
    fprintf(d->out, "</span> &middot; effective %s &middot; <code>", eff);
    yb_doc_path(d, d->in->src->nfiles ? d->in->src->files[0].name : p->source);
    fprintf(d->out, "</code> and %d imported file%s &middot; %d parameters and tables, %d rules, %d stages</div>\n",
            d->in->src->nfiles - 1, d->in->src->nfiles == 2 ? "" : "s", count_kind(d->o, D_PARAM) + count_kind(d->o, D_TABLE),
            count_kind(d->o, D_RULE), count_kind(d->o, D_STAGE));
    char *opening = yb_doc_opening(d->in->src, 0); /* what the file says of itself */
    if (opening) {
        fputs("<div class=\"comment\">", d->out);
        esc(d, opening);
        fputs("</div>\n", d->out);
    }
    free(opening);
    fputs("<nav>", d->out);
    if (d->in->old) fputs("<a href=\"#changes\">Changes since the old version</a>", d->out);
    if (d->in->base) fputs("<a href=\"#amendments\">What this variant changes</a>", d->out);
    fputs("<a href=\"#imports\">Imports</a><a href=\"#params\">Parameters and tables</a><a href=\"#rules\">Rules in "
          "evaluation order</a><a href=\"#states\">States and reports</a><a href=\"#invariants\">Invariants</a></nav>\n",
          d->out);
}

/* Does file f have a `policy` header of its own? (then a policy imports it whole: a variant) */
static bool is_policy(const yb_xref *x, int f)
{
    for (int i = 0; i < x->ndecls; i++)
        if (x->decls[i].kind == YB_XREF_POLICY && x->decls[i].loc.file == f) return true;
    return false;
}

/* The imports of file f, and theirs under them. */
static void imports_of(yb_doc *d, int f, int depth)
{
    const yb_xref *x = d->in->xref;
    bool any = false;
    for (int i = 0; i < x->ndecls; i++) {
        const yb_xref_decl *im = &x->decls[i];
        if (im->kind != YB_XREF_IMPORT || im->loc.file != f) continue;
        fputs(any ? "" : "<ul class=\"imports\">\n", d->out);
        any = true;
        fputs("<li><code>import \"", d->out);
        esc(d, im->detail ? im->detail : im->name);
        fputs("\"</code>", d->out);
        if (im->target_file >= 0 && is_policy(x, im->target_file))
            fputs(" <span class=\"badge amd\">a policy of its own: this one is a variant of it</span>", d->out);
        if (im->comment) {
            fputs(" <span class=\"sub\">&mdash; ", d->out);
            esc(d, im->comment);
            fputs("</span>", d->out);
        }
        /* each file is read once, after the file that first imports it */
        if (im->target_file > f && depth < 32) imports_of(d, im->target_file, depth + 1);
        fputs("</li>\n", d->out);
    }
    if (any) fputs("</ul>\n", d->out);
}

static void imports(yb_doc *d)
{
    fputs("<h2 id=\"imports\">Imports</h2>\n", d->out);
    if (d->in->src->nfiles < 2) {
        fputs("<p class=\"sub\">The policy is one file.</p>\n", d->out);
        return;
    }
    fputs("<p class=\"sub\">Each imported file is spliced in where it is imported: the order below is the order of "
          "evaluation.</p>\n",
          d->out);
    imports_of(d, 0, 0);
}

/* ------------------------------------------------------------------------ */
/* rules in evaluation order                                                 */

static void badges(yb_doc *d, const char *name)
{
    if (yb_doc_change_find(&d->old, "rule added", name, "", "")) fputs(" <span class=\"badge diff\">new since the old version</span>", d->out);
    if (yb_doc_change_find(&d->old, "rule changed", name, "", "")) fputs(" <span class=\"badge diff\">changed since the old version</span>", d->out);
    if (yb_doc_change_find(&d->base, "rule added", name, "", "")) fputs(" <span class=\"badge amd\">added by this variant</span>", d->out);
    if (yb_doc_change_find(&d->base, "rule changed", name, "", "")) fputs(" <span class=\"badge amd\">changed by this variant</span>", d->out);
}

static void rule(yb_doc *d, int s)
{
    const yb_outline_step *st = &d->o->steps[s];
    int xd = yb_doc_xdecl(d, st);
    fputs("<section class=\"rule\" id=\"r-", d->out);
    esc(d, st->name);
    fprintf(d->out, "\" data-stage=\"%s\"><h4><span class=\"no\">#%d</span>", st->stage >= 0 ? d->o->steps[st->stage].name : "",
            d->rule_no[s]);
    esc(d, st->name);
    badges(d, st->name);
    fputs("</h4>\n", d->out);
    if (st->text) {
        fputs("<div class=\"desc\">", d->out);
        esc(d, st->text);
        fputs("</div>\n", d->out);
    }
    if (st->placed) {
        fputs("<div class=\"where\">placed <code>", d->out);
        esc(d, st->placed);
        fputs("</code></div>\n", d->out);
    }
    yb_doc_comment_block(d, xd);
    fputs("<div class=\"line\"><b class=\"l\">When</b> ", d->out);
    if (st->when.line) {
        fputs("<code>", d->out);
        yb_doc_code(d, st->when, true);
        fputs("</code>", d->out);
    } else fputs("always", d->out);
    fputs("</div>\n", d->out);
    if (st->neffects) {
        fputs("<div class=\"line\"><b class=\"l\">Does</b> ", d->out);
        for (int k = 0; k < st->neffects; k++) {
            fputs(k ? " &middot; <code>" : "<code>", d->out);
            esc(d, st->effects[k]);
            fputs("</code>", d->out);
        }
        fputs("</div>\n", d->out);
    }
    yb_doc_reads(d, xd);
    fputs("<details><summary>the rule as written, ", d->out);
    yb_doc_path(d, d->in->src->files[st->loc.file].name);
    fprintf(d->out, ":%d</summary><pre>", st->loc.line);
    yb_doc_decl_code(d, xd, st);
    fputs("</pre></details></section>\n", d->out);
}

static void define(yb_doc *d, int s)
{
    const yb_outline_step *st = &d->o->steps[s];
    fputs("<div class=\"define\" id=\"d-", d->out);
    esc(d, st->name);
    fputs("\"><code>", d->out);
    yb_doc_decl_code(d, yb_doc_xdecl(d, st), st);
    fputs("</code></div>\n", d->out);
}

static void rules(yb_doc *d)
{
    fputs("<h2 id=\"rules\">Rules in evaluation order</h2>\n<p class=\"sub\">Every claim is settled by these rules, top to "
          "bottom, stage by stage, as the compiler orders them (a rule written <code>in STAGE</code> stands where it is "
          "placed). A rule whose condition does not hold does nothing; <code>define</code> lines are values worked out "
          "on the way.</p>\n",
          d->out);
    for (int s = 0; s < d->o->nsteps; s++) {
        const yb_outline_step *st = &d->o->steps[s];
        if (st->kind == D_STAGE) {
            fputs("<h3 class=\"stage\" id=\"stage-", d->out);
            esc(d, st->name);
            fputs("\">Stage ", d->out);
            esc(d, st->name);
            if (st->text) {
                fputs(" <span class=\"sub\">&mdash; ", d->out);
                esc(d, st->text);
                fputs("</span>", d->out);
            }
            fputs("</h3>\n", d->out);
        } else if (st->kind == D_RULE) rule(d, s);
        else if (st->kind == D_DEFINE) define(d, s);
    }
}

/* ------------------------------------------------------------------------ */
/* states, reports, invariants                                               */

static void states(yb_doc *d)
{
    fputs("<h2 id=\"states\">States and reports</h2>\n<p class=\"sub\">A state is kept across claims (running totals per "
          "member and year); a report is summed over a batch and printed at its end.</p>\n",
          d->out);
    for (int s = 0; s < d->o->nsteps; s++) {
        const yb_outline_step *st = &d->o->steps[s];
        if (st->kind != D_STATE) continue;
        fputs("<section class=\"state\" id=\"s-", d->out);
        esc(d, st->name);
        fputs("\"><h3>", d->out);
        esc(d, st->name);
        fprintf(d->out, " <span class=\"badge\">%s</span></h3>\n", st->report ? "report" : "state");
        int xd = yb_doc_xdecl(d, st);
        yb_doc_where(d, st->loc);
        yb_doc_comment_block(d, xd);
        fputs("<pre>", d->out);
        yb_doc_decl_code(d, xd, st);
        fputs("</pre>", d->out);
        yb_doc_users(d, xd, "Used by: ", NULL);
        fputs("</section>\n", d->out);
    }
}

static void invariants(yb_doc *d)
{
    fputs("<h2 id=\"invariants\">Invariants</h2>\n<p class=\"sub\">Identities every settlement keeps: the compiler proves "
          "what it can; the rest are checked on every claim, and a settlement that breaks one is never written.</p>\n<ul id=\"invariant-list\">\n",
          d->out);
    for (int s = 0; s < d->o->nsteps; s++) {
        const yb_outline_step *st = &d->o->steps[s];
        if (st->kind != D_INVARIANT) continue;
        yb_doc_text t = yb_doc_line(d->in->src, st->loc.file, st->loc.line);
        size_t n = yb_doc_comment_at(t.s, t.n);
        while (n && t.s[n - 1] == ' ') n--;
        fputs("<li><code>", d->out);
        yb_doc_code(d, (yb_loc){st->loc.file, st->loc.line, 1, st->loc.line, (int)n + 1}, false);
        fprintf(d->out, "</code> <span class=\"badge%s\">%s</span></li>\n", st->proved ? " ok" : "",
                st->proved ? "proved by the compiler" : "checked on every settlement");
    }
    fputs("</ul>\n", d->out);
}

/* ------------------------------------------------------------------------ */

static int *number_rules(const yb_outline *o)
{
    int *no = calloc((size_t)(o->nsteps ? o->nsteps : 1), sizeof *no);
    if (!no) abort();
    for (int s = 0, n = 0; s < o->nsteps; s++)
        if (o->steps[s].kind == D_RULE) no[s] = ++n;
    return no;
}

bool yb_doc_write(const yb_doc_input *in, FILE *out)
{
    yb_doc d = {in, in->p, in->o, out, {0, NULL, in->base_path}, {0, NULL, in->old_path}, number_rules(in->o)};
    if (in->base) yb_policy_changes(in->base, in->p, keep_change, &d.base);
    if (in->old) yb_policy_changes(in->old, in->p, keep_change, &d.old);
    head(&d);
    if (in->old) yb_doc_changes_table(&d, &d.old, "changes", "Changes since the old version", "old", "this version");
    if (in->base) yb_doc_changes_table(&d, &d.base, "amendments", "What this variant changes", "base policy", "this variant");
    imports(&d);
    yb_doc_params(&d);
    rules(&d);
    states(&d);
    invariants(&d);
    fputs("<p class=\"sub\">Made by <code>yibao doc</code> from the compiled policy and its source.</p>\n</body></html>\n", out);
    changes_free(&d.base);
    changes_free(&d.old);
    free(d.rule_no);
    return !ferror(out);
}
