/* Unit tests of the one error carrier: its error line, and the lines of its report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"

/* What fn wrote to stderr (caller frees). */
static char *
stderr_of(void (*fn) (void *), void *arg)
{
	char		path[] = "/tmp/test_error.XXXXXX";
	int			fd = mkstemp(path);
	int			saved = dup(fileno(stderr));
	char	   *text = calloc(1, 8192);
	FILE	   *in;

	assert_true(fd >= 0 && saved >= 0 && text);
	fflush(stderr);
	dup2(fd, fileno(stderr));
	fn(arg);
	fflush(stderr);
	dup2(saved, fileno(stderr));
	close(saved);
	close(fd);
	in = fopen(path, "r");
	assert_non_null(in);
	assert_true(fread(text, 1, 8191, in) < 8191);
	fclose(in);
	unlink(path);
	return text;
}

static void
test_format_of_a_server_error(void **state)
{
	Error		error;
	char		line[256];

	(void) state;
	error_clear(&error);
	assert_false(error_is_set(&error));
	snprintf(error.sqlstate, sizeof(error.sqlstate), "55P03");
	snprintf(error.message, sizeof(error.message), "canceling statement due to lock timeout");
	assert_true(error_is_set(&error));
	assert_true(error_has_sqlstate(&error, "55P03"));
	assert_false(error_has_sqlstate(&error, "40P01"));
	error_format(&error, line, sizeof(line));
	assert_string_equal(line, "canceling statement due to lock timeout (SQLSTATE 55P03)");
	error_set_where(&error, "%s:%d", "scripts/01.sql", 12);
	error_format(&error, line, sizeof(line));
	assert_string_equal(line,
						"scripts/01.sql:12: canceling statement due to lock timeout (SQLSTATE 55P03)");
}

static void
test_format_of_a_parser_error(void **state)
{
	Error		error;
	char		line[256];

	(void) state;
	assert_false(error_set(&error, "unterminated %s", "quoted string"));
	error.line = 3;
	error_format(&error, line, sizeof(line));
	assert_string_equal(line, "line 3: unterminated quoted string");
	error_set_where(&error, "setup.sql");
	error_format(&error, line, sizeof(line));
	assert_string_equal(line, "setup.sql: line 3: unterminated quoted string");
	/* cut to fit, still terminated */
	error_format(&error, line, 12);
	assert_string_equal(line, "setup.sql: ");
}

static void
test_set_clears_what_was_there(void **state)
{
	Error		error;
	char		line[256];

	(void) state;
	error_clear(&error);
	snprintf(error.sqlstate, sizeof(error.sqlstate), "42P01");
	snprintf(error.detail, sizeof(error.detail), "old detail");
	error_set_where(&error, "old place");
	error.line = 7;
	error_set(&error, "out of memory");
	assert_string_equal(error.sqlstate, "");
	assert_string_equal(error.detail, "");
	assert_string_equal(error.where, "");
	assert_int_equal(error.line, 0);
	error_format(&error, line, sizeof(line));
	assert_string_equal(line, "out of memory");
	error_clear(&error);
	error_format(&error, line, sizeof(line));
	assert_string_equal(line, "unknown error");
}

static void
report_full(void *arg)
{
	(void) arg;
	error_report_parts("f.sql:4", 0, "division by zero", "22012", "a detail", "a hint",
					   "PL/pgSQL function f() line 3 at RETURN");
}

static void
report_struct(void *arg)
{
	error_report(arg);
}

static void
report_unstored(void *arg)
{
	(void) arg;
	error_set(NULL, "out of %s", "memory");
	error_add_hint(NULL, "free some");
}

static void
test_report_lines(void **state)
{
	Error		error;
	char	   *text;

	(void) state;
	log_set_progname("test_error");
	text = stderr_of(report_full, NULL);
	assert_string_equal(text,
						"test_error: error: f.sql:4: division by zero (SQLSTATE 22012)\n"
						"test_error: detail: a detail\n"
						"test_error: hint: a hint\n"
						"test_error: detail: context: PL/pgSQL function f() line 3 at RETURN\n");
	free(text);

	/* an Error prints the same lines as its parts; what is "" is left out */
	error_set(&error, "division by zero");
	snprintf(error.sqlstate, sizeof(error.sqlstate), "22012");
	error_add_hint(&error, "a %s", "hint");
	error_set_where(&error, "f.sql:4");
	text = stderr_of(report_struct, &error);
	assert_string_equal(text,
						"test_error: error: f.sql:4: division by zero (SQLSTATE 22012)\n"
						"test_error: hint: a hint\n");
	free(text);

	/* rule 3: no Error to fill, so reported at once */
	text = stderr_of(report_unstored, NULL);
	assert_string_equal(text, "test_error: error: out of memory\ntest_error: hint: free some\n");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_of_a_server_error),
		cmocka_unit_test(test_format_of_a_parser_error),
		cmocka_unit_test(test_set_clears_what_was_there),
		cmocka_unit_test(test_report_lines),
	};

	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
