/* Freeing a schema's contents (the struct itself may be embedded). */
#include <stdlib.h>

#include "schema.h"

void yb_schema_free_contents(yb_schema *s)
{
    for (int i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        free(s->fields[i].elem_name);
    }
    free(s->fields);
    free(s->lists);
    for (int i = 0; i < s->nenums; i++) {
        for (int m = 0; m < s->enums[i].n; m++) free(s->enums[i].names[m]);
        free(s->enums[i].names);
        free(s->enums[i].codes);
        free(s->enums[i].name);
    }
    free(s->enums);
}
