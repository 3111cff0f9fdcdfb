/* Unit tests of the data generator: mix, ranges, weights, uniqueness. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/data_generator.h"

#define DRAWS 200000

/* |observed - expected| within 5 standard deviations of a binomial count. */
static void
assert_share(long observed, long draws, double expected_share, const char *what)
{
	double		expected = draws * expected_share;
	double		sigma = sqrt(draws * expected_share * (1 - expected_share));

	if (fabs(observed - expected) > 5 * sigma)
		fail_msg("%s: %ld of %ld, expected about %.0f (5 sigma = %.0f)", what, observed, draws,
				 expected, 5 * sigma);
}

static void
test_table_mix_is_the_spec_mix(void **state)
{
	DataGenerator *gen = data_generator_new(1, "t");
	long		counts[DEMO_TABLE_COUNT] = {0};
	const double expected[DEMO_TABLE_COUNT] = {0.30, 0.25, 0.25, 0.20};

	(void) state;
	for (int i = 0; i < DRAWS; i++)
		counts[data_generator_pick_table(gen)]++;
	for (int table = 0; table < DEMO_TABLE_COUNT; table++)
		assert_share(counts[table], DRAWS, expected[table], demo_table_name(table));
	data_generator_free(gen);
}

static void
test_random_int_bounds_and_uniformity(void **state)
{
	DataGenerator *gen = data_generator_new(2, "t");
	long		counts[6] = {0};

	(void) state;
	for (int i = 0; i < 60000; i++)
	{
		int64_t		value = data_generator_random_int(gen, 1, 6);

		assert_in_range(value, 1, 6);
		counts[value - 1]++;
	}
	for (int i = 0; i < 6; i++)
		assert_share(counts[i], 60000, 1.0 / 6, "die face");
	assert_int_equal(data_generator_random_int(gen, 7, 7), 7);
	data_generator_free(gen);
}

static void
test_event_dates_follow_the_partitions(void **state)
{
	DataGenerator *gen = data_generator_new(3, "t");
	DataRanges	ranges = data_generator_default_ranges();
	long		outside = 0;

	(void) state;
	for (int i = 0; i < DRAWS / 4; i++)
	{
		EventLogRow row;

		data_generator_event_log(gen, &row);
		/* text timestamps compare like times in this fixed format */
		assert_true(strcmp(row.created_at, "2024-01-01 00:00:00") >= 0);
		assert_true(strcmp(row.created_at, "2024-07-01 00:00:00") < 0);
		if (strcmp(row.created_at, "2024-04-01 00:00:00") >= 0)
			outside++;
		assert_non_null(strstr(row.event_data, "\"duration_ms\""));
	}
	assert_share(outside, DRAWS / 4, ranges.event_outside_share, "events for the DEFAULT partition");
	data_generator_free(gen);
}

static void
test_sales_cover_quarters_and_categories(void **state)
{
	DataGenerator *gen = data_generator_new(4, "t");
	long		outside = 0,
				other_category = 0;

	(void) state;
	for (int i = 0; i < DRAWS / 4; i++)
	{
		SaleRow		row;
		double		unit,
					total;

		data_generator_sale(gen, &row);
		assert_true(strcmp(row.sale_date, "2024-01-01") >= 0);
		assert_true(strcmp(row.sale_date, "2024-10-01") < 0);
		if (strcmp(row.sale_date, "2024-07-01") >= 0)
			outside++;
		if (!strstr("electronics computers clothing shoes accessories", row.product_category))
			other_category++;
		unit = atof(row.unit_price);
		total = atof(row.total_amount);
		assert_true(unit >= 1.0 && unit <= 500.0);
		assert_true(fabs(total - unit * atoi(row.quantity)) < 0.005);
		assert_non_null(strchr(row.unit_price, '.'));
		assert_int_equal(strlen(strchr(row.unit_price, '.')), 3);	/* two decimals */
	}
	assert_share(outside, DRAWS / 4, 0.03, "sales for sales_default");
	assert_share(other_category, DRAWS / 4, 4.0 / 9, "categories of the *_other leaves");
	data_generator_free(gen);
}

static void
test_regions_are_weighted_with_unknown_ones(void **state)
{
	DataGenerator *gen = data_generator_new(5, "t");
	long		us = 0,
				unknown = 0;

	(void) state;
	for (int i = 0; i < DRAWS / 4; i++)
	{
		OrderRow	row;

		data_generator_order(gen, &row);
		us += strcmp(row.region, "US") == 0;
		unknown += strcmp(row.region, "BR") == 0 || strcmp(row.region, "ZA") == 0 ||
			strcmp(row.region, "AE") == 0;
		assert_true(atof(row.order_total) >= 5.0 && atof(row.order_total) <= 2000.0);
	}
	assert_share(us, DRAWS / 4, 0.22, "US orders");
	assert_share(unknown, DRAWS / 4, 0.04, "orders for orders_other");
	data_generator_free(gen);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
test_usernames_unique_within_and_across_generators(void **state)
{
	enum
	{
		PER_GENERATOR = 5000
	};
	DataGenerator *first = data_generator_new(6, "proc1");
	DataGenerator *second = data_generator_new(6, "proc2");	/* same seed, other tag */
	char	  **names = calloc(2 * PER_GENERATOR, sizeof(char *));

	(void) state;
	for (int i = 0; i < 2 * PER_GENERATOR; i++)
	{
		UserRow		row;

		data_generator_user(i < PER_GENERATOR ? first : second, &row);
		assert_true(strlen(row.username) <= 50);
		names[i] = strdup(row.username);
	}
	qsort(names, 2 * PER_GENERATOR, sizeof(char *), compare_strings);
	for (int i = 1; i < 2 * PER_GENERATOR; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			fail_msg("duplicate username %s", names[i]);
	for (int i = 0; i < 2 * PER_GENERATOR; i++)
		free(names[i]);
	free(names);
	data_generator_free(first);
	data_generator_free(second);
}

static void
test_same_seed_same_rows(void **state)
{
	DataGenerator *a = data_generator_new(42, "x");
	DataGenerator *b = data_generator_new(42, "x");
	DataGenerator *c = data_generator_new(43, "x");
	EventLogRow ra,
				rb,
				rc;
	int			differences = 0;

	(void) state;
	for (int i = 0; i < 100; i++)
	{
		data_generator_event_log(a, &ra);
		data_generator_event_log(b, &rb);
		data_generator_event_log(c, &rc);
		assert_string_equal(ra.event_type, rb.event_type);
		assert_string_equal(ra.user_id, rb.user_id);
		assert_string_equal(ra.event_data, rb.event_data);
		assert_string_equal(ra.ip_address, rb.ip_address);
		assert_string_equal(ra.created_at, rb.created_at);
		differences += strcmp(ra.created_at, rc.created_at) != 0;
	}
	assert_true(differences > 90);
	data_generator_free(a);
	data_generator_free(b);
	data_generator_free(c);
}

static void
test_timestamp_format(void **state)
{
	char		buf[20];

	(void) state;
	data_generator_format_timestamp(data_generator_epoch(2024, 2, 29), buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29 00:00:00");
	data_generator_format_timestamp(data_generator_epoch(2024, 4, 1) - 1, buf, sizeof(buf));
	assert_string_equal(buf, "2024-03-31 23:59:59");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_mix_is_the_spec_mix),
		cmocka_unit_test(test_random_int_bounds_and_uniformity),
		cmocka_unit_test(test_event_dates_follow_the_partitions),
		cmocka_unit_test(test_sales_cover_quarters_and_categories),
		cmocka_unit_test(test_regions_are_weighted_with_unknown_ones),
		cmocka_unit_test(test_usernames_unique_within_and_across_generators),
		cmocka_unit_test(test_same_seed_same_rows),
		cmocka_unit_test(test_timestamp_format),
	};

	return cmocka_run_group_tests_name("data_generator", tests, NULL, NULL);
}
