/* Unit tests of load-data's pure parts: latency percentiles, ledger lines, COPY escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "utils/latency_histogram.h"
#include "utils/ledger.h"
#include "utils/row_writer.h"

static void
assert_close(double expected, double actual, double relative)
{
	if (fabs(actual - expected) > relative * expected)
		fail_msg("expected about %.3f, got %.3f", expected, actual);
}

static void
test_percentiles_within_five_percent(void **state)
{
	LatencyHistogram h;

	(void) state;
	latency_histogram_reset(&h);
	assert_true(latency_histogram_percentile(&h, 0.5) == 0);
	/* 1..10000 microseconds, once each */
	for (int us = 1; us <= 10000; us++)
		latency_histogram_add(&h, us);
	assert_int_equal(h.count, 10000);
	assert_close(5000, latency_histogram_percentile(&h, 0.50), 0.05);
	assert_close(9900, latency_histogram_percentile(&h, 0.99), 0.05);
	assert_true(latency_histogram_percentile(&h, 1.0) == 10000);	/* clamped to max */
	assert_close(5000.5, latency_histogram_mean(&h), 1e-9);
	assert_true(h.min_us == 1 && h.max_us == 10000);
}

static void
test_outliers_and_merge(void **state)
{
	LatencyHistogram a,
				b;

	(void) state;
	latency_histogram_reset(&a);
	latency_histogram_reset(&b);
	for (int i = 0; i < 990; i++)
		latency_histogram_add(&a, 1000);	/* 1 ms */
	for (int i = 0; i < 10; i++)
		latency_histogram_add(&b, 2e6);		/* 2 s stalls */
	latency_histogram_add(&b, 1e13);	/* beyond the last bucket: kept as max */
	latency_histogram_merge(&a, &b);
	assert_int_equal(a.count, 1001);
	assert_close(1000, latency_histogram_percentile(&a, 0.50), 0.05);
	assert_close(2e6, latency_histogram_percentile(&a, 0.995), 0.05);
	assert_true(a.max_us == 1e13);
}

static void
test_ledger_lines(void **state)
{
	DemoTable	table;
	long long	id;

	(void) state;
	assert_true(ledger_parse_line("event_logs\t42\n", &table, &id));
	assert_int_equal(table, DEMO_EVENT_LOGS);
	assert_int_equal(id, 42);
	assert_true(ledger_parse_line("sales_data\t9000000000", &table, &id));
	assert_int_equal(table, DEMO_SALES_DATA);
	assert_true(id == 9000000000LL);
	assert_false(ledger_parse_line("event_log\t42\n", &table, &id));	/* unknown table */
	assert_false(ledger_parse_line("event_logs 42\n", &table, &id));	/* no tab */
	assert_false(ledger_parse_line("event_logs\t\n", &table, &id));		/* cut short */
	assert_false(ledger_parse_line("event_logs\t4x\n", &table, &id));
	assert_false(ledger_parse_line("event_logs\t-1\n", &table, &id));
	assert_false(ledger_parse_line("users_distributed_x\t1\n", &table, &id));
}

static void
test_copy_escaping(void **state)
{
	char		out[64];

	(void) state;
	assert_int_equal(row_writer_escape_copy("plain {\"json\": 1}", out, sizeof(out)), 17);
	assert_string_equal(out, "plain {\"json\": 1}");
	row_writer_escape_copy("a\tb\nc\\d\re", out, sizeof(out));
	assert_string_equal(out, "a\\tb\\nc\\\\d\\re");
	/* does not fit: nothing half-written */
	assert_int_equal(row_writer_escape_copy("\\\\\\\\", out, 8), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles_within_five_percent),
		cmocka_unit_test(test_outliers_and_merge),
		cmocka_unit_test(test_ledger_lines),
		cmocka_unit_test(test_copy_escaping),
	};

	return cmocka_run_group_tests_name("load_parts", tests, NULL, NULL);
}
