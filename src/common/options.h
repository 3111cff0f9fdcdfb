/*
 * options.h: the command line of every program, handled one way.
 *
 * A program describes its options in a table of OptionSpec (long name,
 * optional letter, kind, where the value goes, a number's bounds) and calls
 * options_parse(), which runs getopt_long over it and answers -h/--help with
 * the program's usage.  A number outside its bounds, or no number at all, is
 * reported in the one format of every program:
 *
 *     prog: error: invalid value "x" for option --rows: must be an integer between 1 and 100
 *
 * Other usage errors (an unknown option, an unexpected argument) end with
 *
 *     prog: hint: try "prog --help" for more information
 *
 * Nothing here exits: the caller turns the result into the exit status,
 * 0 after --help and PROGRAM_EXIT_USAGE (2) after a usage error, with
 * options_exit_status().  Text values point into argv (not copied).
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <getopt.h>				/* optind: where the arguments after the options begin */
#include <stdbool.h>
#include <stdio.h>

typedef enum OptionKind
{
	OPTION_FLAG,				/* no argument; sets the bool target to true */
	OPTION_TEXT,				/* the argument itself, into a const char * target */
	OPTION_INT,					/* a number within [min, max], into an int target */
	OPTION_LONG,				/* a number within [min, max], into a long long target */
	OPTION_CHOICE				/* one of choices, into a const char * target (the
								 * choices' own string) */
} OptionKind;

typedef struct OptionSpec
{
	const char *name;			/* long name without the dashes; NULL ends a table */
	int			letter;			/* the short form, or 0 for none */
	OptionKind	kind;
	void	   *target;
	long long	min;			/* OPTION_INT and OPTION_LONG */
	long long	max;
	const char *const *choices; /* OPTION_CHOICE: NULL-terminated */
	bool	   *given;			/* when not NULL: set to true when the option appears */
} OptionSpec;

typedef enum OptionsResult
{
	OPTIONS_OK,					/* go on with optind at the first non-option argument */
	OPTIONS_HELP,				/* the usage was printed on stdout */
	OPTIONS_USAGE_ERROR			/* reported on stderr */
} OptionsResult;

/*
 * Parses the options of argv by specs (NULL-name terminated; -h/--help is
 * always known, ahead of them), in the order given: the first error ends it.
 */
OptionsResult options_parse(int argc, char **argv, const OptionSpec *specs,
							void (*usage) (FILE *out));

/* 0 after OPTIONS_HELP, PROGRAM_EXIT_USAGE after OPTIONS_USAGE_ERROR. */
int			options_exit_status(OptionsResult result);

/*
 * Parses text as an integer within [min, max] for name (an option such as
 * "--rows", or an argument such as "interval_ms"); reports a bad value in
 * the one format and returns false, leaving *out untouched.
 */
bool		options_parse_number(const char *name, const char *text, long long min, long long max,
								 long long *out);

/* Reports a usage error: the message, then the hint to --help. */
void		options_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The hint to --help alone (after a message of getopt's own). */
void		options_help_hint(void);

/* True when argv has no argument left at optind; else reports the first one. */
bool		options_no_more_arguments(int argc, char **argv);

/*
 * True when any argument is -h or --help: for a program that must answer
 * --help before it reads anything else (load-data reads its defaults from
 * the configuration before it parses its options).
 */
bool		options_help_requested(int argc, char **argv);

#endif
