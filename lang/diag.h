/* Diagnostics for humans: `file:line:col: error: message`, the source line,
 * a caret under the spot (CJK counted double width), and a "did you mean" // ok-float: time, bytes or prose, never money
 * suggestion chosen by edit distance.  One yb_diag per compilation: no
 * global state. */
#ifndef YB_DIAG_H
#define YB_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "suggest.h"

typedef struct yb_loc {
    int file; /* index into yb_diag.files */
    int line, col; /* 1-based; col in bytes */
    int end_line, end_col;
} yb_loc;

#define YB_NOLOC ((yb_loc){.file = -1})

typedef struct yb_source {
    char *name;
    char *text; /* NUL-terminated */
    size_t len;
} yb_source;

typedef struct yb_diag {
    FILE *out;
    yb_source *files;
    int nfiles, capfiles;
    int errors, warnings;
    int max_errors; /* stop reporting after this many (0: 50) */
    /* Tools (the language server): each message is also given here, as it is
     * ("error", "warning" or "note"; a note follows its message).  out may then be NULL. */
    void (*sink)(void *ctx, const char *severity, yb_loc loc, const char *message);
    void *sink_ctx;
} yb_diag;

void yb_diag_init(yb_diag *d, FILE *out);
void yb_diag_free(yb_diag *d);
/* Register a source; the diag takes ownership of text.  Returns its index. */
int yb_diag_add_source(yb_diag *d, const char *name, char *text, size_t len);

void yb_error(yb_diag *d, yb_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void yb_warning(yb_diag *d, yb_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note attached to the previous message (no caret line when loc.line == 0). */
void yb_note(yb_diag *d, yb_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* yb_suggest, yb_edit_distance: base/suggest.h */

/* Display width of the bytes [p, p+n) of UTF-8 text (CJK = 2 columns). */
int yb_display_width(const char *p, size_t n);

#endif
