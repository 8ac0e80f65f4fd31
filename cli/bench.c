/* `yibao bench POLICY CLAIMS`: times the VM alone.  Every claim is read
 * first (untimed) into one packed copy per claim; then the VM settles them
 * all, best of a few passes with fresh running totals each time. */
#define _GNU_SOURCE /* mallinfo2 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "claim_reader.h"
#include "program.h"
#include "vm.h"

typedef struct packed {
    yb_claim view;
} packed;

/* One allocation holding the claim's slots, lists and text. */
static yb_claim *pack(const yb_claim *c)
{
    const yb_schema *s = c->schema;
    size_t size = sizeof(yb_claim) + (size_t)s->nlists * sizeof(yb_list_data) + (size_t)s->nslots * 9 + c->text_len + 16;
    for (int l = 0; l < s->nlists; l++) size += (size_t)c->lists[l].count * (size_t)s->lists[l].elem_nslots * 9 + 16;
    unsigned char *m = malloc(size);
    if (!m) return NULL;
    yb_claim *v = (yb_claim *)m;
    *v = *c;
    unsigned char *at = m + sizeof *v;
    v->lists = (yb_list_data *)at;
    at += (size_t)s->nlists * sizeof(yb_list_data);
    v->slots = (int64_t *)at;
    memcpy(v->slots, c->slots, (size_t)s->nslots * 8);
    at += (size_t)s->nslots * 8;
    for (int l = 0; l < s->nlists; l++) {
        size_t n = (size_t)c->lists[l].count * (size_t)s->lists[l].elem_nslots;
        v->lists[l].count = v->lists[l].cap = c->lists[l].count;
        v->lists[l].slots = (int64_t *)at;
        memcpy(at, c->lists[l].slots, n * 8);
        at += n * 8;
    }
    v->present = at;
    memcpy(at, c->present, (size_t)s->nslots);
    at += s->nslots;
    for (int l = 0; l < s->nlists; l++) {
        size_t n = (size_t)c->lists[l].count * (size_t)s->lists[l].elem_nslots;
        v->lists[l].present = at;
        memcpy(at, c->lists[l].present, n);
        at += n;
    }
    v->text = (char *)at;
    memcpy(at, c->text, c->text_len);
    v->text_cap = v->text_len;
    return v;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Claims are read in batches of BATCH (untimed) and the VM settles each batch
 * (timed), so the timing is of the rules, not of memory traffic over a
 * gigabyte of parsed claims; the Lua baseline is timed the same way. */
#define BATCH 256

static double settle_file(const yb_program *p, const char *path, long *n_out, long *errors, long *unreadable, int64_t *check)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in) return -1;
    yb_reader *r = yb_reader_open(&p->schema, in, path, yb_format_of(path));
    yb_claim *c = yb_claim_new(&p->schema);
    yb_claim *batch[BATCH];
    yb_record_error err;
    yb_vm *vm = yb_vm_new(p);
    double total = 0;
    long n = 0;
    *errors = 0;
    *unreadable = 0;
    *check = 0;
    for (;;) {
        int k = 0, rc = 0;
        while (k < BATCH && (rc = yb_reader_next(r, c, &err)) != 0)
            if (rc > 0) batch[k++] = pack(c);
            else if (rc < 0) (*unreadable)++;
        if (k == 0) break;
        double t0 = now();
        for (int i = 0; i < k; i++) {
            if (yb_vm_run(vm, batch[i]) != YB_RUN_SETTLED) (*errors)++;
            *check += vm->regs[p->nouts > 4 ? 4 : 0];
        }
        total += now() - t0;
        for (int i = 0; i < k; i++) free(batch[i]);
        n += k;
        if (rc == 0) break;
    }
    yb_vm_free(vm);
    yb_reader_close(r);
    yb_claim_free(c);
    if (in != stdin) fclose(in);
    *n_out = n;
    return total;
}

/* Settling allocates nothing once every member has been seen: settle the
 * same batch twice on one VM and measure the heap between the passes. */
static long steady_state_growth(const yb_program *p, const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in) return -1;
    yb_reader *r = yb_reader_open(&p->schema, in, path, yb_format_of(path));
    yb_claim *c = yb_claim_new(&p->schema), *batch[BATCH];
    yb_record_error err;
    int k = 0, rc;
    while (k < BATCH && (rc = yb_reader_next(r, c, &err)) != 0)
        if (rc > 0) batch[k++] = pack(c);
    yb_vm *vm = yb_vm_new(p);
    for (int i = 0; i < k; i++) yb_vm_run(vm, batch[i]);
    struct mallinfo2 before = mallinfo2();
    for (int i = 0; i < k; i++) yb_vm_run(vm, batch[i]);
    struct mallinfo2 after = mallinfo2();
    yb_vm_free(vm);
    for (int i = 0; i < k; i++) free(batch[i]);
    yb_reader_close(r);
    yb_claim_free(c);
    fclose(in);
    return (long)(after.uordblks + after.hblkhd) - (long)(before.uordblks + before.hblkhd);
}

int yb_bench_vm(const yb_program *p, const char *path, int passes)
{
    double best = 1e30;
    long n = 0, errors = 0, unreadable = 0;
    int64_t check = 0;
    for (int pass = 0; pass < passes; pass++) {
        double t = settle_file(p, path, &n, &errors, &unreadable, &check);
        if (t < 0) {
            fprintf(stderr, "yibao: cannot read %s\n", path);
            return 1;
        }
        if (t < best) best = t;
    }
    printf("vm: %ld claims in %.3f s = %.0f claims/s (best of %d; %ld record errors, %ld unreadable records; checksum %lld)\n",
           n, best, (double)n / best, passes, errors, unreadable, (long long)check);
    if (strcmp(path, "-") != 0)
        printf("vm: heap growth while settling %d claims of members already seen: %ld bytes\n", BATCH, steady_state_growth(p, path));
    return 0;
}
