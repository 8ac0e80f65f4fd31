/* JSON string text (json_text.h). */
#include "json_text.h"

#include <stdint.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* The JSON escape of a byte that needs one (", \, control) into e; its length. */
static size_t escape(unsigned char ch, char *e)
{
    e[0] = '\\';
    switch (ch) {
    case '"': e[1] = '"'; return 2;
    case '\\': e[1] = '\\'; return 2;
    case '\n': e[1] = 'n'; return 2;
    case '\r': e[1] = 'r'; return 2;
    case '\t': e[1] = 't'; return 2;
    case '\b': e[1] = 'b'; return 2;
    case '\f': e[1] = 'f'; return 2;
    default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hexd[ch >> 4];
        e[5] = hexd[ch & 15];
        return 6;
    }
}

size_t yb_json_plain_len(const char *p, size_t n)
{
    size_t i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* eight bytes a turn: the high bit of each byte below 0x20 or equal to
       a quote or a backslash (the lowest such bit is exact; borrows only
       reach the bytes above it) */
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
        uint64_t m = (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (m) return i + ((unsigned)__builtin_ctzll(m) >> 3);
    }
#endif
    for (; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch < 0x20 || ch == '"' || ch == '\\') break;
    }
    return i;
}

void yb_json_text(const char *p, size_t n, yb_json_sink put, void *ctx)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i + yb_json_plain_len(p + i, n - i);
        if (j > i) put(ctx, p + i, j - i);
        if (j == n) break;
        char e[6];
        put(ctx, e, escape((unsigned char)p[j], e));
        i = j + 1;
    }
}

typedef struct at {
    char *d;
    size_t len;
} at;

static void to_at(void *ctx, const char *p, size_t n)
{
    at *a = ctx;
    if (a->d) memcpy(a->d + a->len, p, n);
    a->len += n;
}

size_t yb_json_text_len(const char *p, size_t n)
{
    at a = {NULL, 0};
    yb_json_text(p, n, to_at, &a);
    return a.len;
}

char *yb_json_text_at(char *d, const char *p, size_t n)
{
    at a = {d, 0};
    yb_json_text(p, n, to_at, &a);
    return d + a.len;
}
