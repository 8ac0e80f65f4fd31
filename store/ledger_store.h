/* The durable ledger: the running totals of a policy's states, kept in SQLite
 * (a file) or PostgreSQL (a server) across runs.
 *
 * A run (a batch) reads as it goes and writes once: a key's totals are loaded
 * the first time a claim of the batch meets it (the VM's load hook), the VM
 * settles from memory, and at the end every changed entry, the ids of the
 * claims settled and the batch's own row are written in one transaction.  A
 * run that stops before that (kill -9, a server gone, a write error) leaves
 * the ledger as it was before the batch. */
#ifndef YB_LEDGER_STORE_H
#define YB_LEDGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "vm.h"

typedef struct yb_store yb_store;

/* "postgresql://…" or "postgres://…" (or "host=… dbname=…") connects to a
 * server; anything else is an SQLite file, created when absent.  A file or
 * database that holds something else than a ledger is refused (err says why),
 * and left as it was.  Without create, a ledger that does not exist yet is refused. */
yb_store *yb_store_open(const char *where, bool create, char *err, size_t errlen);
/* Closes; a batch not committed is rolled back. */
void yb_store_close(yb_store *st);
/* Whether where names a server (PostgreSQL), not a file. */
bool yb_store_on_server(const char *where);
/* A ledger on a server opened on a thread while the caller goes on
 * (ledger_early.c): NULL for a file (or no thread).  Join: the store; or
 * NULL with *again (open it with yb_store_open as usual: no early open, or
 * one refused for want of create) or with err (the error the usual open
 * would have given). */
typedef struct yb_store_early yb_store_early;
yb_store_early *yb_store_open_early(const char *where);
yb_store *yb_store_open_join(yb_store_early *e, bool *again, char *err, size_t errlen);
/* Waits for it and closes what it opened (the caller needs no ledger after all). */
void yb_store_early_drop(yb_store_early *e);
/* yb_store_open, and whether a refusal was for want of create (an empty
 * database, a ledger of an older format): *needs_create, when given. */
yb_store *yb_store_open_as(const char *where, bool create, bool *needs_create, char *err, size_t errlen);

/* Starts a batch for this VM's policy: checks the policy's state declarations
 * against the ledger's (refused, err says how they differ, unless migrate),
 * records the policy, and hooks the VM so it loads totals on first touch. */
bool yb_store_begin(yb_store *st, yb_vm *vm, bool migrate, char *err, size_t errlen);
/* The next batch of a service that commits one batch per claim: as
 * yb_store_begin (no migration), but when this store committed the ledger's
 * last batch (no other writer since: yb_batch's greatest id says so, read
 * under the batch's lock), the claim-id and duplicate-check filters it holds
 * are kept instead of read again.  The VM must not keep totals loaded in an
 * earlier batch (the caller drops them after each commit). */
bool yb_store_next(yb_store *st, yb_vm *vm, char *err, size_t errlen);
/* A claim read ahead of its turn (yb_batch_opts.ahead): its id's place in
 * the claim-id index is fetched into the cache; changes nothing. */
void yb_store_ahead(yb_store *st, const yb_claim *c);
/* Before a claim is settled: 0 settle it; 1 it was settled already (msg says
 * when and by which policy; skip it); -1 the ledger failed (msg; stop). */
int yb_store_admit(yb_store *st, const yb_claim *c, char *msg, size_t msglen);
/* After a claim is settled (not a record error): its id is remembered. */
bool yb_store_settled(yb_store *st, const yb_claim *c, char *msg, size_t msglen);
/* Writes everything the batch changed, in one transaction. */
bool yb_store_commit(yb_store *st, char *err, size_t errlen);
/* After a failed commit: true when the server went away with the COMMIT's
   answer and could not be asked again, so whether the batch was kept is not known. */
bool yb_store_commit_unknown(const yb_store *st);
/* Drops the batch: the ledger stays as it was before it. */
void yb_store_rollback(yb_store *st);
/* Drops a batch of yb_store_next in which nothing was settled (its claim
 * refused as settled already): as yb_store_rollback, but the indexes, which
 * it did not change, stay for the next batch. */
void yb_store_abandon(yb_store *st);

#endif
