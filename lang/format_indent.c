/* yb_fmt_indent_line: the indent a line gets in the canonical layout, the one
 * every policy of the repository is written in:
 *   - a declaration at column 0, the lines of its body at 2;
 *   - `from DATE:` of a param or table at 2, the rows under it at 4 (the
 *     changes of a relative `amend … from DATE:` at 2);
 *   - `if … then` / `else` / `end` statements nest by 2;
 *   - a line inside an open bracket at the column of what follows the bracket
 *     on its line (`(a` + 1, `{ a` + 2), or 2 past the bracket's line when
 *     the bracket ends it (a `{ … }` block);
 *   - another continuation line of a statement at the column its value starts
 *     at on the first line (after `=`, or after `when`, `if`, `invariant`),
 *     or 2 past the statement when its first line ends there (`define x =`).
 * Lines are read as tokens (a word may hold several: `min(a,b)`), so two
 * layouts that differ only in white space get the same indents. */
#include "format_indent.h"

#include <string.h>

#include "diag.h"

enum { K_NONE, K_CODE, K_ROWS };
enum { T_WORD, T_STR, T_PUNCT };

#define MAX_TOKENS 512

typedef struct tok { const char *p; size_t n; int kind, col; } tok;

static bool is_word_byte(unsigned char c)
{
    return c >= 0x80 || c == '_' || c == '.' || c == '%' || (c >= '0' && c <= '9') ||
           (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The end of the token that starts at s[i]. */
static size_t token_end(const char *s, size_t n, size_t i, int *kind)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '"') {
        *kind = T_STR;
        for (i++; i < n; i++) {
            if (s[i] == '\\' && i + 1 < n) i++;
            else if (s[i] == '"') return i + 1;
        }
        return n;
    }
    if (is_word_byte(c)) {
        bool digits = c >= '0' && c <= '9';   /* a date: 2024-01-01 */
        *kind = T_WORD;
        for (i++; i < n && (is_word_byte((unsigned char)s[i]) || (digits && s[i] == '-')); i++) {}
        return i;
    }
    *kind = T_PUNCT;
    if (i + 1 < n && s[i + 1] == '=' && strchr("<>!", c)) return i + 2;
    return i + 1;
}

/* The words laid out one space apart from column 0, cut into tokens. */
static int tokenize(const yb_fmt_word *words, int nwords, tok *t)
{
    int nt = 0, col = 0;
    for (int k = 0; k < nwords; k++) {
        const char *s = words[k].p;
        size_t n = words[k].n;
        for (size_t i = 0; i < n && nt < MAX_TOKENS;) {
            int kind;
            size_t e = token_end(s, n, i, &kind);
            t[nt++] = (tok){s + i, e - i, kind, col + yb_display_width(s, i)};
            i = e;
        }
        col += words[k].w + 1;
    }
    return nt;
}

static bool is(const tok *t, const char *w)
{
    return t->n == strlen(w) && memcmp(t->p, w, t->n) == 0;
}

static bool is_any(const tok *t, const char *const *ws)
{
    for (; *ws; ws++)
        if (is(t, *ws)) return true;
    return false;
}

/* the first words of the declarations of lang/parser.y's `decl` */
static const char *const decl_words[] = {
    "policy", "import", "enum", "reasons", "record", "input", "output", "param", "table",
    "state", "report", "define", "rule", "dated", "amend", "stage", "invariant", "extern", NULL};
static const char *const stmt_words[] = {
    "when", "let", "set", "add", "subtract", "reason", "warn", "block", "reject",
    "if", "else", "end", "then", NULL};
/* a line ending with one of these goes on to the next */
static const char *const cont_words[] = {
    "=", "and", "or", "not", "+", "-", "*", "/", "<", ">", "<=", ">=", "!=", ",", "if", "then",
    "else", "of", "in", "where", "to", "from", "at", "per", "by", "is", NULL};

static bool opens(const tok *t) { return t->kind == T_PUNCT && strchr("([{", t->p[0]); }
static bool closes(const tok *t) { return t->kind == T_PUNCT && strchr(")]}", t->p[0]); }

/* Where the continuation lines of a statement whose first line is t[0..nt)
 * at indent start: after its leading `when`/`if`/`invariant`, or after its
 * first `=` outside brackets; 2 past the indent when the line ends there. */
static int expr_column(const tok *t, int nt, int indent)
{
    static const char *const lead[] = {"when", "if", "invariant", NULL};
    if (nt > 1 && is_any(&t[0], lead)) return indent + t[1].col;
    int depth = 0;
    for (int i = 0; i < nt; i++) {
        if (opens(&t[i])) depth++;
        else if (closes(&t[i]) && depth > 0) depth--;
        else if (depth == 0 && is(&t[i], "="))
            return i + 1 < nt ? indent + t[i + 1].col : indent + 2;
    }
    return indent + 2;
}

/* The indent of a line that starts a statement or declaration (no bracket
 * open, not a continuation); st's declaration kind and if depth updated. */
static int statement_indent(yb_fmt_indent *st, const tok *t0)
{
    if (is_any(t0, decl_words)) {
        st->kind = is(t0, "param") || is(t0, "table") || is(t0, "amend") ? K_ROWS : K_CODE;
        st->ifdepth = 0;
        st->from_seen = false;
        return 0;
    }
    if (st->kind == K_ROWS) {
        if (is(t0, "from")) { st->from_seen = true; return 2; }
        return st->from_seen ? 4 : 2;
    }
    if (st->kind == K_NONE) return 0;
    if (is(t0, "end")) {
        if (st->ifdepth > 0) st->ifdepth--;
        return 2 + 2 * st->ifdepth;
    }
    if (is(t0, "else")) return 2 + 2 * (st->ifdepth > 0 ? st->ifdepth - 1 : 0);
    return 2 + 2 * st->ifdepth;
}

/* Brackets, `if`/`then`/`else`/`end` of t[0..nt) (a line at indent) counted
 * into st.  True when the line ends where a statement may start (after the
 * `then` or `else` of an `if` statement). */
static bool scan(yb_fmt_indent *st, const tok *t, int nt, int indent, bool stmt_start)
{
    bool at_stmt = stmt_start;
    for (int i = 0; i < nt; i++) {
        const tok *k = &t[i];
        bool was_stmt = at_stmt;
        at_stmt = false;
        if (opens(k)) {
            if (st->nopen < YB_FMT_MAX_OPEN)
                st->br[st->nopen] = (yb_fmt_open){
                    i + 1 < nt ? indent + t[i + 1].col : indent + 2, indent};
            st->nopen++;
        } else if (closes(k)) {
            if (st->nopen > 0) st->nopen--;
        } else if (k->kind != T_WORD || st->kind != K_CODE) {
            continue;
        } else if (is(k, "if")) {
            if (was_stmt && st->nopen == 0) st->pending_then = true;
            else st->exp_if++;
        } else if (is(k, "then")) {
            if (st->pending_then && st->exp_if == 0 && st->nopen == 0) {
                st->pending_then = false;
                st->ifdepth++;
                at_stmt = true;
            }
        } else if (is(k, "else")) {
            if (st->exp_if > 0) st->exp_if--;
            else at_stmt = true;
        } else if (is(k, "end") && i > 0 && st->exp_if == 0 && st->nopen == 0) {
            if (st->ifdepth > 0) st->ifdepth--;   /* `if … then … end` on one line */
            at_stmt = true;
        }
    }
    return at_stmt;
}

int yb_fmt_indent_line(yb_fmt_indent *st, const yb_fmt_word *words, int nwords)
{
    tok t[MAX_TOKENS];
    int nt = tokenize(words, nwords, t);
    if (nt == 0) return 0;
    int indent;
    bool stmt_start = false;
    if (st->nopen > 0) {
        int top = st->nopen <= YB_FMT_MAX_OPEN ? st->nopen - 1 : YB_FMT_MAX_OPEN - 1;
        indent = closes(&t[0]) ? st->br[top].indent : st->br[top].align;
    } else if (st->kind == K_CODE && !is_any(&t[0], decl_words) &&
               (st->open || !is_any(&t[0], stmt_words) ||
                ((is(&t[0], "else") || is(&t[0], "then")) && (st->exp_if > 0 || st->pending_then)))) {
        indent = st->expr_col;
    } else {
        indent = statement_indent(st, &t[0]);
        st->exp_if = 0;
        st->pending_then = false;
        st->expr_col = expr_column(t, nt, indent);
        stmt_start = true;
    }
    bool ends_block = scan(st, t, nt, indent, stmt_start);
    const tok *last = &t[nt - 1];
    st->open = st->kind == K_CODE &&
               (st->nopen > 0 || st->exp_if > 0 || st->pending_then ||
                (is_any(last, cont_words) && !ends_block));
    return indent;
}
