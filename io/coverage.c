/* Coverage of a policy by a set of claims (coverage.h). */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"

/* One thing a claim can exercise: a rule, a branch, … */
typedef struct cov_item {
    char *what;  /* "rule 住院", "else branch of rule 住院" */
    char *where; /* "stdlib-policies/inpatient.yb:12" */
    long hits;
} cov_item;

typedef struct cov_policy {
    char *source;
    long claims;
    int nblocks;
    cov_item *blocks;
} cov_policy;

struct yb_coverage {
    int n;
    cov_policy *pol;
};

yb_coverage *yb_coverage_new(void) { return calloc(1, sizeof(yb_coverage)); }

static void free_items(cov_item *it, int n)
{
    for (int i = 0; i < n; i++) {
        free(it[i].what);
        free(it[i].where);
    }
    free(it);
}

void yb_coverage_free(yb_coverage *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) {
        free(c->pol[i].source);
        free_items(c->pol[i].blocks, c->pol[i].nblocks);
    }
    free(c->pol);
    free(c);
}

static char *fmt(const char *f, const char *a, const char *b, long n)
{
    int len = snprintf(NULL, 0, f, a, b, n);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s) snprintf(s, (size_t)len + 1, f, a, b, n);
    return s;
}

/* The policy's blocks as coverage items (block 0 is the policy's entry, not a rule). */
static bool add_blocks(cov_policy *cp, const yb_program *p)
{
    cp->blocks = calloc((size_t)p->nblocks + 1, sizeof *cp->blocks);
    if (!cp->blocks) return false;
    cp->nblocks = p->nblocks;
    for (int b = 0; b < p->nblocks; b++) {
        const yb_block_desc *bd = &p->blocks[b];
        const char *file = bd->file < p->nfiles ? p->files[bd->file] : p->source;
        const char *kind = bd->branch == 1 ? "if branch of rule %s%s" : bd->branch == 2 ? "else branch of rule %s%s" : "rule %s%s";
        cp->blocks[b].what = fmt(kind, bd->name ? bd->name : "", "", 0);
        cp->blocks[b].where = fmt("%s%s:%ld", file ? file : "?", "", bd->line);
        if (!cp->blocks[b].what || !cp->blocks[b].where) return false;
    }
    return true;
}

static cov_policy *policy_of(yb_coverage *c, const yb_program *p)
{
    const char *src = p->source ? p->source : "";
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->pol[i].source, src) == 0 && c->pol[i].nblocks == p->nblocks) return &c->pol[i];
    cov_policy *np = realloc(c->pol, (size_t)(c->n + 1) * sizeof *np);
    if (!np) return NULL;
    c->pol = np;
    cov_policy *cp = &c->pol[c->n];
    memset(cp, 0, sizeof *cp);
    cp->source = strdup(src);
    if (!cp->source || !add_blocks(cp, p)) {
        free(cp->source);
        free_items(cp->blocks, cp->nblocks);
        return NULL;
    }
    c->n++;
    return cp;
}

void yb_coverage_claim(yb_coverage *c, const yb_vm *vm)
{
    cov_policy *cp = c ? policy_of(c, vm->p) : NULL;
    if (!cp) return;
    cp->claims++;
    for (int b = 0; b < cp->nblocks; b++) cp->blocks[b].hits += vm->fired[b] == vm->claim_no;
}

static int count_unused(const cov_item *it, int from, int n)
{
    int k = 0;
    for (int i = from; i < n; i++) k += it[i].hits == 0;
    return k;
}

static void write_text(const cov_policy *cp, FILE *out)
{
    int unused = count_unused(cp->blocks, 1, cp->nblocks);
    fprintf(out, "%s: %ld claims; rules and branches: %d of %d exercised\n", cp->source, cp->claims,
            cp->nblocks - 1 - unused, cp->nblocks - 1);
    for (int b = 1; b < cp->nblocks; b++)
        if (!cp->blocks[b].hits) fprintf(out, "  never: %s  [%s]\n", cp->blocks[b].what, cp->blocks[b].where);
}

static void put_items_json(FILE *out, const cov_item *it, int from, int n)
{
    fputc('[', out);
    bool first = true;
    for (int i = from; i < n; i++) {
        if (it[i].hits) continue;
        fputs(first ? "{\"what\":" : ",{\"what\":", out);
        first = false;
        yb_put_json_text(out, it[i].what, strlen(it[i].what));
        fputs(",\"where\":", out);
        yb_put_json_text(out, it[i].where, strlen(it[i].where));
        fputc('}', out);
    }
    fputc(']', out);
}

static void write_json(const cov_policy *cp, FILE *out)
{
    fputs("{\"policy\":", out);
    yb_put_json_text(out, cp->source, strlen(cp->source));
    fprintf(out, ",\"claims\":%ld,\"blocks\":%d,\"blocks_exercised\":%d,\"never\":", cp->claims, cp->nblocks - 1,
            cp->nblocks - 1 - count_unused(cp->blocks, 1, cp->nblocks));
    put_items_json(out, cp->blocks, 1, cp->nblocks);
    fputs("}\n", out);
}

bool yb_coverage_write(const yb_coverage *c, FILE *out, bool json)
{
    for (int i = 0; i < c->n; i++) (json ? write_json : write_text)(&c->pol[i], out);
    return !ferror(out);
}
