/* setup_steps.c: the files of setup-database and how each runs (see setup_steps.h). */
#include "setup/setup_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/paths.h"
#include "pg/db.h"
#include "pg/lock_holder.h"
#include "pg/sql_retry_runner.h"

/* Project helper objects (schema partition_demo), safe to run every time. */
#define HELPERS_FILE "lib/partition_demo.sql"
/* Drops this project's objects and only those. */
#define RESET_FILE "lib/reset.sql"
/* The SQL side of --online (safe to run every time, as the helpers). */
#define ONLINE_FILE "online/00_online_functions.sql"

/* One file's run, for its hooks. */
typedef struct FileRun
{
	const char *file;			/* as recorded in partition_demo.applied_scripts */
	const char *const *tables;	/* whose lock holders to name; NULL: none */
} FileRun;

const SetupStep *
setup_steps(void)
{
	static SetupStep steps[SETUP_STEP_COUNT] = {
		{"00_setup_base_tables.sql", NULL},
		{"00_initial_seed_data.sql", NULL},
	};

	/* the same values at every call */
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		steps[2 + t] = (SetupStep) {demo_table(t)->migration_file, demo_table(t)};
	return steps;
}

bool
setup_step_selected(const SetupOptions *options, const SetupStep *step)
{
	return !options->table || !step->table || strcmp(options->table, step->table->name) == 0;
}

/* After a lock failure: who holds a lock on the file's tables. */
static void
name_lock_holders(PGconn *conn, const char *sqlstate, void *arg)
{
	const FileRun *run = arg;

	(void) sqlstate;
	lock_holders_report(conn, run->tables);
}

/*
 * Runs one file in its own transaction, with a progress line; a lock not
 * granted within --lock-timeout rolls it back and runs it again, up to
 * --attempts times (the retry policy of --online).  *gave_up tells whether
 * it failed on locks only.
 */
static bool
run_file(PGconn *conn, const SetupOptions *options, const FileRun *file_run, const char *label,
		 SqlRunnerHook hook, bool *gave_up)
{
	char	   *path = paths_join(options->scripts_dir, file_run->file);
	RetryPolicy policy = online_retry_policy(&options->online_options);
	RunnerCallbacks callbacks = {.before_commit = hook, .after_lock_failure = name_lock_holders,
	.arg = (void *) file_run};
	RetryRun	run = {0};
	bool		ok;

	fprintf(stderr, "%s %s\n", label, file_run->file);
	ok = path && sql_retry_runner_execute_file(conn, path, &policy, &callbacks, &run);
	if (ok && run.attempts > 1)
		fprintf(stderr, "    done: %d statements in %.0f ms (attempt %d of %d, %.1f s in all)\n",
				run.statements, run.last_attempt_ms, run.attempts, policy.max_attempts,
				run.elapsed_ms / 1000.0);
	else if (ok)
		fprintf(stderr, "    done: %d statements in %.0f ms\n", run.statements, run.last_attempt_ms);
	if (gave_up)
		*gave_up = run.gave_up;
	free(path);
	return ok;
}

/* Records a migration file as applied, inside the file's own transaction. */
static bool
record_applied(PGconn *conn, const char *path, double elapsed_ms, void *arg)
{
	const FileRun *run = arg;
	char		duration[32];
	const char *params[2] = {run->file, duration};
	PGresult   *res;

	(void) path;
	snprintf(duration, sizeof(duration), "%.1f", elapsed_ms);
	res = db_query(conn,
				   "INSERT INTO partition_demo.applied_scripts (script, duration_ms) "
				   "VALUES ($1, $2)", 2, params);
	PQclear(res);
	return res != NULL;
}

bool
setup_load_applied(PGconn *conn, bool applied[SETUP_STEP_COUNT])
{
	static const char *const bookkeeping[] = {"partition_demo.applied_scripts", NULL};
	const SetupStep *steps = setup_steps();
	Error		error;
	PGresult   *res = db_try_query(conn, "SELECT script FROM partition_demo.applied_scripts", 0,
								   NULL, &error);

	if (!res)
	{
		error_report(&error);
		if (lock_holder_after_timeout(conn, &error, bookkeeping))
			log_hint("no migration file was run (the helper files are idempotent); end the "
					 "transaction named above (or wait for it) and run %s again, or raise "
					 "LOCK_TIMEOUT_MS", log_progname());
		return false;
	}
	for (int i = 0; i < SETUP_STEP_COUNT; i++)
	{
		applied[i] = false;
		for (int row = 0; row < PQntuples(res); row++)
			if (strcmp(PQgetvalue(res, row, 0), steps[i].file) == 0)
				applied[i] = true;
	}
	PQclear(res);
	return true;
}

bool
setup_run_helpers(PGconn *conn, const SetupOptions *options)
{
	static const FileRun helpers_run = {.file = HELPERS_FILE};
	static const FileRun online_helpers_run = {.file = ONLINE_FILE};

	return run_file(conn, options, &helpers_run, "[helpers]", NULL, NULL) &&
		run_file(conn, options, &online_helpers_run, "[helpers]", NULL, NULL);
}

bool
setup_run_reset(PGconn *conn, const SetupOptions *options)
{
	FileRun		file_run = {.file = RESET_FILE, .tables = demo_table_names_with_plain()};
	bool		gave_up;

	if (run_file(conn, options, &file_run, "[reset]", NULL, &gave_up))
		return true;
	if (gave_up)
		log_hint("nothing was dropped; end the transaction named above (or wait for it) and "
				 "run %s --reset again, or raise --lock-timeout / --attempts", log_progname());
	return false;
}

/* Migrates one table online, with the same bookkeeping as an offline file. */
static bool
run_online(PGconn *conn, const SetupOptions *options, const SetupStep *step, const char *label)
{
	FileRun		file_run = {.file = step->file};
	char	   *path = paths_join(options->scripts_dir, step->file);
	bool		ok;

	fprintf(stderr, "%s %s (online: %s keeps taking writes)\n", label, step->file,
			step->table->name);
	ok = path && online_migrate(conn, path, step->table->name, &options->online_options,
								record_applied, &file_run);
	free(path);
	return ok;
}

/* A step's file, recorded as applied in its own transaction. */
static bool
run_offline(PGconn *conn, const SetupOptions *options, const SetupStep *step, const char *label)
{
	/* the base files lock all four tables, 01..04 their own table only */
	const char *one_table[2] = {step->table ? step->table->name : NULL, NULL};
	FileRun		file_run = {.file = step->file,
	.tables = step->table ? one_table : demo_table_names()};
	bool		gave_up;

	if (run_file(conn, options, &file_run, label, record_applied, &gave_up))
		return true;
	if (gave_up)
		log_hint("files before %s stay applied; end the transaction named above (or wait for "
				 "it) and run %s again to continue there, or raise --lock-timeout / --attempts",
				 step->file, log_progname());
	else
		log_hint("files before %s stay applied; fix the cause and run %s again to continue there",
				 step->file, log_progname());
	return false;
}

bool
setup_run_step(PGconn *conn, const SetupOptions *options, const SetupStep *step, const char *label)
{
	if (options->online && step->table)
		return run_online(conn, options, step, label);
	return run_offline(conn, options, step, label);
}
