/* Batch report lines read back and merged (report_read.h): `yibao
 * merge-reports` over the reports of `yibao shard` parts.
 *
 * A line is what yb_write_reports wrote: {"report":NAME,"key":[…],FIELD:VALUE,…}.
 * Its key becomes the ledger key the VM would make, so merged entries print
 * in the order and form of one run (report.c); each value is read in its
 * field's kind and must print back exactly as written (nothing is rounded on
 * the way).  Fields merge as report_merge.h says.  A fixed field is the
 * value of the entry opened first in the whole batch: a part settled with
 * `run --positions` says where each entry was opened ("@opened":[INPUT,LINE]
 * after the fields, in shard's inputs), and the earliest wins.  A line
 * without it cannot say: its fixed fields must agree with the others' (they
 * do when the default depends only on the entry's key, as the standard
 * policy's targets do while no amendment falls inside a year); a
 * disagreement is an error, never a guess. */
#include "report_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_flat.h"
#include "json_lite.h"
#include "route_plan.h"

enum { TEXT_CAP = 4096 };

/* A scalar JSON value at p: a string decoded into buf (*quoted), or a
 * number or literal as written. */
static const char *scalar(const char *p, const char *e, char *buf, size_t *len, bool *quoted)
{
    p = yb_jl_ws(p, e);
    if (p < e && *p == '"') {
        *quoted = true;
        p = yb_jl_string(p, e, buf, TEXT_CAP, len);
        return p && *len <= TEXT_CAP ? p : NULL;
    }
    *quoted = false;
    const char *q = yb_jl_skip(p, e);
    if (!q || q == p || *p == '[' || *p == '{' || (size_t)(q - p) >= TEXT_CAP) return NULL;
    *len = (size_t)(q - p);
    memcpy(buf, p, *len);
    return q;
}

/* The value of kind (enum enum_id) printed as text (quoted or not): read it,
 * and check that it prints back the same. */
static bool value_of(const yb_program *p, uint8_t kind, uint16_t enum_id, const char *s, size_t n, bool quoted, int64_t *v)
{
    char buf[TEXT_CAP + 1], back[128];
    memcpy(buf, s, n);
    buf[n] = 0;
    bool neg = n > 0 && s[0] == '-';
    bool ok = false;
    switch (kind) {
    case YB_T_INT: {
        char *end;
        *v = strtoll(buf, &end, 10);
        ok = !quoted && n && !*end;
        break;
    }
    case YB_T_BOOL:
        ok = !quoted && (!strcmp(buf, "true") || !strcmp(buf, "false"));
        *v = !strcmp(buf, "true");
        break;
    case YB_T_MONEY: ok = quoted && yb_json_flat_money(buf, v); break;
    case YB_T_RATE:
        ok = quoted && n > 1 && s[n - 1] == '%' && yb_rate_parse_percent(s + neg, n - 1 - neg, v);
        if (neg) *v = -*v;
        break;
    case YB_T_DATE: ok = quoted && yb_date_parse(s, n, v); break;
    case YB_T_ENUM:
        for (int i = 0; quoted && enum_id < p->schema.nenums && i < p->schema.enums[enum_id].n && !ok; i++)
            if (strlen(p->schema.enums[enum_id].names[i]) == n && !memcmp(p->schema.enums[enum_id].names[i], s, n)) {
                *v = i;
                ok = true;
            }
        break;
    default: return false;
    }
    if (!ok) return false;
    int m = yb_format_value(p, kind, enum_id, *v, back, sizeof back);
    return m >= 0 && (size_t)m == n && !memcmp(back, s, n);
}

/* Digits only (no sign), below lim. */
static bool whole_below(const char *s, size_t n, uint64_t lim, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || *v >= lim) return false;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return n > 0 && *v < lim;
}

/* "@opened":[INPUT,LINE] at q: *pos, as report_merge.h's yb_report_pos. */
static const char *position_of(const char *q, const char *e, uint64_t *pos)
{
    char buf[TEXT_CAP + 1];
    size_t n;
    bool quoted;
    uint64_t input, line;
    q = yb_jl_ws(q, e);
    if (q >= e || *q++ != '[' || !(q = scalar(q, e, buf, &n, &quoted)) || quoted ||
        !whole_below(buf, n, YB_REPORT_POS_INPUTS, &input))
        return NULL;
    q = yb_jl_ws(q, e);
    if (q >= e || *q++ != ',' || !(q = scalar(q, e, buf, &n, &quoted)) || quoted ||
        !whole_below(buf, n, UINT64_C(1) << 40, &line) || line == 0)
        return NULL;
    q = yb_jl_ws(q, e);
    if (q >= e || *q++ != ']') return NULL;
    *pos = yb_report_pos((int)input, (long)line);
    return q;
}

/* The key array at p as the VM's key bytes of state s (interp.c state_key). */
static const char *key_of(const yb_program *p, int s, const char *q, const char *e, unsigned char *key, size_t *klen)
{
    const yb_state_desc *sd = &p->states[s];
    char buf[TEXT_CAP + 1];
    size_t len = 0, n;
    bool quoted;
    q = yb_jl_ws(q, e);
    if (q >= e || *q++ != '[') return NULL;
    for (int k = 0; k < sd->nkeys; k++) {
        if (k) {
            q = yb_jl_ws(q, e);
            if (q >= e || *q++ != ',') return NULL;
        }
        if (!(q = scalar(q, e, buf, &n, &quoted))) return NULL;
        if (sd->key_kinds[k] == YB_T_TEXT) {
            uint32_t tn = (uint32_t)n;
            if (!quoted || len + 4 + n > 4096) return NULL;
            memcpy(key + len, &tn, 4);
            memcpy(key + len + 4, buf, n);
            len += 4 + n;
            continue;
        }
        int64_t v;
        if (len + 8 > 4096 || !value_of(p, sd->key_kinds[k], sd->key_enums ? sd->key_enums[k] : 0, buf, n, quoted, &v)) return NULL;
        memcpy(key + len, &v, 8);
        len += 8;
    }
    q = yb_jl_ws(q, e);
    if (q >= e || *q++ != ']') return NULL;
    *klen = len;
    return q;
}

static int state_named(const yb_program *p, const char *name, size_t n)
{
    for (int s = 0; s < p->nstates; s++)
        if (p->states[s].report && strlen(p->states[s].name) == n && !memcmp(p->states[s].name, name, n)) return s;
    return -1;
}

static int field_named(const yb_state_desc *sd, const char *name, size_t n)
{
    for (int f = 0; f < sd->nfields; f++)
        if (strlen(sd->field_names[f]) == n && !memcmp(sd->field_names[f], name, n)) return f;
    return -1;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return false; } while (0)

bool yb_report_read_line(yb_vm *vm, yb_report_opens *opens, const char *line, size_t len, char *err, size_t errlen)
{
    const yb_program *p = vm->p;
    const char *q = yb_jl_ws(line, line + len), *e = line + len;
    if (q == e) return true; /* a blank line */
    char name[TEXT_CAP + 1], buf[TEXT_CAP + 1];
    unsigned char key[4096];
    size_t n, klen = 0, vn;
    bool quoted, have_key = false;
    uint64_t at = UINT64_MAX;
    int s = -1;
    int64_t vals[256];
    uint8_t given[256] = {0};
    if (*q++ != '{') FAIL("not a report line (a JSON object)");
    for (bool first = true;; first = false) {
        q = yb_jl_ws(q, e);
        if (q < e && *q == '}' && first) FAIL("an empty object");
        if (!(q = yb_jl_string(q, e, name, TEXT_CAP, &n)) || n > TEXT_CAP) FAIL("malformed JSON");
        q = yb_jl_ws(q, e);
        if (q >= e || *q++ != ':') FAIL("malformed JSON");
        if (n == 6 && !memcmp(name, "report", 6)) {
            if (!(q = scalar(q, e, buf, &vn, &quoted)) || !quoted) FAIL("\"report\" is not a string");
            if ((s = state_named(p, buf, vn)) < 0) FAIL("the policy has no report `%.*s`", (int)(vn > 200 ? 200 : vn), buf);
            if (p->states[s].nfields > 256) FAIL("report `%s` has too many fields", p->states[s].name);
        } else if (n == 3 && !memcmp(name, "key", 3)) {
            if (s < 0) FAIL("\"key\" before \"report\"");
            if (!(q = key_of(p, s, q, e, key, &klen))) FAIL("the key does not fit report `%s`", p->states[s].name);
            have_key = true;
        } else if (n == 7 && !memcmp(name, "@opened", 7)) {
            if (at != UINT64_MAX || !(q = position_of(q, e, &at)))
                FAIL("\"@opened\" is not a position [INPUT,LINE] (or it is given twice)");
        } else {
            if (s < 0 || !have_key) FAIL("a field before \"report\" and \"key\"");
            const yb_state_desc *sd = &p->states[s];
            int f = field_named(sd, name, n);
            if (f < 0 || given[f]) FAIL("report `%s` has no field `%.*s` (or it is given twice)", sd->name, (int)(n > 200 ? 200 : n), name);
            if (!(q = scalar(q, e, buf, &vn, &quoted)) ||
                !value_of(p, p->reg_kinds[sd->first_reg + f], 0, buf, vn, quoted, &vals[f]))
                FAIL("field `%s` of report `%s`: not a value of its kind", sd->field_names[f], sd->name);
            given[f] = 1;
        }
        q = yb_jl_ws(q, e);
        if (q < e && *q == '}') break;
        if (q >= e || *q++ != ',') FAIL("malformed JSON");
    }
    if (yb_jl_ws(q + 1, e) != e) FAIL("text after the object");
    if (s < 0 || !have_key) FAIL("no \"report\" or \"key\"");
    const yb_state_desc *sd = &p->states[s];
    for (int f = 0; f < sd->nfields; f++)
        if (!given[f]) FAIL("report `%s`: field `%s` is missing", sd->name, sd->field_names[f]);
    return yb_report_read_entry(vm, opens, s, key, (uint32_t)klen, vals, at, err, errlen);
}

/* Which of two parts' entries gives the fixed fields: *take the new one
 * (opened at pos, values vals) over what a holds (opened at *at).  Where
 * either was opened is not known: they must agree, and where the merged
 * entry was opened is not known either. */
static bool fixed_from(const yb_program *p, int s, const int64_t *a, const int64_t *vals, uint64_t *at, uint64_t pos,
                       bool *take, char *err, size_t errlen)
{
    const yb_state_desc *sd = &p->states[s];
    *take = false;
    if (*at != UINT64_MAX && pos != UINT64_MAX) {
        if (pos == *at)
            FAIL("report `%s`: two parts opened one entry on the same claim (input %d, line %ld): a report given "
                 "twice, or parts of different shards", sd->name, yb_report_pos_input(pos), yb_report_pos_line(pos));
        *take = pos < *at;
        if (*take) *at = pos;
        return true;
    }
    for (int f = 0; f < sd->nfields; f++)
        if (p->route_plan && p->route_plan->reg_class[sd->first_reg + f] == YB_RP_FIXED && a[f] != vals[f])
            FAIL("report `%s`: `%s` differs between parts for one key; it is fixed by the claim that opened the entry, "
                 "and a part does not say where that was: settle each part with `yibao run … --positions part-K.pos` "
                 "(written by `yibao shard` beside the part), or merge with one `yibao run --jobs N`",
                 sd->name, sd->field_names[f]);
    *at = UINT64_MAX;
    return true;
}

bool yb_report_read_entry(yb_vm *vm, yb_report_opens *opens, int s, const void *key, uint32_t klen, const int64_t *vals,
                          uint64_t pos, char *err, size_t errlen)
{
    const yb_program *p = vm->p;
    const yb_state_desc *sd = &p->states[s];
    yb_ledger *l = vm->ledgers[s];
    if (sd->nfields > 256) FAIL("report `%s` has too many fields", sd->name);
    yb_ledger_entry *d = yb_ledger_get(l, key, klen);
    if (!d) FAIL("out of memory");
    int64_t a[256];
    yb_ledger_values(l, d, a);
    bool take = true;
    uint64_t at = pos;
    if (d->flags & YB_ENTRY_OPENED) {
        at = yb_report_opened_at(opens, s, key, klen);
        if (!fixed_from(p, s, a, vals, &at, pos, &take, err, errlen)) return false;
    }
    for (int f = 0; f < sd->nfields; f++) {
        uint8_t cls = p->route_plan ? p->route_plan->reg_class[sd->first_reg + f] : YB_RP_ADDED;
        if (cls == YB_RP_ADDED && __builtin_add_overflow(a[f], vals[f], &a[f]))
            FAIL("report `%s`: the total of `%s` overflows", sd->name, sd->field_names[f]);
        if (cls == YB_RP_FIXED && take) a[f] = vals[f];
    }
    d = yb_ledger_set(l, d, a); /* the entry just got: cannot fail */
    d->flags |= YB_ENTRY_OPENED;
    if (!yb_report_opens_put(opens, s, key, klen, at)) FAIL("out of memory");
    return true;
}
