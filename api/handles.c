/* The env and its handle table.  A handle is (generation << 32 | slot + 1):
 * freeing bumps the slot's generation, so a stale handle never matches again
 * and is reported, not followed.  One mutex guards the table; the work of a
 * call runs outside it, with the batch marked busy. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_internal.h"

yibao_status api_fail(yibao_error *err, yibao_status code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->line = 0;
        err->field[0] = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

yibao_status api_ok(yibao_error *err)
{
    if (err) {
        err->code = YIBAO_OK;
        err->line = 0;
        err->field[0] = 0;
        err->message[0] = 0;
    }
    return YIBAO_OK;
}

const char *yibao_status_text(yibao_status s)
{
    static const char *const text[] = {
        "ok", "bad argument", "not a live handle", "call out of order", "batch busy in another thread",
        "input/output error", "bad policy", "signature refused", "bad claim record", "another policy's shape",
        "out of memory", "native function not bound", "already settled", "ledger failed",
    };
    return (unsigned)s < sizeof text / sizeof *text ? text[s] : "unknown status";
}

yibao_env *yibao_env_new(void)
{
    if (sodium_init() < 0) return NULL; /* idempotent and thread-safe */
    yibao_env *env = calloc(1, sizeof *env);
    if (!env) return NULL;
    if (pthread_mutex_init(&env->mu, NULL) != 0) {
        free(env);
        return NULL;
    }
    return env;
}

uint64_t api_put(yibao_env *env, int kind, void *obj)
{
    uint32_t i = 0;
    while (i < env->nslots && env->slots[i].kind) i++;
    if (i == env->nslots) {
        if (env->nslots == UINT32_MAX - 1) return 0;
        if (env->nslots == env->cap) {
            uint32_t cap = env->cap ? env->cap * 2 : 16;
            api_slot *s = realloc(env->slots, cap * sizeof *s);
            if (!s) return 0;
            env->slots = s;
            env->cap = cap;
        }
        env->slots[env->nslots++] = (api_slot){1, 0, 0, NULL};
    }
    api_slot *s = &env->slots[i];
    s->kind = (uint8_t)kind;
    s->busy = 0;
    s->obj = obj;
    return (uint64_t)s->gen << 32 | (i + 1);
}

api_slot *api_get(yibao_env *env, uint64_t id, int kind)
{
    uint32_t i = (uint32_t)(id & 0xffffffffu), gen = (uint32_t)(id >> 32);
    if (i == 0 || i > env->nslots) return NULL;
    api_slot *s = &env->slots[i - 1];
    return s->kind == kind && s->gen == gen ? s : NULL;
}

void api_drop(api_slot *s)
{
    s->kind = 0;
    s->obj = NULL;
    s->busy = 0;
    if (++s->gen == 0) s->gen = 1; /* generation 0 would let id 0 look live */
}

void api_policy_unref(api_policy *p)
{
    if (--p->refs > 0) return;
    yb_program_free(p->prog);
    free(p->stamp);
    free(p);
}

void yibao_env_free(yibao_env *env)
{
    if (!env) return;
    for (uint32_t i = 0; i < env->nslots; i++)
        if (env->slots[i].kind == API_BATCH) yibao_batch_close(env, (yibao_batch){(uint64_t)env->slots[i].gen << 32 | (i + 1)});
    for (uint32_t i = 0; i < env->nslots; i++)
        if (env->slots[i].kind == API_POLICY) yibao_policy_free(env, (yibao_policy){(uint64_t)env->slots[i].gen << 32 | (i + 1)});
    free(env->slots);
    free(env->keys);
    yb_native_libs_free(&env->natives);
    pthread_mutex_destroy(&env->mu);
    free(env);
}

void yibao_free(void *p) { free(p); }
