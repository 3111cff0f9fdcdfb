/* query_demo.c: run one annotated query both ways (see query_demo.h). */
#include "query_demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void
query_demo_report_error(const char *path, int line, const char *name, const QueryError *error)
{
	log_error("%s:%d: %s: %s%s%s%s", path, line, name, error->message,
			  error->sqlstate[0] ? " (SQLSTATE " : "", error->sqlstate,
			  error->sqlstate[0] ? ")" : "");
	if (error->detail[0])
		log_detail("%s", error->detail);
	if (error->hint[0])
		log_hint("%s", error->hint);
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
	char		errbuf[256];
	ExplainPlan *plan = explain_plan_parse(json, errbuf, sizeof(errbuf));

	if (!plan)
		log_error("%s:%d: %s: could not read the JSON plan: %s", path, line, name, errbuf);
	return plan;
}

/* Checks the plan against the annotation. */
static QueryStatus
judge(const QueryItem *item, const ExplainPlan *plan, const PruningVerdict *verdict)
{
	/* without ANALYZE, scans skipped during execution look like scans */
	if (!plan->analyzed && item->pruning == PRUNING_RUN_TIME && !verdict->run_time)
		return QUERY_STATUS_UNCHECKED;
	if (!verdict->sets_match)
		return QUERY_STATUS_MISMATCH;
	if (item->pruning != PRUNING_UNSPECIFIED && item->pruning != verdict->kind)
		return QUERY_STATUS_MISMATCH;
	return QUERY_STATUS_OK;
}

/* EXPLAIN, verdict and timings of the query on the partitioned table. */
static bool
run_partitioned(PGconn *conn, const QueryDemoSettings *settings, const char *path,
				const QueryItem *item, const QueryTable *table, QueryOutcome *out)
{
	QuerySpec	spec = spec_of(item, item->sql.sql[0]);
	int			line = item->sql.lines[0];
	QueryError	error = {.statement = -1};
	char	   *json = query_executor_explain_spec(conn, &spec, settings->analyze, true, &error);
	const char *const *expected = item->expect_all ? (const char *const *) table->leaves :
		(const char *const *) item->expect;

	if (!json)
	{
		query_demo_report_error(path, line, item->name, &error);
		return false;
	}
	out->plan = parse_plan(json, path, line, item->name);
	free(json);
	if (!out->plan)
		return false;
	out->verdict = explain_plan_verdict(out->plan, (const char *const *) table->leaves,
										table->leaf_count, expected,
										item->expect_all ? table->leaf_count : item->expect_count);
	if (!out->verdict)
	{
		log_error("out of memory");
		return false;
	}
	out->status = judge(item, out->plan, out->verdict);
	/* the reader gets the server's own text; the JSON above is what is checked */
	if (settings->text_plan &&
		!(out->text_plan = query_executor_explain_spec(conn, &spec, settings->analyze, false,
													   &error)))
	{
		query_demo_report_error(path, line, item->name, &error);
		return false;
	}
	if (settings->analyze &&
		!(out->timed = query_executor_measure(conn, &spec, settings->runs, &out->timing, &error)))
	{
		query_demo_report_error(path, line, item->name, &error);
		return false;
	}
	return true;
}

/* The same query on the plain table, when the file has one and the table exists. */
static bool
run_plain(PGconn *conn, const QueryDemoSettings *settings, const char *path,
		  const QueryItem *item, QueryOutcome *out)
{
	QuerySpec	spec;
	QueryError	error = {.statement = -1};
	char	   *json;
	int			line;

	if (item->plain.count == 0)
		return true;
	spec = spec_of(item, item->plain.sql[0]);
	line = item->plain.lines[0];
	/* a plan without ANALYZE names the plain table and its access path, cheaply */
	if (!(json = query_executor_explain_spec(conn, &spec, false, true, &error)))
	{
		if (strcmp(error.sqlstate, "42P01") == 0)
		{
			out->plain_missing = true;
			snprintf(out->plain_missing_reason, sizeof(out->plain_missing_reason), "%s",
					 error.message);
			return true;
		}
		query_demo_report_error(path, line, item->name, &error);
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
		query_demo_report_error(path, line, item->name, &error);
		return false;
	}
	return true;
}

void
query_demo_run(PGconn *conn, const QueryDemoSettings *settings, const char *path,
			   const QueryItem *item, const QueryTable *table, QueryOutcome *out)
{
	memset(out, 0, sizeof(*out));
	out->status = QUERY_STATUS_ERROR;
	if (!table || !run_partitioned(conn, settings, path, item, table, out) ||
		out->status == QUERY_STATUS_ERROR || !run_plain(conn, settings, path, item, out))
		out->status = QUERY_STATUS_ERROR;
}

void
query_demo_outcome_free(QueryOutcome *out)
{
	explain_plan_free(out->plan);
	explain_plan_verdict_free(out->verdict);
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
