/* sql_runner.c: run .sql files statement by statement (see sql_runner.h). */
#include "sql_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "sql_splitter.h"
#include "text_file.h"

double
sql_runner_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Reports a failed statement at its line in the file. */
static void
report_statement_error(PGconn *conn, const PGresult *res, const char *path,
					   const SqlStatement *statement)
{
	const char *position = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	char		where[1024];
	int			line = statement->line;

	if (position)
		line = sql_statement_line_of_position(statement, strtol(position, NULL, 10));
	snprintf(where, sizeof(where), "%s:%d", path, line);
	db_report_error(res, conn, where);
}

bool
sql_runner_run_statements(PGconn *conn, const char *path, SqlRunResult *result)
{
	char		errbuf[256];
	char	   *text = text_file_read(path);
	SqlScript  *script;
	bool		ok = true;
	double		start = sql_runner_now_ms();

	if (result)
		memset(result, 0, sizeof(*result));
	if (!text)
		return false;
	script = sql_split(text, errbuf, sizeof(errbuf));
	free(text);
	if (!script)
	{
		log_error("%s: %s", path, errbuf);
		return false;
	}
	for (size_t i = 0; ok && i < script->count; i++)
	{
		/* the extended protocol refuses a string of several statements */
		PGresult   *res = PQexecParams(conn, script->statements[i].text, 0, NULL, NULL,
									   NULL, NULL, 0);
		ExecStatusType status = PQresultStatus(res);

		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		{
			report_statement_error(conn, res, path, &script->statements[i]);
			ok = false;
		}
		else if (result)
			result->statements++;
		PQclear(res);
	}
	sql_script_free(script);
	if (result)
		result->elapsed_ms = sql_runner_now_ms() - start;
	return ok;
}

bool
sql_runner_execute_file_hooked(PGconn *conn, const char *path, SqlRunnerHook before_commit,
							   void *arg, SqlRunResult *result)
{
	double		start = sql_runner_now_ms();
	SqlRunResult local;
	bool		ok;

	if (!result)
		result = &local;
	if (!db_command(conn, "BEGIN"))
		return false;
	ok = sql_runner_run_statements(conn, path, result);
	if (ok && before_commit)
		ok = before_commit(conn, path, sql_runner_now_ms() - start, arg);
	if (ok)
		ok = db_command(conn, "COMMIT");
	else if (PQstatus(conn) == CONNECTION_OK)
	{
		/* the file's changes are undone together; a failed ROLLBACK is reported */
		db_command(conn, "ROLLBACK");
	}
	result->elapsed_ms = sql_runner_now_ms() - start;
	return ok;
}

bool
sql_runner_execute_file(PGconn *conn, const char *path, SqlRunResult *result)
{
	return sql_runner_execute_file_hooked(conn, path, NULL, NULL, result);
}

bool
sql_runner_execute_files(PGconn *conn, const char *const *paths, int count)
{
	for (int i = 0; i < count; i++)
		if (!sql_runner_execute_file(conn, paths[i], NULL))
			return false;
	return true;
}
