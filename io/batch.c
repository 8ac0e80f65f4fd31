/* The batch loop (batch.h). */
#include "batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report_merge.h"
#include "settlement_writer.h"

void yb_batch_error(FILE *errs, const char *file, long line, const char *label, const char *field, const char *msg)
{
    if (!errs) return;
    fprintf(errs, "%s:%ld: error: %s%s%s%s%s\n", file, line, label ? label : "", label ? ": " : "",
            field ? field : "", field && field[0] ? ": " : "", msg);
}

bool yb_batch_settle(yb_vm *vm, const yb_claim *c, const char *file, long line, const char *label, FILE *errs)
{
    if (yb_vm_run(vm, c) == YB_RUN_SETTLED) return true;
    yb_batch_error(errs, file, line, label, vm->err.field, vm->err.message);
    return false;
}

/* The readers of one input, one per side. */
typedef struct batch_input {
    FILE *f[2];
    yb_reader *r[2];
} batch_input;

static void close_input(batch_input *in, int nsides)
{
    for (int k = 0; k < nsides; k++) {
        yb_reader_close(in->r[k]);
        if (in->f[k] && in->f[k] != stdin) fclose(in->f[k]);
        in->r[k] = NULL;
        in->f[k] = NULL;
    }
}

/* 1: open; 0: the file could not be opened (reported, counted); -1: no reader for a policy (reported). */
static int open_input(batch_input *in, const yb_batch_side *sides, int nsides, const char *path, const char *name,
                      const yb_batch_opts *o, yb_batch_stats *st)
{
    yb_format fmt = o->in_format >= 0 ? (yb_format)o->in_format : yb_format_of(path);
    bool std = strcmp(path, "-") == 0;
    for (int k = 0; k < nsides; k++) {
        in->f[k] = std ? stdin : fopen(path, "rb");
        if (!in->f[k]) {
            if (o->errors) fprintf(o->errors, "%s: error: cannot open: %s\n", name, strerror(errno));
            st->errors++;
            close_input(in, nsides);
            return 0;
        }
        char why[256];
        in->r[k] = yb_reader_open_opts(sides[k].schema, in->f[k], name, fmt, &o->reader, why, sizeof why);
        if (!in->r[k]) {
            if (o->errors)
                fprintf(o->errors, "%s: error: %s%sno claim can be read with this policy's input shape: %s\n", name,
                        sides[k].label ? sides[k].label : "", sides[k].label ? ": " : "", why);
            close_input(in, nsides);
            return -1;
        }
    }
    return 1;
}

/* The progress line (o->progress, a terminal): claims done, claims a second
 * and, for a file, the time left from the bytes read.  Checked every 65,536
 * records: the clock is not read per claim. */
static void progress(const yb_batch_opts *o, batch_input *in, const yb_batch_stats *st, const struct timespec *t0,
                     bool last)
{
    if (!o->progress || (!last && (st->records & 0xffff) != 0) || !st->records) return;
    double s = yb_batch_seconds_since(t0); // ok-float: time, bytes or prose, never money
    if (s < 1 && !last) return;
    struct stat sb;
    long pos = in->f[0] && in->f[0] != stdin ? ftell(in->f[0]) : -1;
    bool sized = !last && pos > 0 && fstat(fileno(in->f[0]), &sb) == 0;
    yb_batch_progress_line(o->progress, st->records, s, sized ? (double)pos : 0, sized ? (double)sb.st_size : 0, last); // ok-float: time, bytes or prose, never money
}

double yb_batch_seconds_since(const struct timespec *t0) // ok-float: time, bytes or prose, never money
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9; // ok-float: time, bytes or prose, never money
}

void yb_batch_progress_line(FILE *f, long records, double s, double done, double total, bool last) // ok-float: time, bytes or prose, never money
{
    fprintf(f, "\r%ld claims, %.0f claims/s", records, s > 0 ? (double)records / s : 0.0); // ok-float: time, bytes or prose, never money
    if (!last && done > 0 && total > done) fprintf(f, ", %.0f s left   ", s * (total - done) / done);
    fputs(last ? "            \n" : "   ", f);
    fflush(f);
}

/* One record of each side. */
typedef struct batch_read {
    int rc[2], ended, bad;
    yb_record_error err[2];
} batch_read;

static void read_record(batch_input *in, int nsides, yb_claim *const *claims, const yb_batch_opts *o, batch_read *r)
{
    r->ended = r->bad = 0;
    for (int k = 0; k < nsides; k++) {
        r->rc[k] = yb_reader_next(in->r[k], claims[k], &r->err[k]);
        r->ended += r->rc[k] == 0;
        r->bad += r->rc[k] < 0;
    }
    if (o->ahead && !r->ended && !r->bad) o->ahead(o->ahead_ctx, claims);
}

/* Every record of one input; false when fn gave up.  With o->ahead (and
   spare claims to read into) the next record is read before fn gets this one. */
static bool each_record(batch_input *in, const yb_batch_side *sides, int nsides, const char *name,
                        yb_claim *const *claims, yb_claim *const *spare, const yb_batch_opts *o, yb_batch_fn fn,
                        void *ctx, yb_batch_stats *st)
{
    batch_read rd[2];        /* this record, and the one read ahead */
    yb_claim *const *cl[2] = {claims, spare};
    int at = 0;              /* rd[at], cl[at]: this record */
    bool have_next = false;
    struct timespec t0;
    if (o->progress) clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (o->progress) progress(o, in, st, &t0, false);
        if (have_next) at ^= 1, have_next = false;
        else read_record(in, nsides, cl[at], o, &rd[at]);
        const batch_read *cur = &rd[at];
        if (cur->ended == nsides) {
            if (o->progress) progress(o, in, st, &t0, true);
            return true;
        }
        st->records++;
        if (cur->ended || cur->bad) {
            for (int k = 0; k < nsides; k++)
                if (cur->rc[k] < 0) yb_batch_error(o->errors, name, cur->err[k].line, sides[k].label, cur->err[k].field, cur->err[k].message);
                else if (cur->rc[k] == 0 && o->errors)
                    fprintf(o->errors, "%s: error: the %s reads fewer records\n", name, sides[k].label);
            st->errors++;
            if (cur->ended) return true;
            continue;
        }
        if (o->ahead && spare) {
            read_record(in, nsides, cl[at ^ 1], o, &rd[at ^ 1]);
            have_next = true;
        }
        switch (fn(ctx, cl[at], name, cl[at][0]->line)) {
        case YB_BATCH_DONE: st->done++; break;
        case YB_BATCH_BAD: st->errors++; break;
        case YB_BATCH_END: return true;
        case YB_BATCH_STOP: return false;
        case YB_BATCH_SKIP: break;
        }
    }
}

bool yb_batch_each(const yb_batch_side *sides, int nsides, const char *const *inputs, int ninputs,
                   const yb_batch_opts *o, yb_batch_fn fn, void *ctx, yb_batch_stats *st)
{
    memset(st, 0, sizeof *st);
    if (nsides < 1 || nsides > 2) return false;
    static const char *const stdin_only[] = {"-"};
    if (ninputs == 0) {
        inputs = stdin_only;
        ninputs = 1;
    }
    yb_claim *claims[2] = {NULL, NULL}, *spare[2] = {NULL, NULL};
    bool ok = true;
    for (int k = 0; k < nsides; k++)
        if (!(claims[k] = yb_claim_new(sides[k].schema)) || (o->ahead && !(spare[k] = yb_claim_new(sides[k].schema))))
            ok = false;
    if (!ok && o->errors) fprintf(o->errors, "error: out of memory\n");
    for (int i = 0; ok && i < ninputs; i++) {
        const char *path = inputs[i];
        const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
        batch_input in = {{NULL, NULL}, {NULL, NULL}};
        int opened = open_input(&in, sides, nsides, path, name, o, st);
        if (opened < 0) ok = false;
        if (opened <= 0) continue;
        ok = each_record(&in, sides, nsides, name, claims, o->ahead ? spare : NULL, o, fn, ctx, st);
        close_input(&in, nsides);
    }
    for (int k = 0; k < nsides; k++) {
        yb_claim_free(claims[k]);
        yb_claim_free(spare[k]);
    }
    return ok;
}

/* ------------------------------------------------------------------------ */
/* yibao run                                                                 */

typedef struct run_ctx {
    yb_vm *vm;
    yb_writer *w;
    const yb_run_opts *o;
    yb_run_stats *st;
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
} run_ctx;

static void text_of(void *ctx, int64_t v, const char **p, uint32_t *n) { yb_vm_text(ctx, v, p, n); }

void yb_batch_outcome(const yb_vm *vm, const char **reasons, yb_alert *alerts)
{
    const yb_program *p = vm->p;
    for (int k = 0; k < vm->nreasons; k++) reasons[k] = p->reasons[vm->reasons[k]];
    for (int k = 0; k < vm->nalerts; k++) {
        const yb_alert_desc *a = &p->alerts[vm->alerts[k]];
        const yb_alert_text *t = &p->alert_text[vm->alerts[k]];
        alerts[k] = (yb_alert){a->id, t->id_len, a->severity, NULL, 0, t->plain};
        yb_vm_alert_message(vm, k, &alerts[k].message, &alerts[k].message_len);
    }
}

static yb_batch_step run_one(void *ctx, yb_claim *const *claims, const char *file, long line)
{
    run_ctx *x = ctx;
    yb_vm *vm = x->vm;
    FILE *errs = x->o->batch.errors;
    char msg[600];
    int a = x->o->admit ? x->o->admit(x->o->gate, claims[0], msg, sizeof msg) : 0;
    if (a) {
        if (errs) fprintf(errs, "%s:%ld: %s: %s\n", file, line, a > 0 ? "note" : "error", msg);
        x->st->skipped += a > 0;
        x->st->stopped = a < 0;
        return a > 0 ? YB_BATCH_SKIP : YB_BATCH_STOP;
    }
    bool settled = yb_batch_settle(vm, claims[0], file, line, NULL, errs);
    /* a refused claim may have opened entries too (report_merge.c) */
    if (x->o->opens && !yb_report_opens_note(x->o->opens, vm, yb_report_pos(0, line))) {
        if (errs) fprintf(errs, "error: out of memory\n");
        return YB_BATCH_STOP;
    }
    if (!settled) return YB_BATCH_BAD;
    x->st->held += vm->held;
    if (x->o->settled && !x->o->settled(x->o->gate, claims[0], msg, sizeof msg)) {
        if (errs) fprintf(errs, "%s:%ld: error: %s\n", file, line, msg);
        x->st->stopped = true;
        return YB_BATCH_STOP;
    }
    yb_batch_outcome(vm, x->reasons, x->alerts);
    yb_settlement s = {vm->regs, vm->held, x->reasons, vm->nreasons, x->alerts, vm->nalerts, NULL, 0, text_of, vm, NULL};
    if (x->o->explain) {
        yb_vm_explain(vm);
        s.explain = vm->xbuf;
        s.explain_len = vm->xlen;
    }
    if (x->o->stamp) {
        s.stamp = x->o->stamp;
    }
    return yb_writer_put(x->w, &s) ? YB_BATCH_DONE : YB_BATCH_STOP;
}

bool yb_batch_run(yb_vm *vm, const char *const *inputs, int ninputs, const yb_run_opts *o, yb_run_stats *st)
{
    const yb_program *p = vm->p;
    FILE *errs = o->batch.errors;
    memset(st, 0, sizeof *st);
    run_ctx *x = calloc(1, sizeof *x);
    yb_writer *w = yb_writer_open(o->out, o->out_format, p->outs, p->nouts, p->schema.enums);
    if (!x || !w) {
        if (errs) fprintf(errs, "error: out of memory\n");
        free(x);
        yb_writer_close(w);
        return false;
    }
    if (o->stamp) yb_writer_stamp_columns(w);
    *x = (run_ctx){.vm = vm, .w = w, .o = o, .st = st};
    yb_batch_side side = {&p->schema, NULL};
    bool read_ok = yb_batch_each(&side, 1, inputs, ninputs, &o->batch, run_one, x, &st->batch);
    bool write_ok = yb_writer_close(w); /* a write error: the caller, who knows the output, says so */
    free(x);
    return read_ok && write_ok;
}
