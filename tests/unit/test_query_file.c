/* Unit tests of the annotated query files: what is read, and every error with its line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "utils/query_file.h"

static char errbuf[1024];

static QueryFile *
parse_ok(const char *text)
{
	QueryFile  *file = query_file_parse("q.sql", text, errbuf, sizeof(errbuf));

	if (!file)
		fail_msg("unexpected parse error: %s", errbuf);
	return file;
}

static void
expect_error(const char *text, const char *expected)
{
	QueryFile  *file = query_file_parse("q.sql", text, errbuf, sizeof(errbuf));

	if (file)
	{
		query_file_free(file);
		fail_msg("parsed, but expected the error \"%s\"", expected);
	}
	if (!strstr(errbuf, expected))
		fail_msg("error \"%s\" does not contain \"%s\"", errbuf, expected);
}

static const char *const range_file =
	"-- a header: prose, not annotations\n"		/* 1 */
	"-- that mentions @query in the middle of a line\n"
	"\n"
	"-- @query: one_month\n"					/* 4 */
	"-- @table: event_logs\n"
	"--   @shows:   a month scans one partition  \n"
	"-- a prose line between annotations\n"
	"-- @expect: event_logs_2024_03\n"			/* 8 */
	"-- @pruning: plan time\n"
	"SELECT count(*)\n"							/* 10 */
	"  FROM event_logs;\n"
	"\n"
	"-- @plain: one_month\n"					/* 13 */
	"SELECT count(*) FROM event_logs_old;\n"	/* 14 */
	"\n"
	"-- @query: generic_day\n"					/* 16 */
	"-- @table: event_logs\n"
	"-- @shows: a generic plan\n"
	"-- @expect: event_logs_2024_02 ,event_logs_default\n"
	"-- @param $1: 2024-02-10\n"
	"-- @param $2:  {1,2, 3} \n"
	"-- @plan: generic\n"
	"SELECT $1, $2;\n"							/* 23 */
	"-- @query: contrast\n"
	"-- @table: public.event_logs\n"
	"-- @shows: all\n"
	"-- @expect: all\n"
	"SELECT 1\n";

static void
test_queries_and_plain(void **state)
{
	QueryFile  *file = parse_ok(range_file);
	QueryItem  *item;

	(void) state;
	assert_string_equal(file->path, "q.sql");
	assert_int_equal(file->count, 3);

	item = &file->items[0];
	assert_int_equal(item->kind, QUERY_ITEM_QUERY);
	assert_string_equal(item->name, "one_month");
	assert_int_equal(item->line, 4);
	assert_string_equal(item->table, "event_logs");
	assert_string_equal(item->shows, "a month scans one partition");
	assert_int_equal(item->expect_count, 1);
	assert_false(item->expect_all);
	assert_string_equal(item->expect[0], "event_logs_2024_03");
	assert_int_equal(item->expect_line, 8);
	assert_int_equal(item->pruning, PRUNING_PLAN_TIME);
	assert_int_equal(item->param_count, 0);
	assert_false(item->generic);
	assert_int_equal(item->sql.count, 1);
	assert_string_equal(item->sql.sql[0], "SELECT count(*)\n  FROM event_logs");
	assert_int_equal(item->sql.lines[0], 10);
	assert_int_equal(item->plain.count, 1);
	assert_string_equal(item->plain.sql[0], "SELECT count(*) FROM event_logs_old");
	assert_int_equal(item->plain.lines[0], 14);
	assert_int_equal(item->plain_line, 13);

	item = &file->items[1];
	assert_string_equal(item->name, "generic_day");
	assert_int_equal(item->expect_count, 2);
	assert_string_equal(item->expect[0], "event_logs_2024_02");
	assert_string_equal(item->expect[1], "event_logs_default");
	assert_int_equal(item->pruning, PRUNING_UNSPECIFIED);
	assert_int_equal(item->param_count, 2);
	assert_string_equal(item->params[0], "2024-02-10");
	assert_string_equal(item->params[1], "{1,2, 3}");
	assert_true(item->generic);
	assert_int_equal(item->sql.lines[0], 23);
	assert_int_equal(item->plain.count, 0);

	item = &file->items[2];
	assert_string_equal(item->table, "public.event_logs");
	assert_true(item->expect_all);
	assert_int_equal(item->expect_count, 0);
	query_file_free(file);
}

static void
test_maintenance_takes_the_statements_that_follow(void **state)
{
	QueryFile  *file = parse_ok(
		"-- @maintenance: remove_a_month\n"
		"-- @table: event_logs\n"
		"-- @shows: detach and drop\n"
		"ALTER TABLE event_logs DETACH PARTITION event_logs_2024_03;\n"
		"-- prose only: still the same item\n"
		"DROP TABLE event_logs_2024_03;\n"
		"-- @plain: remove_a_month\n"
		"DELETE FROM event_logs_old WHERE true;\n"
		"VACUUM event_logs_old;\n");
	QueryItem  *item = &file->items[0];

	(void) state;
	assert_int_equal(file->count, 1);
	assert_int_equal(item->kind, QUERY_ITEM_MAINTENANCE);
	assert_int_equal(item->sql.count, 2);
	assert_string_equal(item->sql.sql[1], "DROP TABLE event_logs_2024_03");
	assert_int_equal(item->sql.lines[1], 6);
	assert_int_equal(item->plain.count, 2);
	assert_string_equal(item->plain.sql[1], "VACUUM event_logs_old");
	assert_int_equal(item->plain.lines[1], 9);
	query_file_free(file);
}

#define QUERY_HEAD "-- @query: q\n-- @table: t\n-- @shows: s\n"

static void
test_tag_errors(void **state)
{
	(void) state;
	expect_error("-- prose\n-- @querry: x\nSELECT 2;",
				 "q.sql:2: unknown annotation \"@querry\"");
	expect_error("-- @query x\nSELECT 1;", "q.sql:1: missing \":\" after \"@query\"");
	expect_error("-- @query:\nSELECT 1;", "q.sql:1: @query has no value");
	expect_error("-- @query: a b\n-- @table: t\n-- @shows: s\n-- @expect: all\nSELECT 1;",
				 "q.sql:1: @query: \"a b\" is not a valid name");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @expect: p\nSELECT 1;",
				 "q.sql:5: second @expect (the first is on line 4)");
	/* an annotation block whose statement was deleted runs into the next block */
	expect_error(QUERY_HEAD "-- @expect: all\n" QUERY_HEAD "-- @expect: all\nSELECT 1;",
				 "q.sql:5: second @query");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @pruning: sometimes\nSELECT 1;",
				 "q.sql:5: @pruning: \"sometimes\" is none of");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @plan: cached\nSELECT 1;",
				 "q.sql:5: @plan: \"cached\"");
	expect_error(QUERY_HEAD "-- @expect: p1, , p2\nSELECT 1;",
				 "q.sql:4: @expect: \"\" is not a partition name");
	expect_error(QUERY_HEAD "-- @expect: p1, p1\nSELECT 1;", "q.sql:4: @expect names \"p1\" twice");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @table: u\nSELECT 1;", "q.sql:5: second @table");
}

static void
test_missing_and_misplaced_tags(void **state)
{
	(void) state;
	expect_error("\n-- @query: q\n-- @table: t\n-- @shows: s\nSELECT 1;",
				 "q.sql:2: @query needs @expect");
	expect_error("-- @query: q\n-- @expect: all\n-- @shows: s\nSELECT 1;",
				 "q.sql:1: @query needs @table");
	expect_error("-- @maintenance: m\n-- @table: t\nSELECT 1;", "q.sql:1: @maintenance needs @shows");
	expect_error("-- @maintenance: m\n-- @table: t\n-- @shows: s\n-- @expect: all\nSELECT 1;",
				 "q.sql:4: @expect belongs to a @query");
	expect_error("-- @maintenance: m\n-- @table: t\n-- @shows: s\n-- @param $1: 3\nSELECT 1;",
				 "q.sql:4: @param belongs to a @query");
	expect_error("-- @query: q\n-- @maintenance: m\n-- @table: t\n-- @shows: s\nSELECT 1;",
				 "q.sql:2: @maintenance and @query (line 1) on one statement");
	expect_error("-- @table: t\n-- @shows: s\nSELECT 1;",
				 "q.sql:1: annotations without @query, @maintenance or @plain");
}

static void
test_params(void **state)
{
	(void) state;
	expect_error(QUERY_HEAD "-- @expect: all\n-- @param $2: x\nSELECT $1;",
				 "q.sql:5: @param $2: expected $1");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @param $1: x\n-- @param $1: y\nSELECT $1;",
				 "q.sql:6: @param $1: expected $2");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @param 1: x\nSELECT $1;",
				 "q.sql:5: @param needs a parameter number");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @param $1 x\nSELECT $1;",
				 "q.sql:5: missing \":\" after \"@param $1\"");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @plan: generic\nSELECT 1;",
				 "q.sql:5: @plan: generic needs parameters");
}

static void
test_statement_structure(void **state)
{
	(void) state;
	expect_error("-- header\nSELECT 1;", "q.sql:2: statement without annotations");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n\nSELECT 2;",
				 "q.sql:7: statement without annotations after a @query");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @plain: q\nSELECT 2;\nSELECT 3;",
				 "q.sql:8: statement without annotations after a @query");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @plain: nope\nSELECT 2;",
				 "q.sql:6: @plain: no @query or @maintenance \"nope\" before it");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @plain: q\nSELECT 2;\n-- @plain: q\nSELECT 3;",
				 "q.sql:8: @plain: \"q\" has a plain version already (line 6)");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @plain: q\n-- @param $1: 3\nSELECT 2;",
				 "q.sql:7: @plain takes no @param");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n" QUERY_HEAD "-- @expect: all\nSELECT 2;",
				 "q.sql:6: @query: \"q\" is used twice in this file");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @query: r\n", "q.sql:6: annotation without a statement");
	expect_error(QUERY_HEAD "-- @expect: all\nSELECT 'open;\n", "q.sql:5: unterminated quoted string");
}

static void
test_load_reports_a_missing_file(void **state)
{
	(void) state;
	assert_null(query_file_load("/nonexistent/q.sql"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries_and_plain),
		cmocka_unit_test(test_maintenance_takes_the_statements_that_follow),
		cmocka_unit_test(test_tag_errors),
		cmocka_unit_test(test_missing_and_misplaced_tags),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_statement_structure),
		cmocka_unit_test(test_load_reports_a_missing_file),
	};

	return cmocka_run_group_tests_name("query_file", tests, NULL, NULL);
}
