/* The source of a policy as `yibao doc` quotes it: its lines, the comment a
 * file opens with, where a comment starts, and a line cut into the pieces the
 * page colours (names, strings, comments).  Read from the compiler's copy of
 * each file (diag.h), so what is quoted is what was compiled.  A
 * declaration's own comment and extent come from the cross-reference index
 * (compiler/xref.h). */
#ifndef YB_DOC_SOURCE_H
#define YB_DOC_SOURCE_H

#include <stddef.h>

#include "diag.h"

/* The bytes of a line. */
typedef struct yb_doc_text {
    const char *s;
    size_t n;
} yb_doc_text;

/* Line `line` (1-based) of source `file`, without its newline; n 0 when there is none. */
yb_doc_text yb_doc_line(const yb_diag *src, int file, int line);
/* The comment a file opens with (its first run of `#` lines, each without `#`
 * and one space, one a line; malloc'd), or NULL. */
char *yb_doc_opening(const yb_diag *src, int file);
/* Where a `#` comment starts in a line (not inside "…"), or n. */
size_t yb_doc_comment_at(const char *s, size_t n);

/* Each piece of a line of code, in order, with what it is: a name (letters,
 * digits, _ and any UTF-8 letter) not after a `.`, a name after a `.`, a
 * "text", a # comment (to the end), or anything else (operators, numbers,
 * blanks). */
typedef enum { YB_DOC_NAME, YB_DOC_MEMBER, YB_DOC_STRING, YB_DOC_COMMENT, YB_DOC_OTHER } yb_doc_piece;
typedef void (*yb_doc_piece_fn)(void *ctx, yb_doc_piece kind, const char *s, size_t n);
void yb_doc_pieces(const char *s, size_t n, yb_doc_piece_fn fn, void *ctx);

#endif
