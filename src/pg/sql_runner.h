/*
 * sql_runner.h: execute .sql files, one statement at a time, all of a file in
 * one transaction.
 *
 * A failing statement is reported as "file:line: message (SQLSTATE ...)" with
 * the server's detail, hint and context, and the file's transaction is rolled
 * back: a file is applied completely or not at all.  The files therefore hold
 * no BEGIN/COMMIT of their own (psql -1 -f runs them the same way by hand).
 */
#ifndef SQL_RUNNER_H
#define SQL_RUNNER_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/error.h"
#include "pg/sql_splitter.h"

/*
 * Called after the file's last statement, inside its transaction; returning
 * false rolls the file back.  Setup uses it to record the file as applied in
 * the same transaction.
 */
typedef bool (*SqlRunnerHook) (PGconn *conn, const char *path, double elapsed_ms, void *arg);

/*
 * Called when a statement fails, before the runner reports it; error->where
 * is "file:line".  Returns true when the caller has dealt with the failure
 * (a retry prints one short line, say), false to have it reported in full.
 */
typedef bool (*SqlRunnerErrorHook) (const Error *error, void *arg);

/* What a caller adds to a file's run; every field may be zero. */
typedef struct SqlRunOptions
{
	SqlRunnerHook before_commit;
	SqlRunnerErrorHook on_statement_error;
	void	   *arg;			/* passed to both */
	int			lock_timeout_ms;	/* lock_timeout of the file's transaction (SET
									 * LOCAL, before its statements); 0: the
									 * session's */
} SqlRunOptions;

typedef struct SqlRunResult
{
	double		elapsed_ms;		/* wall time of the file, commit included */
	int			statements;		/* statements executed */
	int			error_line;		/* where a failed statement failed, 0 if none did */
	Error		error;			/* of the failed statement or COMMIT, already
								 * reported (or dealt with by the hook): to
								 * inspect; empty after a success */
} SqlRunResult;

/* Reads and splits a file as the runner runs it; NULL (reported) on error. */
SqlScript  *sql_runner_read_script(const char *path);

/*
 * Runs a script read from path (for messages) in one transaction (BEGIN ...
 * COMMIT), the spec's executeSqlFile, with options (may be NULL); a caller
 * that retries reads the file only once.  result may be NULL.
 */
bool		sql_runner_execute_script(PGconn *conn, const char *path, const SqlScript *script,
									  const SqlRunOptions *options, SqlRunResult *result);

/*
 * Runs the statements of script whose selected[i] is true, in order, inside
 * the caller's transaction (no BEGIN/COMMIT here); stops at the first
 * failure, reported at its file:line unless options->on_statement_error
 * deals with it (before_commit is not used here; options may be NULL).
 */
bool		sql_runner_run_selected(PGconn *conn, const char *path, const SqlScript *script,
									const bool *selected, const SqlRunOptions *options,
									SqlRunResult *result);


#endif
