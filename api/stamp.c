/* The stamp a settlement carries when asked (--stamp, YIBAO_BATCH_STAMP):
 * which policy settled it, as one JSON object made once per loaded policy. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

/* s as a JSON string at d (room for 6 bytes per input byte + 2); returns the end. */
static char *put_string(char *d, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    *d++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *d++ = '\\';
            *d++ = (char)c;
        } else if (c < 0x20) {
            memcpy(d, "\\u00", 4);
            d[4] = hex[c >> 4];
            d[5] = hex[c & 15];
            d += 6;
        } else {
            *d++ = (char)c;
        }
    }
    *d++ = '"';
    return d;
}

char *api_stamp_json(const char *name, const char *version, const char *hash, const char *signer)
{
    const char *key[4] = {"{\"name\":", ",\"version\":", ",\"hash\":", ",\"signer\":"};
    const char *val[4] = {name ? name : "", version ? version : "", hash, signer};
    size_t n = 2;
    for (int i = 0; i < 4; i++) n += strlen(key[i]) + 6 * strlen(val[i]) + 2;
    char *buf = malloc(n), *d = buf;
    if (!buf) return NULL;
    for (int i = 0; i < 4; i++) {
        memcpy(d, key[i], strlen(key[i]));
        d = put_string(d + strlen(key[i]), val[i]);
    }
    *d++ = '}';
    *d = 0;
    return buf;
}
