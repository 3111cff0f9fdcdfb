/* Unit tests of the --json members: null for a NULL string, numbers as written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/json_out.h"

static void
test_members(void **state)
{
	json_object *o = json_object_new_object();
	char	   *const names[] = {"a", "b"};

	(void) state;
	json_out_string(o, "s", "x \"y\"");
	json_out_string(o, "none", NULL);
	json_out_int(o, "i", -3);
	json_out_int64(o, "big", 5000000000LL);
	json_out_bool(o, "b", true);
	json_object_object_add(o, "ms", json_out_number(0.25, 3));
	json_object_object_add(o, "ratio", json_out_number(2.0 / 3.0, 2));
	json_object_object_add(o, "names", json_out_strings(names, 2));
	json_object_object_add(o, "empty", json_out_strings(NULL, 0));
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
						"{\"s\":\"x \\\"y\\\"\",\"none\":null,\"i\":-3,\"big\":5000000000,"
						"\"b\":true,\"ms\":0.250,\"ratio\":0.67,\"names\":[\"a\",\"b\"],\"empty\":[]}");
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
	};

	return cmocka_run_group_tests_name("json_out", tests, NULL, NULL);
}
