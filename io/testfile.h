/* `yibao test FILE…`: test files an analyst writes without C (spec.md, "Test
 * files"): a policy, claims inline or from a file, running totals before a
 * case, and any subset of the expected settlement fields and report entries.
 */
#ifndef YB_TESTFILE_H
#define YB_TESTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "coverage.h"
#include "native.h"

typedef struct yb_test_opts {
    FILE *out;         /* failing cases and the summary */
    FILE *errs;        /* files that cannot be read */
    bool verbose;      /* a line for each passing case too */
    yb_coverage *cov;  /* NULL, or where what each settled claim exercised is counted */
    const yb_native_libs *natives; /* the libraries the policy's native functions are bound to (NULL: none) */
} yb_test_opts;

typedef struct yb_test_totals {
    long passed, failed;
} yb_test_totals;

/* Run one test file: every case is counted in t; returns false when the file
 * itself could not be run (it is counted as one failure). */
bool yb_test_file(const char *path, const yb_test_opts *o, yb_test_totals *t);

#endif
