/* Batch settlement: claim files in, settlements out, bad records reported
 * with their file and line while the rest of the batch goes on. */
#ifndef YB_BATCH_H
#define YB_BATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "claim_reader.h"
#include "vm.h"

typedef struct yb_batch_opts {
    yb_format out_format;
    int in_format; /* -1: by file name (.csv is CSV, anything else JSON Lines) */
    bool explain;
    FILE *out;
    FILE *errors;
} yb_batch_opts;

typedef struct yb_batch_stats {
    long records, settled, held, errors;
} yb_batch_stats;

/* Settle every claim of every input ("-" is standard input).  Returns false
 * if an input could not be opened or the output could not be written. */
bool yb_batch_run(yb_vm *vm, const char *const *inputs, int ninputs, const yb_batch_opts *opts, yb_batch_stats *stats);

#endif
