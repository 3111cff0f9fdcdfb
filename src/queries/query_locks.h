/*
 * query_locks.h: who holds the locks demonstrate-queries could not get.
 *
 * The program never queues for a lock that would stall others (removals take
 * theirs with NOWAIT) and waits at most lock_timeout for any other; when a
 * lock is not granted, the sessions holding locks on the table are named.
 */
#ifndef QUERY_LOCKS_H
#define QUERY_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#define QUERY_LOCKS_MAX_HOLDERS 5

typedef struct QueryLockHolder
{
	int			pid;
	char		application[64];
	char		state[32];		/* "idle in transaction", "active", ... */
	char		xact_seconds[16];	/* age of its transaction, "?" when unknown */
	char		mode[32];		/* "AccessShareLock", ... */
	char		relation[160];	/* the table or partition it holds the lock on */
	char		query[128];		/* its last statement, blanks collapsed, cut at 60 */
} QueryLockHolder;

/*
 * The other sessions holding a lock on table or on any of its partitions
 * (table NULL: on any relation of the database), only ACCESS EXCLUSIVE ones
 * when exclusive_only, oldest transaction first, at most max; returns their
 * number, or -1 when the look-up failed (reported).
 */
int			query_locks_holders(PGconn *conn, const char *table, bool exclusive_only,
								QueryLockHolder *holders, int max);

/* "pid 1234 (psql), idle in transaction for 3 s, AccessShareLock on t: SELECT ..." */
void		query_locks_describe(const QueryLockHolder *holder, char *buf, size_t len);

/*
 * After a reader's lock was not granted in time: reports (log_detail) the
 * sessions holding ACCESS EXCLUSIVE, the only lock that blocks a reader, on
 * table and its partitions (NULL: on any relation of the database).
 */
void		query_locks_report_readers_blocked(PGconn *conn, const char *table);

#endif
