/* The commands of the regression workflow, each in its own file of cli/
 * (yibao.c dispatches to them).  Each returns the exit status. */
#ifndef YB_COMMANDS_H
#define YB_COMMANDS_H

#include <stdbool.h>

#include "native.h"
#include "program.h"

/* A policy from source (compiled now) or a .ybc (loaded and verified); NULL
 * after saying why on stderr (cli/yibao.c).  Its native functions are bound
 * to natives (every one must be), or left unbound when natives is NULL. */
yb_program *yb_load_policy(const char *path, bool werror, const yb_native_libs *natives);
/* --native LIB=PATH (cli/yibao.c): 1 taken (added to libs), 0 not one, -1 a usage error (printed). */
int yb_native_option(const char *cmd, int argc, char **argv, int *i, yb_native_libs *libs);

#include "batch.h"
/* --max-record and --strict (cli/yibao.c): 1 taken, 0 not one, -1 a usage error (printed). */
int yb_reader_option(int argc, char **argv, int *i, yb_batch_opts *o);
int yb_cmd_compare(int argc, char **argv);  /* cli/compare_cmd.c */
int yb_cmd_params(int argc, char **argv);   /* cli/policy_cmds.c */
int yb_cmd_diff(int argc, char **argv);     /* cli/policy_cmds.c */
int yb_cmd_test(int argc, char **argv);     /* cli/test_cmd.c */
int yb_cmd_coverage(int argc, char **argv); /* cli/test_cmd.c */
int yb_cmd_fmt(int argc, char **argv);      /* cli/fmt_cmd.c */
int yb_cmd_lsp(int argc, char **argv);      /* cli/lsp_cmd.c */
int yb_cmd_doc(int argc, char **argv);      /* cli/doc_cmd.c */

#endif
