/* The end of every output the command line writes (cli/output.c). */
#ifndef YB_CLI_OUTPUT_H
#define YB_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

/* Flush f, check that every write to it succeeded, and close it (stdout and
 * stderr stay open).  On failure says, once, on stderr
 *     yibao: cannot write NAME: REASON
 * and returns false.  The library's writers only report failure by their
 * result; this is the one place that names the output. */
bool yb_cli_finish(FILE *f, const char *name);

#endif
