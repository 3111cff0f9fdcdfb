/* Unit tests of strict number parsing and the count/size formatters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/parse.h"
#include "tables/partition_stats.h"

static void
test_parse_long(void **state)
{
	long long	value = -1;

	(void) state;
	assert_int_equal(parse_long("5438", 1, 65535, &value), PARSE_OK);
	assert_int_equal(value, 5438);
	assert_int_equal(parse_long("-3", -5, 5, &value), PARSE_OK);
	assert_int_equal(value, -3);
	assert_int_equal(parse_long("", 0, 10, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long("12abc", 0, 100, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long(" 1", 0, 10, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long("1 ", 0, 10, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long("0x10", 0, 100, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long("1.5", 0, 100, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long("-", 0, 100, &value), PARSE_NOT_A_NUMBER);
	assert_int_equal(parse_long("0", 1, 10, &value), PARSE_OUT_OF_RANGE);
	assert_int_equal(parse_long("99999999999999999999999", 0, 10, &value), PARSE_OUT_OF_RANGE);
	assert_int_equal(value, -3);	/* untouched on failure */
}

static void
test_format_count_and_bytes(void **state)
{
	char		buf[32];

	(void) state;
	partition_stats_format_count(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	partition_stats_format_count(999, buf, sizeof(buf));
	assert_string_equal(buf, "999");
	partition_stats_format_count(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1,000");
	partition_stats_format_count(1234567, buf, sizeof(buf));
	assert_string_equal(buf, "1,234,567");
	partition_stats_format_count(-12345, buf, sizeof(buf));
	assert_string_equal(buf, "-12,345");
	partition_stats_format_bytes(512, buf, sizeof(buf));
	assert_string_equal(buf, "512 bytes");
	partition_stats_format_bytes(8192, buf, sizeof(buf));
	assert_string_equal(buf, "8.0 kB");
	partition_stats_format_bytes(1536 * 1024, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 MB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_format_count_and_bytes),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
