/* An output field of a compiled policy: what the policy's `output` block
 * declares, in order.  The settlement writers (io/) print these; the VM and
 * the compiler only describe them, so the description lives here. */
#ifndef YB_OUT_FIELD_H
#define YB_OUT_FIELD_H

#include <stdint.h>

typedef struct yb_out_field {
    char *name;
    uint8_t kind;     /* a scalar yb_kind, or YB_T_STATUS / YB_T_REASONS / YB_T_ALERTS */
    uint16_t enum_id; /* enums print their member name */
} yb_out_field;

#endif
