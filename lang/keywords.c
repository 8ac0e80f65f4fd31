/* The keyword table, expanded from keywords.def (sorted there). */
#include <string.h>

#include "ast.h"
#include "parse_ctx.h"
#include "parser.tab.h"

const yb_keyword yb_keywords[] = {
#define KW(word, tok) {#word, tok},
#include "keywords.def"
#undef KW
};
const size_t yb_nkeywords = sizeof yb_keywords / sizeof yb_keywords[0];

int yb_keyword_token(const char *s, size_t n)
{
    size_t lo = 0, hi = yb_nkeywords;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(s, yb_keywords[mid].word, n);
        if (c == 0 && yb_keywords[mid].word[n] != 0) c = -1;
        if (c == 0) return yb_keywords[mid].token;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return 0;
}
