/* Where a hash key comes from (base/siphash.h): the kernel's random bytes. */
#define _DEFAULT_SOURCE /* getrandom */
#include "siphash.h"

#include <stdio.h>
#include <sys/random.h>
#include <time.h>

static int from_urandom(void *buf, size_t n)
{
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f) return 0;
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got == n;
}

void yb_siphash_random_key(uint64_t key[2])
{
    if (getrandom(key, 2 * sizeof *key, 0) == (ssize_t)(2 * sizeof *key)) return;
    if (from_urandom(key, 2 * sizeof *key)) return;
    /* last resort: differs per run and per ledger, but guessable */
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    key[0] = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
    key[1] = (uint64_t)(uintptr_t)key ^ ((uint64_t)(uintptr_t)&ts << 17) ^ (uint64_t)clock();
}
