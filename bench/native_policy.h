/* The benchmark's "example policy" written directly in C: the native baseline
 * the VM is measured against (bench/README.md says what the policy does).
 *
 * Money is int64 fen, rates int64 parts per million, dates YYYYMMDD integers.
 * No floating point anywhere.  A claim is a flat struct the loader filled in
 * beforehand; settling one reads the struct, updates the running totals kept
 * in an open-addressing hash map keyed by (member id, year) and writes a
 * settlement struct.  Nothing is allocated per claim except when the map grows.
 */
#ifndef BENCH_NATIVE_POLICY_H
#define BENCH_NATIVE_POLICY_H

#include <stddef.h>
#include <stdint.h>

enum np_scheme { NP_EMPLOYEE, NP_RESIDENT };
enum np_status { NP_IN_SERVICE, NP_RETIRED, NP_FLEXIBLE, NP_POOL_ONLY,
                 NP_ST_RESIDENT, NP_STUDENT, NP_NEWBORN };
enum np_kind { NP_INPATIENT, NP_OUTPATIENT, NP_PHARMACY, NP_CHRONIC, NP_MATERNITY, NP_PRENATAL };
enum np_class { NP_CLASS_A, NP_CLASS_B, NP_CLASS_C };

/* reasons, as bits, in the order they are listed */
enum {
    NP_R_NOT_COVERED = 1,
    NP_R_WAITING_PERIOD = 2,
    NP_R_NOT_DESIGNATED = 4,
    NP_R_NO_PRESCRIPTION = 8,
    NP_R_PRENATAL_TOO_EARLY = 16,
};
#define NP_NREASONS 5
extern const char *const np_reason_names[NP_NREASONS];

/* record errors (the claim gets no settlement) */
enum {
    NP_OK = 0,
    NP_E_STATUS_SCHEME = 1, /* member.status does not fit the scheme */
    NP_E_DATE = 2,          /* visit.date before 2024-01-01 */
    NP_E_GESTATION = 3,     /* prenatal visit without gestation_weeks */
    NP_E_LEVEL = 4,         /* visit.level outside 0-4 */
};

/* what happened, for statistics only (not part of the settlement) */
enum {
    NP_F_HALVED = 1,        /* inpatient deductible halved */
    NP_F_BASIC_CAPPED = 2,  /* the basic cap limited basic */
    NP_F_LARGE = 4,         /* large-amount insurance paid */
    NP_F_LARGE_CAPPED = 8,  /* the large-amount cap limited large */
    NP_F_OPENED_YTD = 16,   /* this claim opened its running totals from a non-zero ytd */
};

typedef struct np_item {
    int64_t amount;
    int64_t limit; /* < 0: no limit */
    uint8_t cls;   /* enum np_class */
} np_item;

typedef struct np_claim {
    const char *member_id;
    uint32_t member_len;
    uint32_t nitems;
    const np_item *items;
    int32_t date, enrolled_on, birth_date; /* YYYYMMDD; birth_date 0 when absent */
    int16_t gap_years, backpaid_years;
    int16_t gestation_weeks;               /* -1 when absent */
    uint8_t scheme, status, kind, level;
    uint8_t in_window, designated, prescription, parent_insured;
    int64_t ytd_admissions, ytd_basic_paid, ytd_large_paid;
} np_claim;

typedef struct np_settlement {
    int64_t total, fund, copay, selfpay, basic, large, cash;
    uint16_t reasons; /* NP_R_* bits */
    uint8_t flags;    /* NP_F_* bits */
    uint8_t error;    /* NP_OK or NP_E_*: no settlement */
} np_settlement;

/* running totals of one (member, year): one 64-byte cache line */
#define NP_KEY_INLINE 24
typedef struct np_totals {
    uint64_t hash;       /* 0: empty slot (real hashes are odd) */
    int32_t year;
    uint32_t member_len;
    int64_t admissions, basic_paid, large_paid;
    uint64_t key[3];     /* the member id, zero-padded, when it has at most 24 bytes;
                            else key[0] holds a pointer to the claim's own text */
} np_totals;

typedef struct np_ledger {
    np_totals *slots;
    size_t cap, count; /* cap a power of two */
} np_ledger;

int np_ledger_init(np_ledger *l, size_t initial_cap);
void np_ledger_clear(np_ledger *l); /* forget every key, keep the memory */
void np_ledger_free(np_ledger *l);

/* Settle one claim in batch order.  Returns NP_OK or an NP_E_* record error
 * (then *s holds only the error and the ledger is untouched).  Returns -1 if
 * the ledger could not grow (out of memory).  A member id longer than 24
 * bytes is kept by pointer: its text must outlive the ledger. */
int np_settle(np_ledger *l, const np_claim *c, np_settlement *s);

/* YYYYMMDD + n months, clamped to the month's last day */
int32_t np_add_months(int32_t ymd, int n);

#endif
