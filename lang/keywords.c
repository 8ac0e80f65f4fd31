/* The keyword table, expanded from keywords.def (sorted there). */
#include <string.h>

#include "ast.h"
#include "parse_ctx.h"
#include "parser.tab.h"

static const struct {
    const char *word;
    int token;
} keywords[] = {
#define KW(word, tok) {#word, tok},
#include "keywords.def"
#undef KW
};

int yb_keyword_token(const char *s, size_t n)
{
    size_t lo = 0, hi = sizeof keywords / sizeof keywords[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(s, keywords[mid].word, n);
        if (c == 0 && keywords[mid].word[n] != 0) c = -1;
        if (c == 0) return keywords[mid].token;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return 0;
}
