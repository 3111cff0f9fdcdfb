/*
 * parse.h: strict number parsing for configuration values and command-line
 * arguments.  "12abc", "", " 1", "0x10" and overflowing values are rejected,
 * unlike atoi() and friends.  The command line reports a failure through
 * options_parse_number() (common/options.h), the configuration through
 * config.c.
 */
#ifndef PARSE_H
#define PARSE_H

typedef enum ParseResult
{
	PARSE_OK,
	PARSE_NOT_A_NUMBER,
	PARSE_OUT_OF_RANGE
} ParseResult;

/* Parses a whole string as a decimal integer within [min, max]. */
ParseResult parse_long(const char *text, long long min, long long max, long long *out);

#endif
