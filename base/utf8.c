/* UTF-8 decoding (utf8.h). */
#include "utf8.h"

unsigned yb_utf8_next(const unsigned char *p, size_t n, size_t *i)
{
    unsigned c = p[*i];
    int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    int ok = c >= 0xc0 && c < 0xf8 && *i + (size_t)extra < n;
    for (int k = 1; ok && k <= extra; k++) ok = (p[*i + (size_t)k] & 0xc0) == 0x80;
    if (!ok) {
        (*i)++;
        return c;
    }
    unsigned cp = c & (0x3fu >> extra);
    for (int k = 1; k <= extra; k++) cp = (cp << 6) | (p[*i + (size_t)k] & 0x3fu);
    *i += (size_t)extra + 1;
    return cp;
}
