#include "batch.h"

#include <errno.h>
#include <string.h>

#include "settlement_writer.h"

static void text_of(void *ctx, int64_t v, const char **p, uint32_t *n) { yb_vm_text(ctx, v, p, n); }

static void report(FILE *errs, const char *file, long line, const char *field, const char *msg)
{
    if (field && field[0]) fprintf(errs, "%s:%ld: error: %s: %s\n", file, line, field, msg);
    else fprintf(errs, "%s:%ld: error: %s\n", file, line, msg);
}

static bool settle_stream(yb_vm *vm, FILE *in, const char *name, yb_format fmt, yb_claim *claim, yb_writer *w,
                          const yb_batch_opts *o, yb_batch_stats *st)
{
    const yb_program *p = vm->p;
    yb_reader *r = yb_reader_open(&p->schema, in, name, fmt);
    if (!r) {
        fprintf(o->errors, "%s: error: cannot read claims with this policy's input shape\n", name);
        return false;
    }
    yb_record_error rerr;
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
    bool ok = true;
    int rc;
    while ((rc = yb_reader_next(r, claim, &rerr)) != 0) {
        st->records++;
        if (rc < 0) {
            st->errors++;
            report(o->errors, name, rerr.line, rerr.field, rerr.message);
            continue;
        }
        if (yb_vm_run(vm, claim) != YB_RUN_SETTLED) {
            st->errors++;
            report(o->errors, name, claim->line, vm->err.field, vm->err.message);
            continue;
        }
        st->settled++;
        st->held += vm->held;
        for (int k = 0; k < vm->nreasons; k++) reasons[k] = p->reasons[vm->reasons[k]];
        for (int k = 0; k < vm->nalerts; k++) {
            const yb_alert_desc *a = &p->alerts[vm->alerts[k]];
            alerts[k] = (yb_alert){a->id, (uint32_t)strlen(a->id), a->severity, a->message, (uint32_t)strlen(a->message)};
        }
        yb_settlement s = {vm->regs, vm->held, reasons, vm->nreasons, alerts, vm->nalerts, NULL, 0, text_of, vm};
        if (o->explain) {
            yb_vm_explain(vm);
            s.explain = vm->xbuf;
            s.explain_len = vm->xlen;
        }
        if (!yb_writer_put(w, &s)) {
            ok = false;
            break;
        }
    }
    yb_reader_close(r);
    return ok;
}

bool yb_batch_run(yb_vm *vm, const char *const *inputs, int ninputs, const yb_batch_opts *o, yb_batch_stats *st)
{
    const yb_program *p = vm->p;
    memset(st, 0, sizeof *st);
    yb_claim *claim = yb_claim_new(&p->schema);
    yb_writer *w = yb_writer_open(o->out, o->out_format, p->outs, p->nouts, p->schema.enums);
    if (!claim || !w) {
        fprintf(o->errors, "error: out of memory\n");
        yb_claim_free(claim);
        return false;
    }
    bool ok = true;
    static const char *const stdin_only[] = {"-"};
    if (ninputs == 0) {
        inputs = stdin_only;
        ninputs = 1;
    }
    for (int k = 0; k < ninputs && ok; k++) {
        const char *name = inputs[k];
        bool std = strcmp(name, "-") == 0;
        FILE *in = std ? stdin : fopen(name, "rb");
        if (!in) {
            fprintf(o->errors, "%s: error: cannot open: %s\n", name, strerror(errno));
            st->errors++;
            continue;
        }
        yb_format fmt = o->in_format >= 0 ? (yb_format)o->in_format : yb_format_of(name);
        ok = settle_stream(vm, in, std ? "<stdin>" : name, fmt, claim, w, o, st);
        if (!std) fclose(in);
    }
    if (!yb_writer_close(w)) ok = false;
    if (!ok) fprintf(o->errors, "error: cannot write the settlements: %s\n", strerror(errno));
    yb_claim_free(claim);
    return ok;
}
