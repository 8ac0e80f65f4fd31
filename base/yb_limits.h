/* Limits shared by the compiler, the verifier and the claim readers, declared
 * once so that a policy the compiler accepts is one the readers can read.
 * Each is documented in spec.md (section 11, "Known limits").
 */
#ifndef YB_YB_LIMITS_H
#define YB_YB_LIMITS_H

/* bytes in one policy source file: the whole standard policy is under 100 KiB;
   the compiler holds each file in memory, and a device such as /dev/zero would
   otherwise be read until memory runs out */
#define YB_MAX_SOURCE_BYTES (16 << 20)
#define YB_MAX_FIELD_NAME 4096 /* bytes in an input/output field name (a JSON key) */
/* bytes in a .ybc file: the largest standard policy compiles to well under
   1 MiB, and the loader holds the whole file in memory */
#define YB_MAX_YBC_BYTES ((long long)256 << 20)
/* bytes in a message with `{value}`s once written for a claim (a longer one is
   cut at the last whole character that fits, ending in "…"): the VM keeps one
   such text per alert raised, in a buffer made once per VM (vm/message.c) */
#define YB_MAX_MESSAGE_BYTES 1024

#endif
