/*
 * Unit tests of explain_plan: plans recorded from PostgreSQL 15.18 with
 * EXPLAIN (..., FORMAT JSON) on the demo tables, trimmed of the fields the
 * module does not read (costs, conditions, aliases, row counts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "queries/explain_plan.h"

static Error error;
static char errbuf[256];

static const char *const event_leaves[] = {
	"event_logs_2024_01", "event_logs_2024_02", "event_logs_2024_03", "event_logs_default",
};

static const char *const sales_leaves[] = {
	"sales_2024_q1_clothing", "sales_2024_q1_electronics", "sales_2024_q1_other",
	"sales_2024_q2_clothing", "sales_2024_q2_electronics", "sales_2024_q2_other", "sales_default",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* one_month, parallel: a single surviving partition has no Append node */
static const char *const single_plan =
	"[{\"Plan\":{\"Node Type\":\"Aggregate\",\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Gather\","
	"\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Aggregate\",\"Actual Loops\":3,\"Plans\":[{\"Node Type\":\"Seq Scan\","
	"\"Relation Name\":\"event_logs_2024_03\",\"Actual Loops\":3}]}]}]},\"Planning Time\":0.718,"
	"\"Execution Time\":10.673}]";

/* one_day_generic_plan: EXPLAIN (ANALYZE) EXECUTE under force_generic_plan */
static const char *const generic_plan =
	"[{\"Plan\":{\"Node Type\":\"Aggregate\",\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Append\","
	"\"Actual Loops\":1,\"Subplans Removed\":3,\"Plans\":[{\"Node Type\":\"Index Only Scan\","
	"\"Index Name\":\"event_logs_2024_02_created_at_idx\",\"Relation Name\":\"event_logs_2024_02\","
	"\"Actual Loops\":1}]}]},\"Planning Time\":1.235,\"Execution Time\":0.395}]";

/* bound_from_subquery: pruned during execution, the others never executed */
static const char *const initplan_plan =
	"[{\"Plan\":{\"Node Type\":\"Aggregate\",\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Result\","
	"\"Subplan Name\":\"InitPlan 1 (returns $0)\",\"Actual Loops\":1},{\"Node Type\":\"Result\","
	"\"Subplan Name\":\"InitPlan 2 (returns $1)\",\"Actual Loops\":1},{\"Node Type\":\"Append\","
	"\"Actual Loops\":1,\"Subplans Removed\":0,\"Plans\":[{\"Node Type\":\"Index Only Scan\","
	"\"Index Name\":\"event_logs_2024_01_created_at_idx\",\"Relation Name\":\"event_logs_2024_01\","
	"\"Actual Loops\":0},{\"Node Type\":\"Index Only Scan\",\"Index Name\":\"event_logs_2024_02_created_at_idx\","
	"\"Relation Name\":\"event_logs_2024_02\",\"Actual Loops\":0},{\"Node Type\":\"Index Only Scan\","
	"\"Index Name\":\"event_logs_2024_03_created_at_idx\",\"Relation Name\":\"event_logs_2024_03\","
	"\"Actual Loops\":1},{\"Node Type\":\"Index Only Scan\",\"Index Name\":\"event_logs_default_created_at_idx\","
	"\"Relation Name\":\"event_logs_default\",\"Actual Loops\":0}]}]},\"Planning Time\":1.439,"
	"\"Execution Time\":0.567}]";

/* the same kind of query without ANALYZE: no loop counts */
static const char *const noanalyze_plan =
	"[{\"Plan\":{\"Node Type\":\"Aggregate\",\"Plans\":[{\"Node Type\":\"Result\",\"Subplan Name\":\"InitPlan 1 (returns $0)\"},"
	"{\"Node Type\":\"Gather\",\"Params Evaluated\":[\"$0\"],\"Plans\":[{\"Node Type\":\"Aggregate\","
	"\"Plans\":[{\"Node Type\":\"Append\",\"Subplans Removed\":0,\"Plans\":[{\"Node Type\":\"Index Only Scan\","
	"\"Index Name\":\"event_logs_2024_01_created_at_idx\",\"Relation Name\":\"event_logs_2024_01\"},"
	"{\"Node Type\":\"Index Only Scan\",\"Index Name\":\"event_logs_2024_03_created_at_idx\","
	"\"Relation Name\":\"event_logs_2024_03\"},{\"Node Type\":\"Index Only Scan\",\"Index Name\":\"event_logs_2024_02_created_at_idx\","
	"\"Relation Name\":\"event_logs_2024_02\"},{\"Node Type\":\"Index Only Scan\",\"Index Name\":\"event_logs_default_created_at_idx\","
	"\"Relation Name\":\"event_logs_default\"}]}]}]}]}}]";

/* one_quarter with store_id, parallel: a scan run by two of three processes */
static const char *const parallel_plan =
	"[{\"Plan\":{\"Node Type\":\"Aggregate\",\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Gather\","
	"\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Aggregate\",\"Actual Loops\":3,\"Plans\":[{\"Node Type\":\"Append\","
	"\"Actual Loops\":3,\"Subplans Removed\":0,\"Plans\":[{\"Node Type\":\"Seq Scan\","
	"\"Relation Name\":\"sales_2024_q2_clothing\",\"Actual Loops\":2},{\"Node Type\":\"Seq Scan\","
	"\"Relation Name\":\"sales_2024_q2_other\",\"Actual Loops\":1},{\"Node Type\":\"Seq Scan\","
	"\"Relation Name\":\"sales_2024_q2_electronics\",\"Actual Loops\":1}]}]}]}]},\"Planning Time\":1.901,"
	"\"Execution Time\":17.762}]";

/* a DELETE on the partitioned table: ModifyTable names the parent it does not scan */
static const char *const delete_plan =
	"[{\"Plan\":{\"Node Type\":\"ModifyTable\",\"Relation Name\":\"orders_by_region\","
	"\"Actual Loops\":1,\"Plans\":[{\"Node Type\":\"Index Scan\",\"Index Name\":\"orders_europe_pkey\","
	"\"Relation Name\":\"orders_europe\",\"Actual Loops\":1}]},\"Planning Time\":1.048,"
	"\"Execution Time\":0.172}]";

/* the plain table through its index: Bitmap Index Scan has an index but no relation */
static const char *const bitmap_plan =
	"[{\"Plan\":{\"Node Type\":\"Aggregate\",\"Plans\":[{\"Node Type\":\"Bitmap Heap Scan\","
	"\"Relation Name\":\"event_logs_old\",\"Plans\":[{\"Node Type\":\"Bitmap Index Scan\","
	"\"Index Name\":\"idx_event_logs_old_created_at\"}]}]}}]";

static ExplainPlan *
parse_ok(const char *json)
{
	ExplainPlan *plan = explain_plan_parse(json, &error);

	error_format(&error, errbuf, sizeof(errbuf));
	if (!plan)
		fail_msg("unexpected parse error: %s", errbuf);
	return plan;
}

static PruningVerdict *
verdict_of(const ExplainPlan *plan, const char *const *leaves, size_t leaf_count,
		   const char *const *expected, size_t expected_count)
{
	PruningVerdict *verdict = explain_plan_verdict(plan, leaves, leaf_count, expected,
												   expected_count);

	assert_non_null(verdict);
	return verdict;
}

static void
test_single_partition_pruned_at_plan_time(void **state)
{
	ExplainPlan *plan = parse_ok(single_plan);
	const char *const expected[] = {"event_logs_2024_03"};
	PruningVerdict *v;

	(void) state;
	assert_true(plan->analyzed);
	assert_int_equal(plan->scan_count, 1);
	assert_string_equal(plan->scans[0].node_type, "Seq Scan");
	assert_string_equal(plan->scans[0].relation, "event_logs_2024_03");
	assert_null(plan->scans[0].index);
	assert_true(plan->scans[0].executed);
	assert_int_equal(plan->subplans_removed, 0);
	assert_true(plan->planning_ms > 0.7 && plan->planning_ms < 0.8);
	assert_true(plan->execution_ms > 10.6 && plan->execution_ms < 10.7);

	v = verdict_of(plan, event_leaves, COUNT(event_leaves), expected, 1);
	assert_int_equal(v->leaf_count, 4);
	assert_int_equal(v->scanned_count, 1);
	assert_string_equal(v->scanned[0], "event_logs_2024_03");
	assert_int_equal(v->skipped_count, 0);
	assert_true(v->plan_time);
	assert_false(v->run_time);
	assert_int_equal(v->kind, PRUNING_PLAN_TIME);
	assert_true(v->sets_match);
	explain_plan_verdict_free(v);
	explain_plan_free(plan);
}

static void
test_generic_plan_removes_subplans_at_run_time(void **state)
{
	ExplainPlan *plan = parse_ok(generic_plan);
	const char *const expected[] = {"event_logs_2024_02"};
	PruningVerdict *v;

	(void) state;
	assert_int_equal(plan->subplans_removed, 3);
	v = verdict_of(plan, event_leaves, COUNT(event_leaves), expected, 1);
	assert_int_equal(v->scanned_count, 1);
	assert_string_equal(v->scanned[0], "event_logs_2024_02");
	assert_int_equal(v->subplans_removed, 3);
	/* 1 in the plan + 3 removed = all 4 planned: nothing was pruned by the planner */
	assert_false(v->plan_time);
	assert_true(v->run_time);
	assert_int_equal(v->kind, PRUNING_RUN_TIME);
	assert_true(v->sets_match);
	explain_plan_verdict_free(v);
	explain_plan_free(plan);
}

static void
test_never_executed_scans_are_not_scanned(void **state)
{
	ExplainPlan *plan = parse_ok(initplan_plan);
	const char *const expected[] = {"event_logs_2024_03"};
	PruningVerdict *v;

	(void) state;
	assert_int_equal(plan->scan_count, 4);
	assert_false(plan->scans[0].executed);
	assert_string_equal(plan->scans[0].index, "event_logs_2024_01_created_at_idx");
	assert_true(plan->scans[2].executed);
	v = verdict_of(plan, event_leaves, COUNT(event_leaves), expected, 1);
	assert_int_equal(v->scanned_count, 1);
	assert_string_equal(v->scanned[0], "event_logs_2024_03");
	assert_int_equal(v->skipped_count, 3);
	assert_string_equal(v->skipped[0], "event_logs_2024_01");
	assert_string_equal(v->skipped[2], "event_logs_default");
	assert_int_equal(v->subplans_removed, 0);
	assert_false(v->plan_time);
	assert_int_equal(v->kind, PRUNING_RUN_TIME);
	assert_true(v->sets_match);
	explain_plan_verdict_free(v);
	explain_plan_free(plan);
}

static void
test_without_analyze_every_planned_scan_counts(void **state)
{
	ExplainPlan *plan = parse_ok(noanalyze_plan);
	const char *const expected[] = {"event_logs_2024_03"};
	PruningVerdict *v;

	(void) state;
	assert_false(plan->analyzed);
	assert_true(plan->planning_ms < 0);
	assert_true(plan->execution_ms < 0);
	v = verdict_of(plan, event_leaves, COUNT(event_leaves), expected, 1);
	/* pruning during execution cannot be seen: all four look scanned */
	assert_int_equal(v->scanned_count, 4);
	assert_int_equal(v->kind, PRUNING_NONE);
	assert_false(v->sets_match);
	assert_int_equal(v->unexpected_count, 3);
	assert_string_equal(v->unexpected[0], "event_logs_2024_01");
	assert_int_equal(v->missing_count, 0);
	explain_plan_verdict_free(v);
	explain_plan_free(plan);
}

static void
test_parallel_scans_and_set_differences(void **state)
{
	ExplainPlan *plan = parse_ok(parallel_plan);
	const char *const wrong[] = {"sales_2024_q2_clothing", "sales_2024_q1_other", "sales_2024_q9"};
	PruningVerdict *v;

	(void) state;
	assert_int_equal(plan->scan_count, 3);
	v = verdict_of(plan, sales_leaves, COUNT(sales_leaves), wrong, COUNT(wrong));
	/* scanned in the order of the leaves, not of the plan */
	assert_int_equal(v->scanned_count, 3);
	assert_string_equal(v->scanned[0], "sales_2024_q2_clothing");
	assert_string_equal(v->scanned[1], "sales_2024_q2_electronics");
	assert_string_equal(v->scanned[2], "sales_2024_q2_other");
	assert_int_equal(v->kind, PRUNING_PLAN_TIME);
	assert_false(v->sets_match);
	assert_int_equal(v->missing_count, 1);
	assert_string_equal(v->missing[0], "sales_2024_q1_other");
	assert_int_equal(v->unexpected_count, 2);
	assert_string_equal(v->unexpected[0], "sales_2024_q2_electronics");
	assert_int_equal(v->not_leaf_count, 1);
	assert_string_equal(v->not_leaves[0], "sales_2024_q9");
	explain_plan_verdict_free(v);

	/* every leaf expected and every leaf planned: no pruning */
	v = verdict_of(plan, sales_leaves + 3, 3, sales_leaves + 3, 3);
	assert_int_equal(v->kind, PRUNING_NONE);
	assert_true(v->sets_match);
	explain_plan_verdict_free(v);
	explain_plan_free(plan);
}

static void
test_modify_table_is_not_a_scan(void **state)
{
	ExplainPlan *plan = parse_ok(delete_plan);
	const char *const leaves[] = {"orders_asia_pacific", "orders_europe", "orders_north_america",
	"orders_other"};
	const char *const expected[] = {"orders_europe"};
	PruningVerdict *v;

	(void) state;
	assert_int_equal(plan->scan_count, 1);
	assert_string_equal(plan->scans[0].relation, "orders_europe");
	v = verdict_of(plan, leaves, COUNT(leaves), expected, 1);
	assert_true(v->sets_match);
	assert_int_equal(v->kind, PRUNING_PLAN_TIME);
	explain_plan_verdict_free(v);
	explain_plan_free(plan);
}

static void
test_bitmap_index_scan_keeps_its_index(void **state)
{
	ExplainPlan *plan = parse_ok(bitmap_plan);

	(void) state;
	assert_int_equal(plan->scan_count, 2);
	assert_string_equal(plan->scans[0].node_type, "Bitmap Heap Scan");
	assert_string_equal(plan->scans[0].relation, "event_logs_old");
	assert_string_equal(plan->scans[1].node_type, "Bitmap Index Scan");
	assert_null(plan->scans[1].relation);
	assert_string_equal(plan->scans[1].index, "idx_event_logs_old_created_at");
	explain_plan_free(plan);
}

static void
expect_parse_error(const char *json, const char *expected)
{
	ExplainPlan *plan = explain_plan_parse(json, &error);

	error_format(&error, errbuf, sizeof(errbuf));
	if (plan)
	{
		explain_plan_free(plan);
		fail_msg("parsed \"%s\", expected the error \"%s\"", json, expected);
	}
	if (!strstr(errbuf, expected))
		fail_msg("error \"%s\" does not contain \"%s\"", errbuf, expected);
}

static void
test_malformed_plans(void **state)
{
	char		deep[4096];
	size_t		n = 0;

	(void) state;
	expect_parse_error("", "invalid JSON");
	expect_parse_error("[{\"Plan\": {\"Node Type\": \"Result\"}", "invalid JSON");
	expect_parse_error("Aggregate  (cost=0.00..1.00 rows=1 width=8)", "invalid JSON");
	expect_parse_error("[{\"Plan\": {\"Node Type\": \"Result\"}}] x", "invalid JSON at offset 36");
	expect_parse_error("{\"Plan\": {\"Node Type\": \"Result\"}}", "not an EXPLAIN plan");
	expect_parse_error("[{\"Plan\": {\"Node Type\": \"Result\"}}, {}]", "not an EXPLAIN plan");
	expect_parse_error("[{\"Plan\": {\"Plans\": []}}]", "a plan node without \"Node Type\"");
	expect_parse_error("[{\"Plan\": {\"Node Type\": \"Append\", \"Plans\": {}}}]",
					   "\"Plans\" is not an array");
	/* deeper than json-c's default depth of 32 still parses */
	n += (size_t) snprintf(deep + n, sizeof(deep) - n, "[{\"Plan\":");
	for (int i = 0; i < 40; i++)
		n += (size_t) snprintf(deep + n, sizeof(deep) - n, "{\"Node Type\":\"Limit\",\"Plans\":[");
	n += (size_t) snprintf(deep + n, sizeof(deep) - n, "{\"Node Type\":\"Seq Scan\",\"Relation Name\":\"t\"}");
	for (int i = 0; i < 40; i++)
		n += (size_t) snprintf(deep + n, sizeof(deep) - n, "]}");
	snprintf(deep + n, sizeof(deep) - n, "}]\n");
	{
		ExplainPlan *plan = parse_ok(deep);

		assert_int_equal(plan->scan_count, 1);
		assert_string_equal(plan->scans[0].relation, "t");
		explain_plan_free(plan);
	}
}

static void
test_text_lines_that_scan_a_leaf(void **state)
{
	const char *yes[] = {
		"      ->  Seq Scan on event_logs_2024_03 event_logs  (cost=0.00..1927.86 rows=64657 width=0)",
		"->  Index Only Scan using event_logs_2024_02_created_at_idx on event_logs_2024_02 event_logs_1",
		"->  Parallel Seq Scan on event_logs_default",
		"->  Bitmap Heap Scan on event_logs_2024_01 (never executed)",
	};
	const char *no[] = {
		"  ->  Append  (cost=0.29..54.16 rows=1000 width=0)",
		"        Subplans Removed: 3",
		"  ->  Seq Scan on event_logs_old  (cost=0.00..1.00 rows=1 width=0)",
		"  ->  Seq Scan on event_logs_2024_031 x",
		"  ->  Bitmap Index Scan on event_logs_2024_03_created_at_idx",
		"        Filter: (note = ' on event_logs_2024_03 ')",
	};

	(void) state;
	for (size_t i = 0; i < COUNT(yes); i++)
		if (!explain_text_line_scans(yes[i], strlen(yes[i]), event_leaves, COUNT(event_leaves)))
			fail_msg("not seen as a partition scan: %s", yes[i]);
	for (size_t i = 0; i < COUNT(no); i++)
		if (explain_text_line_scans(no[i], strlen(no[i]), event_leaves, COUNT(event_leaves)))
			fail_msg("seen as a partition scan: %s", no[i]);
	/* the length bounds the line: what follows is not looked at */
	assert_false(explain_text_line_scans(yes[0], 20, event_leaves, COUNT(event_leaves)));
}

static void
test_pruning_names(void **state)
{
	(void) state;
	assert_int_equal(explain_pruning_parse("plan time"), PRUNING_PLAN_TIME);
	assert_int_equal(explain_pruning_parse("run time"), PRUNING_RUN_TIME);
	assert_int_equal(explain_pruning_parse("none"), PRUNING_NONE);
	assert_int_equal(explain_pruning_parse("plan_time"), PRUNING_UNSPECIFIED);
	assert_string_equal(explain_pruning_name(PRUNING_RUN_TIME), "run time");
	assert_string_equal(explain_pruning_key(PRUNING_PLAN_TIME), "plan_time");
	assert_string_equal(explain_pruning_key(PRUNING_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_partition_pruned_at_plan_time),
		cmocka_unit_test(test_generic_plan_removes_subplans_at_run_time),
		cmocka_unit_test(test_never_executed_scans_are_not_scanned),
		cmocka_unit_test(test_without_analyze_every_planned_scan_counts),
		cmocka_unit_test(test_parallel_scans_and_set_differences),
		cmocka_unit_test(test_modify_table_is_not_a_scan),
		cmocka_unit_test(test_bitmap_index_scan_keeps_its_index),
		cmocka_unit_test(test_malformed_plans),
		cmocka_unit_test(test_text_lines_that_scan_a_leaf),
		cmocka_unit_test(test_pruning_names),
	};

	return cmocka_run_group_tests_name("explain_plan", tests, NULL, NULL);
}
