/* The compiler: policy source files -> a checked, verified yb_program.
 *   modules.c   reads a file and the files it imports, in step order
 *   check.c     the checker's driver, pass by pass:
 *     names.c     scopes, global names, "did you mean"
 *     layout.c    the input schema and the output fields
 *     params.c    parameters, tables, amendments
 *     states.c    states kept across claims
 *     types.c     the type of every expression and statement (rules: arith.def)
 *     warnings.c  what is never used
 *   fold.c      constant folding (arith.def)
 *   codegen.c   bytecode (arith.def); regalloc.c registers and the constant pool
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
/* The same without superinstructions (vm/opcodes.def, after NATIVE): the
 * sequences they replace, for tests that hold one to the other. */
yb_program *yb_compile_plain(const char *name, const char *text, yb_diag *diag);

#endif
