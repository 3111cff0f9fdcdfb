/* error.c: the one carrier of a failure and its report (see error.h). */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

/* The pieces of the error line, in the order they are printed. */
typedef struct ErrorLine
{
	const char *where;
	const char *where_sep;
	char		line[32];
	const char *message;
	const char *sqlstate_open;
	const char *sqlstate;
	const char *sqlstate_close;
} ErrorLine;

#define ERROR_LINE_FORMAT "%s%s%s%s%s%s%s"
#define ERROR_LINE_ARGS(l) (l).where, (l).where_sep, (l).line, (l).message, \
	(l).sqlstate_open, (l).sqlstate, (l).sqlstate_close

static bool
present(const char *text)
{
	return text && text[0];
}

static ErrorLine
error_line(const char *where, int line, const char *message, const char *sqlstate)
{
	ErrorLine	l = {
		.where = present(where) ? where : "",
		.where_sep = present(where) ? ": " : "",
		.message = present(message) ? message : "unknown error",
		.sqlstate_open = present(sqlstate) ? " (SQLSTATE " : "",
		.sqlstate = present(sqlstate) ? sqlstate : "",
		.sqlstate_close = present(sqlstate) ? ")" : "",
	};

	if (line > 0)
		snprintf(l.line, sizeof(l.line), "line %d: ", line);
	return l;
}

void
error_clear(Error *error)
{
	error->sqlstate[0] = '\0';
	error->message[0] = '\0';
	error->detail[0] = '\0';
	error->hint[0] = '\0';
	error->context[0] = '\0';
	error->where[0] = '\0';
	error->line = 0;
	error->position = 0;
}

bool
error_is_set(const Error *error)
{
	return error->message[0] != '\0';
}

/* Copies text into field of size bytes, cut to fit. */
static void
copy_cut(char *field, size_t size, const char *text)
{
	size_t		len = strlen(text);

	if (len >= size)
		len = size - 1;
	memcpy(field, text, len);
	field[len] = '\0';
}

/*
 * Rule 3 in one place: formats the text into field (size bytes) of error,
 * cleared first when clear, or reports it with report when error is NULL.
 * Formatted before the clearing: the arguments may be the Error's own fields.
 */
static void __attribute__((format(printf, 6, 0)))
keep_or_report(Error *error, bool clear, char *field, size_t size,
			   void (*report) (const char *,...), const char *fmt, va_list ap)
{
	char		text[sizeof(error->context)];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (!error)
	{
		report("%s", text);
		return;
	}
	if (clear)
		error_clear(error);
	copy_cut(field, size, text);
}

bool
error_set(Error *error, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	keep_or_report(error, true, error ? error->message : NULL, sizeof(error->message),
				   log_error, fmt, ap);
	va_end(ap);
	return false;
}

void
error_add_hint(Error *error, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	keep_or_report(error, false, error ? error->hint : NULL, sizeof(error->hint),
				   log_hint, fmt, ap);
	va_end(ap);
}

void
error_set_where(Error *error, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(error->where, sizeof(error->where), fmt, ap);
	va_end(ap);
}

bool
error_has_sqlstate(const Error *error, const char *sqlstate)
{
	return strcmp(error->sqlstate, sqlstate) == 0;
}

void
error_format(const Error *error, char *buf, size_t len)
{
	ErrorLine	l = error_line(error->where, error->line, error->message, error->sqlstate);

	snprintf(buf, len, ERROR_LINE_FORMAT, ERROR_LINE_ARGS(l));
}

void
error_report_parts(const char *where, int line, const char *message, const char *sqlstate,
				   const char *detail, const char *hint, const char *context)
{
	ErrorLine	l = error_line(where, line, message, sqlstate);

	log_error(ERROR_LINE_FORMAT, ERROR_LINE_ARGS(l));
	if (present(detail))
		log_detail("%s", detail);
	if (present(hint))
		log_hint("%s", hint);
	if (present(context))
		log_detail("context: %s", context);
}

void
error_report(const Error *error)
{
	error_report_parts(error->where, error->line, error->message, error->sqlstate,
					   error->detail, error->hint, error->context);
}
