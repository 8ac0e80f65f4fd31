/* The compiler: policy source files -> a checked, verified yb_program.
 *   modules.c   reads a file and the files it imports, in step order
 *   check.c     names, types, the input schema, parameter tables, warnings
 *   fold.c      constant folding
 *   codegen.c   registers and bytecode
 */
#ifndef YB_COMPILER_H
#define YB_COMPILER_H

#include <stdio.h>

#include "ast.h"
#include "diag.h"
#include "program.h"

/* Compile `path` (and its imports).  Diagnostics go to diag; returns NULL if
 * there was any error.  warnings_as_errors makes warnings fail too. */
yb_program *yb_compile_file(const char *path, yb_diag *diag);
/* Compile source text held in memory (tests); `name` is used in messages. */
yb_program *yb_compile_string(const char *name, const char *text, yb_diag *diag);

#endif
