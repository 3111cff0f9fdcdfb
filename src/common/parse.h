/*
 * parse.h: strict number parsing for configuration values and command-line
 * arguments.  "12abc", "", " 1", "0x10" and overflowing values are rejected,
 * unlike atoi() and friends.
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

/* A short reason for a failed parse, such as "not a number". */
const char *parse_result_reason(ParseResult result);

#endif
