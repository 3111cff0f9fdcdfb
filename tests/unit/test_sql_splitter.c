/* Unit tests of the SQL statement splitter: what may hide a semicolon. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pg/sql_splitter.h"

#include "split_helper.h"

static void
test_statements_and_lines(void **state)
{
	SqlScript  *script = split_ok("-- header\n\nSELECT 1;\nSELECT\n  2;  SELECT 3\n");

	(void) state;
	assert_int_equal(script->count, 3);
	assert_string_equal(script->statements[0].text, "SELECT 1");
	assert_int_equal(script->statements[0].line, 3);
	assert_string_equal(script->statements[1].text, "SELECT\n  2");
	assert_int_equal(script->statements[1].line, 4);
	/* the last statement needs no semicolon */
	assert_string_equal(script->statements[2].text, "SELECT 3");
	assert_int_equal(script->statements[2].line, 5);
	sql_script_free(script);
}

static void
test_semicolons_inside_quotes_and_comments(void **state)
{
	SqlScript  *script = split_ok(
		"SELECT 'a;b', \"we;ird\", E'it\\'s;' /* c; /* nested; */ still; */ -- x;\n, 'it''s;';\n"
		"SELECT 2;");

	(void) state;
	assert_int_equal(script->count, 2);
	assert_non_null(strstr(script->statements[0].text, "'it''s;'"));
	assert_string_equal(script->statements[1].text, "SELECT 2");
	sql_script_free(script);
}

static void
test_dollar_quotes(void **state)
{
	SqlScript  *script = split_ok(
		"DO $$ BEGIN RAISE NOTICE 'a;'; END $$;\n"
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n"
		"BEGIN\n  PERFORM $$ inner; $$;\n  RETURN 1;\nEND\n$body$;\n"
		"SELECT $1::int, a$b FROM t;\n");

	(void) state;
	assert_int_equal(script->count, 3);
	assert_int_equal(script->statements[1].line, 2);
	assert_non_null(strstr(script->statements[1].text, "RETURN 1;"));
	assert_string_equal(script->statements[2].text, "SELECT $1::int, a$b FROM t");
	assert_int_equal(script->statements[2].line, 8);
	sql_script_free(script);
}

static void
test_empty_statements_are_dropped(void **state)
{
	SqlScript  *script = split_ok(";;\n-- only a comment\n/* and another */ ;\n");

	(void) state;
	assert_int_equal(script->count, 0);
	sql_script_free(script);
}

static void
expect_error(const char *text, const char *expected)
{
	SqlScript  *script = sql_split(text, &error);

	assert_null(script);
	error_format(&error, errbuf, sizeof(errbuf));
	if (!strstr(errbuf, expected))
		fail_msg("error \"%s\" does not contain \"%s\"", errbuf, expected);
}

static void
test_unterminated(void **state)
{
	(void) state;
	expect_error("SELECT 1;\nSELECT 'open;\n", "line 2: unterminated quoted string");
	expect_error("\n\nDO $x$ BEGIN END $y$;", "line 3: unterminated dollar-quoted string");
	expect_error("/* /* */", "line 1: unterminated block comment");
	expect_error("SELECT \"x", "unterminated quoted identifier");
}

static void
test_line_of_position_counts_characters(void **state)
{
	/* "é" is two bytes in UTF-8 but one character for the server */
	SqlScript  *script = split_ok("\n\nSELECT 'é',\n  bogus;");
	const SqlStatement *statement = &script->statements[0];
	long		position = 1 + (long) strlen("SELECT 'é',\n  ") - 1;	/* bytes - 1 = characters */

	(void) state;
	assert_int_equal(statement->line, 3);
	assert_int_equal(sql_statement_line_of_position(statement, 1), 3);
	assert_int_equal(sql_statement_line_of_position(statement, position), 4);
	assert_int_equal(sql_statement_line_of_position(statement, 8), 3);
	sql_script_free(script);
}

static void
test_comments_before_statements_are_kept(void **state)
{
	SqlScript  *script = split_ok(
		"-- header\n"
		"\n"
		"/* a block comment is not kept */\n"
		"-- @query: one\n"
		"SELECT 1 -- inside: not kept\n"
		"  , 2;  -- after the semicolon: belongs to the next one\n"
		";\n"
		"--@plain: one\r\n"
		"SELECT 3;\n"
		"SELECT 4;\n"
		"-- trailing 1\n"
		"-- trailing 2");

	(void) state;
	assert_int_equal(script->count, 3);
	assert_int_equal(script->statements[0].comment_count, 2);
	assert_string_equal(script->statements[0].comments[0].text, " header");
	assert_int_equal(script->statements[0].comments[0].line, 1);
	assert_string_equal(script->statements[0].comments[1].text, " @query: one");
	assert_int_equal(script->statements[0].comments[1].line, 4);
	/* the comment inside the statement stays in its text and is not collected */
	assert_non_null(strstr(script->statements[0].text, "-- inside"));
	/* an empty statement does not take the comments: they go to the next real one */
	assert_int_equal(script->statements[1].comment_count, 2);
	assert_string_equal(script->statements[1].comments[0].text,
						" after the semicolon: belongs to the next one");
	assert_int_equal(script->statements[1].comments[0].line, 6);
	assert_string_equal(script->statements[1].comments[1].text, "@plain: one");
	assert_int_equal(script->statements[1].comments[1].line, 8);
	assert_int_equal(script->statements[1].line, 9);
	assert_int_equal(script->statements[2].comment_count, 0);
	assert_null(script->statements[2].comments);
	assert_int_equal(script->trailing_count, 2);
	assert_string_equal(script->trailing[1].text, " trailing 2");
	assert_int_equal(script->trailing[1].line, 12);
	sql_script_free(script);
}

static void
test_comment_markers_inside_quotes_are_not_comments(void **state)
{
	SqlScript  *script = split_ok("SELECT '-- @query: no';\n-- @query: yes\nSELECT $$ -- @x $$;");

	(void) state;
	assert_int_equal(script->count, 2);
	assert_int_equal(script->statements[0].comment_count, 0);
	assert_int_equal(script->statements[1].comment_count, 1);
	assert_string_equal(script->statements[1].comments[0].text, " @query: yes");
	assert_int_equal(script->trailing_count, 0);
	sql_script_free(script);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements_and_lines),
		cmocka_unit_test(test_semicolons_inside_quotes_and_comments),
		cmocka_unit_test(test_dollar_quotes),
		cmocka_unit_test(test_empty_statements_are_dropped),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_line_of_position_counts_characters),
		cmocka_unit_test(test_comments_before_statements_are_kept),
		cmocka_unit_test(test_comment_markers_inside_quotes_are_not_comments),
	};

	return cmocka_run_group_tests_name("sql_splitter", tests, NULL, NULL);
}
