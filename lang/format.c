/* yb_format_policy: the canonical layout, line by line.  A string never spans a line
 * and a comment ends at the line's end, so each line is read on its own into
 * its indent, its words (a string is one word, however many spaces it holds)
 * and its trailing comment.  Only the spaces between words are rewritten, and
 * always to at least one, so the tokens the lexer sees do not change. */
#include "format.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "format_indent.h"
#include "parse_ctx.h"

#define FMT_MAX_WORDS 64

typedef yb_fmt_word fmt_word;

typedef struct fmt_line {
    int indent;                 /* as written (tab = 4), then canonical (format_indent.c) */
    fmt_word words[FMT_MAX_WORDS];
    int nwords;                 /* -1: too many words, the code is kept as written */
    const char *code; size_t code_n;    /* the code as written (trimmed) */
    const char *comment; size_t comment_n;
    int comment_col;            /* display column of the comment, past the indent */
    int written;                /* the indent as written */
    size_t hang;                /* a comment-only line kept in the comment column of line hang - 1 */
    int out_col;                /* the column its comment was written at */
    bool blank;
} fmt_line;

typedef struct fmt_buf { char *p; size_t n, cap; bool oom; } fmt_buf;

static void buf_put(fmt_buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + n + 1 > cap) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) { b->oom = true; return; }
        b->p = q; b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_spaces(fmt_buf *b, int k)
{
    for (int i = 0; i < k; i++) buf_put(b, " ", 1);
}

/* The end of a string word that starts at s[i] == '"' (or the line's end). */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) i++;
        else if (s[i] == '"') return i + 1;
    }
    return n;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Reads one line (without its newline) into l. */
static void read_line(const char *s, size_t n, fmt_line *l)
{
    memset(l, 0, sizeof *l);
    size_t i = 0;
    int col = 0;
    for (; i < n && is_space(s[i]); i++) col += s[i] == '\t' ? 4 - col % 4 : 1;
    l->indent = l->written = col;
    size_t code_start = i, code_end = i;
    while (i < n) {
        if (is_space(s[i])) { i++; continue; }
        if (s[i] == '#') {
            size_t e = n;
            while (e > i && is_space(s[e - 1])) e--;
            l->comment = s + i; l->comment_n = e - i;
            l->comment_col = yb_display_width(s + code_start, i - code_start);
            break;
        }
        size_t start = i;
        while (i < n && !is_space(s[i]) && s[i] != '#')
            i = s[i] == '"' ? string_end(s, n, i) : i + 1;
        if (l->nwords >= 0 && l->nwords < FMT_MAX_WORDS)
            l->words[l->nwords++] = (fmt_word){s + start, i - start, yb_display_width(s + start, i - start)};
        else
            l->nwords = -1;
        code_end = i;
    }
    l->code = s + code_start;
    l->code_n = code_end > code_start ? code_end - code_start : 0;
    l->blank = l->nwords == 0 && !l->comment;
}

/* A table-like line: two words or more, not a statement (its first word is not
 * a keyword, except `from`, which starts a dated row of a param or table). */
static bool is_row(const fmt_line *l)
{
    if (l->nwords < 2) return false;
    const fmt_word *w = &l->words[0];
    if (w->n == 4 && memcmp(w->p, "from", 4) == 0) return true;
    return yb_keyword_token(w->p, w->n) == 0;
}

static bool same_group(const fmt_line *a, const fmt_line *b)
{
    return is_row(a) && is_row(b) && a->indent == b->indent && a->nwords == b->nwords;
}

static bool is_number(const fmt_word *w) { return w->n > 0 && w->p[0] >= '0' && w->p[0] <= '9'; }

/* The code of line l laid out: its words one space apart, or in the group's
 * columns (widths[] wide, numbers right-aligned) when widths is not NULL. */
static int put_code(fmt_buf *b, const fmt_line *l, const int *widths, const bool *right)
{
    int col = l->indent;
    buf_spaces(b, l->indent);
    if (l->nwords < 0) {
        buf_put(b, l->code, l->code_n);
        return col + yb_display_width(l->code, l->code_n);
    }
    for (int k = 0; k < l->nwords; k++) {
        const fmt_word *w = &l->words[k];
        int pad = widths ? widths[k] - w->w : 0;
        bool last = k == l->nwords - 1;
        if (k > 0) { buf_spaces(b, 1); col++; }
        if (widths && right[k]) { buf_spaces(b, pad); col += pad; }
        buf_put(b, w->p, w->n);
        col += w->w;
        if (widths && !right[k] && !last) { buf_spaces(b, pad); col += pad; }
    }
    return col;
}

static void put_comment(fmt_buf *b, fmt_line *l, int col, int want)
{
    if (!l->comment) return;
    l->out_col = col;
    if (l->nwords != 0) { /* a comment-only line is already indented */
        int at = want > col ? want : col + 1;
        buf_spaces(b, at - col);
        l->out_col = at;
    }
    buf_put(b, l->comment, l->comment_n);
}

/* Lines [from, to) of one group (to - from >= 1), each ended with a newline. */
static void put_group(fmt_buf *b, fmt_line *ls, size_t from, size_t to)
{
    int widths[FMT_MAX_WORDS] = {0};
    bool right[FMT_MAX_WORDS];
    const fmt_line *first = &ls[from];
    bool aligned = to - from > 1 && first->nwords > 0;
    int nw = first->nwords > 0 ? first->nwords : 0;
    for (int k = 0; k < nw; k++) right[k] = true;
    for (size_t i = from; aligned && i < to; i++)
        for (int k = 0; k < nw; k++) {
            if (ls[i].words[k].w > widths[k]) widths[k] = ls[i].words[k].w;
            if (!is_number(&ls[i].words[k])) right[k] = false;
        }
    if (nw > 0) right[0] = false;
    /* trailing comments: at the furthest column any of them was at, or just
     * past the longest code */
    int want = 0, code_w = 0;
    for (size_t i = from; i < to; i++) {
        fmt_buf dry = {0};
        int end = put_code(&dry, &ls[i], aligned ? widths : NULL, right);
        free(dry.p);
        if (ls[i].comment && ls[i].nwords != 0) {
            if (ls[i].indent + ls[i].comment_col > want) want = ls[i].indent + ls[i].comment_col;
            if (end + 1 > code_w) code_w = end + 1;
        }
    }
    if (code_w > want) want = code_w;
    for (size_t i = from; i < to; i++) {
        int end = put_code(b, &ls[i], aligned ? widths : NULL, right);
        put_comment(b, &ls[i], end, want);
        buf_put(b, "\n", 1);
    }
}

/* The line (+ 1) of a trailing comment whose column the comment-only line
 * ls[i] continues: the nearest one above it, with no blank line between, when
 * ls[i] is written further right than the canonical indent `indent` of the
 * code it stands before (so beside code, not above it); 0 otherwise. */
static size_t hang_of(const fmt_line *ls, size_t i, int indent)
{
    if (ls[i].written <= indent) return 0;
    for (size_t j = i; j-- > 0 && !ls[j].blank;) {
        if (ls[j].hang) return ls[j].hang;
        if (ls[j].comment && ls[j].nwords != 0) return j + 1;
    }
    return 0;
}

/* Each line's canonical indent; a comment-only line takes the indent of the
 * code line after it (the line it speaks of), 0 at the end of the file,
 * unless it continues a column of trailing comments (then it stays in it). */
static void set_indents(fmt_line *ls, size_t nl)
{
    yb_fmt_indent st = {0};
    for (size_t i = 0; i < nl; i++) {
        fmt_line *l = &ls[i];
        if (l->nwords > 0) l->indent = yb_fmt_indent_line(&st, l->words, l->nwords);
        else if (l->nwords < 0) /* too many words: the code is read as one */
            l->indent = yb_fmt_indent_line(&st, &(fmt_word){l->code, l->code_n, yb_display_width(l->code, l->code_n)}, 1);
    }
    int next = 0;
    for (size_t i = nl; i-- > 0;) {
        if (ls[i].nwords != 0) next = ls[i].indent;
        else if (ls[i].comment) ls[i].indent = next;
    }
    for (size_t i = 0; i < nl; i++)
        if (ls[i].nwords == 0 && ls[i].comment) ls[i].hang = hang_of(ls, i, ls[i].indent);
}

char *yb_format_policy(const char *src, size_t n, size_t *out_n)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++) cap += src[i] == '\n';
    fmt_line *ls = malloc(cap * sizeof *ls);
    if (!ls) return NULL;
    size_t nl = 0;
    for (size_t i = 0; i < n;) {
        const char *e = memchr(src + i, '\n', n - i);
        size_t len = e ? (size_t)(e - (src + i)) : n - i;
        read_line(src + i, len, &ls[nl++]);
        i += len + 1;
    }
    while (nl > 0 && ls[nl - 1].blank) nl--;
    set_indents(ls, nl);
    fmt_buf b = {0};
    buf_put(&b, "", 0);
    bool seen = false, gap = false;
    for (size_t i = 0; i < nl;) {
        if (ls[i].blank) { gap = seen; i++; continue; }
        if (gap) buf_put(&b, "\n", 1);
        gap = false; seen = true;
        if (ls[i].hang) ls[i].indent = ls[ls[i].hang - 1].out_col;
        size_t j = i + 1;
        while (j < nl && same_group(&ls[i], &ls[j])) j++;
        put_group(&b, ls, i, j);
        i = j;
    }
    free(ls);
    if (b.oom) { free(b.p); return NULL; }
    *out_n = b.n;
    return b.p;
}
