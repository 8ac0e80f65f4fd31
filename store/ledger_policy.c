/* Which policy a ledger belongs to: every policy that ran a batch is recorded
 * (name, version, hash of its bytecode), and the states it declares must be
 * the ledger's, field for field and key for key: totals written under one
 * layout and read under another would be silently wrong. */
#include "ledger_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- declarations */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->oom) return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = (b->n + k + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, k + 1);
    b->n += k;
}

char *yb_ledger_decl_of(const yb_program *p, int s)
{
    const yb_state_desc *sd = &p->states[s];
    sbuf b = {0};
    put(&b, "keys");
    for (int k = 0; k < sd->nkeys; k++) {
        put(&b, " ");
        put(&b, yb_kind_name(sd->key_kinds[k]));
        if (sd->key_kinds[k] != YB_T_ENUM || sd->key_enums[k] >= p->schema.nenums) continue;
        const yb_enum_desc *e = &p->schema.enums[sd->key_enums[k]];
        for (int m = 0; m < e->n; m++) {
            put(&b, m ? "," : "(");
            put(&b, e->names[m]);
        }
        put(&b, ")");
    }
    put(&b, "; fields");
    for (int f = 0; f < sd->nfields; f++) {
        put(&b, " ");
        put(&b, sd->field_names[f]);
        put(&b, ":");
        put(&b, yb_kind_name(p->reg_kinds[sd->first_reg + f]));
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---------------------------------------------------------------- the policy */

bool yb_store_policy(yb_store *st, const yb_program *p, int64_t *id, char *err, size_t errlen)
{
    unsigned char *bytes = NULL;
    size_t n = 0;
    if (!yb_ybc_write_mem(p, &bytes, &n)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    static const uint64_t zero[2] = {0, 0};
    char hash[17];
    snprintf(hash, sizeof hash, "%016" PRIx64, yb_fingerprint(zero, bytes, n));
    free(bytes);
    yb_cell h = yb_cell_t(hash);
    if (!yb_store_query_int(st, "SELECT id FROM yb_policy WHERE hash = $1", &h, 1, id, err, errlen)) return false;
    if (*id) return true;
    if (!yb_store_query_int(st, "SELECT COALESCE(MAX(id), 0) + 1 FROM yb_policy", NULL, 0, id, err, errlen))
        return false;
    yb_cell v[4] = {yb_cell_i(*id), yb_cell_t(p->name ? p->name : ""), yb_cell_t(p->version ? p->version : ""), h};
    return st->b->ops->exec(st->b, "INSERT INTO yb_policy(id, name, version, hash) VALUES ($1, $2, $3, $4)", v, 4,
                            NULL, NULL, err, errlen);
}

/* ---------------------------------------------------------------- the states */

typedef struct ledger_state {
    int64_t id;
    char *name, *decl;
    bool matched;
} ledger_state;

typedef struct state_list {
    ledger_state *v;
    int n, cap;
    bool oom;
} state_list;

static char *dup_cell(const yb_cell *c)
{
    char *s = malloc(c->n + 1);
    if (!s) return NULL;
    memcpy(s, c->p, c->n);
    s[c->n] = 0;
    return s;
}

static bool state_row(void *ctx, const yb_cell *cols, int ncols)
{
    state_list *l = ctx;
    if (ncols < 3) return true;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        ledger_state *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return false;
        }
        l->v = v;
        l->cap = cap;
    }
    ledger_state *s = &l->v[l->n++];
    s->id = yb_cell_int(&cols[0]);
    s->name = dup_cell(&cols[1]);
    s->decl = dup_cell(&cols[2]);
    s->matched = false;
    if (!s->name || !s->decl) l->oom = true;
    return !l->oom;
}

static void free_states(state_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].decl);
    }
    free(l->v);
}

static ledger_state *find_state(state_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].name && strcmp(l->v[i].name, name) == 0) return &l->v[i];
    return NULL;
}

/* The differences, one per line, into err (the first few). */
static void say(char *err, size_t errlen, size_t *used, const char *fmt, const char *a, const char *b, const char *c)
{
    if (*used >= errlen) return;
    int k = snprintf(err + *used, errlen - *used, fmt, a, b, c);
    if (k > 0) *used += (size_t)k;
}

bool yb_store_check_states(yb_store *st, const yb_program *p, bool migrate, char *err, size_t errlen)
{
    state_list l = {0};
    bool ok = st->b->ops->exec(st->b, "SELECT id, name, decl FROM yb_state ORDER BY id", NULL, 0, state_row, &l, err,
                               errlen);
    if (!ok || l.oom) {
        if (l.oom) snprintf(err, errlen, "out of memory");
        free_states(&l);
        return false;
    }
    bool fresh = l.n == 0;
    size_t used = 0;
    int differences = 0;
    char head[400];
    snprintf(head, sizeof head, "the policy's states do not match the ledger's (policy \"%s\" version \"%s\"):",
             p->name ? p->name : "", p->version ? p->version : "");
    for (int s = 0; ok && s < p->nstates; s++) {
        if (p->states[s].report) continue; /* batch reports last one batch */
        char *decl = yb_ledger_decl_of(p, s);
        if (!decl) {
            snprintf(err, errlen, "out of memory");
            ok = false;
            break;
        }
        ledger_state *ls = find_state(&l, p->states[s].name);
        if (ls) ls->matched = true;
        if (ls && strcmp(ls->decl, decl) == 0) {
            st->state_ids[s] = ls->id;
        } else if (fresh || migrate) {
            st->migrated = true;
            ok = yb_store_migrate_state(st, p, s, ls ? ls->id : 0, ls ? ls->decl : NULL, decl, &st->state_ids[s],
                                        err, errlen);
        } else {
            if (!differences++) say(err, errlen, &used, "%s%s%s", head, "", "");
            if (ls) say(err, errlen, &used, "\n  state %s: the ledger has `%s`, the policy `%s`", ls->name, ls->decl, decl);
            else say(err, errlen, &used, "\n  state %s: not in the ledger (the policy declares `%s`)%s", p->states[s].name,
                     decl, "");
        }
        free(decl);
    }
    for (int i = 0; ok && i < l.n; i++) {
        if (l.v[i].matched || yb_state_retired(l.v[i].decl)) continue;
        if (migrate) {
            st->migrated = true;
            ok = yb_store_retire_state(st, l.v[i].id, l.v[i].decl, err, errlen);
            continue;
        }
        if (!differences++) say(err, errlen, &used, "%s%s%s", head, "", "");
        say(err, errlen, &used, "\n  state %s: in the ledger (`%s`), not in the policy%s", l.v[i].name, l.v[i].decl, "");
    }
    if (ok && differences) {
        say(err, errlen, &used, "\n  run with --migrate to make the ledger follow the policy (spec.md section 7.7)%s%s%s", "", "", "");
        ok = false;
    }
    for (int s = 0; ok && s < p->nstates; s++) {
        if (!st->state_ids[s]) continue;
        yb_cell id = yb_cell_i(st->state_ids[s]);
        ok = yb_store_query_int(st, "SELECT entries FROM yb_state WHERE id = $1", &id, 1, &st->on_disk[s], err, errlen);
        st->complete[s] = st->on_disk[s] == 0;
    }
    free_states(&l);
    return ok;
}
