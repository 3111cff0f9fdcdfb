/*
 * clock.h: the programs' one clock, CLOCK_MONOTONIC in milliseconds (for
 * timing steps and schedules: never goes back when the wall clock is set),
 * and the one sleep, which either resumes after signals or stops early on
 * a stop flag.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <signal.h>
#include <stdbool.h>

/* Milliseconds from CLOCK_MONOTONIC (an arbitrary origin: use differences). */
double		clock_now_ms(void);

/*
 * Sleeps ms milliseconds (nothing when ms <= 0).  With stop NULL the sleep
 * resumes after a signal and lasts the whole time.  With a stop flag (set by
 * a signal handler) it returns within 50 ms of the flag being set, or at once
 * when it already is.  Returns false when it stopped early on the flag.
 */
bool		clock_sleep_ms(double ms, const volatile sig_atomic_t *stop);

#endif
