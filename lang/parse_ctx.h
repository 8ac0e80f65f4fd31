/* State shared by the reentrant lexer and parser for one source file. */
#ifndef YB_PARSE_CTX_H
#define YB_PARSE_CTX_H

#include "ast.h"

typedef struct yb_parse_ctx {
    yb_arena *arena;
    yb_diag *diag;
    int file;
    yb_file_ast *ast;
    int line, col; /* where the lexer stands */
    /* for the hints of syntax errors (lexer.l sets them, parser.y reads them) */
    bool after_else;   /* the last keyword was `else` */
    int else_if_line;  /* the last line where `else if` was written, or 0 */
    int where_line;    /* the line of the last `where`, or 0 */
    void *scanner;
    /* a value inside a message's braces (message.c): the token the lexer
       returns first (START_EXPR), and the value parsed */
    int start_token;   /* returned once, then 0 */
    bool in_message;
    yb_expr *expr;
} yb_parse_ctx;

/* Split the message of s (warn, block, reject) at its `{value}`s into
 * s->parts, each value parsed where it stands in the source: `at` is the
 * message's text in quotes.  `{{` and `}}` are braces.  Errors go to diag. */
void yb_message_parts(yb_parse_ctx *ctx, yb_stmt *s, yb_loc at);
/* Parse n bytes of text, which stand at line:col of ctx's file, as one
 * expression; NULL after reporting errors. */
yb_expr *yb_parse_expr(yb_parse_ctx *ctx, const char *text, size_t n, int line, int col);

/* The keyword's token, or 0 for an ordinary name (keywords.def). */
int yb_keyword_token(const char *s, size_t n);

typedef struct yb_keyword {
    const char *word;
    int token;
} yb_keyword;
/* Every keyword, sorted (the lexer searches it by halves). */
extern const yb_keyword yb_keywords[];
extern const size_t yb_nkeywords;

#endif
