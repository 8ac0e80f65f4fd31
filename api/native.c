/* yibao_env_native: which shared object provides a library a policy's
 * native functions name (binding itself: vm/native.c, at load). */
#include <string.h>

#include "api_internal.h"

yibao_status yibao_env_native(yibao_env *env, const char *library, const char *path, yibao_error *err)
{
    if (!env || !library || !path) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_env_native: env, library and path are required");
    char why[300];
    pthread_mutex_lock(&env->mu);
    bool ok = yb_native_libs_add(&env->natives, library, path, why, sizeof why);
    pthread_mutex_unlock(&env->mu);
    if (!ok) return api_fail(err, strcmp(why, "out of memory") == 0 ? YIBAO_E_NOMEM : YIBAO_E_ARGUMENT, "%s", why);
    return api_ok(err);
}
