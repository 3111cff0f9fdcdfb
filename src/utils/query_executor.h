/*
 * query_executor.h: run a query with timing, and show its plan.
 *
 * The spec's executeQuery / showExplain.  Parameters are always passed as
 * parameters ($1, $2, ...), never pasted into the query text.
 */
#ifndef QUERY_EXECUTOR_H
#define QUERY_EXECUTOR_H

#include <stdbool.h>
#include <libpq-fe.h>

typedef struct QueryTiming
{
	double		elapsed_ms;		/* client-side wall time, round trip included */
	int			rows;			/* rows returned */
} QueryTiming;

/*
 * Executes sql with text parameters and measures it.  Returns the result on
 * success (caller PQclears it), or reports the error and returns NULL.
 */
PGresult   *query_executor_execute(PGconn *conn, const char *sql, int nparams,
								   const char *const *params, QueryTiming *timing);

/*
 * Returns the plan of sql as text, one line per plan line, from
 * EXPLAIN (ANALYZE, BUFFERS) when analyze is true, else plain EXPLAIN.
 * The caller frees the string; NULL on error (reported).
 */
char	   *query_executor_explain(PGconn *conn, const char *sql, int nparams,
								   const char *const *params, bool analyze);

#endif
