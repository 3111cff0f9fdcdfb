/*
 * retry.h: the one retry policy of the programs: how often an operation that
 * failed only because another session was in the way is tried again, and how
 * long to wait between attempts.
 *
 * The waits double from base_delay_ms up to max_delay_ms; jitter_percent
 * adds up to that share of each wait at random (50 for every retry against
 * other sessions' locks, so that sessions retrying against each other do
 * not march in step; load-data's own pauses have none).  What is worth a retry is decided by the SQLSTATE:
 * 55P03 (lock_not_available: lock_timeout expired), 40P01
 * (deadlock_detected) and 40001 (serialization_failure) mean "someone else
 * held a lock", not "the statement is wrong"; the next attempt usually
 * succeeds.
 *
 * Used by every loop that retries: pg/sql_retry_runner (setup-database,
 * repartition), the online migration, load-data's writes and reconnects,
 * demonstrate-queries' removals.  No libpq here: the callers bring the
 * SQLSTATE and do the attempts.
 */
#ifndef RETRY_H
#define RETRY_H

#include <signal.h>
#include <stdbool.h>

typedef struct RetryPolicy
{
	int			max_attempts;	/* at least 1; 0: no limit (the caller bounds it) */
	int			base_delay_ms;	/* wait before the second attempt */
	int			max_delay_ms;	/* cap of the doubling waits */
	int			jitter_percent; /* up to this share of each wait added at random */
	int			lock_timeout_ms;	/* for the runners of SQL: set for each
									 * attempt's transaction (SET LOCAL); 0: the
									 * session's, or the file's own SET LOCAL */
} RetryPolicy;

/* The default policy: 10 attempts, 200 ms doubling up to 5 s, 50% jitter, no lock_timeout of its own. */
RetryPolicy retry_default_policy(void);

/* True for the SQLSTATEs after which a transaction is simply retried (NULL: false). */
bool		retry_sqlstate_retryable(const char *sqlstate);

/* True when attempt (1-based) may be followed by another one. */
bool		retry_attempts_left(const RetryPolicy *policy, int attempt);

/* The wait after attempt (1-based) without jitter: base doubled attempt - 1 times, capped. */
int			retry_delay_ms(const RetryPolicy *policy, int attempt);

/* The wait after attempt: retry_delay_ms plus up to jitter_percent of it at random. */
int			retry_backoff_ms(const RetryPolicy *policy, int attempt);

/*
 * Waits retry_backoff_ms(policy, attempt); stops early when *stop is set
 * (stop may be NULL: then it resumes after signals).  False when stopped.
 */
bool		retry_pause(const RetryPolicy *policy, int attempt, const volatile sig_atomic_t *stop);

#endif
