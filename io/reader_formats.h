/* The two claim formats, as the front (claim_reader.c) calls them.  Each sits
 * on the reader core (reader_internal.h); neither calls the other. */
#ifndef YB_READER_FORMATS_H
#define YB_READER_FORMATS_H

#include "reader_internal.h"

/* json_reader.c: JSON Lines */
int ybr_json_open(yb_reader *r);
int ybr_json_next(yb_reader *r, yb_claim *c, yb_record_error *err);
int ybr_json_fast(yb_reader *r, yb_claim *c, yb_record_error *err);
void ybr_json_close(yb_reader *r);

/* csv_reader.c: CSV */
int ybr_csv_open(yb_reader *r);
int ybr_csv_next(yb_reader *r, yb_claim *c, yb_record_error *err);
void ybr_csv_close(yb_reader *r);

#endif
