/*
 * removal_demo.h: time removing data both ways, the partitioned table's
 * DETACH + DROP against the plain table's DELETE, each inside transactions
 * that are rolled back (an @maintenance item and its @plain).
 */
#ifndef REMOVAL_DEMO_H
#define REMOVAL_DEMO_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "query_executor.h"
#include "query_file.h"
#include "query_tables.h"

/* a rolled-back DELETE of millions of rows is slow: fewer runs for removals */
#define REMOVAL_DEMO_MAX_RUNS 3

typedef struct RemovalOutcome
{
	bool		ok;				/* false: failed (reported) */
	QueryTimingStats partitioned;
	bool		plain_ok;		/* the plain side was timed */
	bool		plain_missing;	/* its table does not exist (42P01): not timed, not an error */
	char		plain_missing_reason[512];
	QueryTimingStats plain;
} RemovalOutcome;

/* The timed runs of a removal when the queries get runs. */
int			removal_demo_runs(int runs);

/*
 * Times a maintenance item of the file shown as path, on table (NULL: the
 * table is unusable, already reported, and the outcome is a failure).
 */
void		removal_demo_run(PGconn *conn, int runs, const char *path, const QueryItem *item,
							 const QueryTable *table, RemovalOutcome *out);

#endif
