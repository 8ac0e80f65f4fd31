/* Fuzz target: the JSON Lines claim reader on arbitrary input, under the standard
 * policy (stdlib-policies/hunan.yb, compiled once at start).  Every claim the
 * reader accepts is settled with explanations (every rule that fired, its values),
 * written out as settlements and summed into the batch reports; each
 * settlement must keep the invariants of docs/claim-schema.md. */
#include "fuzz_common.h"

FZ_READER_TARGET(YB_FMT_JSONL, 1)
