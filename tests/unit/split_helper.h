/*
 * split_helper.h: split_ok() for the unit tests of what reads split SQL
 * (the splitter, the comment marks, the @online sections).  Included by one
 * test file each, after cmocka.h; error and errbuf hold the last failure.
 */
#ifndef SPLIT_HELPER_H
#define SPLIT_HELPER_H

#include "common/error.h"
#include "pg/sql_splitter.h"

static Error error;
static char errbuf[256];

/* sql_split that fails the test, naming the reason, when the text does not split. */
static SqlScript *
split_ok(const char *text)
{
	SqlScript  *script = sql_split(text, &error);

	error_format(&error, errbuf, sizeof(errbuf));
	if (!script)
		fail_msg("unexpected split error: %s", errbuf);
	return script;
}

#endif
