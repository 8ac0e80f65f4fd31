/* The canonical indent of a policy's lines for `yibao fmt`, worked out from
 * the structure the lines' tokens show (declarations, rule statements,
 * `if … then` / `else` / `end`, `from DATE:` rows, brackets), never from the
 * white space they were written with.  Private to lang/format.c. */
#ifndef YB_FORMAT_INDENT_H
#define YB_FORMAT_INDENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct yb_fmt_word { const char *p; size_t n; int w; } yb_fmt_word;

#define YB_FMT_MAX_OPEN 64

/* an open bracket: where the lines inside it start, and its own line's indent */
typedef struct yb_fmt_open { int align, indent; } yb_fmt_open;

/* What the lines read so far leave open; zero-initialised before the first line. */
typedef struct yb_fmt_indent {
    int kind;           /* of the declaration the line is in: 0 none yet, 1 code, 2 rows */
    bool from_seen;     /* rows: a `from DATE:` line came (rows under it are indented 4) */
    int ifdepth;        /* open `if … then` statements */
    bool open;          /* the statement goes on to the next line */
    int expr_col;       /* where a continuation line of the statement starts */
    int exp_if;         /* `if` of expressions whose `else` is still to come */
    bool pending_then;  /* an `if` statement whose `then` is still to come */
    int nopen;          /* open brackets (those past YB_FMT_MAX_OPEN are not kept) */
    yb_fmt_open br[YB_FMT_MAX_OPEN];
} yb_fmt_indent;

/* The indent of the code line made of words[0..nwords) (laid out one space
 * apart), and st updated past it.  nwords > 0. */
int yb_fmt_indent_line(yb_fmt_indent *st, const yb_fmt_word *words, int nwords);

#endif
