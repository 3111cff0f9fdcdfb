/*
 * lock_holder.h: name the session that holds a lock on a table, for the
 * message of a lock timeout ("who do I wait for?").  The query is
 * partition_demo.online_lock_holder() in scripts/online/00_online_functions.sql.
 */
#ifndef LOCK_HOLDER_H
#define LOCK_HOLDER_H

#include <libpq-fe.h>

/*
 * Reports, as one detail line, the oldest other session holding a lock on
 * table: pid, state, how long in its transaction, lock mode,
 * application_name, query.  Returns its pid, or 0 when no session holds one
 * (or the look-up failed: then a detail line says why).  Run it outside a
 * transaction, or in one that may fail.
 */
int			lock_holder_report(PGconn *conn, const char *table);

#endif
