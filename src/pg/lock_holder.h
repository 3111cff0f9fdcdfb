/*
 * lock_holder.h: who holds the lock.  Names the sessions that hold locks on a
 * table, for the message of a lock timeout ("who do I wait for?") and for
 * demonstrate-queries' report of a lock it did not get.
 *
 * Three look-ups, one row shape (LockHolder): the oldest holder of a lock on
 * exactly one table, partition_demo.online_lock_holder(); the oldest open
 * transaction of another session, partition_demo.oldest_transaction() (both
 * in scripts/online/00_online_functions.sql); and the holders of locks on a
 * table or any of its partitions, a catalog query of this module, which
 * demonstrate-queries also runs where no helper function is installed.
 */
#ifndef LOCK_HOLDER_H
#define LOCK_HOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "common/error.h"

#define LOCK_HOLDERS_MAX 5

typedef struct LockHolder
{
	int			pid;
	char		application[64];
	char		state[32];		/* "idle in transaction", "active", ... */
	char		xact_seconds[16];	/* age of its transaction, "?" when unknown */
	char		mode[32];		/* "AccessShareLock", ...; "" for a transaction */
	char		relation[160];	/* the table or partition it holds the lock on, or "" */
	char		query[256];		/* its last statement, blanks collapsed, cut at 60 */
} LockHolder;

/*
 * The other sessions holding a lock on table or on any of its partitions
 * (table NULL: on any relation of the database), only ACCESS EXCLUSIVE ones
 * when exclusive_only, oldest transaction first, at most max; returns their
 * number, or -1 when the look-up failed (reported).
 */
int			lock_holders_list(PGconn *conn, const char *table, bool exclusive_only,
							  LockHolder *holders, int max);

/* "pid 1234 (psql), idle in transaction for 3 s, AccessShareLock on t: SELECT ..." */
void		lock_holder_describe(const LockHolder *holder, char *buf, size_t len);

/*
 * After a reader's lock was not granted in time: reports (log_detail) the
 * sessions holding ACCESS EXCLUSIVE, the only lock that blocks a reader, on
 * table and its partitions (NULL: on any relation of the database).
 */
void		lock_holders_report_readers_blocked(PGconn *conn, const char *table);

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
 * After a statement that no retry loop covers failed, and the failure that
 * came back in error was reported (error_report): true when it was a lock
 * timeout (SQLSTATE 55P03), after naming the holders as lock_holders_report
 * does; the caller then says what was done and what was not.  Outside a
 * transaction.
 */
bool		lock_holder_after_timeout(PGconn *conn, const Error *error,
									  const char *const *tables);

#endif
