/* The example policy in plain C (see native_policy.h and bench/README.md). */
#include "native_policy.h"

#include <stdlib.h>
#include <string.h>

const char *const np_reason_names[NP_NREASONS] = {
    "NOT_COVERED", "WAITING_PERIOD", "NOT_DESIGNATED", "NO_PRESCRIPTION", "PRENATAL_TOO_EARLY",
};

/* ---- parameters (docs/domain.md sections 2 and 5; all money in fen, rates in ppm) ---- */
#define RATE_ONE 1000000
#define B_FIRST_RATE 100000            /* 10 % */
#define LARGE_RATE 900000              /* 90 % */
#define RETIRED_BONUS 20000            /* +2 points */
#define BASIC_CAP 15000000LL           /* 150,000.00 */
#define LARGE_CAP 50000000LL           /* 500,000.00 */
#define D_EFFECTIVE 20240101           /* earlier visits are record errors */
#define D_WAITING_FROM 20250101        /* the fixed waiting period */
#define D_PRENATAL_12 20250101         /* week 12 from here, week 20 before */
#define D_NEWBORN_FROM 20260101        /* newborns of insured parents covered from birth */
#define WAITING_MONTHS 3

static const int64_t DEDUCTIBLE[2][5] = {
    {20000, 50000, 80000, 110000, 150000},  /* employee */
    {20000, 50000, 80000, 120000, 200000},  /* resident */
};
static const int64_t RATIO[2][5] = {
    {930000, 920000, 900000, 850000, 800000},
    {850000, 820000, 800000, 650000, 600000},
};

/* ---- exact arithmetic ---- */
/* m x r, rounded half away from zero to the fen.  Exact for every int64 m and
 * 0 <= r <= 100 %: the common case (|m| below 9.2e12 fen) stays in 64 bits,
 * the rest goes through a 128-bit product. */
#define FAST_LIMIT 9000000000000LL /* 9.0e12 fen x 1e6 ppm < 2^63 */
static inline int64_t mul_rate(int64_t m, int64_t r)
{
    if (m >= 0 && m <= FAST_LIMIT && r >= 0 && r <= RATE_ONE)
        return (m * r + RATE_ONE / 2) / RATE_ONE;
    __int128 p = (__int128)m * r;
    if (p >= 0) return (int64_t)((p + RATE_ONE / 2) / RATE_ONE);
    return -(int64_t)((-p + RATE_ONE / 2) / RATE_ONE);
}
/* m / r rounded up to the fen (m >= 0, r > 0) */
static inline int64_t div_rate_up(int64_t m, int64_t r)
{
    if (m <= FAST_LIMIT) return (m * RATE_ONE + r - 1) / r;
    __int128 n = (__int128)m * RATE_ONE;
    return (int64_t)((n + r - 1) / r);
}
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- dates (YYYYMMDD) ---- */
static int days_in_month(int y, int m)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return DAYS[m - 1];
}

int32_t np_add_months(int32_t ymd, int n)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    int t = y * 12 + (m - 1) + n;
    y = t / 12;
    m = t % 12 + 1;
    int dim = days_in_month(y, m);
    if (d > dim) d = dim;
    return y * 10000 + m * 100 + d;
}

/* ---- the ledger: open addressing, linear probing, keyed by (member id, year) ---- */
_Static_assert(sizeof(np_totals) == 64, "a ledger entry is one cache line");

static inline uint64_t mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    return h;
}

static np_totals *alloc_slots(size_t cap)
{
    np_totals *s = aligned_alloc(64, cap * sizeof *s);
    if (s) memset(s, 0, cap * sizeof *s);
    return s;
}

int np_ledger_init(np_ledger *l, size_t cap)
{
    size_t c = 16;
    while (c < cap) c <<= 1;
    l->slots = alloc_slots(c);
    l->cap = l->slots ? c : 0;
    l->count = 0;
    return l->slots ? 0 : -1;
}

void np_ledger_clear(np_ledger *l)
{
    memset(l->slots, 0, l->cap * sizeof *l->slots);
    l->count = 0;
}

void np_ledger_free(np_ledger *l)
{
    free(l->slots);
    l->slots = NULL;
    l->cap = l->count = 0;
}

static int grow(np_ledger *l)
{
    size_t nc = l->cap * 2, mask = nc - 1;
    np_totals *ns = alloc_slots(nc);
    if (!ns) return -1;
    for (size_t i = 0; i < l->cap; i++) {
        np_totals *e = &l->slots[i];
        if (!e->hash) continue;
        size_t j = e->hash & mask;
        while (ns[j].hash) j = (j + 1) & mask;
        ns[j] = *e;
    }
    free(l->slots);
    l->slots = ns;
    l->cap = nc;
    return 0;
}

static int same_key(const np_totals *e, const uint64_t k[3], const char *id, uint32_t n)
{
    if (n <= NP_KEY_INLINE) return e->key[0] == k[0] && e->key[1] == k[1] && e->key[2] == k[2];
    const char *p;
    memcpy(&p, &e->key[0], sizeof p);
    return memcmp(p, id, n) == 0;
}

/* The running totals of (member, year); the first claim of a key opens them
 * from its ytd.  NULL only when out of memory. */
static np_totals *totals_for(np_ledger *l, const np_claim *c, int32_t year, uint8_t *flags)
{
    uint64_t k[3] = {0, 0, 0}, h;
    uint32_t n = c->member_len;
    if (n <= NP_KEY_INLINE) {
        memcpy(k, c->member_id, n);
        h = mix(mix(mix(k[0] ^ ((uint64_t)(uint32_t)year << 32 | n)) ^ k[1]) ^ k[2]);
    } else {
        h = (uint64_t)(uint32_t)year << 32 | n;
        for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)c->member_id[i]) * 0x100000001B3ULL;
        h = mix(h);
        const char *p = c->member_id;
        memcpy(&k[0], &p, sizeof p);
    }
    h |= 1;
    size_t mask = l->cap - 1, i = h & mask;
    for (;;) {
        np_totals *e = &l->slots[i];
        if (!e->hash) break;
        if (e->hash == h && e->year == year && e->member_len == n && same_key(e, k, c->member_id, n))
            return e;
        i = (i + 1) & mask;
    }
    if ((l->count + 1) * 2 > l->cap) {
        if (grow(l) != 0) return NULL;
        mask = l->cap - 1;
        i = h & mask;
        while (l->slots[i].hash) i = (i + 1) & mask;
    }
    np_totals *e = &l->slots[i];
    e->hash = h;
    e->year = year;
    e->member_len = n;
    e->key[0] = k[0];
    e->key[1] = k[1];
    e->key[2] = k[2];
    e->admissions = c->ytd_admissions;
    e->basic_paid = c->ytd_basic_paid;
    e->large_paid = c->ytd_large_paid;
    if (c->ytd_admissions | c->ytd_basic_paid | c->ytd_large_paid) *flags |= NP_F_OPENED_YTD;
    l->count++;
    return e;
}

/* ---- the policy ---- */
int np_settle(np_ledger *l, const np_claim *c, np_settlement *s)
{
    /* record errors */
    int employee_status = c->status <= NP_POOL_ONLY;
    if (employee_status != (c->scheme == NP_EMPLOYEE)) return s->error = NP_E_STATUS_SCHEME;
    if (c->date < D_EFFECTIVE) return s->error = NP_E_DATE;
    if (c->kind == NP_PRENATAL && c->gestation_weeks < 0) return s->error = NP_E_GESTATION;
    if (c->level > 4) return s->error = NP_E_LEVEL;

    /* 1. catalog */
    int64_t total = 0, selfpay = 0, a_in = 0, b_in = 0;
    for (uint32_t i = 0; i < c->nitems; i++) {
        const np_item *it = &c->items[i];
        int64_t amt = it->amount;
        total += amt;
        if (it->cls == NP_CLASS_C) {
            selfpay += amt;
            continue;
        }
        int64_t within = (it->limit >= 0 && it->limit < amt) ? it->limit : amt;
        if (it->cls == NP_CLASS_A) a_in += within;
        else b_in += within;
    }
    int64_t in_scope = a_in + b_in - mul_rate(b_in, B_FIRST_RATE);

    /* running totals: opened by the first good claim of the key, whatever its outcome */
    uint8_t flags = 0;
    np_totals *t = totals_for(l, c, c->date / 10000, &flags);
    if (!t) return -1;

    /* 2. gates */
    unsigned reasons = 0;
    int32_t cover = c->enrolled_on;
    if (c->status == NP_NEWBORN && c->parent_insured && c->birth_date >= D_NEWBORN_FROM)
        cover = c->birth_date;
    if (c->date < cover) {
        reasons |= NP_R_NOT_COVERED;
    } else if (c->date >= D_WAITING_FROM && c->scheme == NP_RESIDENT && c->status != NP_NEWBORN &&
               (!c->in_window || c->gap_years > 0)) {
        int extra = c->gap_years - 1 - c->backpaid_years;
        if (extra < 0) extra = 0;
        if (c->date < np_add_months(c->enrolled_on, WAITING_MONTHS + extra))
            reasons |= NP_R_WAITING_PERIOD;
    }
    if (!c->designated) reasons |= NP_R_NOT_DESIGNATED;
    if ((c->kind == NP_OUTPATIENT || c->kind == NP_PHARMACY) && !c->prescription)
        reasons |= NP_R_NO_PRESCRIPTION;
    if (c->kind == NP_PRENATAL && c->gestation_weeks < (c->date >= D_PRENATAL_12 ? 12 : 20))
        reasons |= NP_R_PRENATAL_TOO_EARLY;

    /* 3-5. the fund */
    int64_t basic = 0, large = 0;
    if (!reasons) {
        if (c->kind == NP_INPATIENT) {
            int sch = c->scheme, lv = c->level;
            int64_t ded = DEDUCTIBLE[sch][lv];
            int64_t ratio = RATIO[sch][lv] + (c->status == NP_RETIRED ? RETIRED_BONUS : 0);
            if (t->admissions > 0) {
                ded /= 2; /* every deductible is an even number of fen: exact */
                flags |= NP_F_HALVED;
            }
            int64_t eligible = max64(0, in_scope - ded);
            int64_t x = mul_rate(eligible, ratio);
            int64_t room = max64(0, BASIC_CAP - t->basic_paid);
            if (sch == NP_EMPLOYEE) {
                if (x <= room) {
                    basic = x;
                } else {
                    basic = room;
                    int64_t covered = room > 0 ? min64(eligible, div_rate_up(room, ratio)) : 0;
                    int64_t want = mul_rate(eligible - covered, LARGE_RATE);
                    int64_t lroom = max64(0, LARGE_CAP - t->large_paid);
                    large = min64(want, lroom);
                    flags |= NP_F_BASIC_CAPPED | (large > 0 ? NP_F_LARGE : 0) |
                             (want > lroom ? NP_F_LARGE_CAPPED : 0);
                }
            } else {
                basic = min64(x, room);
                if (x > room) flags |= NP_F_BASIC_CAPPED;
            }
            t->admissions += 1;
            t->basic_paid += basic;
            t->large_paid += large;
        } else if (c->kind == NP_MATERNITY) {
            basic = in_scope;
        }
        /* outpatient, pharmacy, chronic, prenatal: fund 0 in the example policy */
    }

    /* 6. the split */
    int64_t fund = basic + large;
    int64_t copay = total - fund - selfpay;
    s->total = total;
    s->fund = fund;
    s->copay = copay;
    s->selfpay = selfpay;
    s->basic = basic;
    s->large = large;
    s->cash = copay + selfpay;
    s->reasons = (uint16_t)reasons;
    s->flags = flags;
    s->error = NP_OK;
    return NP_OK;
}
