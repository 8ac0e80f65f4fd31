/* `yibao params POLICY [--json]` and `yibao diff OLD NEW [--json]`: what a
 * policy holds and what changed between two, without claims. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "policy_diff.h"

static int usage(const char *msg)
{
    fprintf(stderr, "yibao: %s\nusage: yibao params POLICY.yb|POLICY.ybc [--json]\n       yibao diff OLD NEW [--json]\n", msg);
    return 2;
}

/* The policies named (n of them) and --json; 0 when the arguments are right. */
static int args(int argc, char **argv, int n, const char **paths, bool *json)
{
    int got = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) *json = true;
        else if (argv[i][0] == '-') return usage("unknown option");
        else if (got < n) paths[got++] = argv[i];
        else return usage("too many policies");
    }
    return got == n ? 0 : usage(n == 1 ? "params needs a policy" : "diff needs two policies");
}

int yb_cmd_params(int argc, char **argv)
{
    const char *path[1];
    bool json = false;
    int rc = args(argc, argv, 1, path, &json);
    if (rc) return rc;
    yb_program *p = yb_load_policy(path[0], false, NULL);
    if (!p) return 1;
    bool ok = yb_params_write(p, stdout, json);
    yb_program_free(p);
    return ok ? 0 : 1;
}

int yb_cmd_diff(int argc, char **argv)
{
    const char *path[2];
    bool json = false;
    int rc = args(argc, argv, 2, path, &json);
    if (rc) return rc;
    yb_program *a = yb_load_policy(path[0], false, NULL), *b = a ? yb_load_policy(path[1], false, NULL) : NULL;
    long n = a && b ? yb_policy_diff(a, b, stdout, json) : -1;
    yb_program_free(a);
    yb_program_free(b);
    return n >= 0 ? 0 : 1;
}
