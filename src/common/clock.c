/* clock.c: monotonic milliseconds and sleeping (see clock.h). */
#include "common/clock.h"

#include <time.h>

/* the longest slice of a sleep that watches a stop flag */
#define STOP_CHECK_MS 50.0

double
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* One nanosleep of ms; a signal may cut it short. */
static void
sleep_once(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t) (ms / 1000);
	ts.tv_nsec = (long) ((ms - (double) ts.tv_sec * 1000) * 1e6);
	(void) nanosleep(&ts, NULL);
}

bool
clock_sleep_ms(double ms, const volatile sig_atomic_t *stop)
{
	double		deadline = clock_now_ms() + ms;
	double		left = ms;

	/*
	 * In slices, against a deadline: a signal cuts a slice short, and one
	 * arriving just before a slice began cannot delay a stop beyond it.
	 */
	while (left > 0)
	{
		if (stop && *stop)
			return false;
		sleep_once(stop && left > STOP_CHECK_MS ? STOP_CHECK_MS : left);
		left = deadline - clock_now_ms();
	}
	return !(stop && *stop);
}
