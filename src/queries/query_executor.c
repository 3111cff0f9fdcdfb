/* query_executor.c: timed execution and EXPLAIN (see query_executor.h). */
#include "queries/query_executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"
#include "common/clock.h"

/* the prepared statement behind a generic plan, one at a time */
#define STATEMENT_NAME "query_executor_stmt"
/* custom settings holding the values of EXPLAIN EXECUTE's arguments */
#define PARAM_SETTING "query_executor.param_%d"

/* The plan_cache_mode to restore, while a QuerySpec's mode is in force. */
typedef struct PlanModeState
{
	char		saved_mode[64];
	bool		mode_set;
	bool		prepared;
} PlanModeState;

/*
 * A failure found here (a mismatch, out of memory): handed back like a
 * server's, with the SQLSTATE the server would give it; reported (without
 * one) when error is NULL.
 */
static bool
fail_message(Error *error, const char *sqlstate, const char *message)
{
	error_set(error, "%s", message);
	if (error)
		snprintf(error->sqlstate, sizeof(error->sqlstate), "%s", sqlstate);
	return false;
}

/* The session's plan_cache_mode, into state->saved_mode. */
static bool
save_plan_mode(PGconn *conn, PlanModeState *state, Error *error)
{
	PGresult   *res = db_try_query(conn, "SELECT pg_catalog.current_setting('plan_cache_mode')",
								   0, NULL, error);

	if (!res)
		return false;
	snprintf(state->saved_mode, sizeof(state->saved_mode), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

/* Puts the spec's plan mode in force; for a generic plan, prepares the statement. */
static bool
plan_mode_begin(PGconn *conn, const QuerySpec *spec, PlanModeState *state, Error *error)
{
	memset(state, 0, sizeof(*state));
	if (spec->plan_mode == QUERY_PLAN_DEFAULT)
		return true;
	if (!save_plan_mode(conn, state, error) ||
		!db_set_config(conn, "plan_cache_mode", spec->plan_mode == QUERY_PLAN_GENERIC ?
					   "force_generic_plan" : "force_custom_plan", false, error))
		return false;
	state->mode_set = true;
	if (spec->plan_mode != QUERY_PLAN_GENERIC)
		return true;
	state->prepared = db_prepare(conn, STATEMENT_NAME, spec->sql, spec->nparams, error);
	return state->prepared;
}

/* Undoes plan_mode_begin, whatever happened in between. */
static void
plan_mode_end(PGconn *conn, PlanModeState *state)
{
	if (PQstatus(conn) != CONNECTION_OK)
		return;
	if (state->prepared)
		db_command(conn, "DEALLOCATE " STATEMENT_NAME);
	if (state->mode_set)
		db_set_config(conn, "plan_cache_mode", state->saved_mode, false, NULL);
}

/* Runs the spec once, in its mode (plan_mode_begin done); NULL on failure. */
static PGresult *
run_spec(PGconn *conn, const QuerySpec *spec, Error *error)
{
	if (spec->plan_mode == QUERY_PLAN_GENERIC)
		return db_try_query_prepared(conn, STATEMENT_NAME, spec->nparams, spec->params, error);
	return db_try_query(conn, spec->sql, spec->nparams, spec->params, error);
}

/* Rows returned by a query, or affected by a command. */
static long long
result_rows(PGresult *res)
{
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return PQntuples(res);
	return strtoll(PQcmdTuples(res), NULL, 10);
}

/* Joins the first column of every row, each followed by a newline. */
static char *
join_rows(const PGresult *res)
{
	size_t		len = 1;
	char	   *text,
			   *end;

	for (int row = 0; row < PQntuples(res); row++)
		len += strlen(PQgetvalue(res, row, 0)) + 1;
	if (!(text = malloc(len)))
		return NULL;
	end = text;
	for (int row = 0; row < PQntuples(res); row++)
	{
		size_t		line = strlen(PQgetvalue(res, row, 0));

		memcpy(end, PQgetvalue(res, row, 0), line);
		end += line;
		*end++ = '\n';
	}
	*end = '\0';
	return text;
}

static bool
append(char **buf, size_t *len, const char *text)
{
	size_t		add = strlen(text);
	char	   *grown = realloc(*buf, *len + add + 1);

	if (!grown)
		return false;
	memcpy(grown + *len, text, add + 1);
	*buf = grown;
	*len += add;
	return true;
}

/*
 * Stores the value of parameter i in its setting and appends its argument,
 * "current_setting('query_executor.param_N')::type", to the EXECUTE text.
 */
static bool
append_argument(PGconn *conn, const QuerySpec *spec, const PGresult *described, int i,
				char **text, size_t *len, Error *error)
{
	char		setting[64],
				oid[16],
				piece[256];
	const char *params[1] = {oid};
	PGresult   *type;
	bool		ok;

	snprintf(setting, sizeof(setting), PARAM_SETTING, i + 1);
	snprintf(oid, sizeof(oid), "%u", PQparamtype(described, i));
	if (!db_set_config(conn, setting, spec->params[i], false, error))
		return false;
	/* the type's name from the catalog is safe SQL (format_type quotes it) */
	type = db_try_query(conn, "SELECT pg_catalog.format_type($1::pg_catalog.oid, NULL)",
						1, params, error);
	if (!type)
		return false;
	snprintf(piece, sizeof(piece), "%spg_catalog.current_setting('%s')::%s",
			 i == 0 ? "(" : ", ", setting, PQgetvalue(type, 0, 0));
	PQclear(type);
	if (!(ok = append(text, len, piece)))
		fail_message(error, "", "out of memory");
	return ok;
}

/*
 * "EXECUTE stmt(current_setting('query_executor.param_1')::type, ...)" for
 * the prepared statement, after storing each value in its setting.
 */
static char *
execute_with_settings(PGconn *conn, const QuerySpec *spec, Error *error)
{
	PGresult   *described = db_describe_prepared(conn, STATEMENT_NAME, error);
	char	   *text = NULL;
	size_t		len = 0;
	bool		ok = described != NULL;

	if (ok && PQnparams(described) != spec->nparams)
	{
		char		message[128];

		/* the server infers the count from the text: more $n than values given */
		snprintf(message, sizeof(message), "the statement has %d parameters, %d values given",
				 PQnparams(described), spec->nparams);
		ok = fail_message(error, "08P01", message);
	}
	if (ok && !(ok = append(&text, &len, "EXECUTE " STATEMENT_NAME)))
		fail_message(error, "", "out of memory");
	for (int i = 0; ok && i < spec->nparams; i++)
		ok = append_argument(conn, spec, described, i, &text, &len, error);
	if (ok && spec->nparams > 0 && !(ok = append(&text, &len, ")")))
		fail_message(error, "", "out of memory");
	PQclear(described);
	if (!ok)
	{
		free(text);
		return NULL;
	}
	return text;
}

char *
query_executor_explain_spec(PGconn *conn, const QuerySpec *spec, bool analyze, bool json,
							Error *error)
{
	const char *options = analyze ? (json ? "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " :
									 "EXPLAIN (ANALYZE, BUFFERS) ") :
		(json ? "EXPLAIN (FORMAT JSON) " : "EXPLAIN ");
	PlanModeState state;
	char	   *explain = NULL,
			   *target = NULL,
			   *plan = NULL;
	size_t		len = 0;
	PGresult   *res = NULL;
	bool		generic = spec->plan_mode == QUERY_PLAN_GENERIC;

	if (!plan_mode_begin(conn, spec, &state, error))
		goto cleanup;
	if (generic && !(target = execute_with_settings(conn, spec, error)))
		goto cleanup;
	if (!append(&explain, &len, options) || !append(&explain, &len, generic ? target : spec->sql))
	{
		fail_message(error, "", "out of memory");
		goto cleanup;
	}
	/* the generic plan's values travel in the settings; EXPLAIN EXECUTE takes no parameters */
	res = db_try_query(conn, explain, generic ? 0 : spec->nparams,
					   generic ? NULL : spec->params, error);
	if (res && !(plan = join_rows(res)))
		fail_message(error, "", "out of memory");
cleanup:
	PQclear(res);
	plan_mode_end(conn, &state);
	free(explain);
	free(target);
	return plan;
}

PGresult *
query_executor_query(PGconn *conn, const char *sql, Error *error)
{
	return db_try_query(conn, sql, 0, NULL, error);
}

static int
compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

double
query_executor_median(double *values, int count)
{
	if (count <= 0)
		return 0;
	qsort(values, (size_t) count, sizeof(double), compare_doubles);
	return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static void
summarize(double *times, int runs, long long rows, QueryTimingStats *stats)
{
	stats->median_ms = query_executor_median(times, runs);
	stats->min_ms = times[0];	/* sorted by the median */
	stats->max_ms = times[runs - 1];
	stats->runs = runs;
	stats->rows = rows;
}

/* The times of runs runs (caller frees), stats emptied; NULL on failure. */
static double *
start_timing(int runs, QueryTimingStats *stats, Error *error)
{
	double	   *times = runs > 0 ? calloc((size_t) runs, sizeof(double)) : NULL;

	memset(stats, 0, sizeof(*stats));
	if (!times)
		fail_message(error, "", runs > 0 ? "out of memory" : "no runs to time");
	return times;
}

bool
query_executor_measure(PGconn *conn, const QuerySpec *spec, int runs, QueryTimingStats *stats,
					   Error *error)
{
	PlanModeState state;
	double	   *times = start_timing(runs, stats, error);
	long long	rows = 0;
	bool		ok;

	if (!times)
		return false;
	ok = plan_mode_begin(conn, spec, &state, error);
	/* run 0 warms the caches and is not counted */
	for (int run = 0; ok && run <= runs; run++)
	{
		double		start = clock_now_ms();
		PGresult   *res = run_spec(conn, spec, error);
		double		elapsed = clock_now_ms() - start;

		if (!(ok = res != NULL))
			break;
		if (run > 0)
		{
			times[run - 1] = elapsed;
			rows = result_rows(res);
		}
		PQclear(res);
	}
	plan_mode_end(conn, &state);
	if (ok)
		summarize(times, runs, rows, stats);
	free(times);
	return ok;
}

/*
 * One run: BEGIN, the lock statement (not timed), the statements (timed),
 * ROLLBACK.  *failed: the index of the statement that failed, else -1.
 */
static bool
run_rolled_back(PGconn *conn, const char *lock_sql, const char *const *statements, int count,
				double *elapsed, long long *rows, int *failed, Error *error)
{
	bool		ok;
	double		start;

	if (!db_try_command(conn, "BEGIN", error))
		return false;
	ok = !lock_sql || db_try_command(conn, lock_sql, error);
	start = clock_now_ms();
	*rows = 0;
	for (int i = 0; ok && i < count; i++)
	{
		PGresult   *res = db_try_query(conn, statements[i], 0, NULL, error);

		if ((ok = res != NULL))
			*rows += result_rows(res);
		else
			*failed = i;
		PQclear(res);
	}
	*elapsed = clock_now_ms() - start;
	/* nothing done here may stay: roll back even after a failure */
	if (PQstatus(conn) == CONNECTION_OK && !db_try_command(conn, "ROLLBACK", ok ? error : NULL))
		ok = false;
	return ok;
}

bool
query_executor_measure_rolled_back(PGconn *conn, const char *lock_sql,
								   const char *const *statements, int count, int runs,
								   QueryTimingStats *stats, int *failed_statement,
								   Error *error)
{
	double	   *times = start_timing(runs, stats, error);
	long long	rows = 0;
	bool		ok = times != NULL;

	*failed_statement = -1;
	for (int run = 0; ok && run < runs; run++)
		ok = run_rolled_back(conn, lock_sql, statements, count, &times[run], &rows,
							 failed_statement, error);
	if (ok)
		summarize(times, runs, rows, stats);
	free(times);
	return ok;
}
