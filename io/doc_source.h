/* The source of a policy as `yibao doc` quotes it: a declaration's lines, the
 * comment that cites its source (the `#` lines above it and the one beside
 * it), a span of text.  Read from the compiler's copy of each file (diag.h),
 * so what is quoted is what was compiled. */
#ifndef YB_DOC_SOURCE_H
#define YB_DOC_SOURCE_H

#include <stddef.h>

#include "diag.h"

/* The bytes of a span [start, end) of one source. */
typedef struct yb_doc_text {
    const char *s;
    size_t n;
} yb_doc_text;

/* Line `line` (1-based) of source `file`, without its newline; n 0 when there is none. */
yb_doc_text yb_doc_line(const yb_diag *src, int file, int line);
/* The declaration at `line`: it and the lines under it that are indented, up
 * to the next line that starts in column 1 (comments and blank lines at its
 * end belong to what follows). */
yb_doc_text yb_doc_decl(const yb_diag *src, int file, int line);
/* Its comment, into buf (malloc'd, NUL-terminated; NULL when it has none):
 * the run of `#` lines right above it, then the comment at the end of its own
 * line, each without the `#`, one a line. */
char *yb_doc_comment(const yb_diag *src, int file, int line);
/* The comment a file opens with (its first run of `#` lines), or NULL. */
char *yb_doc_opening(const yb_diag *src, int file);
/* The text of a span as one line: its line breaks and runs of blanks made one space. */
char *yb_doc_span(const yb_diag *src, yb_loc loc);
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
