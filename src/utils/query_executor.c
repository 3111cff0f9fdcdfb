/* query_executor.c: timed execution and EXPLAIN (see query_executor.h). */
#include "query_executor.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "sql_runner.h"

PGresult *
query_executor_execute(PGconn *conn, const char *sql, int nparams, const char *const *params,
					   QueryTiming *timing)
{
	double		start = sql_runner_now_ms();
	PGresult   *res = db_query(conn, sql, nparams, params);

	if (timing)
	{
		timing->elapsed_ms = sql_runner_now_ms() - start;
		timing->rows = res ? PQntuples(res) : 0;
	}
	return res;
}

char *
query_executor_explain(PGconn *conn, const char *sql, int nparams, const char *const *params,
					   bool analyze)
{
	const char *prefix = analyze ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN ";
	char	   *explain = malloc(strlen(prefix) + strlen(sql) + 1);
	PGresult   *res;
	size_t		len = 0;
	char	   *text = NULL;

	if (!explain)
		return NULL;
	strcpy(explain, prefix);
	strcat(explain, sql);
	res = db_query(conn, explain, nparams, params);
	free(explain);
	if (!res)
		return NULL;
	for (int row = 0; row < PQntuples(res); row++)
		len += strlen(PQgetvalue(res, row, 0)) + 1;
	if ((text = malloc(len + 1)) != NULL)
	{
		char	   *end = text;

		for (int row = 0; row < PQntuples(res); row++)
		{
			size_t		line = strlen(PQgetvalue(res, row, 0));

			memcpy(end, PQgetvalue(res, row, 0), line);
			end += line;
			*end++ = '\n';
		}
		*end = '\0';
	}
	PQclear(res);
	return text;
}
