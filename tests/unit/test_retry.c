/*
 * Unit tests of the retry policy (common/retry) and of the clock and sleep it
 * waits with (common/clock): which SQLSTATEs are retried, the doubling and
 * capped waits and their jitter, attempts, and a sleep that resumes after a
 * signal or stops on a stop flag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "common/clock.h"
#include "common/retry.h"

static void
test_retryable_sqlstates(void **state)
{
	(void) state;
	assert_true(retry_sqlstate_retryable("55P03"));	/* lock_not_available */
	assert_true(retry_sqlstate_retryable("40P01"));	/* deadlock_detected */
	assert_true(retry_sqlstate_retryable("40001"));	/* serialization_failure */
	assert_false(retry_sqlstate_retryable(NULL));
	assert_false(retry_sqlstate_retryable(""));
	assert_false(retry_sqlstate_retryable("23505"));	/* unique_violation: the data */
	assert_false(retry_sqlstate_retryable("57014"));	/* query_canceled: someone meant it */
	assert_false(retry_sqlstate_retryable("42P01"));
	assert_false(retry_sqlstate_retryable("55P0"));
	assert_false(retry_sqlstate_retryable("55P033"));
}

static void
test_default_policy(void **state)
{
	RetryPolicy policy = retry_default_policy();

	(void) state;
	assert_int_equal(policy.max_attempts, 10);
	assert_int_equal(policy.base_delay_ms, 200);
	assert_int_equal(policy.max_delay_ms, 5000);
	assert_int_equal(policy.jitter_percent, 50);
	assert_int_equal(policy.lock_timeout_ms, 0);
}

static void
test_attempts_left(void **state)
{
	RetryPolicy three = {.max_attempts = 3, .base_delay_ms = 1, .max_delay_ms = 1};
	RetryPolicy once = {.max_attempts = 1};
	RetryPolicy unlimited = {.max_attempts = 0};

	(void) state;
	assert_true(retry_attempts_left(&three, 1));
	assert_true(retry_attempts_left(&three, 2));
	assert_false(retry_attempts_left(&three, 3));
	assert_false(retry_attempts_left(&three, 4));
	assert_false(retry_attempts_left(&once, 1));
	assert_true(retry_attempts_left(&unlimited, 1));
	assert_true(retry_attempts_left(&unlimited, 1000000));
}

static void
test_delays_double_up_to_the_cap(void **state)
{
	RetryPolicy repartition = retry_default_policy();
	RetryPolicy online = {.max_attempts = 20, .base_delay_ms = 250, .max_delay_ms = 4000};
	RetryPolicy constant = {.base_delay_ms = 50, .max_delay_ms = 50};
	const int	expected[] = {200, 400, 800, 1600, 3200, 5000, 5000, 5000};

	(void) state;
	for (int attempt = 1; attempt <= 8; attempt++)
		assert_int_equal(retry_delay_ms(&repartition, attempt), expected[attempt - 1]);
	assert_int_equal(retry_delay_ms(&online, 1), 250);
	assert_int_equal(retry_delay_ms(&online, 5), 4000);
	assert_int_equal(retry_delay_ms(&online, 6), 4000);
	/* no overflow however many attempts */
	assert_int_equal(retry_delay_ms(&online, 1000000), 4000);
	assert_int_equal(retry_delay_ms(&constant, 1), 50);
	assert_int_equal(retry_delay_ms(&constant, 30), 50);
}

static void
test_backoff_adds_at_most_its_jitter(void **state)
{
	RetryPolicy policy = retry_default_policy();
	RetryPolicy tiny = {.max_attempts = 3, .base_delay_ms = 1, .max_delay_ms = 1, .jitter_percent = 50};
	RetryPolicy steady = {.base_delay_ms = 100, .max_delay_ms = 5000};
	int			first = retry_backoff_ms(&policy, 6);
	bool		varied = false;

	(void) state;
	for (int attempt = 1; attempt <= 8; attempt++)
		for (int i = 0; i < 200; i++)
		{
			int			delay = retry_delay_ms(&policy, attempt);
			int			wait = retry_backoff_ms(&policy, attempt);

			assert_in_range(wait, delay, delay + delay / 2);
		}
	/* jitter there is: 200 draws from 2,501 values are not all the same */
	for (int i = 0; i < 200 && !varied; i++)
		varied = retry_backoff_ms(&policy, 6) != first;
	assert_true(varied);
	/* a wait of 1 ms has no room for jitter */
	assert_int_equal(retry_backoff_ms(&tiny, 1), 1);
	/* without jitter (load-data's reconnects): exactly the doubling waits */
	for (int attempt = 1; attempt <= 8; attempt++)
		assert_int_equal(retry_backoff_ms(&steady, attempt), retry_delay_ms(&steady, attempt));
	assert_int_equal(retry_backoff_ms(&steady, 6), 3200);
}

static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t stop_flag;

static void
count_signal(int signo)
{
	(void) signo;
	signals_seen++;
}

static void
set_stop(int signo)
{
	(void) signo;
	stop_flag = 1;
}

/* handler for SIGALRM without SA_RESTART, as load-data's; a timer in ms */
static void
arm_alarm(void (*handler) (int), int ms)
{
	struct sigaction action;
	struct itimerval timer = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};

	memset(&action, 0, sizeof(action));
	action.sa_handler = handler;
	sigemptyset(&action.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &action, NULL), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &timer, NULL), 0);
}

static void
disarm_alarm(void)
{
	struct itimerval off = {{0, 0}, {0, 0}};

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
}

static void
test_clock_is_monotonic(void **state)
{
	double		last = clock_now_ms();

	(void) state;
	for (int i = 0; i < 1000; i++)
	{
		double		now = clock_now_ms();

		assert_true(now >= last);
		last = now;
	}
}

/* A signal that is no stop does not cut a sleep short. */
static void
test_sleep_resumes_after_a_signal(void **state)
{
	double		start;
	bool		slept;

	(void) state;
	signals_seen = 0;
	arm_alarm(count_signal, 10);
	start = clock_now_ms();
	slept = clock_sleep_ms(80, NULL);
	/* a lower bound only: the sleep lasts at least what was asked */
	assert_true(clock_now_ms() - start >= 80);
	disarm_alarm();
	assert_true(slept);
	assert_int_equal(signals_seen, 1);
}

/* A stop flag set by a signal handler ends the sleep (here long before its end). */
static void
test_sleep_stops_on_the_flag(void **state)
{
	double		start;

	(void) state;
	stop_flag = 0;
	arm_alarm(set_stop, 10);
	start = clock_now_ms();
	assert_false(clock_sleep_ms(60000, &stop_flag));
	/* a margin of minutes over the 10 ms that it takes */
	assert_true(clock_now_ms() - start < 30000);
	disarm_alarm();
	/* already set: no sleep at all, and the same answer */
	assert_false(clock_sleep_ms(60000, &stop_flag));
	assert_false(retry_pause(&(RetryPolicy) {.base_delay_ms = 60000, .max_delay_ms = 60000}, 1,
							 &stop_flag));
	/* not set: the whole sleep, true */
	stop_flag = 0;
	assert_true(clock_sleep_ms(1, &stop_flag));
	assert_true(retry_pause(&(RetryPolicy) {.base_delay_ms = 1, .max_delay_ms = 1}, 1, &stop_flag));
	assert_true(clock_sleep_ms(0, NULL));
	assert_true(clock_sleep_ms(-5, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retryable_sqlstates),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_attempts_left),
		cmocka_unit_test(test_delays_double_up_to_the_cap),
		cmocka_unit_test(test_backoff_adds_at_most_its_jitter),
		cmocka_unit_test(test_clock_is_monotonic),
		cmocka_unit_test(test_sleep_resumes_after_a_signal),
		cmocka_unit_test(test_sleep_stops_on_the_flag),
	};

	return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
