/* `yibao keygen` and `yibao sign`: Ed25519 keys and signed policies (libyibao). */
#ifndef YB_CLI_SIGN_H
#define YB_CLI_SIGN_H

int yb_cmd_keygen(int argc, char **argv);
int yb_cmd_sign(int argc, char **argv);

#endif
