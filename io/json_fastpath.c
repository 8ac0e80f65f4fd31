/* The JSON reader's fast path (json_internal.h).  Built with -DYB_NO_SIMD
 * it uses no SSE2 and no word-at-a-time loads, and with -DYB_SWITCH_DISPATCH
 * no computed goto: the Makefile builds and tests that portable variant
 * (both) beside this one.
 */
#include "json_internal.h"

#include <stdlib.h>

#include "date.h"
#include "money.h"

/* The fast path                                                             */
/*
 * Most lines are compact JSON (at most one space after a ':' or a ',') whose
 * values are all as the schema expects.  ybj_fast_object reads such a line with
 * little bookkeeping: the claim starts as an image with every absent field
 * already settled (defaults, absent records); the keys met are bits of a
 * 64-bit mask; each key is predicted from the one before it and confirmed by
 * two 16-byte compares of `"name":`; each kind of value has a straight-line
 * reader, which ends by jumping to the next key's.  A key that is no field is
 * skipped with its value when that is a plain scalar (fast_skip).  Anything
 * else -- other whitespace, an escape, a wrong or missing
 * value, a duplicate key, a container of more than 64 children -- makes it
 * give up (NULL) before it reports anything, and yb_reader_next reads the
 * line again from a reset claim with the general parser above, which decides
 * (and words) every error.  So the fast path only accepts what the general
 * parser accepts, and leaves the claim as the general parser would.
 *
 * Its loads stay within 32 bytes of a byte already looked at (never past a
 * NUL), so inside the YBR_PAD zero bytes that follow the buffered data.
 */

#if defined(__SSE2__) && !defined(YB_NO_SIMD)
#include <emmintrin.h>
#define YBR_SSE2 1
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(YB_NO_SIMD)
#define YBR_SWAR 1
#endif
#ifdef __GNUC__
#define YBR_COLD __attribute__((noinline, cold)) /* off the hot loop, and out of its registers */
#define YBR_NOINLINE __attribute__((noinline))
#define YBR_INLINE inline __attribute__((always_inline)) /* in both object readers (a call costs more than it) */
#else
#define YBR_COLD
#define YBR_NOINLINE
#define YBR_INLINE inline
#endif

/* --- tables, built at open --- */

/* What ybr_absent_record does, for every child: the claim before a line. */
static void image(const yb_reader *r, int32_t first, int32_t count, int64_t *slots, uint8_t *present)
{
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_RECORD) {
            slots[f->slot] = 0;
            present[f->slot] = 1;
            image(r, f->first, f->count, slots, present);
        } else if (f->kind != YB_T_LIST && (f->flags & YB_F_DEFAULT)) {
            slots[f->slot] = f->dflt;
            present[f->slot] = 1;
        }
    }
}

/* Mark the slots of fields [first, first+count) (and of their records) in
 * used; -1 when one is used twice.  List children have their own arrays. */
static int claim_slots(const yb_reader *r, int32_t first, int32_t count, uint8_t *used, uint8_t **elem_used)
{
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_LIST) {
            if (claim_slots(r, f->first, f->count, elem_used[f->slot], elem_used) < 0) return -1;
            continue;
        }
        if (used[f->slot]++) return -1;
        if (f->kind == YB_T_RECORD && claim_slots(r, f->first, f->count, used, elem_used) < 0) return -1;
    }
    return 0;
}

/* Two fields sharing a slot: the order of stores would matter, and the fast
 * path stores defaults first.  Such a schema is read the general way only. */
static int slots_shared(const yb_reader *r)
{
    const yb_schema *s = r->s;
    uint8_t *used = calloc((size_t)s->nslots + 1, 1);
    uint8_t **elem_used = calloc((size_t)s->nlists + 1, sizeof *elem_used);
    int rc = used && elem_used ? 0 : -1;
    for (int32_t li = 0; rc == 0 && li < s->nlists; li++)
        if (!(elem_used[li] = calloc((size_t)s->lists[li].elem_nslots + 1, 1))) rc = -1;
    if (rc == 0) rc = claim_slots(r, s->root_first, s->root_count, used, elem_used) < 0;
    for (int32_t li = 0; elem_used && li < s->nlists; li++) free(elem_used[li]);
    free(elem_used);
    free(used);
    return rc;
}

/* Matched as raw bytes inside a JSON string: valid UTF-8, no quote,
 * backslash or control byte. */
static int plain_name(const char *p, size_t n)
{
    if (ybr_utf8_check(p, n) != n) return 0;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)p[k] < 0x20 || p[k] == '"' || p[k] == '\\') return 0;
    return 1;
}

/* An enum name's hash, from its length n and its first and last bytes. */
static inline uint32_t enum_hash(const char *s, size_t n, uint32_t mult)
{
    uint32_t v = (uint32_t)n | (uint32_t)(unsigned char)s[0] << 8 | (uint32_t)(unsigned char)s[n - 1] << 16;
    return (v * mult) >> 26;
}

static int prepare_enum(ybr_fenum *fe, const yb_enum_desc *e, const uint32_t *len)
{
    fe->tok = calloc((size_t)e->n + 1, sizeof *fe->tok);
    if (!fe->tok) return -1;
    if (e->n > 255) return 0; /* members are found the slow way (the tables hold member + 1 in a byte) */
    for (int32_t m = 0; e->codes && m < e->n; m++) /* the first member with a code, as ybr_enum_code */
        if (e->codes[m] >= 0 && e->codes[m] < 64 && !fe->code[e->codes[m]]) fe->code[e->codes[m]] = (uint8_t)(m + 1);
    int32_t hashable = 0;
    for (int32_t m = 0; m < e->n; m++) {
        size_t n = len[m];
        if (n + 1 <= sizeof fe->tok[m].w && plain_name(e->names[m], n)) {
            memcpy(fe->tok[m].w, e->names[m], n);
            fe->tok[m].w[n] = '"';
            fe->tok[m].len = (uint32_t)n + 1;
            fe->tok[m].bits = (1u << (n + 1)) - 1;
            hashable += n > 0;
        }
    }
    /* a multiplier under which the members' hashes do not collide */
    if (hashable == 0 || hashable > 32) return 0;
    uint32_t mult = 0x9E3779B1u;
    for (int tries = 0; tries < 200; tries++, mult += 0x6A09E668u) {
        memset(fe->at, 0, sizeof fe->at);
        int ok = 1;
        for (int32_t m = 0; m < e->n && ok; m++) {
            if (fe->tok[m].len < 2) continue;
            uint32_t h = enum_hash(e->names[m], len[m], mult | 1);
            if (fe->at[h]) ok = 0;
            fe->at[h] = (uint8_t)(m + 1);
        }
        if (ok) {
            fe->mult = mult | 1;
            return 0;
        }
    }
    memset(fe->at, 0, sizeof fe->at);
    return 0;
}

/* The reader of a field's value on the fast path. */
static uint8_t op_of(yb_kind kind)
{
    switch (kind) {
    case YB_T_TEXT: return YBR_OP_TEXT;
    case YB_T_DATE: return YBR_OP_DATE;
    case YB_T_MONEY: return YBR_OP_MONEY;
    case YB_T_INT: return YBR_OP_INT;
    case YB_T_BOOL: return YBR_OP_BOOL;
    case YB_T_ENUM: return YBR_OP_ENUM;
    case YB_T_RECORD: return YBR_OP_RECORD;
    case YB_T_LIST: return YBR_OP_LIST;
    default: return YBR_OP_STOP; /* the general parser reads (or refuses) it */
    }
}

int ybj_fast_open(yb_reader *r)
{
    const yb_schema *s = r->s;
    int32_t nf = s->nfields, nl = s->nlists;
    int shared = slots_shared(r);
    if (shared < 0) return -1;
    if (shared) return 0;

    r->fkey = calloc((size_t)nf + 1, sizeof *r->fkey);
    r->cinfo = calloc((size_t)nf + 1, sizeof *r->cinfo);
    r->fenum = calloc((size_t)s->nenums + 1, sizeof *r->fenum);
    r->years = calloc(256, sizeof *r->years);
    r->img_slots = calloc((size_t)s->nslots + 1, sizeof *r->img_slots);
    r->img_present = calloc((size_t)s->nslots + 1, 1);
    r->elem_img_slots = calloc((size_t)nl + 1, sizeof *r->elem_img_slots);
    r->elem_img_present = calloc((size_t)nl + 1, sizeof *r->elem_img_present);
    if (!r->fkey || !r->cinfo || !r->fenum || !r->years || !r->img_slots || !r->img_present ||
        !r->elem_img_slots || !r->elem_img_present)
        return -1;
    ybr_fkey *dummy = &r->fkey[nf];
    dummy->w[0] = '"'; /* a key string holding NUL bytes: never valid */
    dummy->bits = 0xFFFFFFFFu;
    dummy->len = 32;
    dummy->op = YBR_OP_STOP;
    dummy->next = dummy;

    image(r, s->root_first, s->root_count, r->img_slots, r->img_present);
    for (int32_t li = 0; li < nl; li++) {
        size_t ns = (size_t)s->lists[li].elem_nslots;
        r->elem_img_slots[li] = calloc(ns + 8, sizeof **r->elem_img_slots); /* padded: see fast_list */
        r->elem_img_present[li] = calloc(ns + 8, 1);
        if (!r->elem_img_slots[li] || !r->elem_img_present[li]) return -1;
    }
    /* containers: the root, records and lists */
    for (int32_t i = -1; i < nf; i++) {
        int32_t first = s->root_first, count = s->root_count;
        if (i >= 0) {
            const yb_field *f = &s->fields[i];
            if (r->parent[i] == -2 || (f->kind != YB_T_RECORD && f->kind != YB_T_LIST)) continue;
            first = f->first;
            count = f->count;
            if (f->kind == YB_T_LIST) image(r, first, count, r->elem_img_slots[f->slot], r->elem_img_present[f->slot]);
        }
        ybr_cinfo *ci = &r->cinfo[i + 1];
        ci->first = first;
        ci->count = count;
        ci->hint = dummy;
        ci->unknown = *dummy;
        for (int32_t k = 0; k < count && count <= 64; k++) {
            const yb_field *f = &s->fields[first + k];
            if (f->flags & YB_F_REQUIRED) ci->req |= 1ULL << k;
            if (f->kind == YB_T_LIST) ci->lists |= 1ULL << k;
        }
    }
    /* fields */
    for (int32_t i = 0; i < nf; i++) {
        if (r->parent[i] == -2) continue;
        const yb_field *f = &s->fields[i];
        ybr_fkey *k = &r->fkey[i];
        const ybr_cinfo *ci = &r->cinfo[r->parent[i] + 1];
        k->op = op_of(f->kind);
        k->slot = f->slot;
        k->aux = f->kind == YB_T_ENUM ? f->enum_id : f->kind == YB_T_LIST ? f->min_items : 0;
        k->bit = 1ULL << ((uint32_t)(i - ci->first) & 63);
        k->next = dummy;
        if (f->kind == YB_T_RECORD || f->kind == YB_T_LIST) k->sub = &r->cinfo[i + 1];
        size_t n = r->nlen[i];
        if (r->hintable[i] && n + 3 <= sizeof k->w) {
            k->w[0] = '"';
            memcpy(k->w + 1, f->name, n);
            k->w[n + 1] = '"';
            k->w[n + 2] = ':';
            k->len = (uint32_t)n + 3;
            k->bits = (uint32_t)((1ULL << k->len) - 1);
        }
    }
    /* first guesses: keys in declared order */
    for (int32_t i = 0; i < nf; i++) {
        if (r->parent[i] == -2) continue;
        ybr_cinfo *ci = &r->cinfo[r->parent[i] + 1];
        if (i == ci->first && r->fkey[i].bits) ci->hint = &r->fkey[i];
        if (i + 1 < ci->first + ci->count && r->fkey[i + 1].bits) r->fkey[i].next = &r->fkey[i + 1];
    }
    for (int32_t id = 0; id < s->nenums; id++)
        if (prepare_enum(&r->fenum[id], &s->enums[id], r->enum_len[id]) < 0) return -1;
    for (int y = 1900; y < 1900 + 256; y++) {
        r->years[y - 1900].jan1 = (int32_t)yb_date_from_ymd(y, 1, 1);
        r->years[y - 1900].leap = yb_days_in_month(y, 2) == 29;
    }
    return 0;
}

void ybj_fast_close(yb_reader *r)
{
    if (r->fenum)
        for (int32_t id = 0; id < r->s->nenums; id++) free(r->fenum[id].tok);
    free(r->fenum);
    free(r->fkey);
    free(r->cinfo);
    free(r->years);
    free(r->img_slots);
    free(r->img_present);
    for (int32_t li = 0; li < r->s->nlists; li++) {
        if (r->elem_img_slots) free(r->elem_img_slots[li]);
        if (r->elem_img_present) free(r->elem_img_present[li]);
    }
    free(r->elem_img_slots);
    free(r->elem_img_present);
}

/* --- scanners and value readers --- */

/* The first byte at or after p that is not plain string text. */
static inline const char *str_stop(const char *p)
{
#ifdef YBR_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    /* 32 bytes a turn: most strings (codes, ids) end in the first, so the
       loop's exit does not depend on whether one is 15 or 24 bytes long */
    for (;;) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
        /* signed: control bytes and non-ASCII (>= 0x80) are both below ' ' */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmplt_epi8(x, space));
        __m128i n = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(y, quote), _mm_cmpeq_epi8(y, bslash)),
                                 _mm_cmplt_epi8(y, space));
        unsigned k = (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(n) << 16;
        if (k) return p + __builtin_ctz(k);
        p += 32;
    }
#else
    return ybj_plain_run(p);
#endif
}

/* The closing quote of a string whose first special byte is q (not a
 * quote); NULL for escapes, control bytes and bad UTF-8.  Chinese text is
 * mostly 3-byte sequences led by E1-EC or EE-EF (no overlong form, no
 * surrogate to rule out): those are checked inline, the rest as
 * ybr_utf8_seq checks them. */
YBR_NOINLINE static const char *str_rest(ybj_parse *P, const char *q)
{
    for (;;) {
        unsigned c = (unsigned char)*q;
        if (c == '"') return q;
        if (c < 0x80) return NULL; /* a backslash or a control byte */
#ifdef YBR_SSE2
        {
            /* up to five such sequences at once: a lead at bytes 0, 3, 6, 9
               and 12, continuation bytes between (16 bytes from q, which
               is not NUL: within the padding) */
            const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
            __m128i lead = _mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8((char)0xF0)), _mm_set1_epi8((char)0xE0));
            lead = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE0)),
                                                 _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xED))),
                                    lead);
            __m128i cont = _mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8((char)0xC0)), _mm_set1_epi8((char)0x80));
            unsigned leads = 0x1249; /* bytes 0, 3, 6, 9, 12 */
            unsigned good = ((unsigned)_mm_movemask_epi8(lead) & leads) |
                            ((unsigned)_mm_movemask_epi8(cont) & ~leads & 0x7FFF);
            unsigned seqs = (unsigned)__builtin_ctz(~good) / 3; /* whole sequences from q */
            if (seqs) {
                q += 3 * seqs;
                if ((unsigned char)*q < 0x80) q = str_stop(q);
                continue;
            }
        }
#endif
        int L;
        if ((c & 0xF0) == 0xE0 && c != 0xE0 && c != 0xED && ((unsigned char)q[1] & 0xC0) == 0x80 &&
            ((unsigned char)q[2] & 0xC0) == 0x80)
            L = 3;
        else if (!(L = ybr_utf8_seq((const unsigned char *)q)))
            return NULL;
        q += L;
        if ((unsigned char)*q < 0x80) q = str_stop(q);
    }
}

/* p starts with the key of k? */
static inline int key_is(const char *p, const ybr_fkey *k)
{
#ifdef YBR_SSE2
    /* both halves, whatever the key's length (no branch to mispredict): the
       bits of a short key leave the second half out */
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
                                                            _mm_load_si128((const __m128i *)(const void *)k->w)));
    m |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)),
                                                    _mm_load_si128((const __m128i *)(const void *)(k->w + 16))))
         << 16;
    return (~m & k->bits) == 0;
#else
    return ybr_same_bytes((const char *)k->w, p, k->len);
#endif
}

/* The member whose name is the string at s (after its opening quote), when
 * the name is plain and its hash finds it; else -1.  *end: past the quote. */
static inline int32_t enum_fast(const ybr_fenum *fe, const char *s, const char **end)
{
#ifdef YBR_SSE2
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    unsigned qm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    if (!qm) return -1;
    unsigned n = (unsigned)__builtin_ctz(qm);
#else
    unsigned n = 0;
    while (n < 16 && s[n] != '"') n++;
    if (n == 16) return -1;
#endif
    if (n == 0) return -1;
    unsigned k = fe->at[enum_hash(s, n, fe->mult)];
    if (!k || fe->tok[k - 1].len != n + 1) return -1;
    const ybr_etok *t = &fe->tok[k - 1];
#ifdef YBR_SSE2
    if ((~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_load_si128((const __m128i *)(const void *)t->w))) & t->bits) != 0)
        return -1;
#else
    if (!ybr_same_bytes((const char *)t->w, s, n)) return -1;
#endif
    *end = s + n + 1;
    return (int32_t)k - 1;
}

#ifdef YBR_SWAR
/* k (1..8) decimal digits, as bytes minus '0' in the low k bytes of t (the
 * first digit lowest), to their value. */
static inline uint64_t swar_digits(uint64_t t, unsigned k)
{
    t <<= 8 * (8 - k); /* leading zeros */
    t = (t * 10) + (t >> 8);
    t = (((t & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((t >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    return t;
}
/* The high bit of each byte of t (bytes minus '0') that is not a digit. */
static inline uint64_t swar_nondigits(uint64_t t)
{
    return ((((t & 0x7F7F7F7F7F7F7F7FULL) + 0x7676767676767676ULL) | t) & 0x8080808080808080ULL);
}
#endif

/* Money at s: [0-9]{1,7}(\.[0-9]{1,2})?, then (quoted) a closing quote or
 * (a JSON number) no more of a number -- always within YB_MONEY_MAX.
 * Returns its end (past the quote), or NULL when it is not of that shape. */
static inline const char *fast_money(const char *s, int quoted, int64_t *out)
{
    uint64_t yuan;
    unsigned k;
#ifdef YBR_SWAR
    uint64_t t, nd;
    memcpy(&t, s, 8);
    t ^= 0x3030303030303030ULL;
    nd = swar_nondigits(t);
    if (!nd) return NULL; /* 8 digits or more */
    k = (unsigned)__builtin_ctzll(nd) >> 3;
    if (k == 0) return NULL;
    yuan = swar_digits(t, k);
#else
    yuan = 0;
    for (k = 0; k < 8 && (unsigned)(unsigned char)s[k] - '0' <= 9; k++) yuan = yuan * 10 + (unsigned)(s[k] - '0');
    if (k == 0 || k == 8) return NULL;
#endif
    if (!quoted && s[0] == '0' && k > 1) return NULL; /* a leading zero: not JSON */
    const char *q = s + k;
    uint64_t fen = 0;
    if (*q == '.') {
        unsigned d1 = (unsigned)(unsigned char)q[1] - '0', d2 = (unsigned)(unsigned char)q[2] - '0';
        if (d1 > 9) return NULL;
        if (d2 <= 9) {
            fen = d1 * 10 + d2;
            q += 3;
        } else {
            fen = d1 * 10;
            q += 2;
        }
    }
    if (quoted) {
        if (*q != '"') return NULL;
        q++;
    } else if ((unsigned)(unsigned char)*q - '0' <= 9 || *q == '.' || *q == 'e' || *q == 'E') {
        return NULL;
    }
    *out = (int64_t)(yuan * 100 + fen);
    return q;
}

/* A JSON integer at p: [0-9]{1,18} (or -?[0-9]{1,18} when neg_ok), no
 * fraction or exponent after.  Returns its end, or NULL. */
static inline const char *fast_int(const char *p, int neg_ok, int64_t *out)
{
    int neg = 0;
    if (*p == '-' && neg_ok) {
        neg = 1;
        p++;
    }
    const char *q = p;
    uint64_t v = (unsigned)(unsigned char)*q - '0';
    if (v > 9) return NULL;
    q++;
    if (v == 0) {
        if ((unsigned)(unsigned char)*q - '0' <= 9) return NULL; /* a leading zero: not JSON */
    } else {
        unsigned d;
        while ((d = (unsigned)(unsigned char)*q - '0') <= 9) {
            v = v * 10 + d;
            if (++q - p > 18) return NULL;
        }
    }
    if (*q == '.' || *q == 'e' || *q == 'E') return NULL;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return q;
}

/* yb_date_parse for s[0..9] (YYYY-MM-DD, a real calendar day). */
static YBR_INLINE int fast_date10(const yb_reader *r, const char *s, int64_t *out)
{
    unsigned y, m, d;
#ifdef YBR_SWAR
    uint64_t a, b; /* bytes 0-7 (YYYY-MM-) and 2-9 (YY-MM-DD), minus '0' */
    memcpy(&a, s, 8);
    memcpy(&b, s + 2, 8);
    if ((a & 0xFF0000FF00000000ULL) != 0x2D00002D00000000ULL) return 0; /* the dashes */
    a = (a ^ 0x3030303030303030ULL) & 0x00000000FFFFFFFFULL;
    b = (b ^ 0x3030303030303030ULL) & 0xFFFF00FFFF000000ULL;
    if (swar_nondigits(a) | swar_nondigits(b)) return 0;
    a = (a * 10 + (a >> 8)) & 0x0000000000FF00FFULL; /* YY, YY */
    b = b * 10 + (b >> 8);                           /* MM at byte 3, DD at byte 6 */
    y = (unsigned)(a & 0xFF) * 100 + (unsigned)(a >> 16);
    m = (unsigned)(b >> 24 & 0xFF);
    d = (unsigned)(b >> 48 & 0xFF);
#else
    if (s[4] != '-' || s[7] != '-') return 0;
    static const uint8_t at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    unsigned v[8];
    for (int i = 0; i < 8; i++)
        if ((v[i] = (unsigned)(unsigned char)s[at[i]] - '0') > 9) return 0;
    y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    m = v[4] * 10 + v[5];
    d = v[6] * 10 + v[7];
#endif
    /* days before each month, in a common and in a leap year */
    static const uint16_t before[2][13] = {{0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334},
                                           {0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335}};
    if (m - 1 > 11 || d - 1 > 30) return 0;
    if (y - 1900 < 256) {
        const ybr_year *yr = &r->years[y - 1900];
        const uint16_t *days = before[yr->leap];
        if (d > (unsigned)(m == 12 ? 31 : days[m + 1] - days[m])) return 0;
        *out = (int64_t)yr->jan1 + days[m] + d - 1;
        return 1;
    }
    if (y < 1 || d > (unsigned)yb_days_in_month((int)y, (int)m)) return 0;
    *out = yb_date_from_ymd((int)y, (int)m, (int)d);
    return 1;
}

/* --- objects --- */

/* A key not predicted (*fk), at p, in the object of ci whose last key was
 * prev (NULL: none yet): its field (NULL: not in the schema), which becomes
 * the guess after prev.  Returns what follows the colon, or NULL when the key
 * is not plain text or no colon follows. */
YBR_COLD static const char *fast_key(ybj_parse *P, const char *p, ybr_cinfo *ci, ybr_fkey *prev, ybr_fkey **fk)
{
    yb_reader *r = P->r;
    if (*p == ' ') { /* ", " */
        p++;
        if (key_is(p, *fk)) return p + (*fk)->len;
    }
    /* the key after the predicted one: that one is optional and absent this
       time (the prediction is kept, for the claims that have it) */
    if (key_is(p, (*fk)->next)) {
        *fk = (*fk)->next;
        return p + (*fk)->len;
    }
    /* the key that is no child met last time (an item's name, say) */
    if (key_is(p, &ci->unknown)) {
        *fk = NULL;
        return p + ci->unknown.len;
    }
    if (*p != '"') return NULL;
    p++;
    const char *q = str_stop(p);
    if (*q != '"' && !(q = str_rest(P, q))) return NULL;
    if (q[1] != ':') return NULL;
    size_t n = (size_t)(q - p);
    int32_t fi = ybr_lookup(r, (int32_t)(ci - r->cinfo) - 1, p, n, ybr_hash(p, n));
    *fk = fi < 0 ? NULL : &r->fkey[fi];
    if (fi >= 0 && r->fkey[fi].bits) *(prev ? &prev->next : &ci->hint) = &r->fkey[fi];
    if (fi < 0 && n + 3 <= sizeof ci->unknown.w) {
        /* remembered as `"name":` (no escape, no control byte, valid UTF-8: str_rest saw to it) */
        ybr_fkey *u = &ci->unknown;
        memset(u->w, 0, sizeof u->w);
        u->w[0] = '"';
        memcpy(u->w + 1, p, n);
        u->w[n + 1] = '"';
        u->w[n + 2] = ':';
        u->len = (uint32_t)n + 3;
        u->bits = (uint32_t)((1ULL << u->len) - 1);
    }
    return q + 2;
}

/* p at '[': the elements of list field fk (reader_fastobj.h). */
YBR_NOINLINE static const char *fast_list(ybj_parse *P, const char *p, const ybr_fkey *fk, int depth);

/* A text value at p (its opening quote) into the claim's arena. */
static inline const char *fast_text(ybj_parse *P, const char *p, int64_t *v)
{
    const char *s = p + 1, *q = str_stop(s);
    if (*q != '"' && !(q = str_rest(P, q))) return NULL;
    size_t n = (size_t)(q - s);
    yb_claim *c = P->c;
    uint32_t off = c->text_len;
    if ((uint64_t)off + n + 32 <= c->text_cap) {
        /* whole 16-byte blocks: the reads stay within the line and its padding */
        char *d = c->text + off;
        memcpy(d, s, 16);
        memcpy(d + 16, s + 16, 16);
        for (size_t i = 32; i < n; i += 16) memcpy(d + i, s + i, 16);
        c->text_len = off + (uint32_t)n;
        *v = yb_text_make(off, (uint32_t)n, false);
    } else if ((*v = yb_claim_add_text(c, s, n)) < 0) {
        return NULL;
    }
    return q + 1;
}

/* An enum's name not found by its hash (or a code): the members in turn. */
YBR_COLD static const char *fast_enum_slow(ybj_parse *P, const char *p, const ybr_fkey *fk, int64_t *v)
{
    yb_reader *r = P->r;
    const yb_enum_desc *e = &r->s->enums[fk->aux];
    int32_t k;
    if (*p == '"') {
        const char *s = p + 1, *q = str_stop(s);
        if (*q != '"' && !(q = str_rest(P, q))) return NULL;
        if ((k = ybr_enum_name(r, fk->aux, s, (size_t)(q - s))) < 0) return NULL;
        *v = k;
        return q + 1;
    }
    int64_t code;
    if (!e->codes || !(p = fast_int(p, 1, &code))) return NULL;
    if ((k = ybr_enum_code(e, code)) < 0) return NULL;
    *v = k;
    return p;
}

/* Money not of the common shape: the exact rules of yb_money_parse. */
YBR_COLD static const char *fast_money_slow(ybj_parse *P, const char *p, int64_t *v)
{
    if (*p != '"') return NULL; /* a JSON number: the general parser */
    const char *s = p + 1, *q = str_stop(s);
    if (*q != '"' && !(q = str_rest(P, q))) return NULL;
    if (!yb_money_parse(s, (size_t)(q - s), v)) return NULL;
    return q + 1;
}

/* A value of a key that is no field, at p: skipped.  Reading straight from the
 * buffer (the line's end unknown), only what stops at a control byte is
 * skipped here -- a string without escapes, a number, true, false, null --
 * and anything else is left to the general parser; in a line of known end,
 * anything that is not a plain string goes to ybj_skip_value. */
static inline const char *fast_skip(ybj_parse *P, const char *p, int depth)
{
    if (*p == '"') {
        const char *q = str_stop(p + 1);
        if (*q == '"') return q + 1;
        if (!P->inbuf) return ybj_skip_value(P, p, depth);
        return (q = str_rest(P, q)) ? q + 1 : NULL;
    }
    if (!P->inbuf) return ybj_skip_value(P, p, depth);
    if (*p == '-' || (unsigned)(unsigned char)*p - '0' <= 9) {
        int plain;
        const char *bad;
        return ybj_scan_num(p, &plain, &bad);
    }
    if (*p == 't' && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') return p + 4;
    if (*p == 'f' && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') return p + 5;
    if (*p == 'n' && p[1] == 'u' && p[2] == 'l' && p[3] == 'l') return p + 4;
    return NULL;
}

/* p at '{': the object of container ci, as parse_object would read it (with
 * a claim that started from the image); NULL: leave it to parse_object.
 *
 * Each value's reader ends by matching the next key and jumping to that
 * key's reader itself (with GCC or clang, a computed goto from each reader:
 * the jump after an item's `code` learns that `class` comes next, which one
 * shared switch cannot).  Without them, one switch does the same. */
#if defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH)
#define YBR_THREADED 1
#endif
#define YBO_LIST 0
#include "reader_fastobj.h"
#undef YBO_LIST
#define YBO_LIST 1
#include "reader_fastobj.h"
#undef YBO_LIST

/* The claim as it stands before a line is read on the fast path. */
void ybj_fast_reset(const yb_reader *r, yb_claim *c)
{
    const yb_schema *s = r->s;
    memcpy(c->slots, r->img_slots, (size_t)s->nslots * sizeof *c->slots);
    memcpy(c->present, r->img_present, (size_t)s->nslots);
    for (int32_t i = 0; i < s->nlists; i++) c->lists[i].count = 0;
    c->text_len = 0;
}
