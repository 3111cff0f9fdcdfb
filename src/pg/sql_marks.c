/* sql_marks.c: the one reader of "-- @key: value" comment marks (see sql_marks.h). */
#include "pg/sql_marks.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* The text of a comment from its first visible character. */
static const char *
visible(const char *text)
{
	while (isspace((unsigned char) *text))
		text++;
	return text;
}

static bool
is_mark(const SqlComment *comment)
{
	return *visible(comment->text) == '@';
}

/* A comment line that continues the mark above it: indented, not empty, no mark. */
static bool
continues(const SqlComment *comment, const SqlComment *above)
{
	const char *p = comment->text;

	return comment->line == above->line + 1 && is_blank(p[0]) && is_blank(p[1]) &&
		*visible(p) != '\0' && !is_mark(comment);
}

/* [start, end) without surrounding blanks, appended to *value after one blank. */
static bool
append_trimmed(char **value, const char *start, const char *end)
{
	size_t		old = *value ? strlen(*value) : 0;
	size_t		len;
	char	   *grown;

	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	len = (size_t) (end - start);
	if (!(grown = realloc(*value, old + (old ? 1 : 0) + len + 1)))
		return false;
	if (old)
		grown[old++] = ' ';
	memcpy(grown + old, start, len);
	grown[old + len] = '\0';
	*value = grown;
	return true;
}

/*
 * Fills mark from comments[0] (a mark) and the lines that continue it;
 * returns how many comments it took, 0 when out of memory.
 */
static size_t
read_mark(const SqlComment *comments, size_t count, SqlMark *mark)
{
	const char *p = visible(comments[0].text) + 1;
	const char *start = p;
	size_t		used = 1;

	mark->line = comments[0].line;
	while (isalpha((unsigned char) *p) || *p == '_')
		p++;
	if (!(mark->text = strdup(comments[0].text)) ||
		!(mark->key = strndup(start, (size_t) (p - start))))
		return 0;
	p = skip_blanks(p);
	if (*p && *p != ':')
	{
		start = p;
		while (*p && *p != ':' && !is_blank(*p))
			p++;
		if (!(mark->argument = strndup(start, (size_t) (p - start))))
			return 0;
		p = skip_blanks(p);
	}
	if (*p != ':')
		return used;
	if (!append_trimmed(&mark->value, p + 1, p + strlen(p)))
		return 0;
	for (; used < count && continues(&comments[used], &comments[used - 1]); used++)
		if (!append_trimmed(&mark->value, comments[used].text,
							comments[used].text + strlen(comments[used].text)))
			return 0;
	return used;
}

static void
mark_free(SqlMark *mark)
{
	free(mark->key);
	free(mark->argument);
	free(mark->value);
	free(mark->text);
}

bool
sql_marks_read(const SqlComment *comments, size_t count, SqlMarks *marks)
{
	size_t		found = 0;

	memset(marks, 0, sizeof(*marks));
	for (size_t i = 0; i < count; i++)
		found += is_mark(&comments[i]);
	if (found == 0)
		return true;
	if (!(marks->items = calloc(found, sizeof(SqlMark))))
		return false;
	for (size_t i = 0; i < count;)
	{
		size_t		used;

		if (!is_mark(&comments[i]))
		{
			i++;
			continue;
		}
		used = read_mark(comments + i, count - i, &marks->items[marks->count++]);
		if (used == 0)
		{
			sql_marks_free(marks);
			return false;
		}
		i += used;
	}
	return true;
}

const SqlMark *
sql_marks_last(const SqlMarks *marks, const char *key)
{
	for (size_t i = marks->count; i-- > 0;)
		if (strcmp(marks->items[i].key, key) == 0)
			return &marks->items[i];
	return NULL;
}

void
sql_marks_free(SqlMarks *marks)
{
	for (size_t i = 0; i < marks->count; i++)
		mark_free(&marks->items[i]);
	free(marks->items);
	memset(marks, 0, sizeof(*marks));
}
