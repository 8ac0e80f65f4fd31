/* Keywords are declared once (lang/keywords.def): the lexer's table is
 * sorted for its binary search, every keyword maps to its own token, and
 * ordinary names (Chinese ones too) are names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ast.h"
#include "parse_ctx.h"
#include "parser.tab.h"

#define keywords yb_keywords
#define NKW yb_nkeywords

static void every_keyword_is_its_token(void **state)
{
    (void)state;
    for (size_t i = 0; i < NKW; i++) {
        assert_int_equal(yb_keyword_token(keywords[i].word, strlen(keywords[i].word)), keywords[i].token);
        if (i > 0 && strcmp(keywords[i - 1].word, keywords[i].word) >= 0)
            fail_msg("keywords.def is not sorted at %s (the lexer searches it by halves)", keywords[i].word);
        for (size_t j = 0; j < i; j++)
            if (keywords[j].token == keywords[i].token) fail_msg("%s and %s share a token", keywords[j].word, keywords[i].word);
    }
}

static void names_are_not_keywords(void **state)
{
    (void)state;
    const char *names[] = {"deductible", "起付线", "policyx", "polic", "r", "yearly", "Rule", "ratio", "text", "money"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(yb_keyword_token(names[i], strlen(names[i])), 0);
    /* a prefix of the buffer is matched by its length only */
    assert_int_equal(yb_keyword_token("rulebook", 4), RULE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_keyword_is_its_token),
        cmocka_unit_test(names_are_not_keywords),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
