/*
 * sql_retry_runner.h: run a .sql file in one transaction, and run it again
 * from the start when it failed only because it could not get a lock in time.
 *
 * The file runs through sql_runner (statement by statement, errors placed at
 * file:line), but a statement failing with a retryable SQLSTATE (55P03
 * lock_not_available, 40P01 deadlock_detected, 40001 serialization_failure:
 * see common/retry.h, whose policy says how often and how long to wait) rolls
 * the transaction back, waits with exponential backoff and jitter, and runs
 * the file again, a bounded number of times.  Under live load the next
 * attempt usually succeeds.
 * Retries are reported as one warning each; only the last failure in full.
 * Used by bin/repartition (its files set their own lock_timeout) and by
 * bin/setup-database (the policy's lock_timeout, --lock-timeout).
 */
#ifndef SQL_RETRY_RUNNER_H
#define SQL_RETRY_RUNNER_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/error.h"
#include "common/retry.h"
#include "pg/sql_runner.h"

typedef struct RunnerCallbacks
{
	/* called before each attempt (1-based), e.g. to forget a failed one's notices */
	void		(*before_attempt) (int attempt, void *arg);
	/* inside the transaction after the last statement; false rolls back (no retry) */
	SqlRunnerHook before_commit;
	/*
	 * after an attempt failed on a lock (retryable SQLSTATE) and was rolled
	 * back, before the retry or the giving up: e.g. to name who holds the lock
	 */
	void		(*after_lock_failure) (PGconn *conn, const char *sqlstate, void *arg);
	void	   *arg;
} RunnerCallbacks;

typedef struct RetryRun
{
	int			attempts;		/* attempts made */
	int			statements;		/* statements of the file */
	double		elapsed_ms;		/* all attempts and waits */
	double		last_attempt_ms;	/* the last attempt, commit included */
	Error		last_error;		/* the last retried failure, empty if none */
	bool		gave_up;		/* failed on a lock in every attempt */
} RetryRun;

/*
 * Runs the file at path in one transaction (BEGIN ... COMMIT), retrying as
 * described above, policy->max_attempts times at most (at least 1).
 * Returns true once an attempt committed.  callbacks may
 * be NULL.  Errors are reported (file:line, SQLSTATE, detail, hint).
 */
bool		sql_retry_runner_execute_file(PGconn *conn, const char *path,
										  const RetryPolicy *policy,
										  const RunnerCallbacks *callbacks, RetryRun *run);

#endif
