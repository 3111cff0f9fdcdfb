/* Unit tests of how two measured times compare: faster, slower, or a tie within 10%. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "queries/query_demo.h"

static void
test_a_tie_is_within_ten_percent_either_way(void **state)
{
	(void) state;
	/* query_demo_speed(ms, other_ms): how ms compares with other_ms */
	assert_int_equal(query_demo_speed(1.00, 1.00), QUERY_SPEED_TIE);
	assert_int_equal(query_demo_speed(1.00, 1.05), QUERY_SPEED_TIE);
	assert_int_equal(query_demo_speed(1.05, 1.00), QUERY_SPEED_TIE);
	assert_int_equal(query_demo_speed(1.00, 1.099), QUERY_SPEED_TIE);
	assert_int_equal(query_demo_speed(1.099, 1.00), QUERY_SPEED_TIE);
	/* 10% or more: a measured difference, whichever way */
	assert_int_equal(query_demo_speed(1.00, 1.10), QUERY_SPEED_FASTER);
	assert_int_equal(query_demo_speed(1.00, 4.00), QUERY_SPEED_FASTER);
	assert_int_equal(query_demo_speed(1.10, 1.00), QUERY_SPEED_SLOWER);
	assert_int_equal(query_demo_speed(2.78, 1.00), QUERY_SPEED_SLOWER);
}

static void
test_missing_times_compare_to_nothing(void **state)
{
	(void) state;
	assert_int_equal(query_demo_speed(0, 1.0), QUERY_SPEED_UNKNOWN);
	assert_int_equal(query_demo_speed(1.0, 0), QUERY_SPEED_UNKNOWN);
	assert_int_equal(query_demo_speed(-1, 1.0), QUERY_SPEED_UNKNOWN);
	assert_null(query_demo_speed_key(QUERY_SPEED_UNKNOWN));
	assert_string_equal(query_demo_speed_key(QUERY_SPEED_TIE), "tie");
	assert_string_equal(query_demo_speed_key(QUERY_SPEED_FASTER), "faster");
	assert_string_equal(query_demo_speed_key(QUERY_SPEED_SLOWER), "slower");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_tie_is_within_ten_percent_either_way),
		cmocka_unit_test(test_missing_times_compare_to_nothing),
	};

	return cmocka_run_group_tests_name("query_speed", tests, NULL, NULL);
}
