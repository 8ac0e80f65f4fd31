/* Limits shared by the compiler, the verifier and the claim readers, declared
 * once so that a policy the compiler accepts is one the readers can read.
 * Each is documented in spec.md ("Limits").
 */
#ifndef YB_LIMITS_H
#define YB_LIMITS_H

#define YB_MAX_FIELD_NAME 4096 /* bytes in an input/output field name (a JSON key) */
/* bytes in a .ybc file: the largest standard policy compiles to well under
   1 MiB, and the loader holds the whole file in memory */
#define YB_MAX_YBC_BYTES ((long long)256 << 20)

#endif
