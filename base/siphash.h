/* SipHash-1-3 (Aumasson and Bernstein): a keyed 64-bit hash.  Without the
 * key nobody can choose inputs that collide, so a table hashed with it
 * cannot be flooded by crafted keys (member ids, …). */
#ifndef YB_SIPHASH_H
#define YB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t yb_siphash13(const uint64_t key[2], const void *data, size_t n);

/* A fresh random key (getrandom, else /dev/urandom).  Should both fail, the
 * key is made from the clock and addresses: weaker against flooding, but
 * never wrong, since no output may depend on the key. */
void yb_siphash_random_key(uint64_t key[2]);

#endif
