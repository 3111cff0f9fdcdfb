/* removal_demo.c: time a removal both ways (see removal_demo.h). */
#include "removal_demo.h"

#include <stdio.h>
#include <string.h>

#include "query_demo.h"

int
removal_demo_runs(int runs)
{
	return runs < REMOVAL_DEMO_MAX_RUNS ? runs : REMOVAL_DEMO_MAX_RUNS;
}

/* Times one side of a removal. */
static bool
time_removal(PGconn *conn, int runs, const char *path, const QueryItem *item,
			 const QueryStatements *list, QueryTimingStats *stats, QueryError *error)
{
	if (query_executor_measure_rolled_back(conn, (const char *const *) list->sql,
										   (int) list->count, removal_demo_runs(runs), stats,
										   error))
		return true;
	if (strcmp(error->sqlstate, "42P01") == 0 && list == &item->plain)
		return false;			/* no plain table: the caller says so */
	query_demo_report_error(path, error->statement >= 0 ? list->lines[error->statement] : item->line,
							item->name, error);
	return false;
}

void
removal_demo_run(PGconn *conn, int runs, const char *path, const QueryItem *item,
				 const QueryTable *table, RemovalOutcome *out)
{
	QueryError	error = {.statement = -1};

	memset(out, 0, sizeof(*out));
	/* an unusable table is reported once, by the look-up */
	out->ok = table != NULL &&
		time_removal(conn, runs, path, item, &item->sql, &out->partitioned, &error);
	if (out->ok && item->plain.count > 0 &&
		!(out->plain_ok = time_removal(conn, runs, path, item, &item->plain, &out->plain, &error)))
	{
		out->ok = out->plain_missing = strcmp(error.sqlstate, "42P01") == 0;
		if (out->plain_missing)
			snprintf(out->plain_missing_reason, sizeof(out->plain_missing_reason), "%s",
					 error.message);
	}
}
