/* Unit tests of the options layer: every kind, every error and its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/options.h"
#include "common/program.h"

/* What the options of the tests below point to. */
typedef struct Parsed
{
	bool		flag;
	bool		letter_flag;
	const char *text;
	int			small;
	long long	big;
	const char *choice;
	bool		big_given;
} Parsed;

static const char *const colours[] = {"red", "green", "blue", NULL};

static FILE *usage_stream;
static int	usage_calls;

static void
record_usage(FILE *out)
{
	usage_stream = out;
	usage_calls++;
}

/* stderr into a file while a test runs a step; captured() returns what was written */
static int	saved_stderr = -1;
static FILE *capture_file;
static char captured_text[4096];

static void
capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture_file), STDERR_FILENO);
}

static const char *
capture_end(void)
{
	size_t		n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture_file);
	n = fread(captured_text, 1, sizeof(captured_text) - 1, capture_file);
	captured_text[n] = '\0';
	fclose(capture_file);
	return captured_text;
}

/* Runs options_parse over the words of args (argv[0] is "prog"); stderr into *err. */
static OptionsResult
parse_words(Parsed *parsed, const char *err_expected, int nargs, ...)
{
	OptionSpec	specs[] = {
		{.name = "flag", .kind = OPTION_FLAG, .target = &parsed->flag},
		{.name = "letter", .letter = 'n', .kind = OPTION_FLAG, .target = &parsed->letter_flag},
		{.name = "text", .kind = OPTION_TEXT, .target = &parsed->text},
		{.name = "small", .kind = OPTION_INT, .target = &parsed->small, .min = 1, .max = 10},
		{.name = "big", .letter = 'b', .kind = OPTION_LONG, .target = &parsed->big, .min = -5,
		.max = 5000000000LL, .given = &parsed->big_given},
		{.name = "colour", .kind = OPTION_CHOICE, .target = &parsed->choice, .choices = colours},
		{NULL}
	};
	char	   *argv[16] = {"prog"};
	va_list		ap;
	OptionsResult result;

	assert_true(nargs < 15);
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	optind = 0;					/* glibc: start over with a new argv */
	usage_calls = 0;
	capture_begin();
	result = options_parse(nargs + 1, argv, specs, record_usage);
	assert_string_equal(capture_end(), err_expected);
	return result;
}

static int
setup(void **state)
{
	(void) state;
	log_set_progname("/usr/bin/prog");
	return 0;
}

static void
test_every_kind_is_stored(void **state)
{
	Parsed		p = {0};

	(void) state;
	assert_int_equal(parse_words(&p, "", 10, "--flag", "-n", "--text", "hello", "--small", "10",
								 "--big=-5", "--colour", "green", "rest"), OPTIONS_OK);
	assert_true(p.flag);
	assert_true(p.letter_flag);
	assert_string_equal(p.text, "hello");
	assert_int_equal(p.small, 10);
	assert_int_equal(p.big, -5);
	assert_true(p.big_given);
	assert_ptr_equal(p.choice, colours[1]);		/* the list's own string */
	assert_int_equal(optind, 10);	/* "rest" is left to the caller */
}

static void
test_letter_of_an_option_with_argument_and_int_bounds(void **state)
{
	Parsed		p = {0};

	(void) state;
	assert_int_equal(parse_words(&p, "", 2, "-b", "5000000000"), OPTIONS_OK);
	assert_int_equal(p.big, 5000000000LL);
	assert_int_equal(parse_words(&p, "", 2, "--small", "1"), OPTIONS_OK);
	assert_int_equal(p.small, 1);
	/* an option not given leaves its target and its given flag alone */
	p.big_given = false;
	assert_int_equal(parse_words(&p, "", 1, "--flag"), OPTIONS_OK);
	assert_false(p.big_given);
}

static void
test_bad_numbers_have_one_format(void **state)
{
	Parsed		p = {.small = 7, .big = 3};

	(void) state;
	assert_int_equal(parse_words(&p, "prog: error: invalid value \"0\" for option --small: "
								 "must be an integer between 1 and 10\n", 2, "--small", "0"),
					 OPTIONS_USAGE_ERROR);
	assert_int_equal(parse_words(&p, "prog: error: invalid value \"11\" for option --small: "
								 "must be an integer between 1 and 10\n", 1, "--small=11"),
					 OPTIONS_USAGE_ERROR);
	assert_int_equal(parse_words(&p, "prog: error: invalid value \"3x\" for option --big: "
								 "must be an integer between -5 and 5000000000\n", 2, "-b", "3x"),
					 OPTIONS_USAGE_ERROR);
	assert_int_equal(parse_words(&p, "prog: error: invalid value \"\" for option --big: "
								 "must be an integer between -5 and 5000000000\n", 2, "--big", ""),
					 OPTIONS_USAGE_ERROR);
	assert_int_equal(p.small, 7);	/* untouched */
	assert_int_equal(p.big, 3);
	assert_false(p.big_given);
}

static void
test_unknown_choice_lists_the_choices(void **state)
{
	Parsed		p = {0};

	(void) state;
	assert_int_equal(parse_words(&p, "prog: error: unknown --colour \"pink\"\n"
								 "prog: hint: one of: red, green, blue\n", 2, "--colour", "pink"),
					 OPTIONS_USAGE_ERROR);
	assert_null(p.choice);
}

static void
test_getopt_errors_get_the_help_hint(void **state)
{
	Parsed		p = {0};
	const char *hint = "prog: hint: try \"prog --help\" for more information\n";
	char		expected[256];

	(void) state;
	snprintf(expected, sizeof(expected), "prog: unrecognized option '--nope'\n%s", hint);
	assert_int_equal(parse_words(&p, expected, 1, "--nope"), OPTIONS_USAGE_ERROR);
	snprintf(expected, sizeof(expected), "prog: invalid option -- 'x'\n%s", hint);
	assert_int_equal(parse_words(&p, expected, 1, "-x"), OPTIONS_USAGE_ERROR);
	snprintf(expected, sizeof(expected), "prog: option '--text' requires an argument\n%s", hint);
	assert_int_equal(parse_words(&p, expected, 1, "--text"), OPTIONS_USAGE_ERROR);
	snprintf(expected, sizeof(expected), "prog: option requires an argument -- 'b'\n%s", hint);
	assert_int_equal(parse_words(&p, expected, 1, "-b"), OPTIONS_USAGE_ERROR);
	snprintf(expected, sizeof(expected), "prog: option '--flag' doesn't allow an argument\n%s", hint);
	assert_int_equal(parse_words(&p, expected, 1, "--flag=1"), OPTIONS_USAGE_ERROR);
	assert_false(p.flag);
}

static void
test_help_prints_the_usage_in_order(void **state)
{
	Parsed		p = {0};

	(void) state;
	assert_int_equal(parse_words(&p, "", 2, "--flag", "--help"), OPTIONS_HELP);
	assert_int_equal(usage_calls, 1);
	assert_ptr_equal(usage_stream, stdout);
	assert_int_equal(parse_words(&p, "", 1, "-h"), OPTIONS_HELP);
	assert_int_equal(usage_calls, 1);
	/* the first error ends the parse: --help after it is not reached */
	assert_int_equal(parse_words(&p, "prog: error: invalid value \"0\" for option --small: "
								 "must be an integer between 1 and 10\n", 3, "--small", "0", "--help"),
					 OPTIONS_USAGE_ERROR);
	assert_int_equal(usage_calls, 0);
}

static void
test_exit_statuses(void **state)
{
	(void) state;
	assert_int_equal(options_exit_status(OPTIONS_HELP), 0);
	assert_int_equal(options_exit_status(OPTIONS_USAGE_ERROR), PROGRAM_EXIT_USAGE);
	assert_int_equal(PROGRAM_EXIT_USAGE, 2);
	assert_int_equal(options_exit_status(OPTIONS_OK), 0);
}

static void
test_number_of_an_argument(void **state)
{
	long long	value = 9;

	(void) state;
	capture_begin();
	assert_false(options_parse_number("interval_ms", "abc", 1, 100, &value));
	assert_string_equal(capture_end(), "prog: error: invalid value \"abc\" for interval_ms: "
						"must be an integer between 1 and 100\n");
	assert_int_equal(value, 9);
	capture_begin();
	assert_true(options_parse_number("interval_ms", "100", 1, 100, &value));
	assert_string_equal(capture_end(), "");
	assert_int_equal(value, 100);
}

static void
test_usage_error_and_arguments_left(void **state)
{
	char	   *argv[] = {"prog", "one", "two", NULL};

	(void) state;
	capture_begin();
	options_usage_error("%s needs --%s", "--allow-changed", "verify");
	assert_string_equal(capture_end(), "prog: error: --allow-changed needs --verify\n"
						"prog: hint: try \"prog --help\" for more information\n");
	optind = 3;
	assert_true(options_no_more_arguments(3, argv));
	optind = 2;
	capture_begin();
	assert_false(options_no_more_arguments(3, argv));
	assert_string_equal(capture_end(), "prog: error: unexpected argument \"two\"\n"
						"prog: hint: try \"prog --help\" for more information\n");
}

static void
test_help_requested_anywhere(void **state)
{
	char	   *with_long[] = {"prog", "--ledger", "--help", NULL};
	char	   *with_short[] = {"prog", "10", "-h", NULL};
	char	   *without[] = {"prog", "--helpful", "-hh", "help", NULL};

	(void) state;
	assert_true(options_help_requested(3, with_long));
	assert_true(options_help_requested(3, with_short));
	assert_false(options_help_requested(4, without));
	assert_false(options_help_requested(1, without));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_is_stored),
		cmocka_unit_test(test_letter_of_an_option_with_argument_and_int_bounds),
		cmocka_unit_test(test_bad_numbers_have_one_format),
		cmocka_unit_test(test_unknown_choice_lists_the_choices),
		cmocka_unit_test(test_getopt_errors_get_the_help_hint),
		cmocka_unit_test(test_help_prints_the_usage_in_order),
		cmocka_unit_test(test_exit_statuses),
		cmocka_unit_test(test_number_of_an_argument),
		cmocka_unit_test(test_usage_error_and_arguments_left),
		cmocka_unit_test(test_help_requested_anywhere),
	};

	return cmocka_run_group_tests_name("options", tests, setup, NULL);
}
