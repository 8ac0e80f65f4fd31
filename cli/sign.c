/* yibao keygen NAME [-o DIR]               NAME.key (secret, 0600) and NAME.pub
 * yibao sign POLICY.ybc --key KEY [-o OUT]  sign in place (or to OUT)
 * The work is libyibao's (api/signature.c); this is argument handling. */
#include "sign.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "yibao.h"

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "yibao: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nusage: yibao keygen NAME [-o DIR]\n       yibao sign POLICY.ybc --key NAME.key [-o OUT.ybc]\n");
    return 2;
}

int yb_cmd_keygen(int argc, char **argv)
{
    const char *name = NULL, *dir = ".";
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if (++i == argc) return usage("-o needs a directory%s", "");
            dir = argv[i];
        } else if (argv[i][0] == '-') return usage("unknown option %s", argv[i]);
        else if (!name) name = argv[i];
        else return usage("keygen takes one name, found another: %s", argv[i]);
    }
    if (!name) return usage("keygen needs the signer's name (letters, digits, . - _)%s", "");
    char sk[4096], pk[4096];
    if (snprintf(sk, sizeof sk, "%s/%s.key", dir, name) >= (int)sizeof sk ||
        snprintf(pk, sizeof pk, "%s/%s.pub", dir, name) >= (int)sizeof pk)
        return usage("path too long: %s", dir);
    if (access(sk, F_OK) == 0) {
        fprintf(stderr, "yibao: %s exists; a secret key is never overwritten (remove it first)\n", sk);
        return 1;
    }
    yibao_error e;
    if (yibao_keygen(name, sk, pk, &e) != YIBAO_OK) {
        fprintf(stderr, "yibao: %s\n", e.message);
        return 1;
    }
    fprintf(stderr, "%s: secret key (keep it on the signing machine)\n%s: public key (give it to every host: --trust)\n", sk, pk);
    return 0;
}

int yb_cmd_sign(int argc, char **argv)
{
    const char *policy = NULL, *key = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 || strcmp(argv[i], "-o") == 0) {
            if (i + 1 == argc) return usage("%s needs a value", argv[i]);
            if (strcmp(argv[i], "--key") == 0) key = argv[++i];
            else out = argv[++i];
        } else if (argv[i][0] == '-') return usage("unknown option %s", argv[i]);
        else if (!policy) policy = argv[i];
        else return usage("sign takes one policy, found another: %s", argv[i]);
    }
    if (!policy) return usage("sign needs a compiled policy (.ybc)%s", "");
    if (!key) return usage("sign needs --key NAME.key (from yibao keygen)%s", "");
    yibao_error e;
    if (yibao_sign_file(policy, key, out, &e) != YIBAO_OK) {
        fprintf(stderr, "yibao: %s\n", e.message);
        return 1;
    }
    return 0;
}
