/* removal_demo.c: time a removal both ways (see removal_demo.h). */
#include "queries/removal_demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "queries/explain_plan.h"
#include "common/log.h"
#include "common/retry.h"
#include "queries/query_demo.h"

/* the table and its partitions, named by the catalog (quoted as needed) */
static const char *const lock_query =
	"SELECT pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE NOWAIT',"
	"                         pg_catalog.to_regclass($1))";

int
removal_demo_runs(int runs)
{
	return runs < REMOVAL_DEMO_MAX_RUNS ? runs : REMOVAL_DEMO_MAX_RUNS;
}

static bool
lock_not_granted(const Error *error)
{
	return strcmp(error->sqlstate, "55P03") == 0;
}

/* "LOCK TABLE event_logs IN ACCESS EXCLUSIVE MODE NOWAIT": the table and all its partitions. */
static char *
lock_statement(PGconn *conn, const char *table)
{
	const char *params[1] = {table};
	PGresult   *res = db_query(conn, lock_query, 1, params);
	char	   *sql = res && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;

	PQclear(res);
	return sql;
}

/*
 * Times one side of a removal.  With lock_sql (NOWAIT), a lock not granted is
 * tried again after a pause, a few times; without, a wait that ran into
 * lock_timeout is not repeated.  The last such failure is left in *error
 * (55P03) for the caller, *failed the statement's index (-1: the lock).
 */
static bool
time_removal(PGconn *conn, int runs, const char *lock_sql, const QueryStatements *list,
			 QueryTimingStats *stats, int *failed, Error *error)
{
	RetryPolicy policy = {.max_attempts = lock_sql ? REMOVAL_DEMO_LOCK_ATTEMPTS : 1,
	.base_delay_ms = 100, .max_delay_ms = 400, .jitter_percent = 50};

	for (int attempt = 1;; attempt++)
	{
		if (query_executor_measure_rolled_back(conn, lock_sql, (const char *const *) list->sql,
											   (int) list->count, removal_demo_runs(runs),
											   stats, failed, error))
			return true;
		if (!lock_not_granted(error) || !retry_attempts_left(&policy, attempt) ||
			PQstatus(conn) != CONNECTION_OK)
			return false;
		retry_pause(&policy, attempt, NULL);
	}
}

static void
report_failure(const char *path, const QueryItem *item, const QueryStatements *list,
			   int failed, const Error *error)
{
	query_demo_report_error(path, failed >= 0 ? list->lines[failed] : item->line,
							item->name, error);
}

/* The relation the plain side's first statement works on, from its plan (for the holders). */
static void
plain_relation(PGconn *conn, const QueryItem *item, char *buf, size_t len)
{
	QuerySpec	spec = {.sql = item->plain.sql[0]};
	Error		error;
	char	   *json = query_executor_explain_spec(conn, &spec, false, true, &error);
	Error		plan_error;		/* a plan that cannot be read names no relation */
	ExplainPlan *plan = json ? explain_plan_parse(json, &plan_error) : NULL;

	buf[0] = '\0';
	for (size_t i = 0; plan && !buf[0] && i < plan->scan_count; i++)
		if (plan->scans[i].relation)
			snprintf(buf, len, "%s", plan->scans[i].relation);
	explain_plan_free(plan);
	free(json);
}

/* Skipped: which lock was not granted, and who holds locks there. */
static void
skip(PGconn *conn, int lock_timeout_ms, const char *relation, bool nowait, RemovalOutcome *out)
{
	out->ok = false;
	out->skipped = true;
	snprintf(out->skipped_relation, sizeof(out->skipped_relation), "%s", relation);
	if (nowait)
		snprintf(out->skipped_reason, sizeof(out->skipped_reason),
				 "ACCESS EXCLUSIVE on %s and its partitions not granted at once in %d attempts "
				 "(NOWAIT: a removal never queues, where every reader and writer would wait "
				 "behind it)", relation, REMOVAL_DEMO_LOCK_ATTEMPTS);
	else
		snprintf(out->skipped_reason, sizeof(out->skipped_reason),
				 "a lock on %s not granted within lock_timeout (%d ms)",
				 relation[0] ? relation : "the plain table", lock_timeout_ms);
	out->holder_count = relation[0] ?
		lock_holders_list(conn, relation, false, out->holders, LOCK_HOLDERS_MAX) : 0;
	if (out->holder_count < 0)
		out->holder_count = 0;
}

void
removal_demo_run(PGconn *conn, int runs, int lock_timeout_ms, const char *path,
				 const QueryItem *item, const QueryTable *table, RemovalOutcome *out)
{
	Error		error;
	int			failed;			/* the statement that failed, -1: the NOWAIT lock */
	char	   *lock_sql;
	char		relation[160];

	memset(out, 0, sizeof(*out));
	/* an unusable table is reported once, by the look-up */
	if (!table || !(lock_sql = lock_statement(conn, table->name)))
		return;
	out->ok = time_removal(conn, runs, lock_sql, &item->sql, &out->partitioned, &failed, &error);
	free(lock_sql);
	if (!out->ok)
	{
		/* statement -1: the NOWAIT lock; else a statement's wait ran into lock_timeout */
		if (lock_not_granted(&error))
			skip(conn, lock_timeout_ms, table->name, failed < 0, out);
		else
			report_failure(path, item, &item->sql, failed, &error);
		return;
	}
	if (item->plain.count == 0 ||
		(out->plain_ok = time_removal(conn, runs, NULL, &item->plain, &out->plain, &failed,
									  &error)))
		return;
	if (error_has_sqlstate(&error, "42P01"))
	{
		out->plain_missing = true;
		snprintf(out->plain_missing_reason, sizeof(out->plain_missing_reason), "%s",
				 error.message);
	}
	else if (lock_not_granted(&error))
	{
		plain_relation(conn, item, relation, sizeof(relation));
		skip(conn, lock_timeout_ms, relation, false, out);
	}
	else
	{
		report_failure(path, item, &item->plain, failed, &error);
		out->ok = false;
	}
}
