/* `yibao params` and `yibao diff` (policy_diff.h). */
#define _GNU_SOURCE 1 /* open_memstream */
#include "policy_diff.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "vm.h"

/* ------------------------------------------------------------------------ */
/* The keys of a parameter's cells, read from the code that indexes it        */

/* The enum of the claim field loaded into register r, or -1. */
static int reg_enum(const yb_program *p, unsigned r)
{
    for (int k = 0; k < p->nloads; k++)
        if ((unsigned)p->loads[k].reg == r) {
            const yb_field *f = &p->schema.fields[p->loads[k].field];
            return f->kind == YB_T_ENUM ? f->enum_id : -1;
        }
    return -1;
}

/* The enums whose values make register r at pc (up to 2: an enum field,
 * moved, or KEYIDX of two); 0 when they cannot be told. */
static int trace_keys(const yb_program *p, int pc, unsigned r, int keys[2], int depth)
{
    for (int q = pc - 1; q >= 0 && depth < 8; q--) {
        yb_instr k = p->code[q];
        if (YB_I_A(k) != r) continue;
        unsigned op = YB_I_OP(k);
        if (op == YB_OP_MOV) return trace_keys(p, q, YB_I_B(k), keys, depth + 1);
        if (op == YB_OP_KEYIDX) {
            int k1[2], k2[2];
            if (trace_keys(p, q, YB_I_B(k), k1, depth + 1) != 1 || trace_keys(p, q, YB_I_C(k), k2, depth + 1) != 1) return 0;
            keys[0] = k1[0];
            keys[1] = k2[0];
            return 2;
        }
        break; /* made by something else */
    }
    return (keys[0] = reg_enum(p, r)) >= 0 ? 1 : 0;
}

int yb_param_keys(const yb_program *p, int param, int keys[2])
{
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr in = p->code[pc];
        if (YB_I_OP(in) != YB_OP_PARAMX || (int)YB_I_B(in) != param) continue;
        int nk = trace_keys(p, pc, YB_I_C(in), keys, 0);
        long cells = nk == 1 ? p->schema.enums[keys[0]].n
                   : nk == 2 ? (long)p->schema.enums[keys[0]].n * p->schema.enums[keys[1]].n : -1;
        return cells == p->params[param].size ? nk : 0;
    }
    return 0;
}

void yb_param_cell_name(const yb_program *p, int param, int cell, char *buf, size_t n)
{
    buf[0] = 0;
    if (p->params[param].size <= 1) return;
    int keys[2] = {-1, -1}, nk = yb_param_keys(p, param, keys);
    yb_param_cell_name_by(p, nk, keys, cell, buf, n);
}

void yb_param_cell_name_by(const yb_program *p, int nk, const int keys[2], int cell, char *buf, size_t n)
{
    buf[0] = 0;
    if (nk == 1) snprintf(buf, n, "%s", p->schema.enums[keys[0]].names[cell]);
    else if (nk == 2) {
        int n2 = p->schema.enums[keys[1]].n;
        snprintf(buf, n, "%s, %s", p->schema.enums[keys[0]].names[cell / n2], p->schema.enums[keys[1]].names[cell % n2]);
    } else snprintf(buf, n, "[%d]", cell);
}

static void value_text(const yb_program *p, uint8_t kind, uint16_t enum_id, int64_t v, char *buf, size_t n)
{
    if (kind == YB_T_TEXT) snprintf(buf, n, "\"%.*s\"", (int)yb_text_length(v), p->pool + yb_text_offset(v));
    else yb_format_value(p, kind, enum_id, v, buf, n);
}

void yb_param_cell_value(const yb_program *p, int param, const int64_t *cells, int cell, char *buf, size_t n)
{
    const yb_param *pp = &p->params[param];
    int64_t v = cells[cell];
    if (pp->kind != YB_T_BANDS && !pp->range_key) {
        value_text(p, pp->kind, pp->enum_id, v, buf, n);
        return;
    }
    buf[0] = 0;
    if (v < 0 || v >= p->nbandsets) return;
    const yb_band_set *bs = &p->bandsets[v];
    size_t o = 0;
    for (int b = 0; b < bs->n && o < n; b++) {
        if (b) o += (size_t)snprintf(buf + o, n - o, "; ");
        if (o < n) yb_band_text(p, pp, &bs->bands[b], buf + o, n - o);
        o += strlen(buf + o);
    }
}

void yb_band_text(const yb_program *p, const yb_param *pp, const yb_band *band, char *buf, size_t n)
{
    char from[64], to[64], val[64];
    uint8_t key = pp->range_key ? pp->range_key : YB_T_MONEY;
    value_text(p, key, 0, band->from, from, sizeof from);
    if (pp->range_key) value_text(p, pp->kind, pp->enum_id, band->rate, val, sizeof val);
    else yb_format_value(p, YB_T_RATE, 0, band->rate, val, sizeof val);
    if (band->to == INT64_MAX || key == YB_T_TEXT) snprintf(to, sizeof to, "%s", key == YB_T_TEXT ? "" : "above");
    else value_text(p, key, 0, band->to, to, sizeof to);
    if (key == YB_T_TEXT) snprintf(buf, n, "%s: %s", from, val);
    else if (band->to == INT64_MAX) snprintf(buf, n, "above %s at %s", from, val);
    else snprintf(buf, n, "%s to %s at %s", from, to, val);
}

/* ------------------------------------------------------------------------ */
/* yibao params                                                              */

static void jstr(FILE *out, const char *s) { yb_put_json_text(out, s, strlen(s)); }

bool yb_params_write(const yb_program *p, FILE *out, bool json)
{
    char d[16], name[256], val[2048];
    yb_date_format(p->effective, d);
    if (!json) fprintf(out, "policy \"%s\" version \"%s\" effective %s: %d parameters\n", p->name, p->version, d, p->nparams);
    for (int i = 0; i < p->nparams; i++) {
        const yb_param *pp = &p->params[i];
        if (!json) fprintf(out, "\n%s: %s%s\n", pp->name, yb_kind_name((yb_kind)pp->kind), pp->range_key ? " by range" : "");
        int keys[2] = {-1, -1}, nk = pp->size > 1 ? yb_param_keys(p, i, keys) : 0; /* the code read once a parameter */
        for (int v = 0; v < pp->nversions; v++) {
            yb_date_format(pp->versions[v].from, d);
            if (!json) fprintf(out, "  from %s:%s", d, pp->size > 1 ? "\n" : " ");
            for (int c = 0; c < pp->size; c++) {
                if (pp->size > 1) yb_param_cell_name_by(p, nk, keys, c, name, sizeof name);
                else name[0] = 0;
                yb_param_cell_value(p, i, pp->versions[v].cells, c, val, sizeof val);
                if (json) {
                    fputs("{\"param\":", out);
                    jstr(out, pp->name);
                    fputs(",\"from\":", out);
                    jstr(out, d);
                    fputs(",\"key\":", out);
                    jstr(out, name);
                    fputs(",\"value\":", out);
                    jstr(out, val);
                    fputs("}\n", out);
                } else if (pp->size > 1) {
                    fprintf(out, "    %-28s %s\n", name, val);
                } else {
                    fprintf(out, "%s\n", val);
                }
            }
        }
    }
    return !ferror(out);
}

/* ------------------------------------------------------------------------ */
/* yibao diff                                                                */

static int param_index(const yb_program *p, const char *name)
{
    for (int i = 0; i < p->nparams; i++)
        if (strcmp(p->params[i].name, name) == 0) return i;
    return -1;
}

const yb_param_version *yb_param_version_at(const yb_param *pp, yb_date d)
{
    const yb_param_version *v = NULL;
    for (int i = 0; i < pp->nversions; i++)
        if (pp->versions[i].from <= d) v = &pp->versions[i];
    return v;
}

typedef struct diff_out {
    yb_policy_change_fn fn;
    void *ctx;
    long n;
} diff_out;

static void emit(diff_out *o, const char *what, const char *name, const char *from, const char *key, const char *old_v,
                 const char *new_v)
{
    o->n++;
    yb_policy_change ch = {what, name, from, key, old_v, new_v};
    o->fn(o->ctx, &ch);
}

/* `yibao diff`'s own lines: text, or one JSON object per change. */
typedef struct diff_print {
    FILE *out;
    bool json;
} diff_print;

static void print_change(void *ctx, const yb_policy_change *ch)
{
    diff_print *o = ctx;
    if (!o->json) {
        if (!strcmp(ch->what, "value"))
            fprintf(o->out, "  %s%s%s%s from %s: %s -> %s\n", ch->name, ch->key[0] ? "[" : "", ch->key, ch->key[0] ? "]" : "",
                    ch->from, ch->old_value, ch->new_value);
        else fprintf(o->out, "  %s %s%s%s\n", ch->what, ch->name, ch->old_value[0] ? ": " : "", ch->old_value);
        return;
    }
    fputs("{\"change\":", o->out);
    jstr(o->out, ch->what);
    fputs(",\"name\":", o->out);
    jstr(o->out, ch->name);
    if (ch->from[0]) {
        fputs(",\"from\":", o->out);
        jstr(o->out, ch->from);
        fputs(",\"key\":", o->out);
        jstr(o->out, ch->key);
        fputs(",\"old\":", o->out);
        jstr(o->out, ch->old_value);
        fputs(",\"new\":", o->out);
        jstr(o->out, ch->new_value);
    } else if (ch->old_value[0]) {
        fputs(",\"detail\":", o->out);
        jstr(o->out, ch->old_value);
    }
    fputs("}\n", o->out);
}

/* One parameter in both: at every date either side's value may change, the cells that differ. */
static void diff_param(diff_out *o, const yb_program *a, int ia, const yb_program *b, int ib)
{
    const yb_param *pa = &a->params[ia], *pb = &b->params[ib];
    if (pa->size != pb->size || pa->kind != pb->kind) {
        emit(o, "retyped", pa->name, "", "", "its kind or keys differ", "");
        return;
    }
    int nd = pa->nversions + pb->nversions;
    yb_date *dates = malloc((size_t)(nd ? nd : 1) * sizeof *dates);
    if (!dates) return;
    for (int v = 0; v < pa->nversions; v++) dates[v] = pa->versions[v].from;
    for (int v = 0; v < pb->nversions; v++) dates[pa->nversions + v] = pb->versions[v].from;
    for (int i = 1; i < nd; i++) /* sorted, few */
        for (int j = i; j > 0 && dates[j - 1] > dates[j]; j--) {
            yb_date t = dates[j];
            dates[j] = dates[j - 1];
            dates[j - 1] = t;
        }
    char prev_old[2048] = "", prev_new[2048] = "";
    for (int i = 0; i < nd; i++) {
        if (i && dates[i] == dates[i - 1]) continue;
        const yb_param_version *va = yb_param_version_at(pa, dates[i]), *vb = yb_param_version_at(pb, dates[i]);
        char d[16], key[256], ov[2048], nv[2048];
        yb_date_format(dates[i], d);
        for (int c = 0; c < pa->size; c++) {
            if (va) yb_param_cell_value(a, ia, va->cells, c, ov, sizeof ov);
            else snprintf(ov, sizeof ov, "(none)");
            if (vb) yb_param_cell_value(b, ib, vb->cells, c, nv, sizeof nv);
            else snprintf(nv, sizeof nv, "(none)");
            if (strcmp(ov, nv) == 0) continue;
            /* a difference already shown from an earlier date, unchanged since, is not repeated */
            if (pa->size == 1 && !strcmp(ov, prev_old) && !strcmp(nv, prev_new)) continue;
            yb_param_cell_name(a, ia, c, key, sizeof key);
            emit(o, "value", pa->name, d, key, ov, nv);
            if (pa->size == 1) {
                snprintf(prev_old, sizeof prev_old, "%s", ov);
                snprintf(prev_new, sizeof prev_new, "%s", nv);
            }
        }
    }
    free(dates);
}

/* A rule's text from its source file: its line and the indented lines under it. */
static char *rule_text(const yb_program *p, const yb_block_desc *bd)
{
    const char *path = bd->file < p->nfiles ? p->files[bd->file] : p->source;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) return NULL;
    char *line = NULL, *buf = NULL;
    size_t cap = 0, len = 0;
    FILE *m = open_memstream(&buf, &len);
    int no = 0;
    bool in = false;
    while (m && getline(&line, &cap, f) >= 0) {
        no++;
        if (no < bd->line) continue;
        if (no > bd->line && line[0] != ' ' && line[0] != '\t' && line[0] != '\n' && line[0] != '#') break;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '\r')) line[--n] = 0;
        if (n && line[0] != '#') fprintf(m, "%s\n", line);
        in = true;
    }
    free(line);
    fclose(f);
    if (m) fclose(m);
    if (!in) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* A rule's values as the explanation names them: the shape of its work, when the source is gone. */
static char *rule_shape(const yb_program *p, int block)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    const char *name = p->blocks[block].name;
    for (int k = 0; k < p->nexplain; k++)
        if (p->blocks[p->explain[k].block].name && !strcmp(p->blocks[p->explain[k].block].name, name))
            fprintf(m, "%s;", p->explain[k].label);
    fprintf(m, "|%s", p->blocks[block].text ? p->blocks[block].text : "");
    fclose(m);
    return buf;
}

static int rule_block(const yb_program *p, const char *name)
{
    for (int k = 1; k < p->nblocks; k++)
        if (p->blocks[k].branch == 0 && p->blocks[k].name && !strcmp(p->blocks[k].name, name)) return k;
    return -1;
}

static void diff_rules(diff_out *o, const yb_program *a, const yb_program *b)
{
    for (int k = 1; k < a->nblocks; k++) {
        const yb_block_desc *bd = &a->blocks[k];
        if (bd->branch || !bd->name) continue;
        int j = rule_block(b, bd->name);
        char where[600];
        snprintf(where, sizeof where, "%s:%d", bd->file < a->nfiles ? a->files[bd->file] : a->source, bd->line);
        if (j < 0) {
            emit(o, "rule removed", bd->name, "", "", where, "");
            continue;
        }
        char *ta = rule_text(a, bd), *tb = rule_text(b, &b->blocks[j]);
        if (!ta || !tb) {
            free(ta);
            free(tb);
            ta = rule_shape(a, k);
            tb = rule_shape(b, j);
        }
        if (ta && tb && strcmp(ta, tb) != 0) {
            const yb_block_desc *nb = &b->blocks[j];
            snprintf(where, sizeof where, "%s:%d -> %s:%d", bd->file < a->nfiles ? a->files[bd->file] : a->source, bd->line,
                     nb->file < b->nfiles ? b->files[nb->file] : b->source, nb->line);
            emit(o, "rule changed", bd->name, "", "", where, "");
        }
        free(ta);
        free(tb);
    }
    for (int k = 1; k < b->nblocks; k++) {
        const yb_block_desc *bd = &b->blocks[k];
        if (bd->branch || !bd->name || rule_block(a, bd->name) >= 0) continue;
        char where[600];
        snprintf(where, sizeof where, "%s:%d", bd->file < b->nfiles ? b->files[bd->file] : b->source, bd->line);
        emit(o, "rule added", bd->name, "", "", where, "");
    }
}

long yb_policy_changes(const yb_program *a, const yb_program *b, yb_policy_change_fn fn, void *ctx)
{
    diff_out o = {fn, ctx, 0};
    for (int i = 0; i < a->nparams; i++) {
        int j = param_index(b, a->params[i].name);
        if (j < 0) emit(&o, "removed", a->params[i].name, "", "", "", "");
        else diff_param(&o, a, i, b, j);
    }
    for (int j = 0; j < b->nparams; j++)
        if (param_index(a, b->params[j].name) < 0) emit(&o, "added", b->params[j].name, "", "", "", "");
    diff_rules(&o, a, b);
    return o.n;
}

/* The text form prints its two headings between the parameters and the rules:
 * the changes come in that order, so the heading goes before the first rule change. */
typedef struct diff_text {
    diff_print print;
    bool rules;
} diff_text;

static void print_text(void *ctx, const yb_policy_change *ch)
{
    diff_text *t = ctx;
    if (!t->print.json && !t->rules && !strncmp(ch->what, "rule ", 5)) {
        fputs("rules:\n", t->print.out);
        t->rules = true;
    }
    print_change(&t->print, ch);
}

long yb_policy_diff(const yb_program *a, const yb_program *b, FILE *out, bool json)
{
    diff_text t = {{out, json}, false};
    if (!json) fprintf(out, "policy \"%s\" %s -> \"%s\" %s\n", a->name, a->version, b->name, b->version);
    if (!json) fputs("parameters and tables:\n", out);
    long n = yb_policy_changes(a, b, print_text, &t);
    if (!json && !t.rules) fputs("rules:\n", out);
    if (!json) fprintf(out, "%ld difference%s\n", n, n == 1 ? "" : "s");
    return ferror(out) ? -1 : n;
}
