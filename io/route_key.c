/* The routing of a claim line (route_key.h).
 *
 * The compiler says (compiler/routing.c) which claim text fields the keys of
 * the kept states hold: one (`member_id`), and then a line goes to the
 * worker the hash of that field's value names; or several (a family
 * account's payer `account_payer.member_id` beside `member_id`), and then
 * the values each line gives are joined into groups first (route_groups.c)
 * and a line goes to the worker of its group.  Only a line that gives two
 * values links anything, and it must name a field beyond the first (or
 * escape something): the pre-pass looks only at the lines where such a name
 * or a backslash occurs (memmem and memchr over the whole text, much faster
 * than a look at every line), and a line routes by the root of its first
 * value's group, or by the value itself when it was never linked.  Values are read from the raw
 * JSON here, decoded as the claim reader decodes them (escapes included), so
 * two spellings of one id route alike.  A value longer than 512 bytes counts
 * by its first 512: two ids sharing them share a worker, which is safe. */
#define _GNU_SOURCE 1 /* memmem */
#include "route_key.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(YB_NO_SIMD)
#include <immintrin.h>
#define YB_ROUTE_AVX2 1
#endif

#include "json_lite.h"
#include "route_groups.h"
#include "route_plan.h"

enum { MAX_DEPTH = 8, ID_BYTES = 512 };

typedef struct id_path {
    const char *names[MAX_DEPTH]; /* from the top-level key down */
    size_t lens[MAX_DEPTH];
    int n;
} id_path;

struct yb_router {
    int n;            /* workers */
    int nids;         /* the fields: 1, or several for groups */
    id_path paths[YB_RP_MAX_IDS];
    char names[YB_RP_MAX_IDS][256];
    const char *needles[YB_RP_MAX_IDS]; /* the distinct top-level names of the fields beyond the first */
    size_t needle_lens[YB_RP_MAX_IDS];
    int nneedles;
    yb_groups *groups; /* when nids > 1 */
    bool avx2;         /* the pre-pass scans with AVX2 (next_mark) */
};

/* Past JSON whitespace: between a claim's tokens there is mostly none, and
 * then this costs one test. */
static inline const char *ws(const char *p, const char *e)
{
    return p < e && (unsigned char)*p > ' ' ? p : yb_jl_ws(p, e);
}

/* The JSON string at p (at its quote), past it (NULL when malformed): *val
 * and *len its decoded bytes (the length counted past cap).  With nothing
 * escaped its raw bytes are its decoded ones and are used in place (every
 * line's keys and its routing value are read so, no copy); else it is
 * decoded into buf (cap bytes) as the claim reader decodes it. */
static const char *string_at(const char *p, const char *e, char *buf, size_t cap, const char **val, size_t *len)
{
    if (p >= e || *p != '"') return NULL;
    const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
    if (q && !memchr(p + 1, '\\', (size_t)(q - p - 1))) {
        *val = p + 1;
        *len = (size_t)(q - p - 1);
        return q + 1;
    }
    *val = buf;
    return yb_jl_string(p, e, buf, cap, len);
}

/* Past the key string at p (NULL when malformed); *same: whether it is
 * name (n bytes) decoded. */
static const char *key_at(const char *p, const char *e, const char *name, size_t n, bool *same)
{
    /* a name has no quote or backslash: its raw bytes, closed, are it */
    if ((size_t)(e - p) > n + 1 && p[n + 1] == '"' && *p == '"' && !memcmp(p + 1, name, n)) {
        *same = true;
        return p + n + 2;
    }
    char k[256];
    const char *kv;
    size_t kn;
    p = string_at(p, e, k, sizeof k, &kv, &kn);
    *same = p && kn == n && !memcmp(kv, name, n);
    return p;
}

/* The decoded string at path in the object at p (*val, *len: at most
 * ID_BYTES of it, in place or in out); false when the line has none or is
 * malformed before it.  The scan stops at the field: a line that gives it
 * twice, or is malformed after it, is a record error (the reader refuses a
 * key given twice), and a record error touches no state, so any worker may
 * report it. */
static bool lookup(const char *p, const char *e, const id_path *path, int depth, char *out, const char **val, size_t *len)
{
    bool same;
    p = ws(p, e);
    if (p >= e || *p++ != '{') return false;
    if (ws(p, e) < e && *ws(p, e) == '}') return false;
    for (;;) {
        p = key_at(ws(p, e), e, path->names[depth], path->lens[depth], &same);
        if (!p) return false;
        p = ws(p, e);
        if (p >= e || *p++ != ':') return false;
        p = ws(p, e);
        if (same) {
            if (depth + 1 < path->n) return lookup(p, e, path, depth + 1, out, val, len);
            if (!string_at(p, e, out, ID_BYTES, val, len)) return false;
            if (*len > ID_BYTES) *len = ID_BYTES;
            return true;
        }
        if (!(p = yb_jl_skip(p, e))) return false;
        p = ws(p, e);
        if (p >= e || *p++ != ',') return false;
    }
}

/* ---------------------------------------------------------------- router */

/* The record field f sits in directly, or -1 at the top level. */
static int parent_of(const yb_schema *s, int f)
{
    for (int i = 0; i < s->nfields; i++)
        if (s->fields[i].kind == YB_T_RECORD && f >= s->fields[i].first && f < s->fields[i].first + s->fields[i].count) return i;
    return -1;
}

static bool make_path(const yb_schema *s, int f, id_path *path, char *name, size_t cap)
{
    int chain[MAX_DEPTH], n = 0;
    for (int x = f; x >= 0; x = parent_of(s, x)) {
        if (n == MAX_DEPTH) return false;
        chain[n++] = x;
    }
    path->n = n;
    size_t at = 0;
    name[0] = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = s->fields[chain[n - 1 - i]].name;
        path->names[i] = nm;
        path->lens[i] = strlen(nm);
        at += (size_t)snprintf(name + (at < cap ? at : cap), at < cap ? cap - at : 0, "%s%s", i ? "." : "", nm);
    }
    return true;
}

yb_router *yb_router_new(const yb_program *p, int n, bool *oom)
{
    *oom = false;
    if (p->route_field <= 0 || n < 1) return NULL;
    yb_router *r = calloc(1, sizeof *r);
    if (!r) {
        *oom = true;
        return NULL;
    }
    r->n = n;
#ifdef YB_ROUTE_AVX2
    r->avx2 = __builtin_cpu_supports("avx2");
#endif
    const yb_route_plan *rp = p->route_plan;
    r->nids = rp && rp->nids > 1 ? rp->nids : 1;
    for (int i = 0; i < r->nids; i++) {
        int f = rp && rp->nids > 1 ? rp->ids[i] : p->route_field - 1;
        if (!make_path(&p->schema, f, &r->paths[i], r->names[i], sizeof r->names[i])) {
            free(r);
            return NULL;
        }
    }
    for (int i = 1; i < r->nids; i++) {
        const id_path *t = &r->paths[i];
        int k = 0;
        while (k < r->nneedles && !(r->needle_lens[k] == t->lens[0] && !memcmp(r->needles[k], t->names[0], t->lens[0]))) k++;
        if (k == r->nneedles) {
            r->needles[k] = t->names[0];
            r->needle_lens[k] = t->lens[0];
            r->nneedles++;
        }
    }
    if (r->nids > 1 && !(r->groups = yb_groups_new())) {
        free(r);
        *oom = true;
        return NULL;
    }
    return r;
}

void yb_router_free(yb_router *r)
{
    if (!r) return;
    yb_groups_free(r->groups);
    free(r);
}

bool yb_router_grouped(const yb_router *r) { return r && r->groups; }

static const char *body_of(const char *line, size_t len, long lineno)
{
    return lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? line + 3 : line; /* skipped there */
}

/* Can the line give the field of path at all?  Not when its top-level name
 * is nowhere in the line and nothing is escaped (a name can only be written
 * as itself then): the whole-line scan of lookup is skipped (most claims
 * name no payer; memchr and memmem are much faster than a scan). */
static bool may_give(const char *b, const char *e, const id_path *path, bool escapes)
{
    return escapes || memmem(b, (size_t)(e - b), path->names[0], path->lens[0]) != NULL;
}

/* One line's values linked in g: only when it gives two (or more). */
static bool learn_line(const yb_router *r, yb_groups *g, const char *line, size_t len, long lineno)
{
    const char *b = body_of(line, len, lineno), *e = line + len;
    bool escapes = memchr(b, '\\', (size_t)(e - b)) != NULL, beyond = false;
    for (int i = 1; i < r->nids && !beyond; i++) beyond = may_give(b, e, &r->paths[i], escapes);
    if (!beyond) return true; /* a line that gives one value links nothing */
    uint64_t ids[YB_RP_MAX_IDS];
    int n = 0;
    char v[ID_BYTES];
    const char *val;
    size_t vn;
    for (int i = 0; i < r->nids; i++)
        if (may_give(b, e, &r->paths[i], escapes) && lookup(b, e, &r->paths[i], 0, v, &val, &vn)) ids[n++] = yb_route_hash(val, vn);
    for (int i = 1; i < n; i++)
        if (!yb_groups_link(g, ids[0], ids[i])) return false;
    return true;
}

bool yb_router_learn(yb_router *r, const char *line, size_t len, long lineno)
{
    return learn_line(r, r->groups, line, len, lineno);
}

/* Does a needle start at q (q < e), or a backslash stand there? */
static bool mark_at(const yb_router *r, const char *q, const char *e)
{
    if (*q == '\\') return true;
    for (int k = 0; k < r->nneedles; k++)
        if (r->needle_lens[k] <= (size_t)(e - q) && !memcmp(q, r->needles[k], r->needle_lens[k])) return true;
    return false;
}

typedef unsigned char yb_v16 __attribute__((vector_size(16))); /* GCC and Clang, any target */
typedef uint64_t yb_v2 __attribute__((vector_size(16)));

/* The lanes of the 16 bytes at q where a needle may start (its first byte
 * there and its last len - 1 further on) or a backslash stands. */
static inline yb_v16 marks16(const yb_router *r, int nk, const char *q, const yb_v16 *first, const yb_v16 *last, yb_v16 slash)
{
    yb_v16 a, m;
    memcpy(&a, q, 16);
    m = a == slash;
    for (int k = 0; k < nk; k++) {
        yb_v16 z;
        memcpy(&z, q + r->needle_lens[k] - 1, 16);
        m |= (a == first[k]) & (z == last[k]);
    }
    return m;
}

/* next_mark with nk needles (a constant where inlined: the vectors stay in
 * registers), 32 bytes a step. */
static inline const char *scan_marks(const yb_router *r, int nk, const char *p, const char *e)
{
    yb_v16 slash, first[YB_RP_MAX_IDS], last[YB_RP_MAX_IDS];
    size_t reach = 1;
    for (int i = 0; i < 16; i++) slash[i] = '\\';
    for (int k = 0; k < nk; k++) {
        size_t n = r->needle_lens[k];
        for (int i = 0; i < 16; i++) {
            first[k][i] = (unsigned char)r->needles[k][0];
            last[k][i] = (unsigned char)r->needles[k][n - 1];
        }
        if (n > reach) reach = n;
    }
    const char *q = p;
    for (; (size_t)(e - q) >= 32 + reach - 1; q += 32) {
        yb_v16 m0 = marks16(r, nk, q, first, last, slash), m1 = marks16(r, nk, q + 16, first, last, slash);
        yb_v2 any = (yb_v2)(m0 | m1);
        if (!(any[0] | any[1])) continue;
        for (int i = 0; i < 32; i++)
            if ((i < 16 ? m0[i] : m1[i - 16]) && mark_at(r, q + i, e)) return q + i;
    }
    for (; q < e; q++)
        if (mark_at(r, q, e)) return q;
    return NULL;
}

#ifdef YB_ROUTE_AVX2
/* The first of the lanes set in bits (from q) where a mark is, or NULL:
 * out of the scan's loop, which then keeps its pointers in registers. */
static __attribute__((noinline)) const char *mark_in(const yb_router *r, const char *q, uint64_t bits, const char *e)
{
    for (; bits; bits &= bits - 1)
        if (mark_at(r, q + __builtin_ctzll(bits), e)) return q + __builtin_ctzll(bits);
    return NULL;
}

/* The lanes of the 32 bytes at q where a mark may be (as marks16). */
__attribute__((target("avx2"))) static inline uint32_t marks32(const yb_router *r, int nk, const char *q, const __m256i *first,
                                                               const __m256i *last)
{
    __m256i a = _mm256_loadu_si256((const __m256i *)q), m = _mm256_cmpeq_epi8(a, _mm256_set1_epi8('\\'));
    for (int k = 0; k < nk; k++) {
        __m256i z = _mm256_loadu_si256((const __m256i *)(q + r->needle_lens[k] - 1));
        m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(a, first[k]), _mm256_cmpeq_epi8(z, last[k])));
    }
    return (uint32_t)_mm256_movemask_epi8(m);
}

/* scan_marks with AVX2 where the processor has it (r->avx2): 64 bytes a
 * step in two 32-byte compares, the lanes that matched as the bits of one
 * mask (a third of the instructions of the 16-byte steps, which any x86-64
 * has). */
__attribute__((target("avx2"))) static inline const char *scan_marks_avx2(const yb_router *r, int nk, const char *p,
                                                                          const char *e)
{
    __m256i first[YB_RP_MAX_IDS], last[YB_RP_MAX_IDS];
    size_t reach = 1;
    for (int k = 0; k < nk; k++) {
        size_t n = r->needle_lens[k];
        first[k] = _mm256_set1_epi8(r->needles[k][0]);
        last[k] = _mm256_set1_epi8(r->needles[k][n - 1]);
        if (n > reach) reach = n;
    }
    const char *q = p;
    for (; (size_t)(e - q) >= 64 + reach - 1; q += 64) {
        uint64_t bits = marks32(r, nk, q, first, last) | (uint64_t)marks32(r, nk, q + 32, first, last) << 32;
        const char *hit = bits ? mark_in(r, q, bits, e) : NULL;
        if (hit) return hit;
    }
    for (; q < e; q++)
        if (mark_at(r, q, e)) return q;
    return NULL;
}

__attribute__((target("avx2"))) static const char *next_mark_avx2(const yb_router *r, const char *p, const char *e)
{
    return r->nneedles == 1 ? scan_marks_avx2(r, 1, p, e) : scan_marks_avx2(r, r->nneedles, p, e);
}
#endif

/* The first place in [p, e) where a needle starts or a backslash stands, or
 * NULL: one pass for all of them, a lane looked at closely only when its
 * first and last bytes match (memmem and memchr, a pass each, cost more
 * than the read that brought the text in). */
static const char *next_mark(const yb_router *r, const char *p, const char *e)
{
#ifdef YB_ROUTE_AVX2
    if (r->avx2) return next_mark_avx2(r, p, e);
#endif
    return r->nneedles == 1 ? scan_marks(r, 1, p, e) : scan_marks(r, r->nneedles, p, e);
}

bool yb_router_learn_text(const yb_router *r, yb_groups *g, const char *text, size_t len, bool input_start)
{
    const char *e = text + len;
    for (const char *mark, *at = text; (mark = next_mark(r, at, e));) {
        const char *start = memrchr(text, '\n', (size_t)(mark - text)), *end = memchr(mark, '\n', (size_t)(e - mark));
        start = start ? start + 1 : text;
        end = end ? end : e;
        if (!learn_line(r, g, start, (size_t)(end - start), input_start && start == text ? 1 : 0)) return false;
        at = end < e ? end + 1 : e;
    }
    return true;
}

bool yb_router_absorb(yb_router *r, const yb_groups *g) { return yb_groups_absorb(r->groups, g); }

void yb_router_seal(yb_router *r)
{
    if (r && r->groups) yb_groups_seal(r->groups);
}

int yb_router_route(const yb_router *r, const char *line, size_t len, long lineno)
{
    if (!r || r->n < 2) return 0;
    const char *b = body_of(line, len, lineno), *e = line + len;
    char v[ID_BYTES];
    const char *val;
    size_t vn;
    for (int i = 0; i < r->nids; i++) {
        if (!lookup(b, e, &r->paths[i], 0, v, &val, &vn)) continue;
        uint64_t h = yb_route_hash(val, vn);
        /* every line was learnt: an id never linked is a group of its own */
        return (int)((r->groups ? yb_groups_root(r->groups, h) : h) % (uint64_t)r->n);
    }
    return 0;
}

bool yb_router_simd(yb_router *r, bool on)
{
#ifdef YB_ROUTE_AVX2
    r->avx2 = on && __builtin_cpu_supports("avx2");
#else
    (void)on;
#endif
    return r->avx2;
}

void yb_router_describe(const yb_router *r, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "%s", r->names[0]);
    for (int i = 1; i < r->nids && at < n; i++)
        at += (size_t)snprintf(buf + at, n - at, " grouped with %s", r->names[i]);
    if (r->groups && at < n)
        snprintf(buf + at, n - at, " (%zu ids, %zu groups joined)", yb_groups_count(r->groups), yb_groups_joined(r->groups));
}
