/* Unit tests of the count and size formatters (common/format). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/format.h"

static void
test_format_count_and_bytes(void **state)
{
	char		buf[32];

	(void) state;
	format_count(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	format_count(999, buf, sizeof(buf));
	assert_string_equal(buf, "999");
	format_count(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1,000");
	format_count(1234567, buf, sizeof(buf));
	assert_string_equal(buf, "1,234,567");
	format_count(-12345, buf, sizeof(buf));
	assert_string_equal(buf, "-12,345");
	format_bytes(512, buf, sizeof(buf));
	assert_string_equal(buf, "512 bytes");
	format_bytes(8192, buf, sizeof(buf));
	assert_string_equal(buf, "8.0 kB");
	format_bytes(1536 * 1024, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 MB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_count_and_bytes),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
