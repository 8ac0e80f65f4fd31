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
#include "batch.h"
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

static double now(void) // ok-float: time, bytes or prose, never money
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9; // ok-float: time, bytes or prose, never money
}

/* Claims are read in batches of BATCH (untimed) and the VM settles each batch
 * (timed), so the timing is of the rules, not of memory traffic over a
 * gigabyte of parsed claims; the Lua baseline is timed the same way. */
#define BATCH 256

typedef struct bench_ctx {
    const yb_program *p;
    yb_vm *vm;
    yb_claim *batch[BATCH];
    int k;          /* claims in batch */
    int stop_after; /* 0: read on; else stop once the batch is full (steady_state_growth) */
    double total;   /* seconds in the VM */ // ok-float: time, bytes or prose, never money
    long n, refused;
    int64_t check;
    bool oom;
} bench_ctx;

/* Settle the claims in the batch, timed. */
static void settle_batch(bench_ctx *x)
{
    double t0 = now(); // ok-float: time, bytes or prose, never money
    for (int i = 0; i < x->k; i++) {
        if (yb_vm_run(x->vm, x->batch[i]) != YB_RUN_SETTLED) x->refused++;
        x->check += x->vm->regs[x->p->nouts > 4 ? 4 : 0];
    }
    x->total += now() - t0;
    for (int i = 0; i < x->k; i++) free(x->batch[i]);
    x->n += x->k;
    x->k = 0;
}

static yb_batch_step bench_one(void *ctx, yb_claim *const *claims, const char *file, long line)
{
    bench_ctx *x = ctx;
    if (!(x->batch[x->k] = pack(claims[0]))) {
        x->oom = true;
        return YB_BATCH_STOP;
    }
    if (++x->k < BATCH) return YB_BATCH_DONE;
    if (x->stop_after) return YB_BATCH_END;
    settle_batch(x);
    return YB_BATCH_DONE;
}

/* One pass over the file: seconds in the VM, or -1 when it could not be read. */
static double settle_file(bench_ctx *x, const char *path, const yb_batch_opts *o, long *unreadable) // ok-float: time, bytes or prose, never money
{
    yb_batch_side side = {&x->p->schema, NULL};
    yb_batch_stats st;
    x->total = 0;
    x->n = x->refused = 0;
    x->check = 0;
    bool ok = yb_batch_each(&side, 1, &path, 1, o, bench_one, x, &st);
    settle_batch(x);
    *unreadable = st.errors;
    return ok && !x->oom && st.records > 0 ? x->total : -1;
}

/* Settling allocates nothing once every member has been seen: settle the
 * same batch twice on one VM and measure the heap between the passes. */
static long steady_state_growth(const yb_program *p, const char *path, const yb_batch_opts *o)
{
    bench_ctx *x = calloc(1, sizeof *x);
    if (!x) return -1;
    *x = (bench_ctx){.p = p, .vm = yb_vm_new(p), .stop_after = 1};
    yb_batch_side side = {&p->schema, NULL};
    yb_batch_stats st;
    yb_batch_opts quiet = *o;
    quiet.errors = NULL;
    yb_batch_each(&side, 1, &path, 1, &quiet, bench_one, x, &st);
    for (int i = 0; i < x->k; i++) yb_vm_run(x->vm, x->batch[i]);
    struct mallinfo2 before = mallinfo2();
    for (int i = 0; i < x->k; i++) yb_vm_run(x->vm, x->batch[i]);
    struct mallinfo2 after = mallinfo2();
    for (int i = 0; i < x->k; i++) free(x->batch[i]);
    yb_vm_free(x->vm);
    free(x);
    return (long)(after.uordblks + after.hblkhd) - (long)(before.uordblks + before.hblkhd);
}

int yb_bench_vm(const yb_program *p, const char *path, int passes, const yb_batch_opts *o)
{
    bench_ctx *x = calloc(1, sizeof *x);
    if (!x || !(x->vm = yb_vm_new(p))) {
        fprintf(o->errors, "error: out of memory\n");
        free(x);
        return 1;
    }
    x->p = p;
    double best = 1e30; // ok-float: time, bytes or prose, never money
    long unreadable = 0;
    yb_batch_opts quiet = *o; /* bad records are reported by the first pass only */
    for (int pass = 0; pass < passes; pass++) {
        yb_vm_free(x->vm); /* fresh running totals each pass */
        x->vm = yb_vm_new(p);
        double t = x->vm ? settle_file(x, path, &quiet, &unreadable) : -1; // ok-float: time, bytes or prose, never money
        quiet.errors = NULL;
        if (t < 0) {
            fprintf(o->errors, "yibao: bench: no claims were read from %s\n", path);
            yb_vm_free(x->vm);
            free(x);
            return 1;
        }
        if (t < best) best = t;
    }
    printf("vm: %ld claims in %.3f s = %.0f claims/s (best of %d; %ld record errors, %ld unreadable records; checksum %lld)\n",
           x->n, best, (double)x->n / best, passes, x->refused, unreadable, (long long)x->check); // ok-float: time, bytes or prose, never money
    size_t keys = 0, bytes = 0;
    for (int s = 0; s < p->nstates; s++)
        if (!x->vm->recsets[s]) keys += yb_ledger_count(x->vm->ledgers[s]), bytes += yb_ledger_bytes(x->vm->ledgers[s]);
    printf("vm: running totals: %zu keys in %zu bytes\n", keys, bytes);
    if (strcmp(path, "-") != 0)
        printf("vm: heap growth while settling %d claims of members already seen: %ld bytes\n", BATCH,
               steady_state_growth(p, path, o));
    yb_vm_free(x->vm);
    free(x);
    return 0;
}
