/* "Did you mean ...?": the candidate closest to a misspelt name. */
#ifndef YB_SUGGEST_H
#define YB_SUGGEST_H

#include <stddef.h>

/* The candidate closest to `name` by edit distance, if close enough to be a
 * likely typo (1 edit for names of up to 3 characters, 2 up to 6, else 3);
 * else NULL. */
const char *yb_suggest(const char *name, const char *const *candidates, size_t n);
/* Names longer than this many characters (code points) get no suggestion. */
#define YB_SUGGEST_MAX_CHARS 64

/* Damerau-Levenshtein distance in characters (UTF-8 code points; a swapped
 * pair is one typo); (size_t)-1 past YB_SUGGEST_MAX_CHARS characters. */
size_t yb_edit_distance(const char *a, const char *b);

#endif
