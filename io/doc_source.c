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

static bool blank(yb_doc_text t)
{
    for (size_t i = 0; i < t.n; i++)
        if (t.s[i] != ' ' && t.s[i] != '\t') return false;
    return true;
}

static bool indented(yb_doc_text t) { return t.n && (t.s[0] == ' ' || t.s[0] == '\t'); }

yb_doc_text yb_doc_decl(const yb_diag *src, int file, int line)
{
    yb_doc_text first = yb_doc_line(src, file, line);
    int last = line;
    for (int l = line + 1;; l++) {
        yb_doc_text t = yb_doc_line(src, file, l);
        if (!t.n && !t.s[0]) break; /* past the end */
        if (blank(t)) continue;
        if (!indented(t) && t.s[0] != '}') break; /* column 1: the next declaration, or its comment */
        last = l;                   /* its own lines, and comments indented inside it */
    }
    yb_doc_text end = yb_doc_line(src, file, last);
    return (yb_doc_text){first.s, (size_t)(end.s + end.n - first.s)};
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

/* The words of a comment line after its `#` (and one space). */
static void put_comment(char **buf, size_t *len, const char *s, size_t n)
{
    size_t i = yb_doc_comment_at(s, n);
    if (i >= n) return;
    i++;
    if (i < n && s[i] == ' ') i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    char *b = realloc(*buf, *len + (n - i) + 2);
    if (!b) abort();
    memcpy(b + *len, s + i, n - i);
    *len += n - i;
    b[(*len)++] = '\n';
    b[*len] = 0;
    *buf = b;
}

/* The display column of a line's `#` comment, or -1 when it has none;
 * *alone: nothing but blanks before it. */
static int comment_column(yb_doc_text t, bool *alone)
{
    size_t i = yb_doc_comment_at(t.s, t.n);
    if (i >= t.n) return -1;
    *alone = true;
    for (size_t k = 0; k < i; k++) *alone &= t.s[k] == ' ' || t.s[k] == '\t';
    return yb_display_width(t.s, i);
}

char *yb_doc_comment(const yb_diag *src, int file, int line)
{
    /* the `#` lines right above, starting in column 1 (an indented one goes on
       the comment at the end of the line above it) */
    int top = line;
    for (yb_doc_text t; top > 1 && (t = yb_doc_line(src, file, top - 1)).n && t.s[0] == '#';) top--;
    char *buf = NULL;
    size_t len = 0;
    for (int l = top; l < line; l++) {
        yb_doc_text t = yb_doc_line(src, file, l);
        put_comment(&buf, &len, t.s, t.n);
    }
    /* the comment beside it, and the lines under it that carry it on in its column */
    yb_doc_text own = yb_doc_line(src, file, line);
    bool alone = false;
    int col = comment_column(own, &alone);
    put_comment(&buf, &len, own.s, own.n);
    for (int l = line + 1; col > 0; l++) {
        yb_doc_text t = yb_doc_line(src, file, l);
        if (comment_column(t, &alone) != col || !alone) break;
        put_comment(&buf, &len, t.s, t.n);
    }
    if (buf && len) buf[len - 1] = 0; /* no newline after the last */
    return buf;
}

char *yb_doc_span(const yb_diag *src, yb_loc loc)
{
    char *out = NULL;
    size_t len = 0;
    for (int l = loc.line; l >= 1 && l <= loc.end_line; l++) {
        yb_doc_text t = yb_doc_line(src, loc.file, l);
        size_t from = l == loc.line && loc.col > 0 ? (size_t)loc.col - 1 : 0;
        size_t to = l == loc.end_line && loc.end_col > 0 ? (size_t)loc.end_col - 1 : t.n;
        if (to > t.n) to = t.n;
        to = from + yb_doc_comment_at(t.s + from, to > from ? to - from : 0);
        char *b = realloc(out, len + (to > from ? to - from : 0) + 2);
        if (!b) abort();
        out = b;
        for (size_t i = from; i < to; i++) {
            bool sp = t.s[i] == ' ' || t.s[i] == '\t';
            if (sp && (len == 0 || out[len - 1] == ' ')) continue;
            out[len++] = sp ? ' ' : t.s[i];
        }
        if (len && out[len - 1] != ' ') out[len++] = ' ';
        out[len] = 0;
    }
    while (len && out[len - 1] == ' ') out[--len] = 0;
    return out;
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
    int l = 1;
    for (yb_doc_text t; (t = yb_doc_line(src, file, l)).n && t.s[0] == '#';) l++;
    return l > 1 ? yb_doc_comment(src, file, l) : NULL; /* line l is blank or code: the run above it */
}
