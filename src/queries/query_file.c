/*
 * query_file.c: parse an annotated query file (see query_file.h): what each
 * statement is, from the annotations above it (query_annotations.c), and
 * what its queries expect (query_expectation.c).
 */
#include "queries/query_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text_file.h"
#include "pg/sql_marks.h"
#include "pg/sql_splitter.h"
#include "queries/query_annotations.h"
#include "queries/query_expectation.h"

typedef struct Parser
{
	QueryFileError error;
	QueryFile  *file;
	/* the item that unannotated statements continue, and which of its lists */
	QueryItem  *open_item;
	QueryStatements *open_list;
} Parser;

static bool
statements_add(QueryStatements *list, const char *sql, int line)
{
	char	  **sqls = realloc(list->sql, (list->count + 1) * sizeof(char *));
	int		   *lines;

	if (!sqls)
		return false;
	list->sql = sqls;
	if (!(lines = realloc(list->lines, (list->count + 1) * sizeof(int))))
		return false;
	list->lines = lines;
	if (!(list->sql[list->count] = strdup(sql)))
		return false;
	list->lines[list->count] = line;
	list->count++;
	return true;
}

static void
statements_free(QueryStatements *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->sql[i]);
	free(list->sql);
	free(list->lines);
}

static QueryItem *
find_item(QueryFile *file, const char *name)
{
	for (size_t i = 0; i < file->count; i++)
		if (strcmp(file->items[i].name, name) == 0)
			return &file->items[i];
	return NULL;
}

/* The @layout NAME of table declared earlier in the file, or NULL (reported). */
static const QueryItem *
find_layout(Parser *parser, const char *name, const char *table, int line, const char *what)
{
	QueryItem  *layout = find_item(parser->file, name);

	if (!layout || layout->kind != QUERY_ITEM_LAYOUT)
	{
		query_file_error(&parser->error, line, "%s: no @layout \"%s\" before it in this file",
						 what, name);
		return NULL;
	}
	if (strcmp(layout->table, table) != 0)
	{
		query_file_error(&parser->error, line, "%s: @layout \"%s\" (line %d) is a layout of %s, "
						 "not of %s", what, name, layout->line, layout->table, table);
		return NULL;
	}
	return layout;
}

/* "@expect LAYOUT: ...", "@pruning LAYOUT: ...", "@shows LAYOUT: ..." of a query. */
static bool
read_layout_tags(Parser *parser, QueryItem *item, const QueryAnnotations *a)
{
	for (int i = 0; i < a->qualified_count; i++)
	{
		const QualifiedTag *q = &a->qualified[i];
		char		what[96];
		QueryExpectation *exp;

		snprintf(what, sizeof(what), "@%s %s", query_tag_name(q->tag), q->layout);
		if (!find_layout(parser, q->layout, item->table, q->line, what) ||
			!(exp = query_expectation_of_layout(&parser->error, item, q->layout, q->line)) ||
			!query_expectation_apply(&parser->error, exp, q))
			return false;
	}
	return true;
}

/* @plan: generic | custom; generic needs parameters. */
static bool
read_plan(const QueryFileError *error, QueryItem *item, const QueryAnnotations *a)
{
	const char *plan = a->value[TAG_PLAN];

	if (plan && strcmp(plan, "generic") != 0 && strcmp(plan, "custom") != 0)
		return query_file_error(error, a->line[TAG_PLAN],
								"@plan: \"%s\" is neither \"generic\" nor \"custom\"", plan);
	item->generic = plan && strcmp(plan, "generic") == 0;
	if (item->generic && a->param_count == 0)
		return query_file_error(error, a->line[TAG_PLAN],
								"@plan: generic needs parameters (@param $1: ...): without them "
								"the generic plan is the custom one");
	return true;
}

/* Fills the query-only fields of a new item from its annotations. */
static bool
read_query_tags(Parser *parser, QueryItem *item, QueryAnnotations *a)
{
	const QueryFileError *error = &parser->error;

	if (!query_annotations_require(error, a, TAG_EXPECT, item->line, "@query") ||
		!query_expectation_read_expect(error, &item->expected, a->value[TAG_EXPECT],
									   a->line[TAG_EXPECT]))
		return false;
	if (a->value[TAG_PRUNING] &&
		!query_expectation_read_pruning(error, &item->expected, a->value[TAG_PRUNING],
										a->line[TAG_PRUNING]))
		return false;
	if (!(item->expected.shows = strdup(item->shows)))
		return query_file_out_of_memory(error, item->line);
	if (!read_plan(error, item, a))
		return false;
	/* the item takes the parameter strings over */
	if (a->param_count > 0)
	{
		if (!(item->params = calloc((size_t) a->param_count, sizeof(char *))))
			return query_file_out_of_memory(error, item->line);
		memcpy(item->params, a->params, (size_t) a->param_count * sizeof(char *));
		item->param_count = a->param_count;
		a->param_count = 0;
	}
	return read_layout_tags(parser, item, a);
}

/* Which of @query, @maintenance or @layout the annotations start. */
static QueryTag
item_tag(const QueryAnnotations *a)
{
	return a->value[TAG_QUERY] ? TAG_QUERY :
		a->value[TAG_MAINTENANCE] ? TAG_MAINTENANCE : TAG_LAYOUT;
}

/* What an item that is no query may not carry. */
static bool
refuse_query_tags(const QueryFileError *error, const QueryAnnotations *a, QueryTag start)
{
	const char *why = start == TAG_MAINTENANCE ?
		"belongs to a @query: maintenance scans nothing to check" :
		"belongs to a @query: a layout's statement tells whether it is in force";

	return query_annotations_refuse(error, a, TAG_EXPECT, why) &&
		query_annotations_refuse(error, a, TAG_PRUNING, "belongs to a @query") &&
		query_annotations_refuse(error, a, TAG_PARAM, "belongs to a @query") &&
		query_annotations_refuse(error, a, TAG_PLAN, "belongs to a @query") &&
		query_annotations_refuse_qualified(error, a) &&
		(start == TAG_LAYOUT ||
		 query_annotations_refuse(error, a, TAG_PREVIOUS_TABLE, "belongs to a @layout"));
}

/* The checks of @query, @maintenance or @layout (what) before the item is made. */
static bool
check_item_tags(Parser *parser, const QueryAnnotations *a, QueryTag start, const char *what)
{
	const QueryFileError *error = &parser->error;
	static const QueryTag starts[] = {TAG_QUERY, TAG_MAINTENANCE, TAG_LAYOUT};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (starts[i] != start && a->value[starts[i]])
			return query_file_error(error, a->line[starts[i]], "@%s and %s (line %d) on one statement",
									query_tag_name(starts[i]), what, a->line[start]);
	if (!query_name_valid(a->value[start], false))
		return query_file_error(error, a->line[start], "%s: \"%s\" is not a valid name "
								"(letters, digits and underscores, at most %d)", what,
								a->value[start], QUERY_MAX_NAME);
	if (find_item(parser->file, a->value[start]))
		return query_file_error(error, a->line[start], "%s: \"%s\" is used twice in this file",
								what, a->value[start]);
	if (!query_annotations_require(error, a, TAG_TABLE, a->line[start], what) ||
		!query_annotations_require(error, a, TAG_SHOWS, a->line[start], what))
		return false;
	if (!query_name_valid(a->value[TAG_TABLE], true))
		return query_file_error(error, a->line[TAG_TABLE], "@table: \"%s\" is not a table name",
								a->value[TAG_TABLE]);
	if (start != TAG_QUERY && !refuse_query_tags(error, a, start))
		return false;
	if (start == TAG_QUERY &&
		!query_annotations_refuse(error, a, TAG_PREVIOUS_TABLE, "belongs to a @layout"))
		return false;
	if (a->value[TAG_PREVIOUS_TABLE] && !query_name_valid(a->value[TAG_PREVIOUS_TABLE], true))
		return query_file_error(error, a->line[TAG_PREVIOUS_TABLE],
								"@previous_table: \"%s\" is not a table name",
								a->value[TAG_PREVIOUS_TABLE]);
	return true;
}

/* A new item at the end of the file, with the fields every kind has; NULL when out of memory. */
static QueryItem *
add_item(QueryFile *file, const QueryAnnotations *a, QueryTag start)
{
	QueryItem  *grown,
			   *item;

	if (!(grown = realloc(file->items, (file->count + 1) * sizeof(QueryItem))))
		return NULL;
	file->items = grown;
	item = &file->items[file->count++];
	memset(item, 0, sizeof(*item));
	item->kind = start == TAG_QUERY ? QUERY_ITEM_QUERY :
		start == TAG_MAINTENANCE ? QUERY_ITEM_MAINTENANCE : QUERY_ITEM_LAYOUT;
	item->line = a->line[start];
	if (!(item->name = strdup(a->value[start])) ||
		!(item->table = strdup(a->value[TAG_TABLE])) ||
		!(item->shows = strdup(a->value[TAG_SHOWS])) ||
		(a->value[TAG_PREVIOUS_TABLE] &&
		 !(item->previous_table = strdup(a->value[TAG_PREVIOUS_TABLE]))))
		return NULL;
	return item;
}

/* A statement introduced by @query, @maintenance or @layout. */
static bool
start_item(Parser *parser, QueryAnnotations *a, const SqlStatement *statement)
{
	QueryTag	start = item_tag(a);
	const char *what = start == TAG_QUERY ? "@query" :
		start == TAG_MAINTENANCE ? "@maintenance" : "@layout";
	QueryItem  *item;

	if (!check_item_tags(parser, a, start, what))
		return false;
	if (!(item = add_item(parser->file, a, start)))
		return query_file_out_of_memory(&parser->error, statement->line);
	if (start == TAG_QUERY && !read_query_tags(parser, item, a))
		return false;
	if (!statements_add(&item->sql, statement->text, statement->line))
		return query_file_out_of_memory(&parser->error, statement->line);
	parser->open_item = item->kind == QUERY_ITEM_MAINTENANCE ? item : NULL;
	parser->open_list = parser->open_item ? &item->sql : NULL;
	return true;
}

/* Tags that a @plain or @previous statement may not carry: it runs with its query's. */
static bool
refuse_all_but(const QueryFileError *error, const QueryAnnotations *a, QueryTag own)
{
	for (int tag = 0; tag < TAG_COUNT; tag++)
		if (tag != (int) own && query_annotations_has(a, (QueryTag) tag))
			return query_file_error(error, a->line[tag],
									"@%s takes no @%s: it runs with the annotations of \"%s\"",
									query_tag_name(own), query_tag_name((QueryTag) tag), a->value[own]);
	if (a->qualified_count)
		return query_file_error(error, a->qualified[0].line,
								"@%s takes no @%s %s: it runs with the annotations of \"%s\"",
								query_tag_name(own), query_tag_name(a->qualified[0].tag),
								a->qualified[0].layout, a->value[own]);
	return true;
}

/*
 * The statement of @plain or @previous NAME (own), for item NAME: its one
 * plain or previous version.  Unannotated statements after a @plain continue
 * a maintenance item's plain version.
 */
static bool
add_version(Parser *parser, const QueryAnnotations *a, const SqlStatement *statement,
			QueryItem *item, QueryTag own)
{
	bool		plain = own == TAG_PLAIN;
	QueryStatements *list = plain ? &item->plain : &item->previous;
	int		   *line = plain ? &item->plain_line : &item->previous_line;

	if (list->count > 0)
		return query_file_error(&parser->error, a->line[own],
								"@%s: \"%s\" has a %s version already (line %d)",
								query_tag_name(own), item->name, plain ? "plain" : "previous", *line);
	*line = a->line[own];
	if (!statements_add(list, statement->text, statement->line))
		return query_file_out_of_memory(&parser->error, statement->line);
	parser->open_item = plain && item->kind == QUERY_ITEM_MAINTENANCE ? item : NULL;
	parser->open_list = parser->open_item ? list : NULL;
	return true;
}

/* A statement introduced by @plain NAME. */
static bool
start_plain(Parser *parser, QueryAnnotations *a, const SqlStatement *statement)
{
	QueryItem  *item = find_item(parser->file, a->value[TAG_PLAIN]);

	if (!refuse_all_but(&parser->error, a, TAG_PLAIN))
		return false;
	if (!item || item->kind == QUERY_ITEM_LAYOUT)
		return query_file_error(&parser->error, a->line[TAG_PLAIN],
								"@plain: no @query or @maintenance \"%s\" before it in this file",
								a->value[TAG_PLAIN]);
	return add_version(parser, a, statement, item, TAG_PLAIN);
}

/* Whether the file declares, before here, a layout of table that keeps a previous one. */
static bool
has_previous_table(const QueryFile *file, const char *table)
{
	for (size_t i = 0; i < file->count; i++)
		if (file->items[i].kind == QUERY_ITEM_LAYOUT && file->items[i].previous_table &&
			strcmp(file->items[i].table, table) == 0)
			return true;
	return false;
}

/* A statement introduced by @previous NAME. */
static bool
start_previous(Parser *parser, QueryAnnotations *a, const SqlStatement *statement)
{
	QueryItem  *item = find_item(parser->file, a->value[TAG_PREVIOUS]);

	if (!refuse_all_but(&parser->error, a, TAG_PREVIOUS))
		return false;
	if (!item || item->kind != QUERY_ITEM_QUERY)
		return query_file_error(&parser->error, a->line[TAG_PREVIOUS],
								"@previous: no @query \"%s\" before it in this file",
								a->value[TAG_PREVIOUS]);
	if (!has_previous_table(parser->file, item->table))
		return query_file_error(&parser->error, a->line[TAG_PREVIOUS],
								"@previous: no @layout of %s with @previous_table before it in "
								"this file", item->table);
	return add_version(parser, a, statement, item, TAG_PREVIOUS);
}

/* A statement without annotations: it continues a maintenance item, or is an error. */
static bool
continue_item(Parser *parser, const SqlStatement *statement)
{
	if (parser->open_list)
		return statements_add(parser->open_list, statement->text, statement->line) ||
			query_file_out_of_memory(&parser->error, statement->line);
	if (parser->file->count > 0)
		return query_file_error(&parser->error, statement->line, "statement without annotations "
								"after a @query, a @layout or their @plain or @previous, which "
								"hold one statement each: give it its own annotations");
	return query_file_error(&parser->error, statement->line, "statement without annotations "
							"(start it with \"-- @query: name\", \"-- @maintenance: name\", "
							"\"-- @layout: name\" or \"-- @plain: name\")");
}

/* Decides what a statement is, from the annotations before it. */
static bool
introduce_statement(Parser *parser, QueryAnnotations *a, const SqlStatement *statement)
{
	const QueryFileError *error = &parser->error;

	if (a->value[TAG_QUERY] || a->value[TAG_MAINTENANCE] || a->value[TAG_LAYOUT])
	{
		QueryTag	other = a->value[TAG_PLAIN] ? TAG_PLAIN : TAG_PREVIOUS;

		if (a->value[other])
			return query_file_error(error, a->line[other], "@%s and @%s on one statement",
									query_tag_name(other), query_tag_name(item_tag(a)));
		return start_item(parser, a, statement);
	}
	if (a->value[TAG_PLAIN] && a->value[TAG_PREVIOUS])
		return query_file_error(error, a->line[TAG_PREVIOUS],
								"@previous and @plain on one statement");
	if (a->value[TAG_PLAIN])
		return start_plain(parser, a, statement);
	if (a->value[TAG_PREVIOUS])
		return start_previous(parser, a, statement);
	if (a->first_line)
		return query_file_error(error, a->first_line, "annotations without @query, @maintenance, "
								"@layout, @plain or @previous: they introduce nothing");
	return continue_item(parser, statement);
}

static bool
read_statement(Parser *parser, const SqlStatement *statement)
{
	QueryAnnotations annotations;
	bool		ok = query_annotations_read(&parser->error, statement, &annotations) &&
		introduce_statement(parser, &annotations, statement);

	query_annotations_clear(&annotations);
	return ok;
}

/* Annotations after the last statement introduce nothing. */
static bool
check_trailing(Parser *parser, const SqlScript *script)
{
	SqlMarks	marks;
	bool		ok;

	if (!sql_marks_read(script->trailing, script->trailing_count, &marks))
		return query_file_out_of_memory(&parser->error, script->trailing[0].line);
	ok = marks.count == 0 ||
		query_file_error(&parser->error, marks.items[0].line,
						 "annotation without a statement after it");
	sql_marks_free(&marks);
	return ok;
}

QueryFile *
query_file_parse(const char *path, const char *text, Error *error)
{
	Parser		parser = {.error = {.path = path, .error = error}};
	SqlScript  *script = sql_split(text, error);
	bool		ok = true;

	if (!script)
	{
		/* "path:N: reason", as this parser's own errors */
		if (error->line > 0)
			error_set_where(error, "%s:%d", path, error->line);
		else
			error_set_where(error, "%s", path);
		error->line = 0;
		return NULL;
	}
	if (!(parser.file = calloc(1, sizeof(QueryFile))) || !(parser.file->path = strdup(path)))
	{
		error_set(error, "out of memory");
		error_set_where(error, "%s", path);
		free(parser.file);
		sql_script_free(script);
		return NULL;
	}
	for (size_t i = 0; ok && i < script->count; i++)
		ok = read_statement(&parser, &script->statements[i]);
	ok = ok && check_trailing(&parser, script);
	sql_script_free(script);
	if (!ok)
	{
		query_file_free(parser.file);
		return NULL;
	}
	return parser.file;
}

QueryFile *
query_file_load(const char *path)
{
	char	   *text = text_file_read(path);
	Error		error;
	QueryFile  *file;

	if (!text)
		return NULL;
	file = query_file_parse(path, text, &error);
	free(text);
	if (!file)
		error_report(&error);
	return file;
}

void
query_file_free(QueryFile *file)
{
	if (!file)
		return;
	for (size_t i = 0; i < file->count; i++)
	{
		QueryItem  *item = &file->items[i];

		free(item->name);
		free(item->table);
		free(item->shows);
		query_expectation_free(&item->expected);
		for (size_t j = 0; j < item->layout_count; j++)
			query_expectation_free(&item->layouts[j]);
		free(item->layouts);
		for (int j = 0; j < item->param_count; j++)
			free(item->params[j]);
		free(item->params);
		statements_free(&item->sql);
		statements_free(&item->plain);
		statements_free(&item->previous);
		free(item->previous_table);
	}
	free(file->items);
	free(file->path);
	free(file);
}
