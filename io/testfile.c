/* `yibao test`: one test file read, its cases settled and checked (testfile.h).
 *
 *   # a comment (the hand arithmetic goes here)
 *   policy ../hunan.yb                  the policy, relative to the test file
 *   claims claims.jsonl                 optional: a claims file settled first, in order;
 *                                       a case whose name is a claim_id checks that claim
 *   case G-NC  enrolled 2025-03-10…     a case: its name, then what it is about
 *     ytd totals.basic_paid = 5000.00   running totals before this case (it is settled on
 *                                       its own, from these totals alone)
 *     claim {"claim_id":"G-NC", …}      the claim, one JSON line
 *     expect fund = 0.00, reasons = [NOT_COVERED]   any subset of the settlement's fields
 *     expect error visit.date           the claim is a record error (its message holds the text)
 *   report communities [YGT-01, 2025] claims = 2, spent = 120.00
 *                                       an entry of a batch report, once every case is settled
 *
 * Inline cases share one batch, in file order: running totals carry from case
 * to case as in `yibao run`.  A value compares as money when both sides read
 * as money (8000 = 8000.00), else as text; a list compares item by item.
 */
#define _GNU_SOURCE 1 /* open_memstream, fmemopen */
#include "testfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "compiler.h"
#include "coverage.h"
#include "explain_text.h"
#include "json_flat.h"
#include "report.h"
#include "settlement_writer.h"
#include "vm.h"

typedef struct tf_pair {
    char *name, *value; /* value in the normal form of json_flat.h */
} tf_pair;

typedef struct tf_case {
    char *name, *desc;
    int line;
    char *claim; /* inline JSON, or NULL: from the claims file */
    int claim_line;
    tf_pair *expects, *ytd;
    int nexp, nytd;
    bool want_error, matched;
    char *error_text;
} tf_case;

typedef struct tf_report {
    char *name, *key;
    tf_pair *fields;
    int n, line;
} tf_report;

typedef struct tf_file {
    const char *path;
    char *policy, *claims;
    tf_case *cases;
    int ncases;
    tf_report *reports;
    int nreports;
} tf_file;

/* ------------------------------------------------------------------------ */
/* Reading the file                                                          */

static bool grow(void **arr, int n, size_t size)
{
    if (n & (n - 1)) return true; /* room left until n is a power of two */
    void *p = realloc(*arr, (size_t)(n ? 2 * n : 1) * size);
    if (!p) return false;
    *arr = p;
    return true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = 0;
    return s;
}

/* The end of one item of a comma list: the next comma outside [] and "". */
static char *item_end(char *s)
{
    int depth = 0;
    bool quoted = false;
    for (; *s; s++) {
        if (quoted) {
            if (*s == '\\' && s[1]) s++;
            else if (*s == '"') quoted = false;
        } else if (*s == '"') quoted = true;
        else if (*s == '[') depth++;
        else if (*s == ']') depth--;
        else if (*s == ',' && depth == 0) return s;
    }
    return s;
}

/* A value as written (`8000.00`, `"text"`, `[A, B]`) in its normal form. */
static char *norm_written(char *v)
{
    v = trim(v);
    size_t n = strlen(v);
    if (v[0] == '[' && n >= 2 && v[n - 1] == ']') {
        v[n - 1] = 0;
        char *out = malloc(n + 1), *o = out;
        if (!out) return NULL;
        *o++ = '[';
        int k = 0;
        for (char *s = v + 1; *trim(s);) {
            char *e = item_end(s), c = *e;
            *e = 0;
            char *item = norm_written(s);
            if (!item) { free(out); return NULL; }
            if (k++) o += sprintf(o, ", ");
            o += sprintf(o, "%s", item);
            free(item);
            if (!c) break;
            s = e + 1;
        }
        strcpy(o, "]");
        return out;
    }
    if (v[0] == '"' && n >= 2 && v[n - 1] == '"') {
        v[n - 1] = 0;
        return strdup(v + 1);
    }
    return strdup(v);
}

/* `NAME = VALUE, NAME = VALUE …` */
static bool parse_pairs(char *s, tf_pair **pairs, int *n, char *why, size_t whylen)
{
    while (*trim(s)) {
        char *e = item_end(s), c = *e;
        *e = 0;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(why, whylen, "`NAME = VALUE` was expected, found `%s`", trim(s));
            return false;
        }
        *eq = 0;
        char *name = trim(s);
        if (!*name) {
            snprintf(why, whylen, "a field name was expected before `=`");
            return false;
        }
        if (!grow((void **)pairs, *n, sizeof **pairs)) return false;
        tf_pair *pr = &(*pairs)[(*n)++];
        pr->name = strdup(name);
        pr->value = norm_written(eq + 1);
        if (!pr->name || !pr->value) return false;
        if (!c) break;
        s = e + 1;
    }
    return true;
}

static char *resolve(const char *test_path, const char *rel)
{
    const char *slash = strrchr(test_path, '/');
    size_t dir = rel[0] == '/' || !slash ? 0 : (size_t)(slash - test_path) + 1;
    char *p = malloc(dir + strlen(rel) + 1);
    if (!p) return NULL;
    memcpy(p, test_path, dir);
    strcpy(p + dir, rel);
    return p;
}

static bool parse_report(tf_file *f, char *rest, int line, char *why, size_t whylen)
{
    char *name = rest, *open = strchr(rest, '['), *close = open ? strchr(open, ']') : NULL;
    if (!open || !close) {
        snprintf(why, whylen, "`report NAME [KEY, …] FIELD = VALUE, …` was expected");
        return false;
    }
    *open = 0;
    if (!grow((void **)&f->reports, f->nreports, sizeof *f->reports)) return false;
    tf_report *r = &f->reports[f->nreports++];
    memset(r, 0, sizeof *r);
    r->line = line;
    r->name = strdup(trim(name));
    char save = close[1];
    close[1] = 0;
    *open = '[';
    r->key = norm_written(open);
    close[1] = save;
    if (!r->name || !r->key) return false;
    return parse_pairs(close + 1, &r->fields, &r->n, why, whylen);
}

/* One line of the file.  false: why says what is wrong with it. */
static bool parse_line(tf_file *f, char *s, int line, char *why, size_t whylen)
{
    s = trim(s);
    if (!*s || *s == '#') return true;
    char *rest = s + strcspn(s, " \t");
    if (*rest) *rest++ = 0;
    rest = trim(rest);
    tf_case *c = f->ncases ? &f->cases[f->ncases - 1] : NULL;
    if (strcmp(s, "policy") == 0 || strcmp(s, "claims") == 0) {
        char **slot = s[0] == 'p' ? &f->policy : &f->claims;
        if (*slot || !*rest) {
            snprintf(why, whylen, *slot ? "a second `%s` line" : "`%s` needs a file name", s);
            return false;
        }
        return (*slot = resolve(f->path, rest)) != NULL;
    }
    if (strcmp(s, "case") == 0) {
        if (!*rest) {
            snprintf(why, whylen, "`case` needs a name (the claim_id of a claim in the claims file, or any name)");
            return false;
        }
        if (!grow((void **)&f->cases, f->ncases, sizeof *f->cases)) return false;
        c = &f->cases[f->ncases++];
        memset(c, 0, sizeof *c);
        char *d = rest + strcspn(rest, " \t");
        if (*d) *d++ = 0;
        c->name = strdup(rest);
        c->desc = strdup(trim(d));
        c->line = line;
        return c->name && c->desc;
    }
    if (strcmp(s, "report") == 0) return parse_report(f, rest, line, why, whylen);
    if (!c) {
        snprintf(why, whylen, "`%s` outside a case (a case starts with `case NAME`)", s);
        return false;
    }
    if (strcmp(s, "claim") == 0) {
        if (c->claim || rest[0] != '{') {
            snprintf(why, whylen, c->claim ? "a second claim in case %s" : "`claim` needs a JSON object on the same line", c->name);
            return false;
        }
        c->claim_line = line;
        return (c->claim = strdup(rest)) != NULL;
    }
    if (strcmp(s, "ytd") == 0) return parse_pairs(rest, &c->ytd, &c->nytd, why, whylen);
    if (strcmp(s, "expect") == 0) {
        if (strncmp(rest, "error", 5) == 0 && (rest[5] == 0 || rest[5] == ' ')) {
            c->want_error = true;
            return (c->error_text = strdup(trim(rest + 5))) != NULL;
        }
        return parse_pairs(rest, &c->expects, &c->nexp, why, whylen);
    }
    snprintf(why, whylen, "unknown line `%s` (policy, claims, case, claim, ytd, expect, report)", s);
    return false;
}

static void free_pairs(tf_pair *p, int n)
{
    for (int i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    free(p);
}

static void free_file(tf_file *f)
{
    for (int i = 0; i < f->ncases; i++) {
        tf_case *c = &f->cases[i];
        free(c->name);
        free(c->desc);
        free(c->claim);
        free(c->error_text);
        free_pairs(c->expects, c->nexp);
        free_pairs(c->ytd, c->nytd);
    }
    for (int i = 0; i < f->nreports; i++) {
        free(f->reports[i].name);
        free(f->reports[i].key);
        free_pairs(f->reports[i].fields, f->reports[i].n);
    }
    free(f->cases);
    free(f->reports);
    free(f->policy);
    free(f->claims);
}

static bool read_file(tf_file *f, FILE *errs)
{
    FILE *in = fopen(f->path, "rb");
    if (!in) {
        fprintf(errs, "%s: error: cannot open: %s\n", f->path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    int no = 0;
    bool ok = true;
    while (ok && getline(&line, &cap, in) >= 0) {
        char why[400] = "out of memory";
        if (!parse_line(f, line, ++no, why, sizeof why)) {
            fprintf(errs, "%s:%d: error: %s\n", f->path, no, why);
            ok = false;
        }
    }
    free(line);
    fclose(in);
    if (ok && !f->policy) {
        fprintf(errs, "%s: error: no `policy FILE` line\n", f->path);
        ok = false;
    }
    for (int i = 0; ok && i < f->ncases; i++)
        if (!f->cases[i].claim && !f->claims) {
            fprintf(errs, "%s:%d: error: case %s has no claim (and the file names no claims file)\n", f->path,
                    f->cases[i].line, f->cases[i].name);
            ok = false;
        }
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Settling and checking                                                     */

typedef struct tf_run {
    tf_file *f;
    const yb_program *p;
    yb_vm *vm;
    const yb_test_opts *o;
    yb_test_totals *t;
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
} tf_run;

static void text_of(void *ctx, int64_t v, const char **p, uint32_t *n) { yb_vm_text(ctx, v, p, n); }

/* The settlement as `yibao run` writes it: one JSON line (malloc'd). */
static char *settlement_line(tf_run *r, const yb_vm *vm)
{
    const yb_program *p = vm->p;
    yb_batch_outcome(vm, r->reasons, r->alerts);
    yb_settlement s = {vm->regs, vm->held, r->reasons, vm->nreasons, r->alerts, vm->nalerts, NULL, 0, text_of, (void *)vm, NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    yb_writer *w = yb_writer_open(m, YB_FMT_JSONL, p->outs, p->nouts, p->schema.enums);
    bool ok = w && yb_writer_put(w, &s);
    if (w && !yb_writer_close(w)) ok = false;
    if (fclose(m) != 0) ok = false;
    if (!ok) {
        free(buf);
        return NULL;
    }
    if (len && buf[len - 1] == '\n') buf[len - 1] = 0;
    return buf;
}

static bool values_equal(const char *want, const char *got)
{
    yb_money a, b;
    if (yb_json_flat_money(want, &a) && yb_json_flat_money(got, &b)) return a == b;
    return strcmp(want, got) == 0;
}

/* Each expected field against the settlement; a line per difference.
 * Returns the number of differences. */
static int check_pairs(FILE *out, const tf_pair *want, int n, const yb_json_flat *got, const char *what)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const char *v = yb_json_flat_get(got, want[i].name);
        if (!v) {
            fprintf(out, "  %s: expected %s, but the %s has no such field (it has:", want[i].name, want[i].value, what);
            for (int k = 0; k < got->n; k++) fprintf(out, " %s", got->keys[k]);
            fputs(")\n", out);
            bad++;
        } else if (!values_equal(want[i].value, v)) {
            fprintf(out, "  %s: expected %s, got %s\n", want[i].name, want[i].value, v);
            bad++;
        }
    }
    return bad;
}

static void case_header(tf_run *r, const tf_case *c, const char *verdict)
{
    fprintf(r->o->out, "%s:%d: %s %s%s%s\n", r->f->path, c->line, verdict, c->name, c->desc[0] ? " — " : "", c->desc);
}

static void show_claim(tf_run *r, const tf_case *c, const char *file, long line)
{
    if (c->claim) fprintf(r->o->out, "  claim: %s\n", c->claim);
    else fprintf(r->o->out, "  claim: %s:%ld\n", file, line);
}

/* A claim settled (err NULL) or in error (err its message): the case's verdict. */
static void judge(tf_run *r, tf_case *c, const yb_vm *vm, const char *err, const char *file, long line)
{
    FILE *out = r->o->out;
    c->matched = true;
    char *settlement = err ? NULL : settlement_line(r, vm);
    yb_json_flat got = {0};
    bool parsed = settlement && yb_json_flat_parse(settlement, &got);
    bool pass;
    if (err) pass = c->want_error && strstr(err, c->error_text);
    else pass = !c->want_error && parsed;
    /* the differences go to a buffer first: the header comes before them */
    char *diffs = NULL;
    size_t dlen = 0;
    FILE *d = open_memstream(&diffs, &dlen);
    if (d && pass && !err) pass = check_pairs(d, c->expects, c->nexp, &got, "settlement") == 0;
    if (d) fclose(d);
    if (pass) {
        r->t->passed++;
        if (r->o->verbose) case_header(r, c, "ok");
    } else {
        r->t->failed++;
        case_header(r, c, "FAIL");
        show_claim(r, c, file, line);
        if (err && c->want_error) fprintf(out, "  expected a record error holding \"%s\", got: %s\n", c->error_text, err);
        else if (err) fprintf(out, "  a record error: %s\n", err);
        else if (c->want_error) fprintf(out, "  expected a record error, but it settled\n");
        else if (!parsed) fprintf(out, "  the settlement could not be written\n");
        if (diffs) fputs(diffs, out);
        if (settlement) fprintf(out, "  settlement: %s\n", settlement);
        if (!err && vm) {
            fputs("  rules that fired:\n", out);
            yb_explain_text_rules(out, vm);
        }
    }
    free(diffs);
    yb_json_flat_free(&got);
    free(settlement);
}

static tf_case *case_named(tf_file *f, const char *name)
{
    for (int i = 0; i < f->ncases; i++)
        if (!f->cases[i].claim && !f->cases[i].matched && strcmp(f->cases[i].name, name) == 0) return &f->cases[i];
    return NULL;
}

/* Settle one claim: NULL, or the record error's message in msg. */
static const char *settle(yb_vm *vm, const yb_claim *c, char *msg, size_t n, const yb_test_opts *o)
{
    if (o->cov) yb_coverage_attach(o->cov, vm);
    yb_run_status st = yb_vm_run(vm, c);
    if (o->cov) yb_coverage_claim(o->cov, vm); /* a rule that rejects a claim is exercised too */
    if (st != YB_RUN_SETTLED) {
        snprintf(msg, n, "%s%s%s", vm->err.field, vm->err.field[0] ? ": " : "", vm->err.message);
        return msg;
    }
    return NULL;
}

/* The claims file: every claim settled in order, each one a case names checked. */
static yb_batch_step file_claim(void *ctx, yb_claim *const *claims, const char *file, long line)
{
    tf_run *r = ctx;
    char msg[1400];
    const char *err = settle(r->vm, claims[0], msg, sizeof msg, r->o);
    if (err) {
        yb_batch_error(r->o->out, file, line, NULL, NULL, err);
        return YB_BATCH_BAD;
    }
    int id = -1;
    for (int i = 0; i < r->p->nouts; i++)
        if (strcmp(r->p->outs[i].name, "claim_id") == 0 && r->p->outs[i].kind == YB_T_TEXT) id = i;
    if (id < 0) return YB_BATCH_DONE;
    const char *t;
    uint32_t n;
    yb_vm_text(r->vm, r->vm->regs[id], &t, &n);
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)n, t);
    tf_case *c = case_named(r->f, name);
    if (c) judge(r, c, r->vm, NULL, file, line);
    return YB_BATCH_DONE;
}

/* ytd: the running totals a case starts from, given to the VM as a durable
 * ledger would give them (the first time a claim meets a key of the state). */
typedef struct ytd_ctx {
    const yb_program *p;
    const tf_case *c;
} ytd_ctx;

static bool parse_number(const char *s, uint8_t kind, int64_t *v)
{
    if (kind == YB_T_MONEY) return yb_json_flat_money(s, v);
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    *v = x;
    return kind == YB_T_INT && *s && !*end && errno == 0;
}

/* The state and field a `ytd` name means, checked; -1 and why when none. */
static int ytd_field(const yb_program *p, const char *name, int *state, char *why, size_t n)
{
    const char *dot = strchr(name, '.');
    for (int s = 0; dot && s < p->nstates; s++) {
        const yb_state_desc *sd = &p->states[s];
        if (strlen(sd->name) != (size_t)(dot - name) || strncmp(sd->name, name, (size_t)(dot - name)) != 0) continue;
        for (int k = 0; k < sd->nfields; k++)
            if (strcmp(sd->field_names[k], dot + 1) == 0) {
                *state = s;
                return k;
            }
    }
    snprintf(why, n, "ytd %s: no running total of that name (STATE.FIELD, as the policy declares them)", name);
    return -1;
}

static int ytd_load(void *ctx, int state, const unsigned char *key, uint32_t keylen, int64_t *values, char *err,
                    size_t errlen)
{
    const ytd_ctx *y = ctx;
    int any = 0;
    for (int i = 0; i < y->c->nytd; i++) {
        int s = -1, k = ytd_field(y->p, y->c->ytd[i].name, &s, err, errlen);
        if (k < 0) return -1;
        if (s != state) continue;
        uint8_t kind = y->p->reg_kinds[y->p->states[s].first_reg + k];
        if (!parse_number(y->c->ytd[i].value, kind, &values[k])) {
            snprintf(err, errlen, "ytd %s = %s: not a value of its kind", y->c->ytd[i].name, y->c->ytd[i].value);
            return -1;
        }
        any = 1;
    }
    return any;
}

/* A claim given inline, read with the policy's own reader. */
static void inline_case(tf_run *r, tf_case *c, yb_claim *claim)
{
    FILE *m = fmemopen(c->claim, strlen(c->claim), "rb");
    char why[256] = "", msg[1400];
    yb_reader_opts ro = {0, false};
    yb_reader *rd = m ? yb_reader_open_opts(&r->p->schema, m, r->f->path, YB_FMT_JSONL, &ro, why, sizeof why) : NULL;
    yb_record_error re;
    int got = rd ? yb_reader_next(rd, claim, &re) : -2;
    yb_vm *vm = r->vm, *own = NULL;
    ytd_ctx y = {r->p, c};
    if (c->nytd) {
        vm = own = yb_vm_new(r->p);
        if (vm) {
            vm->load = ytd_load;
            vm->load_ctx = &y;
        }
    }
    const char *err = NULL;
    if (got == -2 || !vm) err = why[0] ? why : "out of memory";
    else if (got == 0) err = "no claim on the line";
    else if (got < 0) snprintf(msg, sizeof msg, "%s%s%s", re.field, re.field[0] ? ": " : "", re.message), err = msg;
    else err = settle(vm, claim, msg, sizeof msg, r->o);
    judge(r, c, err ? NULL : vm, err, r->f->path, c->claim_line);
    yb_vm_free(own);
    yb_reader_close(rd);
    if (m) fclose(m);
}

/* The batch reports once every case is settled; each `report` line checked. */
static void check_reports(tf_run *r)
{
    if (!r->f->nreports) return;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return;
    yb_write_reports(r->vm, m);
    fclose(m);
    for (int i = 0; i < r->f->nreports; i++) {
        const tf_report *want = &r->f->reports[i];
        bool found = false, pass = false;
        char *diffs = NULL;
        size_t dlen = 0;
        for (char *line = buf, *next; line && *line && !found; line = next) {
            next = strchr(line, '\n');
            if (next) *next++ = 0;
            yb_json_flat got = {0};
            if (yb_json_flat_parse(line, &got)) {
                const char *name = yb_json_flat_get(&got, "report"), *key = yb_json_flat_get(&got, "key");
                if (name && key && strcmp(name, want->name) == 0 && strcmp(key, want->key) == 0) {
                    found = true;
                    FILE *d = open_memstream(&diffs, &dlen);
                    if (d) {
                        pass = check_pairs(d, want->fields, want->n, &got, "report entry") == 0;
                        fclose(d);
                    }
                }
            }
            yb_json_flat_free(&got);
            if (next) next[-1] = '\n';
        }
        if (pass) r->t->passed++;
        else {
            r->t->failed++;
            fprintf(r->o->out, "%s:%d: FAIL report %s %s\n", r->f->path, want->line, want->name, want->key);
            if (!found) fprintf(r->o->out, "  no such entry; the reports are:\n%s", buf);
            else fputs(diffs ? diffs : "", r->o->out);
        }
        free(diffs);
    }
    free(buf);
}

static void run_cases(tf_run *r)
{
    if (r->f->claims) {
        const char *inputs[1] = {r->f->claims};
        yb_batch_side side = {&r->p->schema, NULL};
        yb_batch_opts bo = {.in_format = -1, .errors = r->o->out};
        yb_batch_stats st;
        yb_batch_each(&side, 1, inputs, 1, &bo, file_claim, r, &st);
        r->t->failed += st.errors; /* every bad record of the claims file, and a file that cannot be read */
    }
    yb_claim *claim = yb_claim_new(&r->p->schema);
    for (int i = 0; i < r->f->ncases; i++) {
        tf_case *c = &r->f->cases[i];
        if (c->claim) {
            if (claim) inline_case(r, c, claim);
            continue;
        }
        if (c->matched) continue;
        r->t->failed++;
        case_header(r, c, "FAIL");
        fprintf(r->o->out, "  no claim with claim_id %s in %s\n", c->name, r->f->claims);
    }
    yb_claim_free(claim);
    check_reports(r);
}

bool yb_test_file(const char *path, const yb_test_opts *o, yb_test_totals *t)
{
    tf_file f = {.path = path};
    bool ok = read_file(&f, o->errs);
    yb_program *p = NULL;
    if (ok) {
        size_t n = strlen(f.policy);
        char err[512] = "";
        if (n > 4 && strcmp(f.policy + n - 4, ".ybc") == 0) {
            p = yb_ybc_load(f.policy, err, sizeof err);
        } else {
            yb_diag d;
            yb_diag_init(&d, o->errs);
            p = yb_compile_file(f.policy, &d);
            yb_diag_free(&d);
        }
        static const yb_native_libs none = {0};
        if (p && !yb_native_bind(p, o->natives ? o->natives : &none, err, sizeof err)) {
            yb_program_free(p);
            p = NULL;
        }
        if (!p) fprintf(o->errs, "%s: error: the policy %s cannot be used%s%s\n", path, f.policy, err[0] ? ": " : "", err);
    }
    yb_vm *vm = p ? yb_vm_new(p) : NULL;
    if (vm) {
        tf_run r = {.f = &f, .p = p, .vm = vm, .o = o, .t = t};
        run_cases(&r);
    } else {
        t->failed++;
        ok = false;
    }
    yb_vm_free(vm);
    yb_program_free(p);
    free_file(&f);
    return ok;
}
