/* log.c: PostgreSQL-style diagnostics on stderr (see log.h). */
#include "common/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "db-partitioning";

void
log_set_progname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
}

const char *
log_progname(void)
{
	return progname;
}

static void
log_emit(const char *level, const char *fmt, va_list ap)
{
	fflush(stdout);				/* keep stdout and stderr in order on a terminal */
	if (level)
		fprintf(stderr, "%s: %s: ", progname, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FUNCTION(name, level) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_emit(level, fmt, ap); \
		va_end(ap); \
	}

LOG_FUNCTION(log_error, "error")
LOG_FUNCTION(log_warning, "warning")
LOG_FUNCTION(log_detail, "detail")
LOG_FUNCTION(log_hint, "hint")
LOG_FUNCTION(log_info, NULL)

bool
log_color_enabled(FILE *stream)
{
	const char *no_color = getenv("NO_COLOR");

	if (no_color && no_color[0] != '\0')
		return false;
	return isatty(fileno(stream)) == 1;
}
