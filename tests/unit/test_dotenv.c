/* Unit tests of the .env parser: the dotenv rules and their edge cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dotenv.h"

static Error error;
static char errbuf[256];

static Dotenv *
parse_ok(const char *text)
{
	Dotenv	   *env = dotenv_parse(text, &error);

	error_format(&error, errbuf, sizeof(errbuf));
	if (!env)
		fail_msg("unexpected parse error: %s", errbuf);
	return env;
}

static void
test_basic_pairs_comments_and_blank_lines(void **state)
{
	Dotenv	   *env = parse_ok("# a comment\n\nA=1\n  B = two  \n\t# indented comment\nC=\n");

	(void) state;
	assert_int_equal(env->count, 3);
	assert_string_equal(dotenv_get(env, "A"), "1");
	assert_string_equal(dotenv_get(env, "B"), "two");
	assert_string_equal(dotenv_get(env, "C"), "");
	assert_null(dotenv_get(env, "D"));
	dotenv_free(env);
}

static void
test_export_prefix(void **state)
{
	Dotenv	   *env = parse_ok("export POSTGRES_PORT=5439\nexport\tX=y\nexporter=1\n");

	(void) state;
	assert_string_equal(dotenv_get(env, "POSTGRES_PORT"), "5439");
	assert_string_equal(dotenv_get(env, "X"), "y");
	/* a key that merely starts with "export" is a key */
	assert_string_equal(dotenv_get(env, "exporter"), "1");
	dotenv_free(env);
}

static void
test_quotes(void **state)
{
	Dotenv	   *env = parse_ok("S='# not a comment \\n $HOME'\n"
							   "D=\"line1\\nline2 \\\"q\\\" \\\\ \\x\"\n"
							   "E=''\n"
							   "SP='  padded  '  # trailing comment\n");

	(void) state;
	/* single quotes are literal: no comment, no escapes, no expansion */
	assert_string_equal(dotenv_get(env, "S"), "# not a comment \\n $HOME");
	assert_string_equal(dotenv_get(env, "D"), "line1\nline2 \"q\" \\ \\x");
	assert_string_equal(dotenv_get(env, "E"), "");
	assert_string_equal(dotenv_get(env, "SP"), "  padded  ");
	dotenv_free(env);
}

static void
test_inline_comments_need_a_blank(void **state)
{
	Dotenv	   *env = parse_ok("A=value # comment\nB=pass#word\nC=#\n");

	(void) state;
	assert_string_equal(dotenv_get(env, "A"), "value");
	assert_string_equal(dotenv_get(env, "B"), "pass#word");
	assert_string_equal(dotenv_get(env, "C"), "#");
	dotenv_free(env);
}

static void
test_multiline_double_quotes_and_line_numbers(void **state)
{
	Dotenv	   *env = parse_ok("A=\"first\nsecond\"\nB=3\n");

	(void) state;
	assert_string_equal(dotenv_get(env, "A"), "first\nsecond");
	assert_int_equal(env->entries[1].line, 3);
	dotenv_free(env);
}

static void
test_last_value_wins(void **state)
{
	Dotenv	   *env = parse_ok("A=1\nA=2\n");

	(void) state;
	assert_int_equal(env->count, 1);
	assert_string_equal(dotenv_get(env, "A"), "2");
	dotenv_free(env);
}

static void
test_crlf_and_bom(void **state)
{
	Dotenv	   *env = parse_ok("\xEF\xBB\xBF" "A=1\r\nB='x'\r\n");

	(void) state;
	assert_string_equal(dotenv_get(env, "A"), "1");
	assert_string_equal(dotenv_get(env, "B"), "x");
	dotenv_free(env);
}

static void
expect_error(const char *text, const char *expected)
{
	Dotenv	   *env = dotenv_parse(text, &error);

	assert_null(env);
	error_format(&error, errbuf, sizeof(errbuf));
	if (!strstr(errbuf, expected))
		fail_msg("error \"%s\" does not contain \"%s\"", errbuf, expected);
}

static void
test_malformed_lines_are_errors_with_line_numbers(void **state)
{
	(void) state;
	expect_error("A=1\nthis is not a pair\n", "line 2: expected '='");
	expect_error("A=1\n\n=value\n", "line 3: expected KEY=VALUE");
	expect_error("A='open\n", "line 1: unterminated single-quoted value");
	expect_error("A=1\nB=\"open\n", "line 2: unterminated double-quoted value");
	expect_error("A='x' y\n", "line 1: unexpected text after the closing quote");
}

static void
test_missing_file_is_empty(void **state)
{
	bool		missing = false;
	Dotenv	   *env = dotenv_load_file("/nonexistent/dir/.env", &missing, &error);

	(void) state;
	assert_non_null(env);
	assert_true(missing);
	assert_int_equal(env->count, 0);
	dotenv_free(env);
}

static void
test_load_file(void **state)
{
	char		path[] = "/tmp/test_dotenv_XXXXXX";
	int			fd = mkstemp(path);
	bool		missing = true;
	Dotenv	   *env;

	(void) state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "POSTGRES_DB=demo\n", 17), 17);
	close(fd);
	env = dotenv_load_file(path, &missing, &error);
	unlink(path);
	assert_non_null(env);
	assert_false(missing);
	assert_string_equal(dotenv_get(env, "POSTGRES_DB"), "demo");
	dotenv_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_pairs_comments_and_blank_lines),
		cmocka_unit_test(test_export_prefix),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_inline_comments_need_a_blank),
		cmocka_unit_test(test_multiline_double_quotes_and_line_numbers),
		cmocka_unit_test(test_last_value_wins),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_malformed_lines_are_errors_with_line_numbers),
		cmocka_unit_test(test_missing_file_is_empty),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests_name("dotenv", tests, NULL, NULL);
}
