/* Unit tests of the query layer's pure parts: array literals, the status check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "pg/query.h"

static void
put_text(FILE *out, size_t i, const void *arg)
{
	db_put_array_element(out, ((const char *const *) arg)[i]);
}

static void
put_number(FILE *out, size_t i, const void *arg)
{
	fprintf(out, "%lld", ((const long long *) arg)[i]);
}

static void
test_array_literal_quotes_every_text_element(void **state)
{
	const char *const names[] = {"event_logs", "a \"quoted\" name", "back\\slash", "", "{,}"};
	char	   *text = db_array_literal(5, put_text, names);

	(void) state;
	assert_non_null(text);
	assert_string_equal(text,
						"{\"event_logs\",\"a \\\"quoted\\\" name\",\"back\\\\slash\",\"\",\"{,}\"}");
	free(text);
}

static void
test_array_literal_of_numbers_and_of_nothing(void **state)
{
	const long long ids[] = {1, -2, 9007199254740993LL};
	char	   *text = db_array_literal(3, put_number, ids);

	(void) state;
	assert_string_equal(text, "{1,-2,9007199254740993}");
	free(text);
	text = db_array_literal(0, put_number, ids);
	assert_string_equal(text, "{}");
	free(text);
}

static void
test_no_result_is_no_success(void **state)
{
	(void) state;
	/* libpq gives NULL for a result it could not make (out of memory) */
	assert_false(db_result_ok(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_literal_quotes_every_text_element),
		cmocka_unit_test(test_array_literal_of_numbers_and_of_nothing),
		cmocka_unit_test(test_no_result_is_no_success),
	};

	return cmocka_run_group_tests_name("query_layer", tests, NULL, NULL);
}
