/* `yibao explain POLICY CLAIMS…`: each claim's settlement as text an analyst
 * reads top to bottom — the outputs, then every rule that fired, in order,
 * with the values it worked out and the source line it stands on. */
#include "explain_text.h"

#include <string.h>

#include "batch.h"
#include "vm.h"

static void put_value(FILE *out, const yb_vm *vm, uint8_t kind, uint16_t enum_id, int64_t v)
{
    if (kind == YB_T_TEXT) {
        const char *p;
        uint32_t n;
        yb_vm_text(vm, v, &p, &n);
        fprintf(out, "\"%.*s\"", (int)n, p);
        return;
    }
    char buf[64];
    yb_format_value(vm->p, kind, enum_id, v, buf, sizeof buf);
    fputs(buf, out);
}

static void put_settlement(FILE *out, const yb_vm *vm)
{
    const yb_program *p = vm->p;
    fputs("  ", out);
    for (int o = 0; o < p->nouts; o++) {
        const yb_out_field *f = &p->outs[o];
        if (o) fputs(o % 6 == 0 ? "\n  " : "  ", out);
        fprintf(out, "%s ", f->name);
        if (f->kind == YB_T_STATUS) fputs(vm->held ? "held" : "settled", out);
        else if (f->kind == YB_T_REASONS) {
            fputc('[', out);
            for (int k = 0; k < vm->nreasons; k++) fprintf(out, "%s%s", k ? " " : "", p->reasons[vm->reasons[k]]);
            fputc(']', out);
        } else if (f->kind == YB_T_ALERTS) {
            fputc('[', out);
            for (int k = 0; k < vm->nalerts; k++) {
                const yb_alert_desc *a = &p->alerts[vm->alerts[k]];
                const char *msg;
                uint32_t len;
                yb_vm_alert_message(vm, k, &msg, &len);
                fprintf(out, "%s%s %s: %.*s", k ? "; " : "", a->severity ? "block" : "warn", a->id, (int)len, msg);
            }
            fputc(']', out);
        } else {
            put_value(out, vm, f->kind, f->enum_id, vm->regs[o]);
        }
    }
    fputc('\n', out);
}

void yb_explain_text_rules(FILE *out, const yb_vm *vm)
{
    const yb_program *p = vm->p;
    for (int b = 0; b < p->nblocks; b++) {
        if (vm->fired[b] != vm->claim_no) continue;
        const yb_block_desc *bd = &p->blocks[b];
        if (bd->branch) fprintf(out, "    %s", bd->branch == 1 ? "if branch" : "else branch");
        else fprintf(out, "  %s", bd->name);
        if (bd->text) fprintf(out, " — %s", bd->text);
        if (bd->line > 0) fprintf(out, "  [%s:%d]", bd->file < p->nfiles ? p->files[bd->file] : p->source, bd->line);
        fputc('\n', out);
        for (int k = 0; k < p->nexplain; k++) {
            const yb_explain_value *ev = &p->explain[k];
            if (ev->block != b) continue;
            fprintf(out, "      %s = ", ev->label);
            put_value(out, vm, ev->kind, ev->enum_id, vm->regs[ev->reg]);
            fputc('\n', out);
        }
    }
}

typedef struct explain_ctx {
    yb_vm *vm;
    FILE *out, *errs;
} explain_ctx;

static yb_batch_step explain_one(void *ctx, yb_claim *const *claims, const char *file, long line)
{
    explain_ctx *x = ctx;
    if (!yb_batch_settle(x->vm, claims[0], file, line, NULL, x->errs)) return YB_BATCH_BAD;
    fprintf(x->out, "%s:%ld\n", file, line);
    put_settlement(x->out, x->vm);
    yb_explain_text_rules(x->out, x->vm);
    fputc('\n', x->out);
    return ferror(x->out) ? YB_BATCH_STOP : YB_BATCH_DONE;
}

int yb_explain_text(const yb_program *p, const char *const *inputs, int ninputs, const yb_batch_opts *o, FILE *out)
{
    explain_ctx x = {yb_vm_new(p), out, o->errors};
    if (!x.vm) {
        fprintf(o->errors, "error: out of memory\n");
        return 1;
    }
    yb_batch_side side = {&p->schema, NULL};
    yb_batch_stats st;
    bool ok = yb_batch_each(&side, 1, inputs, ninputs, o, explain_one, &x, &st);
    if (fflush(out) != 0 || ferror(out)) ok = false; /* the caller, who knows the output, says so */
    fprintf(o->errors, "%ld settled, %ld errors\n", st.done, st.errors);
    yb_vm_free(x.vm);
    return ok && st.errors == 0 ? 0 : 1;
}
