/* query_demo.c: run one annotated query both ways (see query_demo.h). */
#include "queries/query_demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "queries/query_layout.h"
#include "pg/lock_holder.h"

void
query_demo_report_error(const char *path, int line, const char *name, const Error *error)
{
	Error		placed = *error;

	error_set_where(&placed, "%s:%d: %s", path, line, name);
	error_report(&placed);
}

/*
 * A failed statement; for a lock not granted in time, who holds ACCESS
 * EXCLUSIVE on table (NULL: on any relation) too.
 */
static void
report_error_on(PGconn *conn, const char *path, int line, const char *name,
				const Error *error, const char *table)
{
	query_demo_report_error(path, line, name, error);
	if (error_has_sqlstate(error, "55P03") && PQstatus(conn) == CONNECTION_OK)
		lock_holders_report_readers_blocked(conn, table);
}

static QuerySpec
spec_of(const QueryItem *item, const char *sql)
{
	QuerySpec	spec = {
		.sql = sql,
		.nparams = item->param_count,
		.params = (const char *const *) item->params,
		.plan_mode = item->generic ? QUERY_PLAN_GENERIC :
		item->param_count > 0 ? QUERY_PLAN_CUSTOM : QUERY_PLAN_DEFAULT,
	};

	return spec;
}

static ExplainPlan *
parse_plan(const char *json, const char *path, int line, const char *name)
{
	Error		error;
	ExplainPlan *plan = explain_plan_parse(json, &error);

	if (!plan)
	{
		error_set_where(&error, "%s:%d: %s: could not read the JSON plan", path, line, name);
		error_report(&error);
	}
	return plan;
}

/* Checks the plan against the expectation. */
static QueryStatus
judge(const QueryExpectation *expected, const ExplainPlan *plan, const PruningVerdict *verdict)
{
	/* without ANALYZE, scans skipped during execution look like scans */
	if (!plan->analyzed && expected->pruning == PRUNING_RUN_TIME && !verdict->run_time)
		return QUERY_STATUS_UNCHECKED;
	if (!verdict->sets_match)
		return QUERY_STATUS_MISMATCH;
	if (expected->pruning != PRUNING_UNSPECIFIED && expected->pruning != verdict->kind)
		return QUERY_STATUS_MISMATCH;
	return QUERY_STATUS_OK;
}

/*
 * EXPLAIN (FORMAT JSON) of spec, its verdict against check->expected on
 * check->table's leaves, and (with analyze) its timed runs.
 */
static bool
check_spec(PGconn *conn, const QueryDemoSettings *settings, const char *path,
		   const QueryItem *item, const QuerySpec *spec, int line, QueryCheck *check)
{
	const QueryExpectation *expected = check->expected;
	const QueryTable *table = check->table;
	Error		error;
	char	   *json = query_executor_explain_spec(conn, spec, settings->analyze, true, &error);
	const char *const *names = expected->expect_all ? (const char *const *) table->leaves :
		(const char *const *) expected->expect;

	check->status = QUERY_STATUS_ERROR;
	if (!json)
	{
		report_error_on(conn, path, line, item->name, &error, table->name);
		return false;
	}
	check->plan = parse_plan(json, path, line, item->name);
	free(json);
	if (!check->plan)
		return false;
	check->verdict = explain_plan_verdict(check->plan, (const char *const *) table->leaves,
										  table->leaf_count, names,
										  expected->expect_all ? table->leaf_count :
										  expected->expect_count);
	if (!check->verdict)
	{
		log_error("out of memory");
		return false;
	}
	check->status = judge(expected, check->plan, check->verdict);
	if (settings->analyze &&
		!(check->timed = query_executor_measure(conn, spec, settings->runs, &check->timing, &error)))
	{
		report_error_on(conn, path, line, item->name, &error, table->name);
		check->status = QUERY_STATUS_ERROR;
		return false;
	}
	return true;
}

/* EXPLAIN, verdict and timings of the query on the partitioned table. */
static bool
run_partitioned(PGconn *conn, const QueryDemoSettings *settings, const char *path,
				const QueryItem *item, QueryOutcome *out)
{
	QuerySpec	spec = spec_of(item, item->sql.sql[0]);
	int			line = item->sql.lines[0];
	Error		error;

	if (!check_spec(conn, settings, path, item, &spec, line, &out->partitioned))
		return false;
	/* the reader gets the server's own text; the JSON above is what is checked */
	if (settings->text_plan &&
		!(out->text_plan = query_executor_explain_spec(conn, &spec, settings->analyze, false,
													   &error)))
	{
		report_error_on(conn, path, line, item->name, &error, item->table);
		out->partitioned.status = QUERY_STATUS_ERROR;
		return false;
	}
	return true;
}

/* The query on the table keeping the previous layout, against the unqualified annotations. */
static bool
run_previous(PGconn *conn, const QueryDemoSettings *settings, const char *path,
			 const QueryItem *item, const QueryTable *previous, QueryOutcome *out)
{
	QuerySpec	spec;

	if (!previous || item->previous.count == 0)
		return true;
	spec = spec_of(item, item->previous.sql[0]);
	out->compared = true;
	out->previous.expected = &item->expected;
	out->previous.table = previous;
	return check_spec(conn, settings, path, item, &spec, item->previous.lines[0], &out->previous);
}

/* The same query on the plain table, when the file has one and the table exists. */
static bool
run_plain(PGconn *conn, const QueryDemoSettings *settings, const char *path,
		  const QueryItem *item, QueryOutcome *out)
{
	QuerySpec	spec;
	Error		error;
	char	   *json;
	int			line;

	if (item->plain.count == 0)
		return true;
	spec = spec_of(item, item->plain.sql[0]);
	line = item->plain.lines[0];
	/* a plan without ANALYZE names the plain table and its access path, cheaply */
	if (!(json = query_executor_explain_spec(conn, &spec, false, true, &error)))
	{
		if (error_has_sqlstate(&error, "42P01"))
		{
			out->plain_missing = true;
			snprintf(out->plain_missing_reason, sizeof(out->plain_missing_reason), "%s",
					 error.message);
			return true;
		}
		report_error_on(conn, path, line, item->name, &error, out->plain_relation);
		return false;
	}
	out->plain_plan = parse_plan(json, path, line, item->name);
	free(json);
	if (!out->plain_plan)
		return false;
	out->plain_live_rows = -1;
	for (size_t i = 0; !out->plain_relation && i < out->plain_plan->scan_count; i++)
		out->plain_relation = out->plain_plan->scans[i].relation;
	if (out->plain_relation)
		out->plain_live_rows = query_tables_live_rows(conn, out->plain_relation);
	if (settings->analyze &&
		!(out->plain_timed = query_executor_measure(conn, &spec, settings->runs,
													&out->plain_timing, &error)))
	{
		report_error_on(conn, path, line, item->name, &error, out->plain_relation);
		return false;
	}
	return true;
}

void
query_demo_run(PGconn *conn, const QueryDemoSettings *settings, const char *path,
			   const QueryItem *item, const QueryTable *table, const QueryTable *previous,
			   QueryOutcome *out)
{
	memset(out, 0, sizeof(*out));
	out->status = QUERY_STATUS_ERROR;
	out->partitioned.status = QUERY_STATUS_ERROR;
	out->partitioned.table = table;
	out->partitioned.expected = query_layout_expectation(item, table);
	if (!table || !run_partitioned(conn, settings, path, item, out) ||
		!run_plain(conn, settings, path, item, out) ||
		!run_previous(conn, settings, path, item, previous, out))
		return;
	out->status = out->partitioned.status;
	/* a mismatch on either layout is one */
	if (out->compared && out->previous.status != QUERY_STATUS_OK &&
		(out->status == QUERY_STATUS_OK || out->previous.status != QUERY_STATUS_UNCHECKED))
		out->status = out->previous.status;
}

void
query_demo_outcome_free(QueryOutcome *out)
{
	explain_plan_free(out->partitioned.plan);
	explain_plan_verdict_free(out->partitioned.verdict);
	explain_plan_free(out->previous.plan);
	explain_plan_verdict_free(out->previous.verdict);
	free(out->text_plan);
	explain_plan_free(out->plain_plan);
	memset(out, 0, sizeof(*out));
}

const char *
query_demo_status_key(QueryStatus status)
{
	switch (status)
	{
		case QUERY_STATUS_OK:
			return "ok";
		case QUERY_STATUS_MISMATCH:
			return "mismatch";
		case QUERY_STATUS_UNCHECKED:
			return "unchecked";
		case QUERY_STATUS_ERROR:
			break;
	}
	return "error";
}

QuerySpeed
query_demo_speed(double ms, double other_ms)
{
	double		ratio;

	if (ms <= 0 || other_ms <= 0)
		return QUERY_SPEED_UNKNOWN;
	ratio = other_ms / ms;
	if (ratio >= 1 + QUERY_DEMO_TIE_FRACTION)
		return QUERY_SPEED_FASTER;
	if (ratio <= 1 / (1 + QUERY_DEMO_TIE_FRACTION))
		return QUERY_SPEED_SLOWER;
	return QUERY_SPEED_TIE;
}

const char *
query_demo_speed_key(QuerySpeed speed)
{
	switch (speed)
	{
		case QUERY_SPEED_FASTER:
			return "faster";
		case QUERY_SPEED_TIE:
			return "tie";
		case QUERY_SPEED_SLOWER:
			return "slower";
		case QUERY_SPEED_UNKNOWN:
			break;
	}
	return NULL;
}
