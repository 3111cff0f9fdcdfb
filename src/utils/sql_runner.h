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

/*
 * Called after the file's last statement, inside its transaction; returning
 * false rolls the file back.  Setup uses it to record the file as applied in
 * the same transaction.
 */
typedef bool (*SqlRunnerHook) (PGconn *conn, const char *path, double elapsed_ms, void *arg);

typedef struct SqlRunResult
{
	double		elapsed_ms;		/* wall time of the file, commit included */
	int			statements;		/* statements executed */
} SqlRunResult;

/* Runs the statements of a file without transaction control of its own. */
bool		sql_runner_run_statements(PGconn *conn, const char *path, SqlRunResult *result);

/* Runs a file in one transaction (BEGIN ... COMMIT), the spec's executeSqlFile. */
bool		sql_runner_execute_file(PGconn *conn, const char *path, SqlRunResult *result);

/* As sql_runner_execute_file, calling before_commit inside the transaction. */
bool		sql_runner_execute_file_hooked(PGconn *conn, const char *path,
										   SqlRunnerHook before_commit, void *arg,
										   SqlRunResult *result);

/* Runs files in order, each in its own transaction; stops at the first failure. */
bool		sql_runner_execute_files(PGconn *conn, const char *const *paths, int count);

/* Milliseconds from CLOCK_MONOTONIC, for timing steps. */
double		sql_runner_now_ms(void);

#endif
