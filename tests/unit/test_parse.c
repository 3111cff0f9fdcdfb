/* Unit tests of strict number parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/parse.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_long),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
