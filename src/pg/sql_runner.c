/* sql_runner.c: run .sql files statement by statement (see sql_runner.h). */
#include "pg/sql_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg/db.h"
#include "common/log.h"
#include "common/text_file.h"

double
sql_runner_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

SqlScript *
sql_runner_read_script(const char *path)
{
	Error		error;
	char	   *text = text_file_read(path);
	SqlScript  *script;

	if (!text)
		return NULL;
	script = sql_split(text, &error);
	free(text);
	if (!script)
	{
		error_set_where(&error, "%s", path);
		error_report(&error);
	}
	return script;
}

/* Keeps the SQLSTATE of a failure; a client-side one has none. */
static void
keep_sqlstate(SqlRunResult *result, const PGresult *res)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	snprintf(result->sqlstate, sizeof(result->sqlstate), "%s", sqlstate ? sqlstate : "");
}

/*
 * Runs the statements up to the first failure, which is placed at its line in
 * the file and reported, unless options->on_statement_error deals with it.
 */
static bool
run_script(PGconn *conn, const char *path, const SqlScript *script, const bool *selected,
		   const SqlRunOptions *options, SqlRunResult *result)
{
	for (size_t i = 0; i < script->count; i++)
	{
		const SqlStatement *statement = &script->statements[i];

		if (selected && !selected[i])
			continue;

		/* the extended protocol refuses a string of several statements */
		PGresult   *res = PQexecParams(conn, statement->text, 0, NULL, NULL, NULL, NULL, 0);
		ExecStatusType status = PQresultStatus(res);

		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		{
			const char *position = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
			char		where[1024];

			result->error_line = position
				? sql_statement_line_of_position(statement, strtol(position, NULL, 10))
				: statement->line;
			keep_sqlstate(result, res);
			snprintf(where, sizeof(where), "%s:%d", path, result->error_line);
			if (!options || !options->on_statement_error ||
				!options->on_statement_error(res, where, options->arg))
				db_report_error(res, conn, where);
			PQclear(res);
			return false;
		}
		result->statements++;
		PQclear(res);
	}
	return true;
}

/* COMMIT, reported as db_command() would, keeping the failure's SQLSTATE. */
static bool
commit(PGconn *conn, SqlRunResult *result)
{
	PGresult   *res = PQexec(conn, "COMMIT");
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
	{
		keep_sqlstate(result, res);
		db_report_error(res, conn, NULL);
	}
	PQclear(res);
	return ok;
}

/* SET LOCAL lock_timeout: back to the session's own after the transaction. */
static bool
set_local_lock_timeout(PGconn *conn, int lock_timeout_ms)
{
	char		timeout[32];
	const char *params[1] = {timeout};
	PGresult   *res;

	snprintf(timeout, sizeof(timeout), "%dms", lock_timeout_ms);
	res = db_query(conn, "SELECT pg_catalog.set_config('lock_timeout', $1, true)", 1, params);
	PQclear(res);
	return res != NULL;
}

bool
sql_runner_execute_script(PGconn *conn, const char *path, const SqlScript *script,
						  const SqlRunOptions *options, SqlRunResult *result)
{
	double		start = sql_runner_now_ms();
	SqlRunResult local;
	bool		ok;

	if (!result)
		result = &local;
	memset(result, 0, sizeof(*result));
	if (!db_command(conn, "BEGIN"))
		return false;
	ok = !options || options->lock_timeout_ms <= 0 ||
		set_local_lock_timeout(conn, options->lock_timeout_ms);
	ok = ok && run_script(conn, path, script, NULL, options, result);
	if (ok && options && options->before_commit)
		ok = options->before_commit(conn, path, sql_runner_now_ms() - start, options->arg);
	if (ok)
		ok = commit(conn, result);
	else if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		/* the file's changes are undone together; a failed ROLLBACK is reported */
		db_command(conn, "ROLLBACK");
	}
	result->elapsed_ms = sql_runner_now_ms() - start;
	return ok;
}

bool
sql_runner_run_selected(PGconn *conn, const char *path, const SqlScript *script,
						const bool *selected, const SqlRunOptions *options, SqlRunResult *result)
{
	double		start = sql_runner_now_ms();
	bool		ok;

	memset(result, 0, sizeof(*result));
	ok = run_script(conn, path, script, selected, options, result);
	result->elapsed_ms = sql_runner_now_ms() - start;
	return ok;
}

bool
sql_runner_execute_file_hooked(PGconn *conn, const char *path, SqlRunnerHook before_commit,
							   void *arg, SqlRunResult *result)
{
	double		start = sql_runner_now_ms();
	SqlRunOptions options = {.before_commit = before_commit, .arg = arg};
	SqlScript  *script = sql_runner_read_script(path);
	bool		ok;

	if (!script)
	{
		if (result)
			memset(result, 0, sizeof(*result));
		return false;
	}
	ok = sql_runner_execute_script(conn, path, script, &options, result);
	sql_script_free(script);
	if (result)
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
