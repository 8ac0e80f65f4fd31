/* `yibao serve`: the settlement service (docs/serve.md). */
#ifndef YB_CLI_SERVE_H
#define YB_CLI_SERVE_H

int yb_cmd_serve(int argc, char **argv);

#endif
