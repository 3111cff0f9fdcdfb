/*
 * removal_demo.h: time removing data both ways, the partitioned table's
 * DETACH + DROP against the plain table's DELETE, each inside transactions
 * that are rolled back (an @maintenance item and its @plain).
 *
 * DETACH and DROP need ACCESS EXCLUSIVE on the table.  Queued behind one
 * session that only read the table, such a request would make every later
 * reader and writer wait behind it.  So each run first locks the table and
 * its partitions with NOWAIT, and gives up on a busy table after a few
 * attempts with backoff: the removal is reported as skipped, with the
 * sessions holding the locks, and is no failure of the run.  The plain
 * side's DELETE waits at most the session's lock_timeout, once (a row
 * another transaction changed), and is skipped the same way.
 */
#ifndef REMOVAL_DEMO_H
#define REMOVAL_DEMO_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "queries/query_executor.h"
#include "queries/query_file.h"
#include "pg/lock_holder.h"
#include "queries/query_tables.h"

/* a rolled-back DELETE of millions of rows is slow: fewer runs for removals */
#define REMOVAL_DEMO_MAX_RUNS 3
/* NOWAIT attempts before a busy table is skipped: 100 ms doubling to 400 ms between them */
#define REMOVAL_DEMO_LOCK_ATTEMPTS 4

typedef struct RemovalOutcome
{
	bool		ok;				/* false: failed (reported) or skipped */
	bool		skipped;		/* a lock was not granted: not timed, not a failure */
	char		skipped_reason[256];
	char		skipped_relation[160];	/* whose locks were asked for */
	LockHolder	holders[LOCK_HOLDERS_MAX];	/* who held them */
	int			holder_count;
	QueryTimingStats partitioned;
	bool		plain_ok;		/* the plain side was timed */
	bool		plain_missing;	/* its table does not exist (42P01): not timed, not an error */
	char		plain_missing_reason[ERROR_MESSAGE_SIZE];
	QueryTimingStats plain;
} RemovalOutcome;

/* The timed runs of a removal when the queries get runs. */
int			removal_demo_runs(int runs);

/*
 * Times a maintenance item of the file shown as path, on table (NULL: the
 * table is unusable, already reported, and the outcome is a failure).
 * lock_timeout_ms is the session's, for the messages.
 */
void		removal_demo_run(PGconn *conn, int runs, int lock_timeout_ms, const char *path,
							 const QueryItem *item, const QueryTable *table, RemovalOutcome *out);

#endif
