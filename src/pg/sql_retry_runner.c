/* sql_retry_runner.c: one transaction per file, retried on lock failures (see sql_retry_runner.h). */
#include "pg/sql_retry_runner.h"

#include <string.h>

#include "common/clock.h"
#include "common/log.h"

typedef enum AttemptResult
{
	ATTEMPT_COMMITTED,
	ATTEMPT_RETRY,
	ATTEMPT_GAVE_UP,			/* a retryable error, but no attempt left */
	ATTEMPT_FAILED
} AttemptResult;

/* What the sql_runner hooks of one attempt need. */
typedef struct Attempt
{
	int			number;			/* 1-based */
	const RetryPolicy *policy;
	const RunnerCallbacks *callbacks;	/* may be NULL */
} Attempt;

/*
 * A failure that will be retried is one warning line; any other is reported
 * in full, except a lock timeout of the policy's own lock_timeout in the last
 * attempt, which says so in one error line (the caller names the holder).
 */
static bool
on_statement_error(const Error *error, void *arg)
{
	const Attempt *attempt = arg;
	const char *sqlstate = error->sqlstate;
	const char *message = error->message;
	const char *where = error->where;
	int			timeout_ms = attempt->policy->lock_timeout_ms;
	bool		last = !retry_attempts_left(attempt->policy, attempt->number);

	if (!retry_sqlstate_retryable(sqlstate))
		return false;
	if (timeout_ms > 0 && strcmp(sqlstate, "55P03") == 0)
	{
		if (last)
			log_error("%s: lock not granted in %d attempt%s (lock_timeout %d ms each, "
					  "SQLSTATE %s)", where, attempt->number, attempt->number == 1 ? "" : "s",
					  timeout_ms, sqlstate);
		else
			log_warning("%s: lock not granted within %d ms (SQLSTATE %s)", where, timeout_ms,
						sqlstate);
		return true;
	}
	if (last)
		return false;
	log_warning("%s: %s (SQLSTATE %s)", where, message, sqlstate);
	return true;
}

static bool
before_commit(PGconn *conn, const char *path, double elapsed_ms, void *arg)
{
	const RunnerCallbacks *callbacks = ((const Attempt *) arg)->callbacks;

	return !callbacks || !callbacks->before_commit ||
		callbacks->before_commit(conn, path, elapsed_ms, callbacks->arg);
}

/* One attempt: BEGIN, the statements, the hook, COMMIT; ROLLBACK on any failure. */
static AttemptResult
run_attempt(PGconn *conn, const char *path, const SqlScript *script, int number,
			const RetryPolicy *policy, const RunnerCallbacks *callbacks, RetryRun *run,
			Error *failed)
{
	Attempt		attempt = {number, policy, callbacks};
	bool		may_retry = retry_attempts_left(policy, number);
	SqlRunOptions options = {.before_commit = before_commit,
		.on_statement_error = on_statement_error, .arg = &attempt,
	.lock_timeout_ms = policy->lock_timeout_ms};
	SqlRunResult result;

	if (sql_runner_execute_script(conn, path, script, &options, &result))
		return ATTEMPT_COMMITTED;
	/* only a statement's lock failure is retried, on a connection still there */
	if (result.error_line == 0 || !retry_sqlstate_retryable(result.error.sqlstate))
		return ATTEMPT_FAILED;
	*failed = result.error;
	if (may_retry)
		run->last_error = result.error;
	if (PQstatus(conn) != CONNECTION_OK)
		return ATTEMPT_FAILED;
	return may_retry ? ATTEMPT_RETRY : ATTEMPT_GAVE_UP;
}

bool
sql_retry_runner_execute_file(PGconn *conn, const char *path, const RetryPolicy *policy,
							  const RunnerCallbacks *callbacks, RetryRun *run)
{
	SqlScript  *script = sql_runner_read_script(path);
	double		start = clock_now_ms();
	AttemptResult result = ATTEMPT_FAILED;

	memset(run, 0, sizeof(*run));
	if (!script)
		return false;
	run->statements = (int) script->count;
	for (int attempt = 1; attempt <= policy->max_attempts; attempt++)
	{
		double		attempt_start = clock_now_ms();
		Error		failed;			/* the attempt's lock failure, when it had one */

		if (callbacks && callbacks->before_attempt)
			callbacks->before_attempt(attempt, callbacks->arg);
		run->attempts = attempt;
		error_clear(&failed);
		result = run_attempt(conn, path, script, attempt, policy, callbacks, run, &failed);
		run->last_attempt_ms = clock_now_ms() - attempt_start;
		if ((result == ATTEMPT_RETRY || result == ATTEMPT_GAVE_UP) &&
			callbacks && callbacks->after_lock_failure)
			callbacks->after_lock_failure(conn, failed.sqlstate, callbacks->arg);
		if (result != ATTEMPT_RETRY)
			break;

		int			wait = retry_backoff_ms(policy, attempt);

		log_info("    rolled back attempt %d of %d; trying again in %.1f s", attempt,
				 policy->max_attempts, wait / 1000.0);
		clock_sleep_ms(wait, NULL);
	}
	run->gave_up = result == ATTEMPT_GAVE_UP;
	if (result == ATTEMPT_GAVE_UP)
		log_hint("gave up after %d attempt%s: other sessions kept holding conflicting locks "
				 "(long transactions? see pg_stat_activity); nothing of the file was applied",
				 run->attempts, run->attempts == 1 ? "" : "s");
	else if (result != ATTEMPT_COMMITTED)
		log_hint("the file's transaction was rolled back: nothing of it was applied");
	sql_script_free(script);
	run->elapsed_ms = clock_now_ms() - start;
	return result == ATTEMPT_COMMITTED;
}
