/*
 * query_executor.h: run a query with timing, and show its plan.
 *
 * The spec's executeQuery / showExplain, on the query layer (pg/query.h).
 * Parameters are always passed as parameters ($1, $2, ...), never pasted
 * into the query text.  Every function here takes an Error: a failure is
 * handed back in it, or reported when it is NULL (common/error.h).
 *
 * A QuerySpec also says which plan the server should use.  A generic plan is
 * made by preparing the statement under plan_cache_mode = force_generic_plan:
 * the planner then cannot see the values, and partitions can only be pruned
 * at run time.  EXPLAIN of a prepared statement needs its arguments in the SQL
 * text ("EXPLAIN EXECUTE s(...)": a utility statement takes no protocol
 * parameters), so each value is first stored with set_config() (sent as a
 * parameter) and the arguments read it back with current_setting(), cast to
 * the statement's parameter types.
 */
#ifndef QUERY_EXECUTOR_H
#define QUERY_EXECUTOR_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/error.h"

typedef enum QueryPlanMode
{
	QUERY_PLAN_DEFAULT,			/* whatever the session's plan_cache_mode gives */
	QUERY_PLAN_CUSTOM,			/* planned with the values (plan_cache_mode = force_custom_plan) */
	QUERY_PLAN_GENERIC			/* prepared, planned without the values (force_generic_plan) */
} QueryPlanMode;

typedef struct QuerySpec
{
	const char *sql;
	int			nparams;
	const char *const *params;	/* text values of $1 ... $n */
	QueryPlanMode plan_mode;
} QuerySpec;

/* Median and spread of several timed runs. */
typedef struct QueryTimingStats
{
	double		median_ms;
	double		min_ms;
	double		max_ms;
	int			runs;
	long long	rows;			/* rows returned (or affected) by one run */
} QueryTimingStats;

/*
 * Runs sql (no parameters) and returns its result (caller PQclears it), or
 * NULL with the failure in *error.
 */
PGresult   *query_executor_query(PGconn *conn, const char *sql, Error *error);

/*
 * EXPLAIN of a QuerySpec with its plan mode: (ANALYZE, BUFFERS) when analyze,
 * FORMAT JSON when json.  Returns the plan text, one line per plan line
 * (caller frees), or NULL: then the failure is in *error when error is
 * given, else reported.
 */
char	   *query_executor_explain_spec(PGconn *conn, const QuerySpec *spec, bool analyze,
										bool json, Error *error);

/*
 * Runs the query once to warm up, then runs times, and reports the median,
 * minimum and maximum wall time at the client.  On failure returns false,
 * with the failure in *error when error is given, else reported.
 */
bool		query_executor_measure(PGconn *conn, const QuerySpec *spec, int runs,
								   QueryTimingStats *stats, Error *error);

/*
 * Times statements run together inside BEGIN ... ROLLBACK, runs times (each
 * run rolled back).  lock_sql (NULL: none) runs first in each transaction,
 * not timed: the locks the statements need, taken so that a busy table fails
 * at once (NOWAIT) instead of queueing; other waits are bounded by the
 * session's lock_timeout.  rows is the sum of the rows the statements
 * affected.  On failure returns false, with the failure in *error when error
 * is given, else reported, and *failed_statement the index of the statement
 * that failed (-1: lock_sql, BEGIN or ROLLBACK).
 */
bool		query_executor_measure_rolled_back(PGconn *conn, const char *lock_sql,
											   const char *const *statements, int count,
											   int runs, QueryTimingStats *stats,
											   int *failed_statement, Error *error);

/* The median of values (reorders them); 0 for none. */
double		query_executor_median(double *values, int count);

#endif
