/*
 * dotenv.h: parse .env files by the rules of the dotenv family of libraries.
 *
 * Accepted: KEY=VALUE lines, blank lines, "# comments", an optional "export "
 * prefix, whitespace around key and value, values in single quotes (taken
 * literally), double quotes (\n, \t, \\ and \" are expanded, may span lines)
 * or bare (up to an inline " #" comment, trailing blanks removed).  A key that
 * appears twice keeps its last value.  Unlike the lax JavaScript parser, a
 * line that is not of this form is an error naming the line: a typo in a
 * configuration file should not be silently ignored.
 */
#ifndef DOTENV_H
#define DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct DotenvEntry
{
	char	   *key;
	char	   *value;
	int			line;			/* 1-based line where the entry starts */
} DotenvEntry;

typedef struct Dotenv
{
	DotenvEntry *entries;
	size_t		count;
} Dotenv;

/*
 * Parses text into a new Dotenv.  On a syntax error returns NULL with the
 * reason in error (not NULL) and its line in error->line (a pure parser:
 * rule 2 of common/error.h).
 */
Dotenv	   *dotenv_parse(const char *text, Error *error);

/*
 * Reads and parses a file.  A missing file is not an error: *missing is set
 * and an empty Dotenv is returned.  Other failures return NULL with the
 * reason in error (not NULL).
 */
Dotenv	   *dotenv_load_file(const char *path, bool *missing, Error *error);

/* The value of key, or NULL when absent. */
const char *dotenv_get(const Dotenv *env, const char *key);

void		dotenv_free(Dotenv *env);

#endif
