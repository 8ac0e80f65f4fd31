/* Program lifetime and the tables derived at load: parameter epochs (one
 * frame of values per interval between effective dates, so a claim selects
 * its parameters with one binary search), element-field side tables and
 * the alerts' text lengths. */
#include "program.h"
#include "native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

const char *const yb_op_names[YB_OP__COUNT] = {
#define OP(name, a, b, c, d, doc) #name,
#include "opcodes.def"
#undef OP
};

const char yb_op_shapes[YB_OP__COUNT][4] = {
#define OP(name, A, B, C, D, doc) {#A[0], #B[0], #C[0], #D[0]},
#include "opcodes.def"
#undef OP
};

static void free_pieces(yb_text_piece *pc, int n)
{
    for (int k = 0; k < n; k++) free(pc[k].text);
    free(pc);
}

bool yb_native_word_ok(const char *s, bool library)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > YB_NATIVE_MAX_NAME || (s[0] >= '0' && s[0] <= '9')) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                  (library && (ch == '-' || ch == '.'));
        if (!ok) return false;
    }
    return !library || (strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
}

void yb_program_free(yb_program *p)
{
    if (!p) return;
    free(p->name);
    free(p->version);
    free(p->source);
    free(p->route_plan);
    yb_schema_free(&p->schema);
    for (int i = 0; i < p->nouts; i++) free(p->outs[i].name);
    free(p->outs);
    free(p->consts);
    free(p->const_kinds);
    free(p->pool);
    for (int i = 0; i < p->nparams; i++) {
        free(p->params[i].name);
        for (int v = 0; v < p->params[i].nversions; v++) {
            free(p->params[i].versions[v].cells);
            free(p->params[i].versions[v].rows);
        }
        free(p->params[i].versions);
    }
    free(p->params);
    for (int i = 0; i < p->nbandsets; i++) {
        free(p->bandsets[i].bands);
        free(p->bandsets[i].at);
    }
    free(p->bandsets);
    for (int i = 0; i < p->nstates; i++) {
        free(p->states[i].name);
        free(p->states[i].key_kinds);
        free(p->states[i].key_enums);
        for (int f = 0; f < p->states[i].nfields; f++) free(p->states[i].field_names[f]);
        free(p->states[i].field_names);
    }
    free(p->states);
    for (int i = 0; i < p->nreasons; i++) free(p->reasons[i]);
    free(p->reasons);
    for (int i = 0; i < p->nalerts; i++) {
        free(p->alerts[i].id);
        free(p->alerts[i].message);
        free_pieces(p->alerts[i].pieces, p->alerts[i].npieces);
    }
    free(p->alerts);
    for (int i = 0; i < p->nrejects; i++) {
        free(p->rejects[i].path);
        free(p->rejects[i].message);
        free_pieces(p->rejects[i].pieces, p->rejects[i].npieces);
    }
    free(p->rejects);
    for (int i = 0; i < p->ninvariants; i++) {
        free(p->invariants[i].text);
        free_pieces(p->invariants[i].pieces, p->invariants[i].npieces);
    }
    free(p->invariants);
    for (int i = 0; i < p->nblocks; i++) {
        free(p->blocks[i].name);
        free(p->blocks[i].text);
    }
    free(p->blocks);
    for (int i = 0; i < p->nexplain; i++) free(p->explain[i].label);
    free(p->explain);
    for (int i = 0; i < p->nderived; i++) free(p->derived[i].name);
    free(p->derived);
    yb_native_unbind(p);
    for (int i = 0; i < p->nnatives; i++) {
        free(p->natives[i].name);
        free(p->natives[i].library);
    }
    free(p->natives);
    free(p->reg_kinds);
    free(p->code);
    free(p->loads);
    free(p->lines);
    free(p->line_files);
    for (int i = 0; i < p->nfiles; i++) free(p->files[i]);
    free(p->files);
    for (int i = 0; i < p->nepochs; i++) {
        free(p->epoch_cells[i]);
        free(p->epoch_defined[i]);
    }
    free(p->epoch_from);
    free(p->epoch_cells);
    free(p->epoch_defined);
    free(p->param_base);
    free(p->elem_list);
    free(p->elem_slot);
    free(p->elem_stride);
    free(p->alert_text);
    free(p);
}

static int cmp_date(const void *a, const void *b)
{
    yb_date x = *(const yb_date *)a, y = *(const yb_date *)b;
    return x < y ? -1 : x > y;
}

/* The lengths and JSON plainness of every alert's id and constant message,
 * once: a settlement writer copies them as they are (io/batch.c). */
static bool alert_texts(yb_program *p, char *err, size_t errlen)
{
    p->alert_text = calloc((size_t)p->nalerts + 1, sizeof *p->alert_text);
    if (!p->alert_text) {
        snprintf(err, errlen, "out of memory for the alerts");
        return false;
    }
    for (int i = 0; i < p->nalerts; i++) {
        const yb_alert_desc *a = &p->alerts[i];
        yb_alert_text *t = &p->alert_text[i];
        size_t il = a->id ? strlen(a->id) : 0, ml = a->message ? strlen(a->message) : 0;
        t->id_len = (uint32_t)il;
        t->message_len = (uint32_t)ml;
        t->plain = (uint8_t)((a->id && yb_json_plain_len(a->id, il) == il) |
                             (a->message && !a->npieces && yb_json_plain_len(a->message, ml) == ml) << 1);
    }
    return true;
}

bool yb_program_prepare(yb_program *p, char *err, size_t errlen)
{
    /* parameter frames */
    p->param_base = calloc((size_t)(p->nparams ? p->nparams : 1), sizeof *p->param_base);
    int64_t total = 0;
    size_t ndates = 0;
    for (int i = 0; i < p->nparams; i++) {
        if (p->params[i].size < 1 || p->params[i].size > 65536) {
            snprintf(err, errlen, "parameter %d has %d cells", i, p->params[i].size);
            return false;
        }
        p->param_base[i] = (int32_t)total;
        total += p->params[i].size;
        ndates += (size_t)p->params[i].nversions;
        if (total > (1 << 24)) {
            snprintf(err, errlen, "parameters too large");
            return false;
        }
    }
    p->frame_size = (int32_t)total;
    yb_date *dates = malloc((ndates + 1) * sizeof *dates);
    if (!dates) {
        snprintf(err, errlen, "out of memory for the parameters");
        return false;
    }
    size_t nd = 0;
    dates[nd++] = INT64_MIN; /* before every effective date: nothing in force */
    for (int i = 0; i < p->nparams; i++)
        for (int v = 0; v < p->params[i].nversions; v++) dates[nd++] = p->params[i].versions[v].from;
    qsort(dates, nd, sizeof *dates, cmp_date);
    size_t u = 0;
    for (size_t i = 0; i < nd; i++)
        if (u == 0 || dates[i] != dates[u - 1]) dates[u++] = dates[i];
    p->nepochs = 0;
    p->epoch_from = dates;
    /* one frame per epoch: a hostile .ybc could ask for thousands of 16M-cell
       frames; real policies need a few thousand cells in all */
    if ((int64_t)u * (total ? total : 1) > (1 << 26)) {
        snprintf(err, errlen, "parameters too large (%zu effective dates x %lld cells)", u, (long long)total);
        return false;
    }
    p->epoch_cells = calloc(u, sizeof *p->epoch_cells);
    p->epoch_defined = calloc(u, sizeof *p->epoch_defined);
    if (!p->epoch_cells || !p->epoch_defined) {
        snprintf(err, errlen, "out of memory for the parameters");
        return false;
    }
    for (size_t e = 0; e < u; e++) {
        p->epoch_cells[e] = calloc((size_t)(total ? total : 1), sizeof(int64_t));
        p->epoch_defined[e] = calloc((size_t)(p->nparams ? p->nparams : 1), 1);
        p->nepochs = (int32_t)(e + 1);
        if (!p->epoch_cells[e] || !p->epoch_defined[e]) {
            snprintf(err, errlen, "out of memory for the parameters");
            return false;
        }
        for (int i = 0; i < p->nparams; i++) {
            const yb_param *pp = &p->params[i];
            int pick = -1;
            for (int v = 0; v < pp->nversions; v++)
                if (pp->versions[v].from <= dates[e]) pick = v;
            if (pick < 0) continue;
            p->epoch_defined[e][i] = 1;
            memcpy(p->epoch_cells[e] + p->param_base[i], pp->versions[pick].cells, (size_t)pp->size * sizeof(int64_t));
        }
    }
    /* element fields: which list, which slot */
    const yb_schema *s = &p->schema;
    p->elem_list = malloc((size_t)(s->nfields ? s->nfields : 1) * sizeof *p->elem_list);
    p->elem_slot = malloc((size_t)(s->nfields ? s->nfields : 1) * sizeof *p->elem_slot);
    p->elem_stride = malloc((size_t)(s->nfields ? s->nfields : 1) * sizeof *p->elem_stride);
    for (int i = 0; i < s->nfields; i++) p->elem_list[i] = p->elem_slot[i] = p->elem_stride[i] = -1;
    for (int li = 0; li < s->nlists; li++) {
        int lf = s->lists[li].field;
        if (lf < 0 || lf >= s->nfields) {
            snprintf(err, errlen, "list %d names no field", li);
            return false;
        }
        /* children and grandchildren (records inside elements) */
        int stack[64], sp = 0;
        stack[sp++] = lf;
        while (sp) {
            int f = stack[--sp];
            const yb_field *fd = &s->fields[f];
            if (!yb_span_fits(fd->first, fd->count, s->nfields) || fd->first <= f) {
                snprintf(err, errlen, "field %d has bad children", f);
                return false;
            }
            for (int k = fd->first; k < fd->first + fd->count; k++) {
                p->elem_list[k] = li;
                p->elem_slot[k] = s->fields[k].slot;
                p->elem_stride[k] = s->lists[li].elem_nslots;
                if (s->fields[k].kind == YB_T_RECORD) {
                    if (sp == 64) {
                        snprintf(err, errlen, "records nested too deep");
                        return false;
                    }
                    stack[sp++] = k;
                }
            }
        }
    }
    return alert_texts(p, err, errlen);
}
