/* Batches: one stream of claims settled in order through one VM (its running
 * totals), the claim read by the same JSON reader as `yibao run`, and the
 * settlement written by the same writer, into memory. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "batch.h"

static void batch_free(api_batch *b)
{
    if (!b) return;
    api_ledger_close(b);
    if (b->vm) api_builder_free(&b->cb, &b->vm->p->schema);
    if (b->w) yb_writer_close(b->w);
    if (b->mem) fclose(b->mem);
    free(b->membuf);
    free(b->json);
    yb_reader_close(b->reader);
    yb_claim_free(b->claim);
    yb_vm_free(b->vm);
    free(b);
}

yibao_status yibao_batch_open(yibao_env *env, yibao_policy ph, unsigned flags, yibao_batch *out, yibao_error *err)
{
    if (!env || !out) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_batch_open: env and out are required");
    out->id = 0;
    if (flags & ~(unsigned)(YIBAO_BATCH_EXPLAIN | YIBAO_BATCH_STAMP))
        return api_fail(err, YIBAO_E_ARGUMENT, "yibao_batch_open: unknown flags 0x%x", flags);
    pthread_mutex_lock(&env->mu);
    api_slot *s = api_get(env, ph.id, API_POLICY);
    api_policy *pol = s ? s->obj : NULL;
    if (pol) pol->refs++; /* the program outlives the policy handle while this batch needs it */
    pthread_mutex_unlock(&env->mu);
    if (!pol) return api_fail(err, YIBAO_E_HANDLE, "not a live policy handle (never loaded, or freed)");
    const yb_program *p = pol->prog;
    api_batch *b = calloc(1, sizeof *b);
    if (b) {
        b->pol = pol;
        b->flags = flags;
        b->vm = yb_vm_new(p);
        b->claim = yb_claim_new(&p->schema);
        b->reader = yb_reader_open_mem(&p->schema, "claim");
        b->mem = open_memstream(&b->membuf, &b->memsize);
        b->w = b->mem ? yb_writer_open(b->mem, YB_FMT_JSONL, p->outs, p->nouts, p->schema.enums) : NULL;
    }
    uint64_t id = 0;
    pthread_mutex_lock(&env->mu);
    if (b && b->vm && b->claim && b->reader && b->w) id = api_put(env, API_BATCH, b);
    if (!id) api_policy_unref(pol);
    pthread_mutex_unlock(&env->mu);
    if (!id) {
        if (b) b->pol = NULL;
        batch_free(b);
        return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    }
    out->id = id;
    return api_ok(err);
}

yibao_status yibao_batch_close(yibao_env *env, yibao_batch h)
{
    if (!env) return YIBAO_E_ARGUMENT;
    pthread_mutex_lock(&env->mu);
    api_slot *s = api_get(env, h.id, API_BATCH);
    api_batch *b = s && !s->busy ? s->obj : NULL;
    yibao_status st = !s ? YIBAO_E_HANDLE : s->busy ? YIBAO_E_BUSY : YIBAO_OK;
    if (b) {
        api_drop(s);
        api_policy *pol = b->pol;
        b->pol = NULL;
        batch_free(b);
        api_policy_unref(pol);
    }
    pthread_mutex_unlock(&env->mu);
    return st;
}

yibao_status api_batch_enter(yibao_env *env, yibao_batch h, api_batch **out, yibao_error *err)
{
    *out = NULL;
    if (!env) return api_fail(err, YIBAO_E_ARGUMENT, "the env is NULL");
    pthread_mutex_lock(&env->mu);
    api_slot *s = api_get(env, h.id, API_BATCH);
    yibao_status st = !s ? YIBAO_E_HANDLE : s->busy ? YIBAO_E_BUSY : YIBAO_OK;
    if (st == YIBAO_OK) {
        s->busy = 1;
        *out = s->obj;
    }
    pthread_mutex_unlock(&env->mu);
    if (st == YIBAO_E_HANDLE) return api_fail(err, st, "not a live batch handle (never opened, or closed)");
    if (st == YIBAO_E_BUSY) return api_fail(err, st, "another thread is inside a call on this batch");
    return YIBAO_OK;
}

void api_batch_leave(yibao_env *env, yibao_batch h)
{
    pthread_mutex_lock(&env->mu);
    api_slot *s = api_get(env, h.id, API_BATCH);
    if (s) s->busy = 0;
    pthread_mutex_unlock(&env->mu);
}

static bool put_bytes(api_batch *b, const char *p, size_t n)
{
    if (b->json_len + n + 1 > b->json_cap) {
        size_t cap = (b->json_len + n + 1) * 2;
        char *j = realloc(b->json, cap);
        if (!j) return false;
        b->json = j;
        b->json_cap = cap;
    }
    memcpy(b->json + b->json_len, p, n);
    b->json_len += n;
    b->json[b->json_len] = 0;
    return true;
}

static void text_of(void *ctx, int64_t v, const char **p, uint32_t *n) { yb_vm_text(ctx, v, p, n); }

/* Write the VM's settlement as the batch command would; false when out of memory. */
static bool render(api_batch *b)
{
    yb_vm *vm = b->vm;
    yb_alert alerts[YB_MAX_ALERTS];
    yb_batch_outcome(vm, b->reasons, alerts);
    yb_settlement s = {vm->regs, vm->held, b->reasons, vm->nreasons, alerts, vm->nalerts, NULL, 0, text_of, vm, NULL};
    b->explained = false;
    if (b->flags & YIBAO_BATCH_STAMP) {
        s.stamp = b->pol->stamp;
    }
    if (b->flags & YIBAO_BATCH_EXPLAIN) {
        yb_vm_explain(vm);
        b->explained = true;
        s.explain = vm->xbuf;
        s.explain_len = vm->xlen;
    }
    rewind(b->mem);
    if (!yb_writer_put(b->w, &s) || !yb_writer_flush(b->w)) return false;
    off_t n = ftello(b->mem);
    if (n < 0) return false;
    b->json_len = 0;
    return put_bytes(b, b->membuf, (size_t)n);
}

/* One claim per call: a second non-blank line is refused, not settled. */
static bool one_line(const char *json, size_t len)
{
    const char *nl = memchr(json, '\n', len);
    if (!nl) return true;
    for (const char *q = nl; q < json + len; q++)
        if (*q != '\n' && *q != '\r' && *q != ' ' && *q != '\t') return false;
    return true;
}

yibao_status api_settle_line(api_batch *b, const char *json, size_t len, yibao_error *err)
{
    if (!one_line(json, len))
        return api_fail(err, YIBAO_E_ARGUMENT, "one claim per call: the text has more than one line (settle each line)");
    if (yb_reader_feed(b->reader, json, len) != 0) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    yb_record_error rerr;
    int rc = yb_reader_next(b->reader, b->claim, &rerr);
    if (rc == 0) return api_fail(err, YIBAO_E_RECORD, "no claim: the text is empty");
    yibao_status st = YIBAO_OK;
    if (rc < 0) {
        st = api_fail(err, YIBAO_E_RECORD, "%s", rerr.message);
        if (err) snprintf(err->field, sizeof err->field, "%s", rerr.field);
    } else if (b->store && (st = api_ledger_admit(b, err)) != YIBAO_OK) {
        /* already settled, or the ledger failed: nothing ran */
    } else {
        if (yb_vm_run(b->vm, b->claim) != YB_RUN_SETTLED) {
            st = api_fail(err, YIBAO_E_RECORD, "%s", b->vm->err.message);
            if (err) snprintf(err->field, sizeof err->field, "%s", b->vm->err.field);
        } else if (!render(b)) {
            st = api_fail(err, YIBAO_E_NOMEM, "out of memory writing the settlement");
        }
        if (b->store) { /* the claim's transaction: committed when settled, before the caller hears of it */
            yibao_status ls = api_ledger_finish(b, st == YIBAO_OK, st == YIBAO_OK ? err : NULL);
            if (st == YIBAO_OK) st = ls;
        }
    }
    if (st && err) err->line = 1;
    b->have = st == YIBAO_OK;
    return st ? st : api_ok(err);
}

yibao_status yibao_settle_json(yibao_env *env, yibao_batch h, const char *json, size_t len, yibao_error *err)
{
    if (!json) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_settle_json: the claim text is NULL");
    api_batch *b;
    yibao_status st = api_batch_enter(env, h, &b, err);
    if (st) return st;
    st = api_settle_line(b, json, len, err);
    api_batch_leave(env, h);
    return st;
}
