/* query_annotations.c: the annotations above one statement of a query file (see query_annotations.h). */
#include "queries/query_annotations.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/sql_marks.h"

static const char *const tag_names[TAG_COUNT] = {
	"query", "maintenance", "plain", "table", "shows", "expect", "pruning", "param", "plan",
	"layout", "previous_table", "previous",
};

bool
query_file_error(const QueryFileError *error, int line, const char *fmt, ...)
{
	va_list		ap;
	char		reason[sizeof(error->error->message)];

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	error_set(error->error, "%s", reason);
	error_set_where(error->error, "%s:%d", error->path, line);
	return false;
}

bool
query_file_out_of_memory(const QueryFileError *error, int line)
{
	return query_file_error(error, line, "out of memory");
}

bool
query_name_valid(const char *name, bool allow_dot)
{
	size_t		len = strlen(name);

	if (len == 0 || len > (allow_dot ? 2 * QUERY_MAX_NAME + 1 : QUERY_MAX_NAME))
		return false;
	for (const char *p = name; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_' || (allow_dot && *p == '.')))
			return false;
	return true;
}

const char *
query_tag_name(QueryTag tag)
{
	return tag_names[tag];
}

void
query_annotations_clear(QueryAnnotations *annotations)
{
	for (int i = 0; i < TAG_COUNT; i++)
		free(annotations->value[i]);
	for (int i = 0; i < annotations->param_count; i++)
		free(annotations->params[i]);
	for (int i = 0; i < annotations->qualified_count; i++)
	{
		free(annotations->qualified[i].layout);
		free(annotations->qualified[i].value);
	}
	memset(annotations, 0, sizeof(*annotations));
}

static void
note_first_line(QueryAnnotations *annotations, int line)
{
	if (!annotations->first_line)
		annotations->first_line = line;
}

/* Reads "@param $N: value"; the number must be the next one. */
static bool
read_param(const QueryFileError *error, QueryAnnotations *a, const SqlMark *mark)
{
	const char *number_text = mark->argument;
	long		number;
	char	   *end;

	if (!number_text || number_text[0] != '$' || !isdigit((unsigned char) number_text[1]))
		return query_file_error(error, mark->line,
								"@param needs a parameter number: \"-- @param $1: value\"");
	errno = 0;
	number = strtol(number_text + 1, &end, 10);
	if (errno != 0 || number != a->param_count + 1 || number > QUERY_MAX_PARAMS)
		return query_file_error(error, mark->line, "@param $%ld: expected $%d (parameters are "
								"numbered $1, $2, ... in order, at most %d)", number,
								a->param_count + 1, QUERY_MAX_PARAMS);
	if (*end || !mark->value)
		return query_file_error(error, mark->line, "missing \":\" after \"@param $%ld\"", number);
	if (!(a->params[a->param_count] = strdup(mark->value)))
		return query_file_out_of_memory(error, mark->line);
	if (a->param_count++ == 0)
		a->line[TAG_PARAM] = mark->line;
	note_first_line(a, mark->line);
	return true;
}

/* Whether a tag may be qualified with a layout: "@expect LAYOUT: ...". */
static bool
qualifiable(QueryTag tag)
{
	return tag == TAG_EXPECT || tag == TAG_PRUNING || tag == TAG_SHOWS;
}

static bool
is_layout_name(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char) *p) && *p != '_')
			return false;
	return true;
}

/*
 * "@expect WORD" and nothing after WORD: the ":" was forgotten after the tag
 * (WORD is its value), not after a layout name.
 */
static bool
argument_ends_line(const SqlMark *mark)
{
	const char *p = strchr(mark->text, '@') + 1 + strlen(mark->key);

	while (*p == ' ' || *p == '\t')
		p++;
	return p[strlen(mark->argument)] == '\0';
}

/* Reads "@expect LAYOUT: value" (the layout is the mark's argument). */
static bool
read_qualified(const QueryFileError *error, QueryAnnotations *a, QueryTag tag, const SqlMark *mark)
{
	QualifiedTag *q;

	if (!is_layout_name(mark->argument) || (!mark->value && argument_ends_line(mark)))
		return query_file_error(error, mark->line, "missing \":\" after \"@%s\"", tag_names[tag]);
	for (int i = 0; i < a->qualified_count; i++)
		if (a->qualified[i].tag == tag && strcmp(a->qualified[i].layout, mark->argument) == 0)
			return query_file_error(error, mark->line, "second @%s %s (the first is on line %d)",
									tag_names[tag], a->qualified[i].layout, a->qualified[i].line);
	if (a->qualified_count == QUERY_MAX_QUALIFIED)
		return query_file_error(error, mark->line, "more than %d layout annotations on one statement",
								QUERY_MAX_QUALIFIED);
	q = &a->qualified[a->qualified_count];
	if (!(q->layout = strdup(mark->argument)))
		return query_file_out_of_memory(error, mark->line);
	a->qualified_count++;
	q->tag = tag;
	q->line = mark->line;
	if (!mark->value)
		return query_file_error(error, mark->line, "missing \":\" after \"@%s %s\"", tag_names[tag],
								q->layout);
	if (!(q->value = strdup(mark->value)))
		return query_file_out_of_memory(error, mark->line);
	if (q->value[0] == '\0')
		return query_file_error(error, mark->line, "@%s %s has no value", tag_names[tag], q->layout);
	note_first_line(a, mark->line);
	return true;
}

static int
tag_of(const char *key)
{
	int			tag;

	for (tag = 0; tag < TAG_COUNT; tag++)
		if (strcmp(tag_names[tag], key) == 0)
			break;
	return tag;
}

/* Reads one mark: "@tag: value", "@param $N: value" or "@tag LAYOUT: value". */
static bool
read_mark(const QueryFileError *error, QueryAnnotations *a, const SqlMark *mark)
{
	int			tag = tag_of(mark->key);

	if (tag == TAG_COUNT)
		return query_file_error(error, mark->line,
								"unknown annotation \"@%s\" (known: @query, @maintenance, @plain, "
								"@table, @shows, @expect, @pruning, @param, @plan, @layout, "
								"@previous_table, @previous)", mark->key);
	if (tag == TAG_PARAM)
		return read_param(error, a, mark);
	if (mark->argument && qualifiable((QueryTag) tag))
		return read_qualified(error, a, (QueryTag) tag, mark);
	if (mark->argument || !mark->value)
		return query_file_error(error, mark->line, "missing \":\" after \"@%s\"", tag_names[tag]);
	if (a->value[tag])
		return query_file_error(error, mark->line, "second @%s (the first is on line %d); "
								"is a statement missing after line %d?",
								tag_names[tag], a->line[tag], a->line[tag]);
	if (!(a->value[tag] = strdup(mark->value)))
		return query_file_out_of_memory(error, mark->line);
	a->line[tag] = mark->line;
	if (a->value[tag][0] == '\0')
		return query_file_error(error, mark->line, "@%s has no value", tag_names[tag]);
	note_first_line(a, mark->line);
	return true;
}

bool
query_annotations_read(const QueryFileError *error, const SqlStatement *statement,
					   QueryAnnotations *annotations)
{
	SqlMarks	marks;
	bool		ok = true;

	memset(annotations, 0, sizeof(*annotations));
	if (!sql_marks_read(statement->comments, statement->comment_count, &marks))
		return query_file_out_of_memory(error, statement->line);
	for (size_t i = 0; ok && i < marks.count; i++)
		ok = read_mark(error, annotations, &marks.items[i]);
	sql_marks_free(&marks);
	return ok;
}

bool
query_annotations_has(const QueryAnnotations *annotations, QueryTag tag)
{
	return annotations->value[tag] || (tag == TAG_PARAM && annotations->param_count > 0);
}

bool
query_annotations_require(const QueryFileError *error, const QueryAnnotations *annotations,
						  QueryTag tag, int line, const char *what)
{
	if (annotations->value[tag])
		return true;
	return query_file_error(error, line, "%s needs @%s", what, tag_names[tag]);
}

bool
query_annotations_refuse(const QueryFileError *error, const QueryAnnotations *annotations,
						 QueryTag tag, const char *why)
{
	if (!query_annotations_has(annotations, tag))
		return true;
	return query_file_error(error, annotations->line[tag], "@%s %s", tag_names[tag], why);
}

bool
query_annotations_refuse_qualified(const QueryFileError *error, const QueryAnnotations *annotations)
{
	if (annotations->qualified_count == 0)
		return true;
	return query_file_error(error, annotations->qualified[0].line, "@%s %s belongs to a @query",
							query_tag_name(annotations->qualified[0].tag),
							annotations->qualified[0].layout);
}
