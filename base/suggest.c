/* "Did you mean ...?" (suggest.h): the compiler's diagnostics and the claim
 * readers' --strict errors choose the same way. */
#include "suggest.h"

#include "utf8.h"

#include <string.h>

/* The code points of s, at most YB_SUGGEST_MAX_CHARS; -1 if there are more. */
static int code_points(const char *s, unsigned *out)
{
    size_t n = strlen(s), i = 0;
    int k = 0;
    while (i < n) {
        if (k == YB_SUGGEST_MAX_CHARS) return -1;
        out[k++] = yb_utf8_next((const unsigned char *)s, n, &i);
    }
    return k;
}

size_t yb_edit_distance(const char *sa, const char *sb)
{
    /* Damerau-Levenshtein (optimal string alignment) over characters, not
     * bytes: 住院 for 往院 is one typo, not three; a swapped pair is one typo */
    unsigned a[YB_SUGGEST_MAX_CHARS], b[YB_SUGGEST_MAX_CHARS];
    int sla = code_points(sa, a), slb = code_points(sb, b);
    if (sla < 0 || slb < 0) return (size_t)-1;
    size_t la = (size_t)sla, lb = (size_t)slb;
    size_t rows[3][YB_SUGGEST_MAX_CHARS + 1];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < cur[j])
                cur[j] = pp[j - 2] + 1;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *yb_suggest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    unsigned chars[YB_SUGGEST_MAX_CHARS];
    int nchars = code_points(name, chars);
    size_t len = nchars < 0 ? YB_SUGGEST_MAX_CHARS : (size_t)nchars;
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || strcmp(cands[i], name) == 0) continue;
        size_t dist = yb_edit_distance(name, cands[i]);
        if (dist < bestd) {
            bestd = dist;
            best = cands[i];
        }
    }
    return bestd <= limit ? best : NULL;
}
