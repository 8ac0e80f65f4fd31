#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "report_merge.h"

typedef struct sort_ctx {
    const yb_ledger *ledger;
    const yb_state_desc *sd;
} sort_ctx;

/* Decode key k of an entry: a text (pointer, length) or a number. */
static const unsigned char *next_key(const unsigned char *p, uint8_t kind, const unsigned char **text, uint32_t *len,
                                     int64_t *num)
{
    if (kind == YB_T_TEXT) {
        memcpy(len, p, 4);
        *text = p + 4;
        return p + 4 + *len;
    }
    memcpy(num, p, 8);
    return p + 8;
}

static int compare_keys(const yb_ledger *l, const yb_state_desc *sd, const yb_ledger_entry *a, const yb_ledger_entry *b)
{
    const unsigned char *pa = yb_ledger_key(l, a), *pb = yb_ledger_key(l, b);
    for (int k = 0; k < sd->nkeys; k++) {
        const unsigned char *ta = NULL, *tb = NULL;
        uint32_t la = 0, lb = 0;
        int64_t na = 0, nb = 0;
        pa = next_key(pa, sd->key_kinds[k], &ta, &la, &na);
        pb = next_key(pb, sd->key_kinds[k], &tb, &lb, &nb);
        if (sd->key_kinds[k] == YB_T_TEXT) {
            int c = memcmp(ta, tb, la < lb ? la : lb);
            if (c) return c;
            if (la != lb) return la < lb ? -1 : 1;
        } else if (na != nb) {
            return na < nb ? -1 : 1;
        }
    }
    return 0;
}

/* qsort has no context argument in C11: a small insertion-merge sort of our own. */
static void sort_entries(const yb_ledger *l, const yb_state_desc *sd, yb_ledger_entry **v, size_t n, yb_ledger_entry **tmp)
{
    if (n < 2) return;
    size_t h = n / 2;
    sort_entries(l, sd, v, h, tmp);
    sort_entries(l, sd, v + h, n - h, tmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = compare_keys(l, sd, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static void file_sink(void *out, const char *p, size_t n) { fwrite(p, 1, n, out); }

void yb_put_json_text(FILE *out, const char *p, size_t n)
{
    fputc('"', out);
    yb_json_text(p, n, file_sink, out);
    fputc('"', out);
}

static void put_value(const yb_program *p, FILE *out, uint8_t kind, uint16_t enum_id, int64_t v)
{
    char buf[64];
    yb_format_value(p, kind, enum_id, v, buf, sizeof buf);
    if (kind == YB_T_INT || kind == YB_T_BOOL) fputs(buf, out);
    else yb_put_json_text(out, (const char *)buf, (uint32_t)strlen(buf));
}

bool yb_write_reports(const yb_vm *vm, FILE *out) { return yb_write_reports_at(vm, out, NULL, NULL); }

/* ,"@opened":[INPUT,LINE] when at() knows where the entry was opened. */
static void put_opened(FILE *out, yb_report_at_fn at, void *ctx, int s, const void *key, uint32_t keylen)
{
    uint64_t pos = at ? at(ctx, s, key, keylen) : UINT64_MAX;
    if (pos != UINT64_MAX)
        fprintf(out, ",\"@opened\":[%d,%ld]", yb_report_pos_input(pos), yb_report_pos_line(pos));
}

bool yb_write_reports_at(const yb_vm *vm, FILE *out, yb_report_at_fn at, void *ctx)
{
    const yb_program *p = vm->p;
    for (int s = 0; s < p->nstates; s++) {
        const yb_state_desc *sd = &p->states[s];
        if (!sd->report) continue;
        const yb_ledger *l = vm->ledgers[s];
        size_t n = yb_ledger_count(l);
        yb_ledger_entry **v = yb_ledger_entries(l);
        yb_ledger_entry **tmp = malloc((n ? n : 1) * sizeof *tmp);
        if (!v || !tmp) {
            free(v);
            free(tmp);
            return false;
        }
        sort_entries(l, sd, v, n, tmp);
        for (size_t i = 0; i < n; i++) {
            if (!(v[i]->flags & YB_ENTRY_OPENED)) continue; /* opened only by records in error */
            fputs("{\"report\":", out);
            yb_put_json_text(out, (const char *)sd->name, (uint32_t)strlen(sd->name));
            fputs(",\"key\":[", out);
            const unsigned char *kp = yb_ledger_key(l, v[i]);
            for (int k = 0; k < sd->nkeys; k++) {
                const unsigned char *t = NULL;
                uint32_t len = 0;
                int64_t num = 0;
                kp = next_key(kp, sd->key_kinds[k], &t, &len, &num);
                if (k) fputc(',', out);
                if (sd->key_kinds[k] == YB_T_TEXT) yb_put_json_text(out, (const char *)t, len);
                else put_value(p, out, sd->key_kinds[k], sd->key_enums[k], num);
            }
            fputc(']', out);
            for (int f = 0; f < sd->nfields; f++) {
                fputs(",", out);
                yb_put_json_text(out, (const char *)sd->field_names[f], (uint32_t)strlen(sd->field_names[f]));
                fputc(':', out);
                put_value(p, out, p->reg_kinds[sd->first_reg + f], 0, yb_ledger_value(l, v[i], f));
            }
            put_opened(out, at, ctx, s, yb_ledger_key(l, v[i]), v[i]->keylen);
            fputs("}\n", out);
        }
        free(v);
        free(tmp);
    }
    return !ferror(out);
}
