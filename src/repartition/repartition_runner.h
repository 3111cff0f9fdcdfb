/*
 * repartition_runner.h: run a .sql file in one transaction, and run it again
 * from the start when it failed only because it could not get a lock in time.
 *
 * The file runs through sql_runner (statement by statement, errors placed at
 * file:line), but a statement failing with SQLSTATE 55P03
 * (lock_not_available: lock_timeout expired), 40P01 (deadlock_detected) or
 * 40001 (serialization_failure) rolls the transaction back, waits with
 * exponential backoff and jitter, and retries, a bounded number of times.
 * These errors mean "someone else held a lock", not "the file is wrong":
 * under live load the next attempt usually succeeds.
 * Retries are reported as one warning each; only the last failure in full.
 * Used by bin/repartition (its files set their own lock_timeout) and by
 * bin/setup-database (the policy's lock_timeout, --lock-timeout).
 */
#ifndef REPARTITION_RUNNER_H
#define REPARTITION_RUNNER_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "pg/sql_runner.h"

typedef struct RetryPolicy
{
	int			max_attempts;	/* at least 1 */
	int			base_delay_ms;	/* wait before the second attempt */
	int			max_delay_ms;	/* cap of the doubling waits */
	int			lock_timeout_ms;	/* set for each attempt's transaction (SET
									 * LOCAL); 0: the session's, or the file's
									 * own SET LOCAL */
} RetryPolicy;

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

/* The default policy: 10 attempts, 200 ms doubling up to 5 s, no lock_timeout of its own. */
RetryPolicy repartition_runner_default_policy(void);

/* True for the SQLSTATEs after which a transaction is simply retried. */
bool		repartition_runner_retryable(const char *sqlstate);

/* The wait before attempt + 1: doubling from base_delay_ms, capped, with jitter. */
int			repartition_runner_backoff_ms(const RetryPolicy *policy, int attempt);

/* Sleeps ms milliseconds, resuming after signals. */
void		repartition_runner_sleep_ms(int ms);

/*
 * Runs the file at path in one transaction (BEGIN ... COMMIT), retrying as
 * described above.  Returns true once an attempt committed.  callbacks may
 * be NULL.  Errors are reported (file:line, SQLSTATE, detail, hint).
 */
bool		repartition_runner_execute_file(PGconn *conn, const char *path,
											const RetryPolicy *policy,
											const RunnerCallbacks *callbacks, RetryRun *run);

#endif
