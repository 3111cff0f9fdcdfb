/* Unit tests of text_file_read: a file read whole, and a missing one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text_file.h"

/* Writes text to a new temporary file and returns its path (caller unlinks). */
static void
write_temp(char *path, const char *text, size_t len)
{
	int			fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal((ssize_t) len, write(fd, text, len));
	close(fd);
}

static void
test_reads_the_whole_file(void **state)
{
	static const char text[] = "SELECT 1;\n-- a comment\nSELECT 2;\n";
	char		path[] = "/tmp/test_text_file.XXXXXX";
	char	   *read;

	(void) state;
	write_temp(path, text, strlen(text));
	read = text_file_read(path);
	unlink(path);
	assert_non_null(read);
	assert_string_equal(text, read);
	free(read);
}

static void
test_reads_an_empty_file(void **state)
{
	char		path[] = "/tmp/test_text_file.XXXXXX";
	char	   *read;

	(void) state;
	write_temp(path, "", 0);
	read = text_file_read(path);
	unlink(path);
	assert_non_null(read);
	assert_string_equal("", read);
	free(read);
}

static void
test_missing_file_returns_null(void **state)
{
	(void) state;
	assert_null(text_file_read("/nonexistent/test_text_file.sql"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_the_whole_file),
		cmocka_unit_test(test_reads_an_empty_file),
		cmocka_unit_test(test_missing_file_returns_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
