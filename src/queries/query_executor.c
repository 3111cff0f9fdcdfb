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

/* Stores a failure in error when given, else reports it. */
static void
fail(PGconn *conn, const PGresult *res, QueryError *error, const char *where)
{
	const char *sqlstate,
			   *message,
			   *detail,
			   *hint;

	if (!error)
	{
		db_report_error(res, conn, where);
		return;
	}
	sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	snprintf(error->sqlstate, sizeof(error->sqlstate), "%s", sqlstate ? sqlstate : "");
	snprintf(error->message, sizeof(error->message), "%s",
			 message ? message : PQerrorMessage(conn));
	/* a client-side message from libpq may span lines: keep the first */
	error->message[strcspn(error->message, "\n")] = '\0';
	snprintf(error->detail, sizeof(error->detail), "%s", detail ? detail : "");
	snprintf(error->hint, sizeof(error->hint), "%s", hint ? hint : "");
	error->statement = -1;
}

/* A client-side failure (out of memory, a mismatch): stored or reported like a server's. */
static void
fail_message(QueryError *error, const char *sqlstate, const char *message)
{
	if (!error)
	{
		log_error("%s", message);
		return;
	}
	memset(error, 0, sizeof(*error));
	error->statement = -1;
	snprintf(error->sqlstate, sizeof(error->sqlstate), "%s", sqlstate);
	snprintf(error->message, sizeof(error->message), "%s", message);
}

static bool
result_ok(const PGresult *res)
{
	ExecStatusType status = PQresultStatus(res);

	return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

/* Runs a command without parameters; a failure is stored or reported. */
static bool
command(PGconn *conn, const char *sql, QueryError *error)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = result_ok(res);

	if (!ok)
		fail(conn, res, error, NULL);
	PQclear(res);
	return ok;
}

/* Sets a setting for the session (is_local false) or the transaction (true). */
static bool
set_setting(PGconn *conn, const char *name, const char *value, bool local, QueryError *error)
{
	const char *params[3] = {name, value, local ? "true" : "false"};
	PGresult   *res = PQexecParams(conn, "SELECT pg_catalog.set_config($1, $2, $3::boolean)",
								   3, NULL, params, NULL, NULL, 0);
	bool		ok = result_ok(res);

	if (!ok)
		fail(conn, res, error, NULL);
	PQclear(res);
	return ok;
}

/* Puts the spec's plan mode in force; for a generic plan, prepares the statement. */
static bool
plan_mode_begin(PGconn *conn, const QuerySpec *spec, PlanModeState *state, QueryError *error)
{
	PGresult   *res;

	memset(state, 0, sizeof(*state));
	if (spec->plan_mode == QUERY_PLAN_DEFAULT)
		return true;
	res = PQexec(conn, "SELECT pg_catalog.current_setting('plan_cache_mode')");
	if (!result_ok(res) || PQntuples(res) != 1)
	{
		fail(conn, res, error, NULL);
		PQclear(res);
		return false;
	}
	snprintf(state->saved_mode, sizeof(state->saved_mode), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!set_setting(conn, "plan_cache_mode", spec->plan_mode == QUERY_PLAN_GENERIC ?
					 "force_generic_plan" : "force_custom_plan", false, error))
		return false;
	state->mode_set = true;
	if (spec->plan_mode != QUERY_PLAN_GENERIC)
		return true;
	res = PQprepare(conn, STATEMENT_NAME, spec->sql, spec->nparams, NULL);
	state->prepared = result_ok(res);
	if (!state->prepared)
		fail(conn, res, error, NULL);
	PQclear(res);
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
		set_setting(conn, "plan_cache_mode", state->saved_mode, false, NULL);
}

/* Runs the spec once, in its mode (plan_mode_begin done). */
static PGresult *
run_spec(PGconn *conn, const QuerySpec *spec)
{
	if (spec->plan_mode == QUERY_PLAN_GENERIC)
		return PQexecPrepared(conn, STATEMENT_NAME, spec->nparams, spec->params, NULL, NULL, 0);
	return PQexecParams(conn, spec->sql, spec->nparams, NULL, spec->params, NULL, NULL, 0);
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
 * "EXECUTE stmt(current_setting('query_executor.param_1')::type, ...)" for
 * the prepared statement, after storing each value in its setting.
 */
static char *
execute_with_settings(PGconn *conn, const QuerySpec *spec, QueryError *error)
{
	PGresult   *described = PQdescribePrepared(conn, STATEMENT_NAME);
	char	   *text = NULL;
	size_t		len = 0;
	bool		ok = result_ok(described);

	if (!ok)
		fail(conn, described, error, NULL);
	else if (PQnparams(described) != spec->nparams)
	{
		char		message[128];

		/* the server infers the count from the text: more $n than values given */
		snprintf(message, sizeof(message), "the statement has %d parameters, %d values given",
				 PQnparams(described), spec->nparams);
		fail_message(error, "08P01", message);
		ok = false;
	}
	if (ok && !(ok = append(&text, &len, "EXECUTE " STATEMENT_NAME)))
		fail_message(error, "", "out of memory");
	for (int i = 0; ok && i < spec->nparams; i++)
	{
		char		setting[64],
					oid[16],
					piece[256];
		const char *params[1] = {oid};
		PGresult   *type;

		snprintf(setting, sizeof(setting), PARAM_SETTING, i + 1);
		snprintf(oid, sizeof(oid), "%u", PQparamtype(described, i));
		if (!set_setting(conn, setting, spec->params[i], false, error))
			ok = false;
		else
		{
			/* the type's name from the catalog is safe SQL (format_type quotes it) */
			type = PQexecParams(conn, "SELECT pg_catalog.format_type($1::pg_catalog.oid, NULL)",
								1, NULL, params, NULL, NULL, 0);
			if ((ok = result_ok(type) && PQntuples(type) == 1))
			{
				snprintf(piece, sizeof(piece), "%spg_catalog.current_setting('%s')::%s",
						 i == 0 ? "(" : ", ", setting, PQgetvalue(type, 0, 0));
				if (!(ok = append(&text, &len, piece)))
					fail_message(error, "", "out of memory");
			}
			else
				fail(conn, type, error, NULL);
			PQclear(type);
		}
	}
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
							QueryError *error)
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
	res = PQexecParams(conn, explain, generic ? 0 : spec->nparams, NULL,
					   generic ? NULL : spec->params, NULL, NULL, 0);
	if (!result_ok(res))
		fail(conn, res, error, NULL);
	else if (!(plan = join_rows(res)))
		fail_message(error, "", "out of memory");
cleanup:
	PQclear(res);
	plan_mode_end(conn, &state);
	free(explain);
	free(target);
	return plan;
}

PGresult *
query_executor_query(PGconn *conn, const char *sql, QueryError *error)
{
	PGresult   *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);

	if (result_ok(res))
		return res;
	fail(conn, res, error, NULL);
	PQclear(res);
	return NULL;
}

char *
query_executor_explain(PGconn *conn, const char *sql, int nparams, const char *const *params,
					   bool analyze)
{
	QuerySpec	spec = {.sql = sql, .nparams = nparams, .params = params};

	return query_executor_explain_spec(conn, &spec, analyze, false, NULL);
}

PGresult *
query_executor_execute(PGconn *conn, const char *sql, int nparams, const char *const *params,
					   QueryTiming *timing)
{
	double		start = clock_now_ms();
	PGresult   *res = db_query(conn, sql, nparams, params);

	if (timing)
	{
		timing->elapsed_ms = clock_now_ms() - start;
		timing->rows = res ? PQntuples(res) : 0;
	}
	return res;
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

bool
query_executor_measure(PGconn *conn, const QuerySpec *spec, int runs, QueryTimingStats *stats,
					   QueryError *error)
{
	PlanModeState state;
	double	   *times = calloc((size_t) (runs > 0 ? runs : 1), sizeof(double));
	long long	rows = 0;
	bool		ok = times != NULL && runs > 0;

	memset(stats, 0, sizeof(*stats));
	if (!ok)
	{
		fail_message(error, "", times ? "no runs to time" : "out of memory");
		free(times);
		return false;
	}
	ok = plan_mode_begin(conn, spec, &state, error);
	/* run 0 warms the caches and is not counted */
	for (int run = 0; ok && run <= runs; run++)
	{
		double		start = clock_now_ms();
		PGresult   *res = run_spec(conn, spec);
		double		elapsed = clock_now_ms() - start;

		if (!(ok = result_ok(res)))
			fail(conn, res, error, NULL);
		else if (run > 0)
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

/* One run: BEGIN, the lock statement (not timed), the statements (timed), ROLLBACK. */
static bool
run_rolled_back(PGconn *conn, const char *lock_sql, const char *const *statements, int count,
				double *elapsed, long long *rows, QueryError *error)
{
	bool		ok;
	double		start;

	if (!command(conn, "BEGIN", error))
		return false;
	ok = !lock_sql || command(conn, lock_sql, error);
	start = clock_now_ms();
	*rows = 0;
	for (int i = 0; ok && i < count; i++)
	{
		PGresult   *res = PQexecParams(conn, statements[i], 0, NULL, NULL, NULL, NULL, 0);

		if ((ok = result_ok(res)))
			*rows += result_rows(res);
		else
		{
			fail(conn, res, error, NULL);
			if (error)
				error->statement = i;
		}
		PQclear(res);
	}
	*elapsed = clock_now_ms() - start;
	/* nothing done here may stay: roll back even after a failure */
	if (PQstatus(conn) == CONNECTION_OK && !command(conn, "ROLLBACK", ok ? error : NULL))
		ok = false;
	return ok;
}

bool
query_executor_measure_rolled_back(PGconn *conn, const char *lock_sql,
								   const char *const *statements, int count, int runs,
								   QueryTimingStats *stats, QueryError *error)
{
	double	   *times = calloc((size_t) (runs > 0 ? runs : 1), sizeof(double));
	long long	rows = 0;
	bool		ok = times != NULL && runs > 0;

	memset(stats, 0, sizeof(*stats));
	if (!ok)
		fail_message(error, "", times ? "no runs to time" : "out of memory");
	for (int run = 0; ok && run < runs; run++)
		ok = run_rolled_back(conn, lock_sql, statements, count, &times[run], &rows, error);
	if (ok)
		summarize(times, runs, rows, stats);
	free(times);
	return ok;
}
