/* Runs the reentrant lexer and parser over one registered source. */
#include "ast.h"
#include "parse_ctx.h"
#include "parser.tab.h"
#include "lexer.yy.h"

#include <string.h>

/* UTF-8 must be valid before lexing: report the first bad byte precisely. */
static bool check_utf8(yb_diag *d, int file)
{
    const unsigned char *p = (const unsigned char *)d->files[file].text;
    size_t n = d->files[file].len;
    int line = 1, col = 1;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        int extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
        bool ok = extra >= 0 && i + (size_t)extra < n && !(extra == 1 && c < 0xc2);
        for (int k = 1; ok && k <= extra; k++) ok = (p[i + (size_t)k] & 0xc0) == 0x80;
        if (ok && c == 0) ok = false;
        if (!ok) {
            yb_error(d, (yb_loc){file, line, col, line, col + 1},
                     "this file is not valid UTF-8 text (byte 0x%02x); save it as UTF-8", c);
            return false;
        }
        if (c == '\n') { line++; col = 1; }
        else col += extra + 1;
        i += (size_t)extra + 1;
    }
    return true;
}

yb_file_ast *yb_parse(yb_arena *arena, yb_diag *diag, int file)
{
    if (!check_utf8(diag, file)) return NULL;
    yb_parse_ctx ctx = {.arena = arena, .diag = diag, .file = file, .line = 1, .col = 1};
    ctx.ast = yb_arena_alloc(arena, sizeof *ctx.ast);
    ctx.ast->path = diag->files[file].name;
    ctx.ast->file = file;
    yyscan_t scanner;
    if (yylex_init_extra(&ctx, &scanner)) return NULL;
    YY_BUFFER_STATE buf = yy_scan_bytes(diag->files[file].text, (int)diag->files[file].len, scanner);
    int errors_before = diag->errors;
    int rc = yyparse(scanner, &ctx);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    if (rc != 0 || diag->errors > errors_before) return NULL;
    return ctx.ast;
}

yb_expr *yb_parse_expr(yb_parse_ctx *outer, const char *text, size_t n, int line, int col)
{
    yb_parse_ctx ctx = {.arena = outer->arena, .diag = outer->diag, .file = outer->file, .line = line, .col = col,
                        .start_token = START_EXPR, .in_message = true};
    ctx.ast = yb_arena_alloc(ctx.arena, sizeof *ctx.ast);
    yyscan_t scanner;
    if (yylex_init_extra(&ctx, &scanner)) return NULL;
    YY_BUFFER_STATE buf = yy_scan_bytes(text, (int)n, scanner);
    int errors_before = ctx.diag->errors;
    int rc = yyparse(scanner, &ctx);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    if (rc != 0 || ctx.diag->errors > errors_before || ctx.ast->decls.n) return NULL;
    return ctx.expr;
}
