/* options.c: the command line of every program (see options.h). */
#include "common/options.h"

#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/parse.h"
#include "common/program.h"

/* options of one program, --help included: more than any program has */
#define MAX_OPTIONS 32
/* getopt_long's value of a long option without a letter: its index, past every char */
#define LONG_ONLY_BASE 256

bool
options_parse_number(const char *name, const char *text, long long min, long long max,
					 long long *out)
{
	if (parse_long(text, min, max, out) == PARSE_OK)
		return true;
	log_error("invalid value \"%s\" for %s%s: must be an integer between %lld and %lld", text,
			  name[0] == '-' ? "option " : "", name, min, max);
	return false;
}

void
options_help_hint(void)
{
	log_hint("try \"%s --help\" for more information", log_progname());
}

void
options_usage_error(const char *fmt, ...)
{
	char		message[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_error("%s", message);
	options_help_hint();
}

bool
options_no_more_arguments(int argc, char **argv)
{
	if (optind >= argc)
		return true;
	options_usage_error("unexpected argument \"%s\"", argv[optind]);
	return false;
}

bool
options_help_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

int
options_exit_status(OptionsResult result)
{
	return result == OPTIONS_USAGE_ERROR ? PROGRAM_EXIT_USAGE : 0;
}

/* text among spec's choices, into its target; else reported with the list */
static bool
parse_choice(const OptionSpec *spec, const char *text)
{
	char		list[256] = "";

	for (const char *const *choice = spec->choices; *choice; choice++)
		if (strcmp(text, *choice) == 0)
		{
			*(const char **) spec->target = *choice;
			return true;
		}
	for (const char *const *choice = spec->choices; *choice; choice++)
	{
		strncat(list, *choice, sizeof(list) - strlen(list) - 1);
		strncat(list, choice[1] ? ", " : "", sizeof(list) - strlen(list) - 1);
	}
	log_error("unknown --%s \"%s\"", spec->name, text);
	log_hint("one of: %s", list);
	return false;
}

/* Stores one option's value; false when it was reported as invalid. */
static bool
store_value(const OptionSpec *spec, const char *text)
{
	char		name[64];
	long long	number;

	snprintf(name, sizeof(name), "--%s", spec->name);
	switch (spec->kind)
	{
		case OPTION_FLAG:
			*(bool *) spec->target = true;
			break;
		case OPTION_TEXT:
			*(const char **) spec->target = text;
			break;
		case OPTION_INT:
		case OPTION_LONG:
			if (!options_parse_number(name, text, spec->min, spec->max, &number))
				return false;
			if (spec->kind == OPTION_INT)
				*(int *) spec->target = (int) number;
			else
				*(long long *) spec->target = number;
			break;
		case OPTION_CHOICE:
			if (!parse_choice(spec, text))
				return false;
			break;
	}
	if (spec->given)
		*spec->given = true;
	return true;
}

/* getopt_long's tables for specs, --help first; returns how many specs there are */
static int
build_tables(const OptionSpec *specs, struct option *longs, char *shorts)
{
	int			count = 0;
	char	   *s = shorts;

	longs[0] = (struct option) {"help", no_argument, NULL, 'h'};
	*s++ = 'h';
	for (; specs[count].name; count++)
	{
		const OptionSpec *spec = &specs[count];
		int			has_arg = spec->kind == OPTION_FLAG ? no_argument : required_argument;

		assert(count + 2 < MAX_OPTIONS);
		longs[count + 1] = (struct option) {spec->name, has_arg, NULL,
		spec->letter ? spec->letter : LONG_ONLY_BASE + count};
		if (spec->letter)
		{
			*s++ = (char) spec->letter;
			if (has_arg == required_argument)
				*s++ = ':';
		}
	}
	longs[count + 1] = (struct option) {NULL, 0, NULL, 0};
	*s = '\0';
	return count;
}

/* The spec getopt_long answered c for, NULL for none of them. */
static const OptionSpec *
spec_of(const OptionSpec *specs, int count, int c)
{
	if (c >= LONG_ONLY_BASE && c < LONG_ONLY_BASE + count)
		return &specs[c - LONG_ONLY_BASE];
	for (int i = 0; i < count; i++)
		if (specs[i].letter && specs[i].letter == c)
			return &specs[i];
	return NULL;
}

OptionsResult
options_parse(int argc, char **argv, const OptionSpec *specs, void (*usage) (FILE *out))
{
	struct option longs[MAX_OPTIONS];
	char		shorts[2 * MAX_OPTIONS + 1];
	int			count = build_tables(specs, longs, shorts);
	int			c;

	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1)
	{
		const OptionSpec *spec = spec_of(specs, count, c);

		if (c == 'h')
		{
			usage(stdout);
			return OPTIONS_HELP;
		}
		if (!spec)
		{
			/* getopt_long said what is wrong (an unknown option, a missing argument) */
			options_help_hint();
			return OPTIONS_USAGE_ERROR;
		}
		if (!store_value(spec, optarg))
			return OPTIONS_USAGE_ERROR;
	}
	return OPTIONS_OK;
}
