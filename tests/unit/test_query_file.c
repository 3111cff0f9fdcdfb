/* Unit tests of the annotated query files: what is read, and every error with its line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "queries/query_file.h"

static Error error;
static char errbuf[1024];

static QueryFile *
parse_ok(const char *text)
{
	QueryFile  *file = query_file_parse("q.sql", text, &error);

	error_format(&error, errbuf, sizeof(errbuf));
	if (!file)
		fail_msg("unexpected parse error: %s", errbuf);
	return file;
}

static void
expect_error(const char *text, const char *expected)
{
	QueryFile  *file = query_file_parse("q.sql", text, &error);

	error_format(&error, errbuf, sizeof(errbuf));
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
	assert_int_equal(item->expected.expect_count, 1);
	assert_false(item->expected.expect_all);
	assert_string_equal(item->expected.expect[0], "event_logs_2024_03");
	assert_int_equal(item->expected.expect_line, 8);
	assert_int_equal(item->expected.pruning, PRUNING_PLAN_TIME);
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
	assert_int_equal(item->expected.expect_count, 2);
	assert_string_equal(item->expected.expect[0], "event_logs_2024_02");
	assert_string_equal(item->expected.expect[1], "event_logs_default");
	assert_int_equal(item->expected.pruning, PRUNING_UNSPECIFIED);
	assert_int_equal(item->param_count, 2);
	assert_string_equal(item->params[0], "2024-02-10");
	assert_string_equal(item->params[1], "{1,2, 3}");
	assert_true(item->generic);
	assert_int_equal(item->sql.lines[0], 23);
	assert_int_equal(item->plain.count, 0);

	item = &file->items[2];
	assert_string_equal(item->table, "public.event_logs");
	assert_true(item->expected.expect_all);
	assert_int_equal(item->expected.expect_count, 0);
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
				 "q.sql:1: annotations without @query, @maintenance, @layout, @plain or @previous");
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

static const char *const layout_file =
	"-- @layout: range_by_id\n"					/* 1 */
	"-- @table: users\n"
	"-- @shows: after migrate\n"
	"-- @previous_table: users_hash\n"
	"SELECT true;\n"							/* 5 */
	"-- @layout: other\n"
	"-- @table: users\n"
	"-- @shows: no previous table\n"
	"SELECT false;\n"							/* 9 */
	"-- @query: one_id\n"						/* 10 */
	"-- @table: users\n"
	"-- @shows: hash\n"
	"-- @expect: users_p2\n"
	"-- @pruning: plan time\n"
	"-- @expect range_by_id: users_r1, users_r2\n"	/* 15 */
	"-- @shows   range_by_id  : range\n"
	"-- @pruning other: none\n"					/* 17 */
	"SELECT 1;\n"
	"-- @plain: one_id\n"
	"SELECT 2;\n"
	"-- @previous: one_id\n"					/* 21 */
	"SELECT 3;\n"								/* 22 */
	"-- @query: contrast\n"
	"-- @table: users\n"
	"-- @shows: all\n"
	"-- @expect: all\n"
	"SELECT 4;\n";

static void
test_layouts_and_their_expectations(void **state)
{
	QueryFile  *file = parse_ok(layout_file);
	const QueryItem *layout = &file->items[0];
	const QueryItem *item = &file->items[2];
	const QueryExpectation *e;

	(void) state;
	assert_int_equal(file->count, 4);
	assert_int_equal(layout->kind, QUERY_ITEM_LAYOUT);
	assert_string_equal(layout->name, "range_by_id");
	assert_string_equal(layout->table, "users");
	assert_string_equal(layout->shows, "after migrate");
	assert_string_equal(layout->previous_table, "users_hash");
	assert_int_equal(layout->sql.count, 1);
	assert_string_equal(layout->sql.sql[0], "SELECT true");
	assert_int_equal(layout->sql.lines[0], 5);
	assert_null(file->items[1].previous_table);

	/* the unqualified annotations */
	e = query_item_expectation(item, NULL);
	assert_ptr_equal(e, &item->expected);
	assert_null(e->layout);
	assert_string_equal(e->expect[0], "users_p2");
	assert_int_equal(e->expect_line, 13);
	assert_int_equal(e->pruning, PRUNING_PLAN_TIME);
	assert_string_equal(e->shows, "hash");

	/* range_by_id replaces @expect and @shows, keeps @pruning */
	assert_int_equal(item->layout_count, 2);
	e = query_item_expectation(item, "range_by_id");
	assert_string_equal(e->layout, "range_by_id");
	assert_int_equal(e->expect_count, 2);
	assert_string_equal(e->expect[0], "users_r1");
	assert_string_equal(e->expect[1], "users_r2");
	assert_int_equal(e->expect_line, 15);
	assert_int_equal(e->pruning, PRUNING_PLAN_TIME);
	assert_int_equal(e->pruning_line, 14);
	assert_string_equal(e->shows, "range");

	/* other replaces @pruning only */
	e = query_item_expectation(item, "other");
	assert_int_equal(e->expect_count, 1);
	assert_string_equal(e->expect[0], "users_p2");
	assert_int_equal(e->expect_line, 13);
	assert_int_equal(e->pruning, PRUNING_NONE);
	assert_int_equal(e->pruning_line, 17);
	assert_string_equal(e->shows, "hash");

	/* a layout the query does not qualify: the unqualified annotations */
	assert_ptr_equal(query_item_expectation(item, "unknown"), &item->expected);
	assert_ptr_equal(query_item_expectation(&file->items[3], "range_by_id"), &file->items[3].expected);

	assert_int_equal(item->previous.count, 1);
	assert_string_equal(item->previous.sql[0], "SELECT 3");
	assert_int_equal(item->previous.lines[0], 22);
	assert_int_equal(item->previous_line, 21);
	assert_int_equal(item->plain.count, 1);
	assert_int_equal(file->items[3].previous.count, 0);
	query_file_free(file);
}

#define LAYOUT_HEAD "-- @layout: l\n-- @table: t\n-- @shows: s\n"
#define LAYOUT_PREV LAYOUT_HEAD "-- @previous_table: t_old\n"

static void
test_layout_errors(void **state)
{
	(void) state;
	/* qualified tags */
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @expect nope: p\nSELECT 1;",
				 "q.sql:9: @expect nope: no @layout \"nope\" before it in this file");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @expect l: p\nSELECT 1;\n" LAYOUT_HEAD "SELECT true;",
				 "q.sql:5: @expect l: no @layout \"l\" before it");
	expect_error("-- @layout: l\n-- @table: u\n-- @shows: s\nSELECT true;\n" QUERY_HEAD
				 "-- @expect: all\n-- @pruning l: none\nSELECT 1;",
				 "q.sql:9: @pruning l: @layout \"l\" (line 1) is a layout of u, not of t");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @expect l: a\n-- @expect l: b\nSELECT 1;",
				 "q.sql:10: second @expect l (the first is on line 9)");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @expect l:\nSELECT 1;",
				 "q.sql:9: @expect l has no value");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @expect l p\nSELECT 1;",
				 "q.sql:9: missing \":\" after \"@expect l\"");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @pruning l: later\nSELECT 1;",
				 "q.sql:9: @pruning: \"later\" is none of");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @expect l: a, a\nSELECT 1;",
				 "q.sql:9: @expect names \"a\" twice");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect l: p\nSELECT 1;",
				 "q.sql:5: @query needs @expect");
	expect_error(LAYOUT_HEAD "SELECT true;\n-- @maintenance: m\n-- @table: t\n-- @shows: s\n-- @expect l: p\nSELECT 1;",
				 "q.sql:8: @expect l belongs to a @query");
	expect_error("-- @table: t\n-- @plan l: generic\nSELECT 1;", "q.sql:2: missing \":\" after \"@plan\"");
	/* a word and nothing after it is the value of an unqualified tag, its ":" forgotten */
	expect_error(QUERY_HEAD "-- @expect p1\nSELECT 1;", "q.sql:4: missing \":\" after \"@expect\"");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\n-- @shows l \nSELECT 1;",
				 "q.sql:9: missing \":\" after \"@shows l\"");
	/* the layout item */
	expect_error("-- @layout: l\n-- @table: t\nSELECT true;", "q.sql:1: @layout needs @shows");
	expect_error(LAYOUT_HEAD "-- @expect: all\nSELECT true;",
				 "q.sql:4: @expect belongs to a @query: a layout's statement tells whether it is in force");
	expect_error(LAYOUT_HEAD "-- @param $1: 3\nSELECT $1;", "q.sql:4: @param belongs to a @query");
	expect_error("-- @query: q\n-- @layout: l\n-- @table: t\n-- @shows: s\n-- @expect: all\nSELECT 1;",
				 "q.sql:2: @layout and @query (line 1) on one statement");
	expect_error(LAYOUT_HEAD "SELECT true;\nSELECT false;",
				 "q.sql:5: statement without annotations after a @query, a @layout");
	expect_error(LAYOUT_HEAD "SELECT true;\n" LAYOUT_HEAD "SELECT true;",
				 "q.sql:5: @layout: \"l\" is used twice in this file");
	expect_error(LAYOUT_HEAD "-- @previous_table: a b\nSELECT true;",
				 "q.sql:4: @previous_table: \"a b\" is not a table name");
	expect_error(QUERY_HEAD "-- @expect: all\n-- @previous_table: x\nSELECT 1;",
				 "q.sql:5: @previous_table belongs to a @layout");
	expect_error("-- @maintenance: m\n-- @table: t\n-- @shows: s\n-- @previous_table: x\nSELECT 1;",
				 "q.sql:4: @previous_table belongs to a @layout");
	/* @previous statements */
	expect_error(LAYOUT_PREV "SELECT true;\n-- @previous: q\nSELECT 1;",
				 "q.sql:6: @previous: no @query \"q\" before it in this file");
	expect_error(LAYOUT_HEAD "SELECT true;\n" QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @previous: q\nSELECT 2;",
				 "q.sql:10: @previous: no @layout of t with @previous_table before it");
	expect_error(LAYOUT_PREV "SELECT true;\n" QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @previous: q\nSELECT 2;\n"
				 "-- @previous: q\nSELECT 3;",
				 "q.sql:13: @previous: \"q\" has a previous version already (line 11)");
	expect_error(LAYOUT_PREV "SELECT true;\n" QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @previous: q\n"
				 "-- @expect l: x\nSELECT 2;",
				 "q.sql:12: @previous takes no @expect l");
	expect_error(LAYOUT_PREV "SELECT true;\n" QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @previous: q\n"
				 "-- @plain: q\nSELECT 2;",
				 "q.sql:11: @previous and @plain on one statement");
	expect_error(LAYOUT_PREV "SELECT true;\n-- @previous: l\nSELECT 1;",
				 "q.sql:6: @previous: no @query \"l\"");
	expect_error(LAYOUT_PREV "SELECT true;\n-- @plain: l\nSELECT 1;",
				 "q.sql:6: @plain: no @query or @maintenance \"l\"");
	expect_error(LAYOUT_PREV "SELECT true;\n" QUERY_HEAD "-- @expect: all\nSELECT 1;\n-- @previous: q\nSELECT 2;\nSELECT 3;",
				 "q.sql:13: statement without annotations after");
}

/* The marks' grammar (pg/sql_marks.h): a value goes on over indented comment lines right below. */
static void
test_a_value_continues_on_indented_lines(void **state)
{
	QueryFile  *file = parse_ok("-- @query: q\n-- @table: t\n"
								"-- @shows: a sentence too long\n"
								"--     for one line\n"
								"-- prose again\n"
								"--     and not continued\n"
								"-- @expect: p1,\n--   p2\nSELECT 1;\n");

	(void) state;
	assert_string_equal(file->items[0].shows, "a sentence too long for one line");
	assert_int_equal(file->items[0].expected.expect_count, 2);
	assert_string_equal(file->items[0].expected.expect[1], "p2");
	assert_int_equal(file->items[0].expected.expect_line, 7);
	query_file_free(file);
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
		cmocka_unit_test(test_layouts_and_their_expectations),
		cmocka_unit_test(test_layout_errors),
		cmocka_unit_test(test_a_value_continues_on_indented_lines),
		cmocka_unit_test(test_load_reports_a_missing_file),
	};

	return cmocka_run_group_tests_name("query_file", tests, NULL, NULL);
}
