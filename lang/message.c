/* Values in messages: `warn TOO_MANY "{count of items} items, more than
 * {max_items}"`.  The text in quotes is split at its braces; each value is
 * parsed by the grammar's own `expr` (parse.c) where it stands in the source,
 * so a mistake inside the braces gets the caret under it.  `{{` and `}}` are
 * braces in the text.  The checker types the values in the rule's scope
 * (compiler/types.c), the VM writes them as the settlement does. */
#include <string.h>

#include "parse_ctx.h"

/* The source column of byte j of the unescaped text of the quotes at `at`:
 * an escape (`\"`, `\n`…) is two bytes of source for one of text. */
static int source_col(const yb_parse_ctx *ctx, yb_loc at, size_t j)
{
    const yb_source *src = &ctx->diag->files[ctx->file];
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < at.line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    p += at.col - 1;
    if (p >= end || *p != '"') return at.col + 3 + (int)j; /* “…”: no escapes (and already an error) */
    int col = at.col + 1;
    for (const char *q = p + 1; j > 0 && q < end && *q != '\n'; j--) {
        int w = *q == '\\' ? 2 : 1;
        q += w;
        col += w;
    }
    return col;
}

static void part(yb_parse_ctx *ctx, yb_stmt *s, const char *text, size_t len, yb_expr *value)
{
    yb_msg_part *m = yb_arena_alloc(ctx->arena, sizeof *m);
    *m = (yb_msg_part){yb_arena_strndup(ctx->arena, text, len), len, value};
    yb_vec_push(ctx->arena, &s->parts, m);
}

static void brace_error(yb_parse_ctx *ctx, yb_loc at, size_t j, const char *msg)
{
    int col = source_col(ctx, at, j);
    yb_error(ctx->diag, (yb_loc){ctx->file, at.line, col, at.line, col + 1}, "%s", msg);
}

void yb_message_parts(yb_parse_ctx *ctx, yb_stmt *s, yb_loc at)
{
    const char *m = s->message;
    size_t n = s->message_len;
    if (!memchr(m, '{', n) && !memchr(m, '}', n)) return; /* as written */
    char *text = yb_arena_alloc(ctx->arena, n + 1);       /* the text before the next value */
    size_t len = 0;
    bool values = false;
    for (size_t i = 0; i < n; i++) {
        if ((m[i] == '{' || m[i] == '}') && i + 1 < n && m[i + 1] == m[i]) {
            text[len++] = m[i++];
            continue;
        }
        if (m[i] == '}') {
            brace_error(ctx, at, i, "`}` without a `{` before it: write `}}` for a brace in the text");
            return;
        }
        if (m[i] != '{') {
            text[len++] = m[i];
            continue;
        }
        const char *close = memchr(m + i + 1, '}', n - i - 1);
        const char *open = memchr(m + i + 1, '{', n - i - 1);
        if (!close || (open && open < close)) {
            brace_error(ctx, at, i, "`{` is not closed: a value in a message is written `{value}`; write `{{` for a brace in the text");
            return;
        }
        size_t from = i + 1, to = (size_t)(close - m);
        size_t k = from;
        while (k < to && (m[k] == ' ' || m[k] == '\t')) k++;
        if (k == to) {
            brace_error(ctx, at, i, "`{}` holds no value: write the value between the braces (`{max_items}`), or `{{}}` for braces in the text");
            return;
        }
        yb_expr *v = yb_parse_expr(ctx, m + from, to - from, at.line, source_col(ctx, at, from));
        if (!v) return;
        part(ctx, s, text, len, v);
        len = 0;
        values = true;
        i = to;
    }
    if (values) {
        part(ctx, s, text, len, NULL);
    } else { /* only `{{` / `}}`: the text with its braces */
        text[len] = 0;
        s->message = text;
        s->message_len = len;
    }
}
