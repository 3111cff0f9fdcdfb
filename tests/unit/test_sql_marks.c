/*
 * Unit tests of the one reader of "-- @key: value" comment marks: the
 * shape of a mark, its argument, a missing ":", continuation lines, and the
 * marks of the project's own SQL files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pg/sql_marks.h"
#include "pg/sql_runner.h"

#include "split_helper.h"

/* The marks before the first statement of text. */
static SqlScript *
marks_of_first(const char *text, SqlMarks *marks)
{
	SqlScript  *script = split_ok(text);

	assert_true(script->count >= 1);
	assert_true(sql_marks_read(script->statements[0].comments, script->statements[0].comment_count,
							   marks));
	return script;
}

static void
test_key_and_value_prose_skipped(void **state)
{
	SqlMarks	marks;
	SqlScript  *script = marks_of_first("-- prose\n--   @online:create   \n"
										"-- @table: public.t \n-- more prose: with a colon\n"
										"-- @step: 2. Plan: the month.\nSELECT 1;\n", &marks);

	(void) state;
	assert_int_equal(marks.count, 3);
	assert_string_equal(marks.items[0].key, "online");
	assert_null(marks.items[0].argument);
	assert_string_equal(marks.items[0].value, "create");
	assert_int_equal(marks.items[0].line, 2);
	assert_string_equal(marks.items[0].text, "   @online:create   ");
	assert_string_equal(marks.items[1].key, "table");
	assert_string_equal(marks.items[1].value, "public.t");
	assert_int_equal(marks.items[1].line, 3);
	/* only the first ":" ends the key */
	assert_string_equal(marks.items[2].key, "step");
	assert_string_equal(marks.items[2].value, "2. Plan: the month.");
	assert_int_equal(marks.items[2].line, 5);
	assert_ptr_equal(sql_marks_last(&marks, "step"), &marks.items[2]);
	assert_null(sql_marks_last(&marks, "query"));
	sql_marks_free(&marks);
	sql_script_free(script);
}

static void
test_argument(void **state)
{
	SqlMarks	marks;
	SqlScript  *script = marks_of_first("-- @param $1: 2024-02-10\n-- @shows   range_by_id  : range\n"
										"-- @param$2:x\nSELECT $1;\n", &marks);

	(void) state;
	assert_int_equal(marks.count, 3);
	assert_string_equal(marks.items[0].key, "param");
	assert_string_equal(marks.items[0].argument, "$1");
	assert_string_equal(marks.items[0].value, "2024-02-10");
	assert_string_equal(marks.items[1].argument, "range_by_id");
	assert_string_equal(marks.items[1].value, "range");
	/* a key ends at the first character that is no letter or underscore */
	assert_string_equal(marks.items[2].key, "param");
	assert_string_equal(marks.items[2].argument, "$2");
	assert_string_equal(marks.items[2].value, "x");
	sql_marks_free(&marks);
	sql_script_free(script);
}

/* A mark without its ":" is still a mark, for its module to refuse. */
static void
test_missing_colon_and_empty_key(void **state)
{
	SqlMarks	marks;
	SqlScript  *script = marks_of_first("-- @query x\n-- @query\n-- @expect l p: v\n-- @ odd\n"
										"-- @exp3ct: v\n-- @online:\nSELECT 1;\n", &marks);

	(void) state;
	assert_int_equal(marks.count, 6);
	assert_string_equal(marks.items[0].argument, "x");
	assert_null(marks.items[0].value);
	assert_null(marks.items[1].argument);
	assert_null(marks.items[1].value);
	/* one word between key and ":" at the most */
	assert_string_equal(marks.items[2].argument, "l");
	assert_null(marks.items[2].value);
	assert_string_equal(marks.items[3].key, "");
	assert_string_equal(marks.items[3].argument, "odd");
	assert_string_equal(marks.items[4].key, "exp");
	assert_string_equal(marks.items[4].argument, "3ct");
	assert_string_equal(marks.items[4].value, "v");
	/* an empty value is a value */
	assert_string_equal(marks.items[5].value, "");
	sql_marks_free(&marks);
	sql_script_free(script);
}

static void
test_continuation_lines(void **state)
{
	SqlMarks	marks;
	SqlScript  *script = marks_of_first(
		"-- @step: 0. Lock the parent, then\n"	/* 1 */
		"--    each partition;   \n"
		"--\t\tthen check.\n"
		"-- prose ends it\n"
		"--    and is not continued\n"			/* 5 */
		"-- @step: 1. Rows\n"
		"--\n"
		"--    (an empty line ended it)\n"
		"-- @shows: one\n"
		"--    @table: t\n"						/* 10: a mark, not a continuation */
		"-- @query x\n"
		"--    (no value to continue)\n"
		"-- @step: 2. Last\n"
		"\n"
		"--    (a blank line ended it)\n"		/* 15 */
		"SELECT 1;\n", &marks);

	(void) state;
	assert_int_equal(marks.count, 6);
	assert_string_equal(marks.items[0].value, "0. Lock the parent, then each partition; then check.");
	assert_int_equal(marks.items[0].line, 1);
	assert_string_equal(marks.items[1].value, "1. Rows");
	assert_string_equal(marks.items[2].value, "one");
	assert_string_equal(marks.items[3].key, "table");
	assert_string_equal(marks.items[3].value, "t");
	assert_int_equal(marks.items[3].line, 10);
	assert_null(marks.items[4].value);
	assert_string_equal(marks.items[5].value, "2. Last");
	sql_marks_free(&marks);
	sql_script_free(script);
}

/* Between statements only: comments inside one are not kept, trailing ones are. */
static void
test_marks_belong_to_the_next_statement(void **state)
{
	SqlScript  *script = split_ok("SELECT 1 -- @step: 9. inside\n;\n-- @step: 1. a\nSELECT 2\n"
								  "-- @step: 8. inside too\n;\n-- @query: left\n");
	SqlMarks	marks;

	(void) state;
	assert_int_equal(script->count, 2);
	assert_true(sql_marks_read(script->statements[0].comments, script->statements[0].comment_count,
							   &marks));
	assert_int_equal(marks.count, 0);
	sql_marks_free(&marks);
	assert_true(sql_marks_read(script->statements[1].comments, script->statements[1].comment_count,
							   &marks));
	assert_int_equal(marks.count, 1);
	assert_string_equal(marks.items[0].value, "1. a");
	sql_marks_free(&marks);
	assert_true(sql_marks_read(script->trailing, script->trailing_count, &marks));
	assert_int_equal(marks.count, 1);
	assert_string_equal(marks.items[0].key, "query");
	assert_int_equal(marks.items[0].line, 7);
	sql_marks_free(&marks);
	sql_script_free(script);
}

/* Each scenario file: every statement after the session settings is under a numbered @step. */
static void
test_scenario_files_mark_their_steps(void **state)
{
	const char *const files[] = {
		"scripts/repartition/10_add_new_partition.sql", "scripts/repartition/11_split_partition.sql",
		"scripts/repartition/12_detach_archive.sql", "scripts/repartition/13_migrate_strategy.sql",
		"scripts/repartition/14_cleanup_repartition.sql",
	};

	(void) state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++)
	{
		SqlScript  *script = sql_runner_read_script(files[f]);
		size_t		steps = 0;

		assert_non_null(script);
		for (size_t i = 0; i < script->count; i++)
		{
			SqlMarks	marks;
			const SqlMark *step;

			assert_true(sql_marks_read(script->statements[i].comments,
									   script->statements[i].comment_count, &marks));
			if ((step = sql_marks_last(&marks, "step")))
			{
				if (step->value == NULL || step->value[0] < '0' || step->value[0] > '9' ||
					!strstr(step->value, ". "))
					fail_msg("%s:%d: not a numbered step: \"--%s\"", files[f], step->line, step->text);
				steps++;
			}
			sql_marks_free(&marks);
		}
		if (steps < 6)
			fail_msg("%s: %zu steps", files[f], steps);
		sql_script_free(script);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_and_value_prose_skipped),
		cmocka_unit_test(test_argument),
		cmocka_unit_test(test_missing_colon_and_empty_key),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_marks_belong_to_the_next_statement),
		cmocka_unit_test(test_scenario_files_mark_their_steps),
	};

	return cmocka_run_group_tests_name("sql_marks", tests, NULL, NULL);
}
