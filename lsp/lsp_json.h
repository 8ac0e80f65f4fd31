/* JSON for the language server: a message read into a small tree, and text
 * written into a growing buffer.  Reading reuses the claim reader's JSON
 * scanners (io/json_scan.c): the whole message is checked by them first
 * (syntax, escapes, UTF-8, nesting depth at most YBR_MAX_DEPTH), so the tree
 * builder below only walks text already known to be valid.  Writing escapes
 * strings the one way the project does (base/json_text.c). */
#ifndef YB_LSP_JSON_H
#define YB_LSP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LJ_NULL, LJ_FALSE, LJ_TRUE, LJ_NUMBER, LJ_STRING, LJ_ARRAY, LJ_OBJECT } lj_kind;

typedef struct lj {
    lj_kind kind;
    char *text;        /* a string (unescaped, NUL-terminated) or a number as written */
    size_t len;
    struct lj *items;  /* an array's items, an object's values */
    char **keys;       /* an object's keys */
    int count;
} lj;

/* Parse text[0..n) (text[n] must be readable: the caller's buffer holds n + 8
 * zero bytes after it).  NULL with err set ("'}' was expected, found …") when
 * it is not one JSON value. */
lj *lj_parse(const char *text, size_t n, char *err, size_t errlen);
void lj_free(lj *v);

const lj *lj_get(const lj *obj, const char *key);            /* NULL when absent or obj is no object */
const char *lj_str(const lj *v);                             /* a string's text, or NULL */
bool lj_int(const lj *v, int64_t *out);                      /* an integer number in int64 */
const lj *lj_path(const lj *v, const char *a, const char *b); /* v.a.b (b may be NULL) */

/* A growing output buffer; out of memory aborts. */
typedef struct lbuf {
    char *p;
    size_t n, cap;
} lbuf;
void lb_put(lbuf *b, const char *s, size_t n);
void lb_puts(lbuf *b, const char *s);
void lb_printf(lbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lb_str(lbuf *b, const char *s, size_t n); /* a JSON string, quotes included */
void lb_cstr(lbuf *b, const char *s);          /* the same, of a C string (NULL: null) */
void lb_value(lbuf *b, const lj *v);           /* a parsed value written back (request ids) */
void lb_free(lbuf *b);

#endif
