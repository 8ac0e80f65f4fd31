/* A policy's source as `yibao doc` quotes it (doc_source.h). */
#include "doc_source.h"

#include <stdlib.h>
#include <string.h>

yb_doc_text yb_doc_line(const yb_diag *src, int file, int line)
{
    yb_doc_text t = {"", 0};
    if (file < 0 || file >= src->nfiles || line < 1) return t;
    const char *s = src->files[file].text, *end = s + src->files[file].len;
    for (int l = 1; l < line && s < end; l++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        s = nl ? nl + 1 : end;
    }
    if (s >= end) return t;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
    if (n && s[n - 1] == '\r') n--;
    return (yb_doc_text){s, n};
}

size_t yb_doc_comment_at(const char *s, size_t n)
{
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') quoted = !quoted;
        else if (s[i] == '#' && !quoted) return i;
    }
    return n;
}

static bool name_byte(unsigned char c) { return c == '_' || c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'); }

void yb_doc_pieces(const char *s, size_t n, yb_doc_piece_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        unsigned char c = (unsigned char)s[i];
        yb_doc_piece kind = YB_DOC_OTHER;
        if (c == '#') {
            j = n;
            kind = YB_DOC_COMMENT;
        } else if (c == '"') {
            while (j < n && s[j] != '"') j++;
            j += j < n;
            kind = YB_DOC_STRING;
        } else if (name_byte(c) && !(c >= '0' && c <= '9')) {
            while (j < n && name_byte((unsigned char)s[j])) j++;
            kind = i > 0 && s[i - 1] == '.' ? YB_DOC_MEMBER : YB_DOC_NAME;
        } else {
            while (j < n && s[j] != '#' && s[j] != '"' && !(name_byte((unsigned char)s[j]) && !(s[j] >= '0' && s[j] <= '9') &&
                                                          !name_byte((unsigned char)s[j - 1])))
                j++;
        }
        fn(ctx, kind, s + i, j - i);
        i = j;
    }
}

char *yb_doc_opening(const yb_diag *src, int file)
{
    char *buf = NULL;
    size_t len = 0;
    yb_doc_text t;
    for (int l = 1; (t = yb_doc_line(src, file, l)).n && t.s[0] == '#'; l++) {
        size_t i = 1 + (t.n > 1 && t.s[1] == ' ');
        char *b = realloc(buf, len + (t.n - i) + 2);
        if (!b) abort();
        buf = b;
        memcpy(buf + len, t.s + i, t.n - i);
        len += t.n - i;
        buf[len++] = '\n';
        buf[len] = 0;
    }
    if (len) buf[len - 1] = 0; /* no newline after the last */
    return buf;
}
