/* "Did you mean ...?": the candidate closest to a misspelt name. */
#ifndef YB_SUGGEST_H
#define YB_SUGGEST_H

#include <stddef.h>

/* The candidate closest to `name` by edit distance, if close enough to be a
 * likely typo; else NULL. */
const char *yb_suggest(const char *name, const char *const *candidates, size_t n);
/* Damerau-Levenshtein distance (a swapped pair is one typo); (size_t)-1 past 64 bytes. */
size_t yb_edit_distance(const char *a, const char *b);

#endif
