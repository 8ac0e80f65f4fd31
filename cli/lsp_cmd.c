/* yibao lsp: the language server on standard input and output (lsp/). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "lsp.h"

int yb_cmd_lsp(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--stdio") != 0) { /* what editors' clients pass: the only transport there is */
            fprintf(stderr, "yibao lsp: unknown option %s (the server speaks on standard input and output)\n", argv[i]);
            return 2;
        }
    return lsp_serve(stdin, stdout);
}
