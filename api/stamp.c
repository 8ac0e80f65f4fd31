/* The stamp a settlement carries when asked (--stamp, YIBAO_BATCH_STAMP):
 * which policy settled it, made once per loaded policy as one block holding
 * the four values (for CSV columns) and the JSON object (for JSON Lines). */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "json_text.h"

typedef struct sink {
    char *d;
    size_t len;
} sink;

static void to_sink(void *ctx, const char *p, size_t n)
{
    sink *s = ctx;
    if (s->d) memcpy(s->d + s->len, p, n);
    s->len += n;
}

/* The JSON object, into s (s->d NULL: only measured). */
static void stamp_json(sink *s, const char *const val[4])
{
    static const char *const key[4] = {"{\"name\":\"", "\",\"version\":\"", "\",\"hash\":\"", "\",\"signer\":\""};
    for (int i = 0; i < 4; i++) {
        to_sink(s, key[i], strlen(key[i]));
        yb_json_text(val[i], strlen(val[i]), to_sink, s);
    }
    to_sink(s, "\"}", 3); /* with its NUL */
}

yb_stamp *api_stamp_new(const char *name, const char *version, const char *hash, const char *signer)
{
    const char *val[4] = {name ? name : "", version ? version : "", hash ? hash : "", signer ? signer : ""};
    size_t vlen = 0;
    for (int i = 0; i < 4; i++) vlen += strlen(val[i]) + 1;
    sink m = {NULL, 0};
    stamp_json(&m, val);
    yb_stamp *st = malloc(sizeof *st + vlen + m.len);
    if (!st) return NULL;
    char *d = (char *)(st + 1);
    const char **out[4] = {&st->name, &st->version, &st->hash, &st->signer};
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(val[i]) + 1;
        memcpy(d, val[i], n);
        *out[i] = d;
        d += n;
    }
    sink j = {d, 0};
    stamp_json(&j, val);
    st->json = d;
    st->json_len = j.len - 1;
    return st;
}
