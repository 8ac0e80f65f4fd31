/* The commands of the regression workflow, each in its own file of cli/
 * (yibao.c dispatches to them).  Each returns the exit status. */
#ifndef YB_COMMANDS_H
#define YB_COMMANDS_H

#include <stdbool.h>

#include "program.h"

/* A policy from source (compiled now) or a .ybc (loaded and verified); NULL
 * after saying why on stderr (cli/yibao.c). */
yb_program *yb_load_policy(const char *path, bool werror);

int yb_cmd_test(int argc, char **argv);     /* cli/test_cmd.c */
int yb_cmd_coverage(int argc, char **argv); /* cli/test_cmd.c */

#endif
