#ifndef YB_COMPARE_H
#define YB_COMPARE_H
#include <stdbool.h>
#include <stdio.h>

#include "batch.h"
#include "program.h"
/* Settle every claim with both policies; write the claims whose settlement
 * changed and a summary of money totals.  Returns the exit status. */
int yb_compare(const yb_program *old_p, const yb_program *new_p, const char *const *inputs, int ninputs,
               const yb_batch_opts *o, FILE *out);

typedef struct yb_reform yb_reform;
/* What else a comparison does (yibao compare's options). */
typedef struct yb_compare_opts {
    int shift_years;   /* every date of a claim moved by these years, or 0 */
    int as_of;         /* every claim moved into this year (by its dated-by date), or 0 */
    yb_reform *reform; /* NULL, or the reform report filled claim by claim */
    bool lines;        /* the JSON line per changed claim and the summary, as yb_compare writes them */
} yb_compare_opts;
int yb_compare_with(const yb_program *old_p, const yb_program *new_p, const char *const *inputs, int ninputs,
                    const yb_batch_opts *o, FILE *out, const yb_compare_opts *co);
#endif
