/* For the command line: a policy loaded the way hosts load it through
 * libyibao — a signature checked (against `trust`, a public key file or a
 * directory of *.pub, when given), the .ybc read and verified — handed over
 * as a program for the batch commands. */
#ifndef YB_LOAD_CHECKED_H
#define YB_LOAD_CHECKED_H

#include <stddef.h>

#include "native.h"
#include "program.h"
#include "settlement_writer.h"

/* NULL on failure (err says why, without the file name; *stamp NULL).
 * natives, when not NULL, are the libraries its native functions are bound
 * to (all of them must be); NULL: not bound (disasm, params, …).
 * stamp, when not NULL, gets the policy's stamp (one block: free it). */
yb_program *yb_load_checked(const char *path, const char *trust, const yb_native_libs *natives, yb_stamp **stamp, char *err,
                            size_t errlen);

#endif
