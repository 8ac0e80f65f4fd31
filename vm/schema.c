/* Freeing a flattened input shape (schema.h) and naming value kinds (value.h). */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

void yb_schema_free(yb_schema *s)
{
    if (!s) return;
    for (int32_t i = 0; i < s->nfields && s->fields; i++) {
        free(s->fields[i].name);
        free(s->fields[i].elem_name);
    }
    free(s->fields);
    free(s->lists);
    for (int32_t i = 0; i < s->nenums && s->enums; i++) {
        yb_enum_desc *e = &s->enums[i];
        for (int32_t k = 0; k < e->n && e->names; k++) free(e->names[k]);
        free(e->names);
        free(e->codes);
        free(e->name);
    }
    free(s->enums);
    /* The struct itself belongs to the caller (it may be embedded); leave it empty. */
    memset(s, 0, sizeof *s);
}

const char *yb_kind_name(yb_kind k)
{
    switch (k) {
    case YB_T_VOID: return "void";
    case YB_T_BOOL: return "bool";
    case YB_T_INT: return "int";
    case YB_T_MONEY: return "money";
    case YB_T_RATE: return "rate";
    case YB_T_DATE: return "date";
    case YB_T_DURATION: return "duration";
    case YB_T_TEXT: return "text";
    case YB_T_ENUM: return "enum";
    case YB_T_RECORD: return "record";
    case YB_T_LIST: return "list";
    case YB_T_BANDS: return "bands";
    case YB_T_STATUS: return "status";
    case YB_T_REASONS: return "reasons";
    case YB_T_ALERTS: return "alerts";
    case YB_T__COUNT: break;
    }
    return "?";
}
