/* `yibao explain POLICY CLAIMS…`: each claim's settlement as text an analyst
 * reads top to bottom — the outputs, then every rule that fired, in order,
 * with the values it worked out and the source line it stands on. */
#include "explain.h"

#include <string.h>

#include "claim_reader.h"
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
                fprintf(out, "%s%s %s: %s", k ? "; " : "", a->severity ? "block" : "warn", a->id, a->message);
            }
            fputc(']', out);
        } else {
            put_value(out, vm, f->kind, f->enum_id, vm->regs[o]);
        }
    }
    fputc('\n', out);
}

static void put_rules(FILE *out, const yb_vm *vm)
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

int yb_explain_text(const yb_program *p, const char *const *inputs, int ninputs, FILE *out, FILE *errs)
{
    yb_vm *vm = yb_vm_new(p);
    yb_claim *claim = yb_claim_new(&p->schema);
    long settled = 0, errors = 0;
    for (int f = 0; f < ninputs; f++) {
        FILE *in = strcmp(inputs[f], "-") == 0 ? stdin : fopen(inputs[f], "rb");
        if (!in) {
            fprintf(errs, "%s: error: cannot read\n", inputs[f]);
            errors++;
            continue;
        }
        yb_reader *r = yb_reader_open(&p->schema, in, inputs[f], yb_format_of(inputs[f]));
        yb_record_error err;
        int rc;
        while (r && (rc = yb_reader_next(r, claim, &err)) != 0) {
            if (rc < 0) {
                fprintf(errs, "%s:%ld: error: %s%s%s\n", inputs[f], err.line, err.field, err.field[0] ? ": " : "", err.message);
                errors++;
                continue;
            }
            if (yb_vm_run(vm, claim) != YB_RUN_SETTLED) {
                fprintf(errs, "%s:%ld: error: %s%s%s\n", inputs[f], claim->line, vm->err.field, vm->err.field[0] ? ": " : "",
                        vm->err.message);
                errors++;
                continue;
            }
            settled++;
            fprintf(out, "%s:%ld\n", inputs[f], claim->line);
            put_settlement(out, vm);
            put_rules(out, vm);
            fputc('\n', out);
        }
        if (r) yb_reader_close(r);
        if (in != stdin) fclose(in);
    }
    fprintf(errs, "%ld settled, %ld errors\n", settled, errors);
    yb_claim_free(claim);
    yb_vm_free(vm);
    return errors ? 1 : 0;
}
