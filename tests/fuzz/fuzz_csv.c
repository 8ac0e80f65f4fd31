/* Fuzz target: the CSV claim reader on arbitrary input, under the standard
 * policy (stdlib-policies/hunan.yb, compiled once at start).  Every claim the
 * reader accepts is settled without explanations (fuzz_jsonl covers those),
 * written out as settlements and summed into the batch reports; each
 * settlement must keep the invariants of docs/claim-schema.md. */
#include "fuzz_common.h"

FZ_READER_TARGET(YB_FMT_CSV, 0)
