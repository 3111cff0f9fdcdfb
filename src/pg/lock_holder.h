/*
 * lock_holder.h: name the session that holds a lock on a table, for the
 * message of a lock timeout ("who do I wait for?").  The queries are
 * partition_demo.online_lock_holder() and partition_demo.oldest_transaction()
 * in scripts/online/00_online_functions.sql.
 */
#ifndef LOCK_HOLDER_H
#define LOCK_HOLDER_H

#include <stdbool.h>
#include <libpq-fe.h>

/*
 * Reports, as one detail line, the oldest other session holding a lock on
 * table: pid, state, how long in its transaction, lock mode,
 * application_name, query.  Returns its pid, or 0 when no session holds one
 * (or the look-up failed: then a detail line says why).  Run it outside a
 * transaction, or in one that may fail.
 */
int			lock_holder_report(PGconn *conn, const char *table);

/*
 * lock_holder_report for each of tables (NULL-terminated; NULL for none).
 * When no session holds a lock on any of them, says so and names the oldest
 * open transaction of another session in the database instead (a wait on a
 * row, a function or a schema has no table to look at).  Returns how many
 * sessions it named.
 */
int			lock_holders_report(PGconn *conn, const char *const *tables);

/*
 * After a statement that no retry loop covers failed and was reported: true
 * when it was a lock timeout (SQLSTATE 55P03, from db_last_error_sqlstate),
 * after naming the holders as lock_holders_report does; the caller then
 * says what was done and what was not.  Outside a transaction.
 */
bool		lock_holder_after_timeout(PGconn *conn, const char *const *tables);

#endif
