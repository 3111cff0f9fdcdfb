/* parse.c: strict decimal parsing (see parse.h). */
#include "common/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

ParseResult
parse_long(const char *text, long long min, long long max, long long *out)
{
	char	   *end;
	long long	value;

	if (!text || !(isdigit((unsigned char) text[0]) ||
				   ((text[0] == '-' || text[0] == '+') && isdigit((unsigned char) text[1]))))
		return PARSE_NOT_A_NUMBER;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (*end != '\0')
		return PARSE_NOT_A_NUMBER;
	if (errno == ERANGE || value < min || value > max)
		return PARSE_OUT_OF_RANGE;
	*out = value;
	return PARSE_OK;
}
