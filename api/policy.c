/* Loading policies: bytes are checked (signature, then the .ybc reader and
 * the verifier) before a handle exists; a source policy is compiled and then
 * goes through the very same .ybc path, so its hash is that of the file
 * `yibao compile` would write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "compiler.h"

static yibao_status publish(yibao_env *env, api_policy *p, yibao_policy *out, yibao_error *err)
{
    pthread_mutex_lock(&env->mu);
    uint64_t id = api_put(env, API_POLICY, p);
    pthread_mutex_unlock(&env->mu);
    if (!id) {
        api_policy_unref(p);
        return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    }
    out->id = id;
    return api_ok(err);
}

api_policy *api_policy_from_bytes(yibao_env *env, const unsigned char *data, size_t len, const yb_native_libs *natives,
                                  yibao_error *err)
{
    size_t image = api_ybc_image_len(data, len);
    if (!image) {
        api_fail(err, YIBAO_E_POLICY, "not a compiled yibao policy (.ybc): the file does not start with the .ybc signature");
        return NULL;
    }
    api_policy *p = calloc(1, sizeof *p);
    if (!p) {
        api_fail(err, YIBAO_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&env->mu); /* the trusted keys may be added by another thread */
    yibao_status st = image < len || env->nkeys ? api_check_signature(env, data, len, image, p->signer, sizeof p->signer, err)
                                                : YIBAO_OK;
    pthread_mutex_unlock(&env->mu);
    char why[512];
    if (!st && !(p->prog = yb_ybc_read(data, image, why, sizeof why))) st = api_fail(err, YIBAO_E_POLICY, "%s", why);
    if (!st && natives) {
        pthread_mutex_lock(&env->mu); /* the env's libraries may be added by another thread */
        bool bound = yb_native_bind(p->prog, natives, why, sizeof why);
        pthread_mutex_unlock(&env->mu);
        if (!bound) st = api_fail(err, YIBAO_E_NATIVE, "%s", why);
    }
    if (!st) {
        api_sha256_hex(data, image, p->hash);
        p->loaded_at = (int64_t)time(NULL);
        p->refs = 1;
        p->stamp = api_stamp_new(p->prog->name, p->prog->version, p->hash, p->signer);
        if (!p->stamp) st = api_fail(err, YIBAO_E_NOMEM, "out of memory");
    }
    if (st) {
        yb_program_free(p->prog);
        free(p->stamp);
        free(p);
        return NULL;
    }
    return p;
}

static yibao_status load_bytes(yibao_env *env, const unsigned char *data, size_t len, const char *name,
                               yibao_policy *out, yibao_error *err)
{
    yibao_error local;
    if (!err) err = &local;
    api_policy *p = api_policy_from_bytes(env, data, len, &env->natives, err);
    if (!p) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        snprintf(err->message, sizeof err->message, "%s: %.*s", name, (int)(sizeof why - 200), why);
        return err->code;
    }
    return publish(env, p, out, err);
}

yibao_status yibao_policy_load_mem(yibao_env *env, const void *data, size_t len, yibao_policy *out, yibao_error *err)
{
    if (!env || !data || !out) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_policy_load_mem: env, data and out are required");
    out->id = 0;
    return load_bytes(env, data, len, "<memory>", out, err);
}

/* Compile a source policy; the diagnostics become the error message. */
yibao_status api_compile_source(const char *path, unsigned char **image, size_t *len, yibao_error *err)
{
    char *msgs = NULL;
    size_t msglen = 0;
    FILE *m = open_memstream(&msgs, &msglen);
    if (!m) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    yb_diag d;
    yb_diag_init(&d, m);
    yb_program *p = yb_compile_file(path, &d);
    yb_diag_free(&d);
    fclose(m);
    yibao_status st = YIBAO_OK;
    if (!p) st = api_fail(err, YIBAO_E_POLICY, "%s", msgs && msglen ? msgs : "the policy does not compile");
    else if (!yb_ybc_write_mem(p, image, len)) st = api_fail(err, YIBAO_E_NOMEM, "out of memory");
    free(msgs);
    yb_program_free(p);
    return st;
}

yibao_status yibao_policy_load_file(yibao_env *env, const char *path, yibao_policy *out, yibao_error *err)
{
    if (!env || !path || !out) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_policy_load_file: env, path and out are required");
    out->id = 0;
    size_t n = strlen(path), len = 0;
    unsigned char *data;
    if (n >= 3 && strcmp(path + n - 3, ".yb") == 0) {
        pthread_mutex_lock(&env->mu);
        int trusted = env->nkeys;
        pthread_mutex_unlock(&env->mu);
        if (trusted)
            return api_fail(err, YIBAO_E_SIGNATURE,
                            "%s: a source policy cannot be signed; only signed .ybc files are accepted here", path);
        yibao_status st = api_compile_source(path, &data, &len, err);
        if (st) return st;
    } else {
        char why[400];
        if (!(data = yb_ybc_read_file(path, &len, why, sizeof why)))
            return api_fail(err, strncmp(why, "cannot read", 11) == 0 ? YIBAO_E_IO : YIBAO_E_POLICY, "%s: %s", path, why);
    }
    yibao_status st = load_bytes(env, data, len, path, out, err);
    free(data);
    return st;
}

yibao_status yibao_policy_free(yibao_env *env, yibao_policy h)
{
    if (!env) return YIBAO_E_ARGUMENT;
    pthread_mutex_lock(&env->mu);
    api_slot *s = api_get(env, h.id, API_POLICY);
    if (s) {
        api_policy_unref(s->obj);
        api_drop(s);
    }
    pthread_mutex_unlock(&env->mu);
    return s ? YIBAO_OK : YIBAO_E_HANDLE;
}

yibao_status yibao_policy_get_info(yibao_env *env, yibao_policy h, yibao_policy_info *out, yibao_error *err)
{
    if (!env || !out) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_policy_get_info: env and out are required");
    pthread_mutex_lock(&env->mu);
    api_slot *s = api_get(env, h.id, API_POLICY);
    if (s) {
        const api_policy *p = s->obj;
        *out = (yibao_policy_info){p->prog->name, p->prog->version, p->hash, p->signer, p->loaded_at, p->prog->nouts};
    }
    pthread_mutex_unlock(&env->mu);
    return s ? api_ok(err) : api_fail(err, YIBAO_E_HANDLE, "not a live policy handle (never loaded, or freed)");
}
