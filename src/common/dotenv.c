/* dotenv.c: .env parser (rules in dotenv.h). */
#include "common/dotenv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser
{
	const char *p;
	int			line;
	Error	   *error;
} Parser;

static bool
parse_error(Parser *ps, int line, const char *reason)
{
	error_set(ps->error, "%s", reason);
	ps->error->line = line;
	return false;
}

static void
skip_blanks(Parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* Skips the rest of the line, including its newline. */
static void
skip_line(Parser *ps)
{
	while (*ps->p && *ps->p != '\n')
		ps->p++;
	if (*ps->p == '\n')
	{
		ps->p++;
		ps->line++;
	}
}

/* After a value: only blanks and an optional comment may follow on the line. */
static bool
expect_end_of_line(Parser *ps, int line)
{
	skip_blanks(ps);
	if (*ps->p == '\r')
		ps->p++;
	if (*ps->p == '#' || *ps->p == '\n' || *ps->p == '\0')
	{
		skip_line(ps);
		return true;
	}
	return parse_error(ps, line, "unexpected text after the closing quote");
}

static bool
append_entry(Dotenv *env, char *key, char *value, int line)
{
	DotenvEntry *grown;

	for (size_t i = 0; i < env->count; i++)
	{
		if (strcmp(env->entries[i].key, key) == 0)
		{
			free(env->entries[i].value);
			free(key);
			env->entries[i].value = value;
			env->entries[i].line = line;
			return true;
		}
	}
	grown = realloc(env->entries, (env->count + 1) * sizeof(DotenvEntry));
	if (!grown)
		return false;
	env->entries = grown;
	env->entries[env->count].key = key;
	env->entries[env->count].value = value;
	env->entries[env->count].line = line;
	env->count++;
	return true;
}

static char *
parse_single_quoted(Parser *ps, int line)
{
	const char *start = ++ps->p;
	char	   *value;

	while (*ps->p && *ps->p != '\'')
	{
		if (*ps->p == '\n')
			ps->line++;
		ps->p++;
	}
	if (*ps->p != '\'')
	{
		parse_error(ps, line, "unterminated single-quoted value");
		return NULL;
	}
	value = strndup(start, (size_t) (ps->p - start));
	ps->p++;
	return value;
}

/* Appends c to a growing buffer; false when out of memory (buffer freed). */
static bool
buffer_push(char **buf, size_t *len, size_t *cap, char c)
{
	if (*len + 2 > *cap)
	{
		char	   *grown = realloc(*buf, *cap = *cap * 2 + 16);

		if (!grown)
		{
			free(*buf);
			*buf = NULL;
			return false;
		}
		*buf = grown;
	}
	(*buf)[(*len)++] = c;
	(*buf)[*len] = '\0';
	return true;
}

static char *
parse_double_quoted(Parser *ps, int line)
{
	size_t		cap = 0,
				len = 0;
	char	   *value = NULL;

	if (!buffer_push(&value, &len, &cap, '\0'))
		return NULL;
	len = 0;
	ps->p++;
	while (*ps->p && *ps->p != '"')
	{
		char		c = *ps->p++;

		if (c == '\n')
			ps->line++;			/* a real line break, not an escaped one */
		else if (c == '\\' && *ps->p)
		{
			char		e = *ps->p++;

			switch (e)
			{
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case 'r': c = '\r'; break;
				case '\\':
				case '"': c = e; break;
				default:
					/* unknown escape: keep it as written */
					if (!buffer_push(&value, &len, &cap, '\\'))
						return NULL;
					c = e;
			}
		}
		if (!buffer_push(&value, &len, &cap, c))
			return NULL;
	}
	if (*ps->p != '"')
	{
		free(value);
		parse_error(ps, line, "unterminated double-quoted value");
		return NULL;
	}
	ps->p++;
	return value;
}

static char *
parse_bare(Parser *ps)
{
	const char *start = ps->p;
	const char *end;

	/* an inline comment needs a blank before '#', so "a#b" stays one value */
	while (*ps->p && *ps->p != '\n' &&
		   !(*ps->p == '#' && ps->p > start && (ps->p[-1] == ' ' || ps->p[-1] == '\t')))
		ps->p++;
	end = ps->p;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	skip_line(ps);
	return strndup(start, (size_t) (end - start));
}

static bool
parse_line(Parser *ps, Dotenv *env)
{
	int			line = ps->line;
	const char *key_start;
	char	   *key;
	char	   *value;

	skip_blanks(ps);
	if (*ps->p == '\r')
		ps->p++;
	if (*ps->p == '#' || *ps->p == '\n')
	{
		skip_line(ps);
		return true;
	}
	if (strncmp(ps->p, "export", 6) == 0 && (ps->p[6] == ' ' || ps->p[6] == '\t'))
	{
		ps->p += 6;
		skip_blanks(ps);
	}
	key_start = ps->p;
	if (!(isalpha((unsigned char) *ps->p) || *ps->p == '_'))
		return parse_error(ps, line, "expected KEY=VALUE (a key starts with a letter or '_')");
	while (isalnum((unsigned char) *ps->p) || *ps->p == '_' || *ps->p == '.' || *ps->p == '-')
		ps->p++;
	key = strndup(key_start, (size_t) (ps->p - key_start));
	if (!key)
		return parse_error(ps, line, "out of memory");
	skip_blanks(ps);
	if (*ps->p != '=')
	{
		free(key);
		return parse_error(ps, line, "expected '=' after the key");
	}
	ps->p++;
	skip_blanks(ps);

	if (*ps->p == '\'' || *ps->p == '"')
	{
		value = *ps->p == '\'' ? parse_single_quoted(ps, line) : parse_double_quoted(ps, line);
		if (value && !expect_end_of_line(ps, line))
		{
			free(value);
			value = NULL;
		}
	}
	else
		value = parse_bare(ps);
	if (!value)
	{
		free(key);
		if (!error_is_set(ps->error))
			parse_error(ps, line, "out of memory");
		return false;
	}
	if (!append_entry(env, key, value, line))
	{
		free(key);
		free(value);
		return parse_error(ps, line, "out of memory");
	}
	return true;
}

Dotenv *
dotenv_parse(const char *text, Error *error)
{
	Dotenv	   *env = calloc(1, sizeof(Dotenv));
	Parser		ps = {.p = text, .line = 1, .error = error};

	error_clear(error);
	if (!env)
	{
		error_set(error, "out of memory");
		return NULL;
	}
	/* a UTF-8 byte order mark, as some editors write it */
	if (strncmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
		ps.p += 3;
	while (*ps.p)
	{
		if (!parse_line(&ps, env))
		{
			dotenv_free(env);
			return NULL;
		}
	}
	return env;
}

Dotenv *
dotenv_load_file(const char *path, bool *missing, Error *error)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *text = NULL;
	size_t		len = 0,
				cap = 0;
	Dotenv	   *env;

	*missing = false;
	error_clear(error);
	if (!fp)
	{
		if (errno == ENOENT)
		{
			*missing = true;
			return calloc(1, sizeof(Dotenv));
		}
		error_set(error, "could not open: %s", strerror(errno));
		return NULL;
	}
	for (;;)
	{
		size_t		got;

		if (len + 4096 + 1 > cap)
		{
			char	   *grown = realloc(text, cap = cap * 2 + 4096 + 1);

			if (!grown)
			{
				free(text);
				fclose(fp);
				error_set(error, "out of memory");
				return NULL;
			}
			text = grown;
		}
		got = fread(text + len, 1, 4096, fp);
		len += got;
		if (got < 4096)
			break;
	}
	if (ferror(fp))
	{
		error_set(error, "could not read: %s", strerror(errno));
		free(text);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	text[len] = '\0';
	if (strlen(text) != len)
	{
		error_set(error, "contains a NUL byte (not a text file?)");
		free(text);
		return NULL;
	}
	env = dotenv_parse(text, error);
	free(text);
	return env;
}

const char *
dotenv_get(const Dotenv *env, const char *key)
{
	for (size_t i = 0; env && i < env->count; i++)
		if (strcmp(env->entries[i].key, key) == 0)
			return env->entries[i].value;
	return NULL;
}

void
dotenv_free(Dotenv *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->count; i++)
	{
		free(env->entries[i].key);
		free(env->entries[i].value);
	}
	free(env->entries);
	free(env);
}
