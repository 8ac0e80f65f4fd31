#include "load_checked.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api_internal.h"

static yibao_status trust(yibao_env *env, const char *path, yibao_error *e)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return yibao_env_trust_dir(env, path, e);
    return yibao_env_trust_key(env, path, e);
}

yb_program *yb_load_checked(const char *path, const char *trust_path, const yb_native_libs *natives, yb_stamp **stamp, char *err,
                            size_t errlen)
{
    if (stamp) *stamp = NULL;
    yibao_env *env = yibao_env_new();
    if (!env) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    yibao_error e = {0};
    unsigned char *data = NULL;
    size_t len = 0, n = strlen(path);
    api_policy *p = NULL;
    if (trust_path && trust(env, trust_path, &e) != YIBAO_OK) goto done;
    if (n >= 3 && strcmp(path + n - 3, ".yb") == 0) {
        if (trust_path) {
            api_fail(&e, YIBAO_E_SIGNATURE, "a source policy cannot be signed; only signed .ybc files are accepted with --trust");
            goto done;
        }
        if (api_compile_source(path, &data, &len, &e) != YIBAO_OK) goto done;
    } else if (!(data = yb_ybc_read_file(path, &len, e.message, sizeof e.message))) {
        goto done;
    }
    p = api_policy_from_bytes(env, data, len, natives, &e);
done:
    free(data);
    yb_program *prog = NULL;
    if (p) {
        prog = p->prog;
        p->prog = NULL;
        if (stamp) {
            *stamp = p->stamp;
            p->stamp = NULL;
        }
        api_policy_unref(p);
    } else {
        snprintf(err, errlen, "%s", e.message);
    }
    yibao_env_free(env);
    return prog;
}
