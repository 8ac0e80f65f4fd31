/* libcapitation: the county capitation drug list (按人头付费药品目录, docs/domain.md
 * section 7, seed 003) as a bureau would keep it in its own system, looked up by
 * a policy through `extern fn` (examples/variant-jiahe-native.yb, spec.md
 * section 5.9).
 *
 * ILLUSTRATIVE ONLY: Jiahe's list has 46 drugs (class A, essential, centrally
 * procured, for hypertension and diabetes); the codes, names and dates below
 * are a small made-up sample, not the real list.  A real bureau would read its
 * list from its own database; the shape of the lookup is the point.
 *
 * How yibao's values cross (vm/native.c): text is a pointer and a length (not
 * NUL-terminated), a date is an int32_t day count since 1970-01-01, a bool
 * result is an int.  Functions a policy calls must be pure and thread-safe:
 * this one reads a constant table. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct drug {
    const char *code; /* the item code a claim gives (items[].code) */
    const char *name;
    int from, until;  /* on the list from this day (YYYYMMDD) until the day before `until` (0: still on it) */
} drug;

/* The sample: drugs of the two diseases; one added mid-2025, one taken off at the end of 2025. */
static const drug list[] = {
    {"CAP-AML5", "氨氯地平片 5mg (amlodipine)", 20240101, 0},
    {"CAP-NIF30", "硝苯地平缓释片 30mg (nifedipine)", 20240101, 0},
    {"CAP-MET500", "二甲双胍片 0.5g (metformin)", 20240101, 0},
    {"CAP-GLI2", "格列美脲片 2mg (glimepiride)", 20240101, 0},
    {"CAP-IRB150", "厄贝沙坦片 150mg (irbesartan)", 20250701, 0},
    {"CAP-CAP25", "卡托普利片 25mg (captopril)", 20240101, 20260101},
};

/* Days since 1970-01-01 of a YYYYMMDD date (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int32_t day_number(int ymd)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* extern fn drug_on_list(code: text, on: date) -> bool from "capitation" */
int drug_on_list(const char *code, size_t len, int32_t on)
{
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        const drug *d = &list[i];
        if (strlen(d->code) != len || memcmp(d->code, code, len) != 0) continue;
        return on >= day_number(d->from) && (d->until == 0 || on < day_number(d->until));
    }
    return 0;
}
