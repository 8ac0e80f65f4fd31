/* Value kinds by name and by property, from kinds.def. */
#include "value.h"

typedef struct kind_info {
    const char *name;
    bool written, value, numeric, ordered;
} kind_info;

static const kind_info kinds[YB_T__COUNT] = {
#define KIND(name, printed, written, value, numeric, ordered) {printed, written, value, numeric, ordered},
#include "kinds.def"
#undef KIND
};

const char *yb_kind_name(yb_kind k) { return (unsigned)k < YB_T__COUNT ? kinds[k].name : "?"; }
bool yb_kind_written(unsigned k) { return k < YB_T__COUNT && kinds[k].written; }
bool yb_kind_value(unsigned k) { return k < YB_T__COUNT && kinds[k].value; }
bool yb_kind_numeric(unsigned k) { return k < YB_T__COUNT && kinds[k].numeric; }
bool yb_kind_ordered(unsigned k) { return k < YB_T__COUNT && kinds[k].ordered; }
