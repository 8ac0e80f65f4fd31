/* The disassembler: a .ybc (or freshly compiled policy) as readable text. */
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "vm.h"

static void operand(const yb_program *p, FILE *out, char shape, unsigned v)
{
    switch (shape) {
    case '_': return;
    case 'l': fprintf(out, " list%u", v); return;
    case 'p': fprintf(out, " %s", (int)v < p->nparams ? p->params[v].name : "?"); return;
    case 's': fprintf(out, " state:%s", (int)v < p->nstates ? p->states[v].name : "?"); return;
    case 'r': fprintf(out, " block:%s", (int)v < p->nblocks ? p->blocks[v].name : "?"); return;
    case 'c': fprintf(out, " %s", (int)v < p->nreasons ? p->reasons[v] : "?"); return;
    case 'w': fprintf(out, " %s", (int)v < p->nalerts ? p->alerts[v].id : "?"); return;
    case 'x': fprintf(out, " reject:%s", (int)v < p->nrejects ? p->rejects[v].path : "?"); return;
    case 'y': fprintf(out, " invariant:%s", (int)v < p->ninvariants ? p->invariants[v].text : "?"); return;
    case 'v': fprintf(out, " %s", (int)v < p->nderived ? p->derived[v].name : "?"); return;
    case 'n':
    case 'm': fprintf(out, " %u", v); return;
    case 'h': /* JIN, JNIN: the members' numbers */
        fputs(" {", out);
        for (unsigned m = 0, first = 1; m < 16; m++)
            if (v >> m & 1) fprintf(out, first ? "%u" : ",%u", m), first = 0;
        fputc('}', out);
        return;
    case 'g': fprintf(out, " %s", (int)v < p->nnatives ? p->natives[v].name : "?"); return;
    case 'q': fprintf(out, " (r%u..)", v); return;
    default: fprintf(out, " r%u", v); return;
    }
}

void yb_disasm(const yb_program *p, FILE *out)
{
    char d[16];
    yb_date_format(p->effective, d);
    fprintf(out, "; policy \"%s\" version \"%s\" effective %s (from %s)\n", p->name, p->version, d, p->source);
    fprintf(out, "; %d instructions, %d registers, %d constants, %d parameters, %d states, %d input fields\n",
            p->ncode, p->nregs, p->nconsts, p->nparams, p->nstates, p->schema.nfields);
    for (int i = 0; i < p->nparams; i++) {
        const yb_param *pp = &p->params[i];
        fprintf(out, "; param %-28s %-8s %d cell%s,", pp->name, yb_kind_name((yb_kind)pp->kind), pp->size, pp->size == 1 ? "" : "s");
        for (int v = 0; v < pp->nversions; v++) {
            yb_date_format(pp->versions[v].from, d);
            fprintf(out, " from %s", d);
        }
        fputc('\n', out);
    }
    for (int i = 0; i < p->nnatives; i++) {
        const yb_native_desc *nd = &p->natives[i];
        fprintf(out, "; extern fn %s(", nd->name);
        for (int k = 0; k < nd->nparams; k++) fprintf(out, "%s%s", k ? ", " : "", yb_kind_name((yb_kind)nd->params[k]));
        fprintf(out, ") -> %s from \"%s\"\n", yb_kind_name((yb_kind)nd->result), nd->library);
    }
    for (int i = 0; i < p->nstates; i++)
        fprintf(out, "; state %s: %d key%s, fields in r%d..r%d\n", p->states[i].name, p->states[i].nkeys,
                p->states[i].nkeys == 1 ? "" : "s", p->states[i].first_reg, p->states[i].first_reg + p->states[i].nfields - 1);
    uint32_t last_line = 0;
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc];
        unsigned op = YB_I_OP(i);
        if (pc == 0 && p->entry > 1) fprintf(out, "; constants, set once per VM\n");
        if (pc == p->entry) fprintf(out, "; each claim starts here\n");
        if (p->lines[pc] && p->lines[pc] != last_line) {
            fprintf(out, "; %s:%u\n", p->files[p->line_files[pc]], p->lines[pc]);
            last_line = p->lines[pc];
        }
        fprintf(out, "%5d  %-8s", pc, op < YB_OP__COUNT ? yb_op_names[op] : "???");
        if (op >= YB_OP__COUNT) { fputc('\n', out); continue; }
        const char *s = yb_op_shapes[op];
        if (s[0] == 'f') { /* JGIVEN, JABSENT: a claim field's slot and index, then the jump */
            unsigned f = YB_I_B(i);
            fprintf(out, " slot%u %s -> %d\n", YB_I_A(i), (int)f < p->schema.nfields ? p->schema.fields[f].name : "?", pc + 1 + YB_I_J(i));
            continue;
        }
        operand(p, out, s[0], YB_I_A(i));
        if (s[1] == 'k') {
            uint32_t k = YB_I_K(i);
            char buf[128] = "?";
            if ((int)k < p->nconsts) {
                if (p->const_kinds[k] == YB_T_TEXT) {
                    int64_t v = p->consts[k];
                    snprintf(buf, sizeof buf, "\"%.*s\"", (int)yb_text_length(v), p->pool + yb_text_offset(v));
                } else {
                    yb_format_value(p, p->const_kinds[k], 0, p->consts[k], buf, sizeof buf);
                }
            }
            fprintf(out, " k%u ; %s", k, buf);
        } else if (s[1] == 'i') {
            fprintf(out, " %d", YB_I_IMM(i));
        } else if (s[1] == 'f') {
            unsigned f = YB_I_C(i);
            fprintf(out, " slot%u ; %s", YB_I_B(i), (int)f < p->schema.nfields ? p->schema.fields[f].name : "?");
        } else {
            operand(p, out, s[1], YB_I_B(i));
            if (s[2] == 'j') fprintf(out, " -> %d", pc + 1 + YB_I_J(i));
            else if (s[2] == 'e') fprintf(out, " ; %s", (int)YB_I_C(i) < p->schema.nfields ? p->schema.fields[YB_I_C(i)].name : "?");
            else {
                operand(p, out, s[2], YB_I_C(i));
                operand(p, out, s[3], YB_I_D(i));
            }
        }
        if (op == YB_OP_LOADI && YB_I_A(i) < (unsigned)p->nregs) fprintf(out, " ; %s", yb_kind_name((yb_kind)p->reg_kinds[YB_I_A(i)]));
        fputc('\n', out);
    }
}
