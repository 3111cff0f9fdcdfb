/*
 * log.h: diagnostics in the style of PostgreSQL's client programs.
 *
 * Messages go to stderr as "program: error: message", followed by optional
 * "detail:" and "hint:" lines; lower case, no final period.  Results belong on
 * stdout and never pass through here.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdio.h>

void log_set_progname(const char *argv0);
const char *log_progname(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when colour may be used on this stream: a terminal, and NO_COLOR unset. */
bool log_color_enabled(FILE *stream);

#endif
