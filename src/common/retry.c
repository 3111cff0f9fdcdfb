/* retry.c: the retry policy (see retry.h). */
#include "common/retry.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

RetryPolicy
retry_default_policy(void)
{
	return (RetryPolicy) {.max_attempts = 10, .base_delay_ms = 200, .max_delay_ms = 5000,
	.jitter_percent = 50};
}

bool
retry_sqlstate_retryable(const char *sqlstate)
{
	return sqlstate && (strcmp(sqlstate, "55P03") == 0 ||	/* lock_not_available */
						strcmp(sqlstate, "40P01") == 0 ||	/* deadlock_detected */
						strcmp(sqlstate, "40001") == 0);	/* serialization_failure */
}

bool
retry_attempts_left(const RetryPolicy *policy, int attempt)
{
	return policy->max_attempts == 0 || attempt < policy->max_attempts;
}

int
retry_delay_ms(const RetryPolicy *policy, int attempt)
{
	long		delay = policy->base_delay_ms;

	for (int i = 1; i < attempt && delay < policy->max_delay_ms; i++)
		delay *= 2;
	return (int) (delay > policy->max_delay_ms ? policy->max_delay_ms : delay);
}

/* Jitter from random(), seeded once per process: each process waits its own way. */
static long
jitter(long limit)
{
	static bool seeded;

	if (!seeded)
	{
		srandom((unsigned int) (getpid() ^ (unsigned int) time(NULL)));
		seeded = true;
	}
	return random() % (limit + 1);
}

int
retry_backoff_ms(const RetryPolicy *policy, int attempt)
{
	long		delay = retry_delay_ms(policy, attempt);
	long		limit = delay * policy->jitter_percent / 100;

	return (int) (delay + (limit > 0 ? jitter(limit) : 0));
}

bool
retry_pause(const RetryPolicy *policy, int attempt, const volatile sig_atomic_t *stop)
{
	return clock_sleep_ms(retry_backoff_ms(policy, attempt), stop);
}
