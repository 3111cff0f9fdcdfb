/* sql_runner.c: run .sql files statement by statement (see sql_runner.h). */
#include "pg/sql_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"
#include "common/clock.h"
#include "common/text_file.h"

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

static void
clear_result(SqlRunResult *result)
{
	result->elapsed_ms = 0;
	result->statements = 0;
	result->error_line = 0;
	error_clear(&result->error);
}

/* The statement being run, for placing its failure. */
typedef struct Running
{
	const char *path;
	const SqlStatement *statement;
	const SqlRunOptions *options;
	SqlRunResult *result;
} Running;

/* Places a failure at its line in the file, then lets the caller's hook decide. */
static bool
place_failure(Error *error, void *arg)
{
	Running    *running = arg;
	const SqlRunOptions *options = running->options;

	running->result->error_line = error->position > 0
		? sql_statement_line_of_position(running->statement, error->position)
		: running->statement->line;
	error_set_where(error, "%s:%d", running->path, running->result->error_line);
	return options && options->on_statement_error &&
		options->on_statement_error(error, options->arg);
}

/*
 * Runs the statements up to the first failure, which is placed at its line in
 * the file and reported, unless options->on_statement_error deals with it.
 */
static bool
run_script(PGconn *conn, const char *path, const SqlScript *script, const bool *selected,
		   const SqlRunOptions *options, SqlRunResult *result)
{
	Running		running = {path, NULL, options, result};

	for (size_t i = 0; i < script->count; i++)
	{
		PGresult   *res;

		if (selected && !selected[i])
			continue;
		running.statement = &script->statements[i];
		/* the extended protocol refuses a string of several statements */
		res = db_query_handled(conn, running.statement->text, 0, NULL, &result->error,
							   place_failure, &running);
		if (!res)
			return false;
		result->statements++;
		PQclear(res);
	}
	return true;
}

/* COMMIT, reported as db_command() would, keeping the failure in the result. */
static bool
commit(PGconn *conn, SqlRunResult *result)
{
	PGresult   *res = db_query_handled(conn, "COMMIT", 0, NULL, &result->error, NULL, NULL);

	PQclear(res);
	return res != NULL;
}

/* SET LOCAL lock_timeout: back to the session's own after the transaction. */
static bool
set_local_lock_timeout(PGconn *conn, int lock_timeout_ms)
{
	char		timeout[32];

	snprintf(timeout, sizeof(timeout), "%dms", lock_timeout_ms);
	return db_set_config(conn, "lock_timeout", timeout, true, NULL);
}

bool
sql_runner_execute_script(PGconn *conn, const char *path, const SqlScript *script,
						  const SqlRunOptions *options, SqlRunResult *result)
{
	double		start = clock_now_ms();
	SqlRunResult local;
	bool		ok;

	if (!result)
		result = &local;
	clear_result(result);
	if (!db_command(conn, "BEGIN"))
		return false;
	ok = !options || options->lock_timeout_ms <= 0 ||
		set_local_lock_timeout(conn, options->lock_timeout_ms);
	ok = ok && run_script(conn, path, script, NULL, options, result);
	if (ok && options && options->before_commit)
		ok = options->before_commit(conn, path, clock_now_ms() - start, options->arg);
	if (ok)
		ok = commit(conn, result);
	else if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		/* the file's changes are undone together; a failed ROLLBACK is reported */
		db_command(conn, "ROLLBACK");
	}
	result->elapsed_ms = clock_now_ms() - start;
	return ok;
}

bool
sql_runner_run_selected(PGconn *conn, const char *path, const SqlScript *script,
						const bool *selected, const SqlRunOptions *options, SqlRunResult *result)
{
	double		start = clock_now_ms();
	bool		ok;

	clear_result(result);
	ok = run_script(conn, path, script, selected, options, result);
	result->elapsed_ms = clock_now_ms() - start;
	return ok;
}
