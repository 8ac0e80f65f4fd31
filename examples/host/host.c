/* A small host of libyibao: what a hospital's discharge desk or a bureau's
 * claims system does with a compiled policy.
 *
 *   host POLICY.ybc|POLICY.yb CLAIMS.jsonl [TRUSTED.pub]
 *
 * Settles each claim line through the API and prints the settlement JSON
 * (the same bytes `yibao run` writes); bad lines are reported on stderr as
 * CLAIMS:LINE: error: FIELD: MESSAGE and the rest go on.  At the end it
 * carries the running totals into a second batch, as a restart would, and
 * prints one summary line on stderr.
 *
 * Build:  cc host.c $(pkg-config --cflags --libs yibao) -o host */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yibao.h>

static int fail(const char *what, const yibao_error *e)
{
    fprintf(stderr, "host: %s: %s: %s\n", what, yibao_status_text(e->code), e->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: host POLICY CLAIMS.jsonl [TRUSTED.pub]\n");
        return 2;
    }
    yibao_env *env = yibao_env_new();
    if (!env) return 1;
    yibao_error e;
    yibao_policy pol;
    yibao_batch batch;
    if (argc == 4 && yibao_env_trust_key(env, argv[3], &e) != YIBAO_OK) return fail("trust", &e);
    if (yibao_policy_load_file(env, argv[1], &pol, &e) != YIBAO_OK) return fail("load", &e);
    yibao_policy_info info;
    yibao_policy_get_info(env, pol, &info, NULL);
    if (yibao_batch_open(env, pol, 0, &batch, &e) != YIBAO_OK) return fail("batch", &e);

    FILE *in = fopen(argv[2], "rb");
    if (!in) {
        perror(argv[2]);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0, settled = 0, errors = 0, held = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)n) continue; /* blank */
        if (yibao_settle_json(env, batch, line, (size_t)n, &e) != YIBAO_OK) {
            errors++;
            if (e.field[0]) fprintf(stderr, "%s:%ld: error: %s: %s\n", argv[2], lineno, e.field, e.message);
            else fprintf(stderr, "%s:%ld: error: %s\n", argv[2], lineno, e.message);
            continue;
        }
        const char *json;
        size_t len;
        int is_held;
        yibao_settlement_json(env, batch, &json, &len, NULL);
        yibao_settlement_held(env, batch, &is_held, NULL);
        fwrite(json, 1, len, stdout);
        settled++;
        held += is_held;
    }
    free(line);
    fclose(in);

    /* carry the running totals over, as after a restart */
    void *totals;
    size_t tlen;
    yibao_batch again;
    if (yibao_totals_export(env, batch, &totals, &tlen, &e) != YIBAO_OK) return fail("export", &e);
    if (yibao_batch_open(env, pol, 0, &again, &e) != YIBAO_OK) return fail("batch", &e);
    if (yibao_totals_import(env, again, totals, tlen, &e) != YIBAO_OK) return fail("import", &e);
    yibao_free(totals);
    fprintf(stderr, "%s %s: %ld settled (%ld held), %ld errors; totals carried over\n", info.name, info.version,
            settled, held, errors);
    yibao_env_free(env); /* closes both batches and the policy */
    return fflush(stdout) == 0 && errors == 0 ? 0 : 1;
}
