/* The stamp a settlement carries when asked (--stamp, YIBAO_BATCH_STAMP):
 * which policy settled it, made once per loaded policy as one block holding
 * the four values (for CSV columns) and the JSON object (for JSON Lines). */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "json_text.h"

static const char *const stamp_key[4] = {"{\"name\":\"", "\",\"version\":\"", "\",\"hash\":\"", "\",\"signer\":\""};

yb_stamp *api_stamp_new(const char *name, const char *version, const char *hash, const char *signer)
{
    const char *val[4] = {name ? name : "", version ? version : "", hash ? hash : "", signer ? signer : ""};
    size_t vlen = 0, jlen = 3; /* "} and its NUL */
    for (int i = 0; i < 4; i++) {
        vlen += strlen(val[i]) + 1;
        jlen += strlen(stamp_key[i]) + yb_json_text_len(val[i], strlen(val[i]));
    }
    yb_stamp *st = malloc(sizeof *st + vlen + jlen);
    if (!st) return NULL;
    char *d = (char *)(st + 1);
    const char **out[4] = {&st->name, &st->version, &st->hash, &st->signer};
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(val[i]) + 1;
        *out[i] = memcpy(d, val[i], n);
        d += n;
    }
    char *j = d;
    for (int i = 0; i < 4; i++) {
        memcpy(d, stamp_key[i], strlen(stamp_key[i]));
        d = yb_json_text_at(d + strlen(stamp_key[i]), val[i], strlen(val[i]));
    }
    memcpy(d, "\"}", 3);
    st->json = j;
    st->json_len = (size_t)(d + 2 - j);
    return st;
}
