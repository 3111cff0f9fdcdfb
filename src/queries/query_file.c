/* query_file.c: parse annotated query files (see query_file.h). */
#include "queries/query_file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/paths.h"
#include "pg/sql_splitter.h"
#include "common/text_file.h"

#define MAX_NAME 63
#define MAX_PARAMS 100
#define MAX_QUALIFIED 30

typedef enum Tag
{
	TAG_QUERY,
	TAG_MAINTENANCE,
	TAG_PLAIN,
	TAG_TABLE,
	TAG_SHOWS,
	TAG_EXPECT,
	TAG_PRUNING,
	TAG_PARAM,
	TAG_PLAN,
	TAG_LAYOUT,
	TAG_PREVIOUS_TABLE,
	TAG_PREVIOUS,
	TAG_COUNT
} Tag;

static const char *const tag_names[TAG_COUNT] = {
	"query", "maintenance", "plain", "table", "shows", "expect", "pruning", "param", "plan",
	"layout", "previous_table", "previous",
};

/* "@expect LAYOUT: value" and its kind: in force while LAYOUT is */
typedef struct Qualified
{
	Tag			tag;			/* TAG_EXPECT, TAG_PRUNING or TAG_SHOWS */
	char	   *layout;
	char	   *value;
	int			line;
} Qualified;

/* The annotations found before one statement. */
typedef struct Block
{
	char	   *value[TAG_COUNT];	/* trimmed; NULL when absent (and for @param) */
	int			line[TAG_COUNT];	/* for @param: the line of $1 */
	char	   *params[MAX_PARAMS];
	int			param_count;
	Qualified	qualified[MAX_QUALIFIED];
	int			qualified_count;
	int			first_line;		/* of the first annotation, 0 when none */
} Block;

typedef struct Parser
{
	const char *path;
	Error	   *error;
	QueryFile  *file;
	/* the item that unannotated statements continue, and which of its lists */
	QueryItem  *open_item;
	QueryStatements *open_list;
} Parser;

static bool
parse_error(Parser *parser, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool
parse_error(Parser *parser, int line, const char *fmt, ...)
{
	va_list		ap;
	char		reason[sizeof(parser->error->message)];

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	error_set(parser->error, "%s", reason);
	error_set_where(parser->error, "%s:%d", parser->path, line);
	return false;
}

static bool
out_of_memory(Parser *parser, int line)
{
	return parse_error(parser, line, "out of memory");
}

/* A copy of [start, end) without surrounding blanks. */
static char *
trimmed_copy(const char *start, const char *end)
{
	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	return strndup(start, (size_t) (end - start));
}

/* NAME of @query/@maintenance/@plain: letters, digits, underscores. */
static bool
valid_name(const char *name, bool allow_dot)
{
	size_t		len = strlen(name);

	if (len == 0 || len > (allow_dot ? 2 * MAX_NAME + 1 : MAX_NAME))
		return false;
	for (const char *p = name; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_' || (allow_dot && *p == '.')))
			return false;
	return true;
}

static void
block_clear(Block *block)
{
	for (int i = 0; i < TAG_COUNT; i++)
		free(block->value[i]);
	for (int i = 0; i < block->param_count; i++)
		free(block->params[i]);
	for (int i = 0; i < block->qualified_count; i++)
	{
		free(block->qualified[i].layout);
		free(block->qualified[i].value);
	}
	memset(block, 0, sizeof(*block));
}

/* Reads "@param $N: value"; the number must be the next one. */
static bool
read_param(Parser *parser, Block *block, const char *after_tag, int line)
{
	const char *p = after_tag;
	long		number;
	char	   *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '$' || !isdigit((unsigned char) p[1]))
		return parse_error(parser, line, "@param needs a parameter number: \"-- @param $1: value\"");
	errno = 0;
	number = strtol(p + 1, &end, 10);
	if (errno != 0 || number != block->param_count + 1 || number > MAX_PARAMS)
		return parse_error(parser, line, "@param $%ld: expected $%d (parameters are numbered "
						   "$1, $2, ... in order, at most %d)", number, block->param_count + 1,
						   MAX_PARAMS);
	p = end;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return parse_error(parser, line, "missing \":\" after \"@param $%ld\"", number);
	if (!(block->params[block->param_count] = trimmed_copy(p + 1, p + strlen(p))))
		return out_of_memory(parser, line);
	if (block->param_count++ == 0)
		block->line[TAG_PARAM] = line;
	if (!block->first_line)
		block->first_line = line;
	return true;
}

/* Whether a tag may be qualified with a layout: "@expect LAYOUT: ...". */
static bool
qualifiable(Tag tag)
{
	return tag == TAG_EXPECT || tag == TAG_PRUNING || tag == TAG_SHOWS;
}

/* Reads "@expect LAYOUT: value" (p after the tag name, at the layout's name). */
static bool
read_qualified(Parser *parser, Block *block, Tag tag, const char *p, int line)
{
	const char *name = p;
	Qualified  *q;

	while (isalnum((unsigned char) *p) || *p == '_')
		p++;
	if (p == name || (*p != ' ' && *p != '\t' && *p != ':'))
		return parse_error(parser, line, "missing \":\" after \"@%s\"", tag_names[tag]);
	for (int i = 0; i < block->qualified_count; i++)
		if (block->qualified[i].tag == tag && strlen(block->qualified[i].layout) == (size_t) (p - name) &&
			strncmp(block->qualified[i].layout, name, (size_t) (p - name)) == 0)
			return parse_error(parser, line, "second @%s %s (the first is on line %d)",
							   tag_names[tag], block->qualified[i].layout,
							   block->qualified[i].line);
	if (block->qualified_count == MAX_QUALIFIED)
		return parse_error(parser, line, "more than %d layout annotations on one statement",
						   MAX_QUALIFIED);
	q = &block->qualified[block->qualified_count];
	if (!(q->layout = strndup(name, (size_t) (p - name))))
		return out_of_memory(parser, line);
	block->qualified_count++;
	q->tag = tag;
	q->line = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return parse_error(parser, line, "missing \":\" after \"@%s %s\"", tag_names[tag], q->layout);
	if (!(q->value = trimmed_copy(p + 1, p + strlen(p))))
		return out_of_memory(parser, line);
	if (q->value[0] == '\0')
		return parse_error(parser, line, "@%s %s has no value", tag_names[tag], q->layout);
	if (!block->first_line)
		block->first_line = line;
	return true;
}

/* Reads one comment line; lines whose first visible character is not "@" are prose. */
static bool
read_comment(Parser *parser, Block *block, const SqlComment *comment)
{
	const char *p = comment->text;
	const char *name;
	size_t		len;
	int			tag;

	while (isspace((unsigned char) *p))
		p++;
	if (*p != '@')
		return true;
	name = ++p;
	while (isalpha((unsigned char) *p) || *p == '_')
		p++;
	len = (size_t) (p - name);
	for (tag = 0; tag < TAG_COUNT; tag++)
		if (strlen(tag_names[tag]) == len && strncmp(tag_names[tag], name, len) == 0)
			break;
	if (tag == TAG_COUNT)
		return parse_error(parser, comment->line,
						   "unknown annotation \"@%.*s\" (known: @query, @maintenance, @plain, "
						   "@table, @shows, @expect, @pruning, @param, @plan, @layout, "
						   "@previous_table, @previous)", (int) len, name);
	if (tag == TAG_PARAM)
		return read_param(parser, block, p, comment->line);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':' && qualifiable((Tag) tag))
		return read_qualified(parser, block, (Tag) tag, p, comment->line);
	if (*p != ':')
		return parse_error(parser, comment->line, "missing \":\" after \"@%s\"", tag_names[tag]);
	if (block->value[tag])
		return parse_error(parser, comment->line, "second @%s (the first is on line %d); "
						   "is a statement missing after line %d?",
						   tag_names[tag], block->line[tag], block->line[tag]);
	if (!(block->value[tag] = trimmed_copy(p + 1, p + strlen(p))))
		return out_of_memory(parser, comment->line);
	block->line[tag] = comment->line;
	if (block->value[tag][0] == '\0')
		return parse_error(parser, comment->line, "@%s has no value", tag_names[tag]);
	if (!block->first_line)
		block->first_line = comment->line;
	return true;
}

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

/* Splits "a, b, c" into exp->expect; "all" means every leaf. */
static bool
read_expect(Parser *parser, QueryExpectation *exp, const char *value, int line)
{
	const char *p = value;

	exp->expect_line = line;
	if (strcmp(value, "all") == 0)
	{
		exp->expect_all = true;
		return true;
	}
	while (*p)
	{
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		char	   *name = trimmed_copy(p, end);
		char	  **grown;

		if (!name)
			return out_of_memory(parser, line);
		if (!valid_name(name, true))
		{
			parse_error(parser, line, "@expect: \"%s\" is not a partition name "
						"(write names separated by commas, or \"all\")", name);
			free(name);
			return false;
		}
		for (size_t i = 0; i < exp->expect_count; i++)
			if (strcmp(exp->expect[i], name) == 0)
			{
				parse_error(parser, line, "@expect names \"%s\" twice", name);
				free(name);
				return false;
			}
		if (!(grown = realloc(exp->expect, (exp->expect_count + 1) * sizeof(char *))))
		{
			free(name);
			return out_of_memory(parser, line);
		}
		exp->expect = grown;
		exp->expect[exp->expect_count++] = name;
		p = comma ? comma + 1 : end;
	}
	return true;
}

static bool
read_pruning(Parser *parser, QueryExpectation *exp, const char *value, int line)
{
	exp->pruning_line = line;
	if ((exp->pruning = explain_pruning_parse(value)) == PRUNING_UNSPECIFIED)
		return parse_error(parser, line,
						   "@pruning: \"%s\" is none of \"plan time\", \"run time\", \"none\"",
						   value);
	return true;
}

static void
expectation_free(QueryExpectation *exp)
{
	free(exp->layout);
	for (size_t i = 0; i < exp->expect_count; i++)
		free(exp->expect[i]);
	free(exp->expect);
	free(exp->shows);
	memset(exp, 0, sizeof(*exp));
}

/* A deep copy of the unqualified expectation, for a layout to change. */
static bool
expectation_copy(const QueryExpectation *from, const char *layout, QueryExpectation *to)
{
	memset(to, 0, sizeof(*to));
	*to = *from;
	to->expect = NULL;
	to->expect_count = 0;
	to->layout = strdup(layout);
	to->shows = from->shows ? strdup(from->shows) : NULL;
	if (from->expect_count && (to->expect = calloc(from->expect_count, sizeof(char *))))
		for (; to->expect_count < from->expect_count; to->expect_count++)
			if (!(to->expect[to->expect_count] = strdup(from->expect[to->expect_count])))
				break;
	return to->layout && (!from->shows || to->shows) &&
		to->expect_count == from->expect_count;
}

const QueryExpectation *
query_item_expectation(const QueryItem *item, const char *layout)
{
	for (size_t i = 0; layout && i < item->layout_count; i++)
		if (strcmp(item->layouts[i].layout, layout) == 0)
			return &item->layouts[i];
	return &item->expected;
}

static QueryItem *
find_item(QueryFile *file, const char *name)
{
	for (size_t i = 0; i < file->count; i++)
		if (strcmp(file->items[i].name, name) == 0)
			return &file->items[i];
	return NULL;
}

static bool
require(Parser *parser, const Block *block, Tag tag, int line, const char *what)
{
	if (block->value[tag])
		return true;
	return parse_error(parser, line, "%s needs @%s", what, tag_names[tag]);
}

/* Tags that only some items may carry. */
static bool
refuse(Parser *parser, const Block *block, Tag tag, const char *why)
{
	if (!block->value[tag] && !(tag == TAG_PARAM && block->param_count > 0))
		return true;
	return parse_error(parser, block->line[tag], "@%s %s", tag_names[tag], why);
}

/* Layout-qualified tags, which only a query may carry. */
static bool
refuse_qualified(Parser *parser, const Block *block)
{
	if (block->qualified_count == 0)
		return true;
	return parse_error(parser, block->qualified[0].line, "@%s %s belongs to a @query",
					   tag_names[block->qualified[0].tag], block->qualified[0].layout);
}

/* The @layout NAME of table declared earlier in the file, or NULL (reported). */
static const QueryItem *
find_layout(Parser *parser, const char *name, const char *table, int line, const char *what)
{
	QueryItem  *layout = find_item(parser->file, name);

	if (!layout || layout->kind != QUERY_ITEM_LAYOUT)
	{
		parse_error(parser, line, "%s: no @layout \"%s\" before it in this file", what, name);
		return NULL;
	}
	if (strcmp(layout->table, table) != 0)
	{
		parse_error(parser, line, "%s: @layout \"%s\" (line %d) is a layout of %s, not of %s",
					what, name, layout->line, layout->table, table);
		return NULL;
	}
	return layout;
}

/* The expectation of item for layout, made on first use from the unqualified one. */
static QueryExpectation *
layout_expectation(Parser *parser, QueryItem *item, const char *layout, int line)
{
	QueryExpectation *grown;

	for (size_t i = 0; i < item->layout_count; i++)
		if (strcmp(item->layouts[i].layout, layout) == 0)
			return &item->layouts[i];
	if (!(grown = realloc(item->layouts, (item->layout_count + 1) * sizeof(QueryExpectation))))
	{
		out_of_memory(parser, line);
		return NULL;
	}
	item->layouts = grown;
	if (!expectation_copy(&item->expected, layout, &item->layouts[item->layout_count]))
	{
		expectation_free(&item->layouts[item->layout_count]);
		out_of_memory(parser, line);
		return NULL;
	}
	return &item->layouts[item->layout_count++];
}

/* "@expect LAYOUT: ...", "@pruning LAYOUT: ...", "@shows LAYOUT: ..." of a query. */
static bool
read_layout_tags(Parser *parser, QueryItem *item, const Block *block)
{
	for (int i = 0; i < block->qualified_count; i++)
	{
		const Qualified *q = &block->qualified[i];
		char		what[96];
		QueryExpectation *exp;

		snprintf(what, sizeof(what), "@%s %s", tag_names[q->tag], q->layout);
		if (!find_layout(parser, q->layout, item->table, q->line, what) ||
			!(exp = layout_expectation(parser, item, q->layout, q->line)))
			return false;
		if (q->tag == TAG_SHOWS)
		{
			free(exp->shows);
			if (!(exp->shows = strdup(q->value)))
				return out_of_memory(parser, q->line);
		}
		else if (q->tag == TAG_PRUNING)
		{
			if (!read_pruning(parser, exp, q->value, q->line))
				return false;
		}
		else
		{
			/* the layout's list replaces the unqualified one */
			for (size_t j = 0; j < exp->expect_count; j++)
				free(exp->expect[j]);
			free(exp->expect);
			exp->expect = NULL;
			exp->expect_count = 0;
			exp->expect_all = false;
			if (!read_expect(parser, exp, q->value, q->line))
				return false;
		}
	}
	return true;
}

/* Fills the query-only fields of a new item from its block. */
static bool
read_query_tags(Parser *parser, QueryItem *item, Block *block)
{
	const char *plan = block->value[TAG_PLAN];

	if (!require(parser, block, TAG_EXPECT, item->line, "@query") ||
		!read_expect(parser, &item->expected, block->value[TAG_EXPECT], block->line[TAG_EXPECT]))
		return false;
	if (block->value[TAG_PRUNING] &&
		!read_pruning(parser, &item->expected, block->value[TAG_PRUNING], block->line[TAG_PRUNING]))
		return false;
	if (!(item->expected.shows = strdup(item->shows)))
		return out_of_memory(parser, item->line);
	if (plan && strcmp(plan, "generic") != 0 && strcmp(plan, "custom") != 0)
		return parse_error(parser, block->line[TAG_PLAN],
						   "@plan: \"%s\" is neither \"generic\" nor \"custom\"", plan);
	item->generic = plan && strcmp(plan, "generic") == 0;
	if (item->generic && block->param_count == 0)
		return parse_error(parser, block->line[TAG_PLAN],
						   "@plan: generic needs parameters (@param $1: ...): without them "
						   "the generic plan is the custom one");
	/* the item takes the parameter strings over */
	if (block->param_count > 0)
	{
		if (!(item->params = calloc((size_t) block->param_count, sizeof(char *))))
			return out_of_memory(parser, item->line);
		memcpy(item->params, block->params, (size_t) block->param_count * sizeof(char *));
		item->param_count = block->param_count;
		block->param_count = 0;
	}
	return read_layout_tags(parser, item, block);
}

/* The tags of @query, @maintenance or @layout, from the block: which one, and its name. */
static Tag
item_tag(const Block *block)
{
	return block->value[TAG_QUERY] ? TAG_QUERY :
		block->value[TAG_MAINTENANCE] ? TAG_MAINTENANCE : TAG_LAYOUT;
}

/* What an item that is no query may not carry. */
static bool
refuse_query_tags(Parser *parser, const Block *block, Tag start)
{
	const char *why = start == TAG_MAINTENANCE ?
		"belongs to a @query: maintenance scans nothing to check" :
		"belongs to a @query: a layout's statement tells whether it is in force";

	return refuse(parser, block, TAG_EXPECT, why) &&
		refuse(parser, block, TAG_PRUNING, "belongs to a @query") &&
		refuse(parser, block, TAG_PARAM, "belongs to a @query") &&
		refuse(parser, block, TAG_PLAN, "belongs to a @query") &&
		refuse_qualified(parser, block) &&
		(start == TAG_LAYOUT || refuse(parser, block, TAG_PREVIOUS_TABLE, "belongs to a @layout"));
}

/* A statement introduced by @query, @maintenance or @layout. */
static bool
start_item(Parser *parser, Block *block, const SqlStatement *statement)
{
	Tag			start = item_tag(block);
	bool		is_query = start == TAG_QUERY;
	const char *what = start == TAG_QUERY ? "@query" :
		start == TAG_MAINTENANCE ? "@maintenance" : "@layout";
	QueryFile  *file = parser->file;
	QueryItem  *grown,
			   *item;
	static const Tag starts[] = {TAG_QUERY, TAG_MAINTENANCE, TAG_LAYOUT};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (starts[i] != start && block->value[starts[i]])
			return parse_error(parser, block->line[starts[i]], "@%s and %s (line %d) on one statement",
							   tag_names[starts[i]], what, block->line[start]);
	if (!valid_name(block->value[start], false))
		return parse_error(parser, block->line[start], "%s: \"%s\" is not a valid name "
						   "(letters, digits and underscores, at most %d)", what,
						   block->value[start], MAX_NAME);
	if (find_item(file, block->value[start]))
		return parse_error(parser, block->line[start], "%s: \"%s\" is used twice in this file",
						   what, block->value[start]);
	if (!require(parser, block, TAG_TABLE, block->line[start], what) ||
		!require(parser, block, TAG_SHOWS, block->line[start], what))
		return false;
	if (!valid_name(block->value[TAG_TABLE], true))
		return parse_error(parser, block->line[TAG_TABLE], "@table: \"%s\" is not a table name",
						   block->value[TAG_TABLE]);
	if (!is_query && !refuse_query_tags(parser, block, start))
		return false;
	if (is_query && !refuse(parser, block, TAG_PREVIOUS_TABLE, "belongs to a @layout"))
		return false;
	if (block->value[TAG_PREVIOUS_TABLE] && !valid_name(block->value[TAG_PREVIOUS_TABLE], true))
		return parse_error(parser, block->line[TAG_PREVIOUS_TABLE],
						   "@previous_table: \"%s\" is not a table name",
						   block->value[TAG_PREVIOUS_TABLE]);

	if (!(grown = realloc(file->items, (file->count + 1) * sizeof(QueryItem))))
		return out_of_memory(parser, statement->line);
	file->items = grown;
	item = &file->items[file->count++];
	memset(item, 0, sizeof(*item));
	item->kind = is_query ? QUERY_ITEM_QUERY :
		start == TAG_MAINTENANCE ? QUERY_ITEM_MAINTENANCE : QUERY_ITEM_LAYOUT;
	item->line = block->line[start];
	if (!(item->name = strdup(block->value[start])) ||
		!(item->table = strdup(block->value[TAG_TABLE])) ||
		!(item->shows = strdup(block->value[TAG_SHOWS])) ||
		(block->value[TAG_PREVIOUS_TABLE] &&
		 !(item->previous_table = strdup(block->value[TAG_PREVIOUS_TABLE]))))
		return out_of_memory(parser, item->line);
	if (is_query && !read_query_tags(parser, item, block))
		return false;
	if (!statements_add(&item->sql, statement->text, statement->line))
		return out_of_memory(parser, statement->line);
	parser->open_item = item->kind == QUERY_ITEM_MAINTENANCE ? item : NULL;
	parser->open_list = parser->open_item ? &item->sql : NULL;
	return true;
}

/* Tags that a @plain or @previous statement may not carry: it runs with its query's. */
static bool
refuse_all_but(Parser *parser, const Block *block, Tag own)
{
	for (int tag = 0; tag < TAG_COUNT; tag++)
		if (tag != (int) own && (block->value[tag] || (tag == TAG_PARAM && block->param_count)))
			return parse_error(parser, block->line[tag],
							   "@%s takes no @%s: it runs with the annotations of \"%s\"",
							   tag_names[own], tag_names[tag], block->value[own]);
	if (block->qualified_count)
		return parse_error(parser, block->qualified[0].line,
						   "@%s takes no @%s %s: it runs with the annotations of \"%s\"",
						   tag_names[own], tag_names[block->qualified[0].tag],
						   block->qualified[0].layout, block->value[own]);
	return true;
}

/* A statement introduced by @plain NAME. */
static bool
start_plain(Parser *parser, Block *block, const SqlStatement *statement)
{
	QueryItem  *item = find_item(parser->file, block->value[TAG_PLAIN]);

	if (!refuse_all_but(parser, block, TAG_PLAIN))
		return false;
	if (!item || item->kind == QUERY_ITEM_LAYOUT)
		return parse_error(parser, block->line[TAG_PLAIN],
						   "@plain: no @query or @maintenance \"%s\" before it in this file",
						   block->value[TAG_PLAIN]);
	if (item->plain.count > 0)
		return parse_error(parser, block->line[TAG_PLAIN],
						   "@plain: \"%s\" has a plain version already (line %d)",
						   item->name, item->plain_line);
	item->plain_line = block->line[TAG_PLAIN];
	if (!statements_add(&item->plain, statement->text, statement->line))
		return out_of_memory(parser, statement->line);
	parser->open_item = item->kind == QUERY_ITEM_MAINTENANCE ? item : NULL;
	parser->open_list = parser->open_item ? &item->plain : NULL;
	return true;
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
start_previous(Parser *parser, Block *block, const SqlStatement *statement)
{
	QueryItem  *item = find_item(parser->file, block->value[TAG_PREVIOUS]);

	if (!refuse_all_but(parser, block, TAG_PREVIOUS))
		return false;
	if (!item || item->kind != QUERY_ITEM_QUERY)
		return parse_error(parser, block->line[TAG_PREVIOUS],
						   "@previous: no @query \"%s\" before it in this file",
						   block->value[TAG_PREVIOUS]);
	if (!has_previous_table(parser->file, item->table))
		return parse_error(parser, block->line[TAG_PREVIOUS],
						   "@previous: no @layout of %s with @previous_table before it in this file",
						   item->table);
	if (item->previous.count > 0)
		return parse_error(parser, block->line[TAG_PREVIOUS],
						   "@previous: \"%s\" has a previous version already (line %d)",
						   item->name, item->previous_line);
	item->previous_line = block->line[TAG_PREVIOUS];
	if (!statements_add(&item->previous, statement->text, statement->line))
		return out_of_memory(parser, statement->line);
	parser->open_item = NULL;
	parser->open_list = NULL;
	return true;
}

/* Decides what a statement is, from the annotations before it. */
static bool
introduce_statement(Parser *parser, Block *block, const SqlStatement *statement)
{
	QueryFile  *file = parser->file;

	if (block->value[TAG_QUERY] || block->value[TAG_MAINTENANCE] || block->value[TAG_LAYOUT])
	{
		Tag			start = item_tag(block);

		if (block->value[TAG_PLAIN] || block->value[TAG_PREVIOUS])
			return parse_error(parser, block->line[block->value[TAG_PLAIN] ? TAG_PLAIN : TAG_PREVIOUS],
							   "@%s and @%s on one statement",
							   block->value[TAG_PLAIN] ? "plain" : "previous", tag_names[start]);
		return start_item(parser, block, statement);
	}
	if (block->value[TAG_PLAIN] && block->value[TAG_PREVIOUS])
		return parse_error(parser, block->line[TAG_PREVIOUS], "@previous and @plain on one statement");
	if (block->value[TAG_PLAIN])
		return start_plain(parser, block, statement);
	if (block->value[TAG_PREVIOUS])
		return start_previous(parser, block, statement);
	if (block->first_line)
		return parse_error(parser, block->first_line, "annotations without @query, @maintenance, "
						   "@layout, @plain or @previous: they introduce nothing");
	if (parser->open_list)
		return statements_add(parser->open_list, statement->text, statement->line) ||
			out_of_memory(parser, statement->line);
	if (file->count > 0)
		return parse_error(parser, statement->line, "statement without annotations after "
						   "a @query, a @layout or their @plain or @previous, which hold one "
						   "statement each: give it its own annotations");
	return parse_error(parser, statement->line, "statement without annotations "
					   "(start it with \"-- @query: name\", \"-- @maintenance: name\", "
					   "\"-- @layout: name\" or \"-- @plain: name\")");
}

static bool
read_statement(Parser *parser, const SqlStatement *statement)
{
	Block		block = {0};
	bool		ok = true;

	for (size_t i = 0; ok && i < statement->comment_count; i++)
		ok = read_comment(parser, &block, &statement->comments[i]);
	if (ok)
		ok = introduce_statement(parser, &block, statement);
	block_clear(&block);
	return ok;
}

QueryFile *
query_file_parse(const char *path, const char *text, Error *error)
{
	Parser		parser = {.path = path, .error = error};
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
	for (size_t i = 0; ok && i < script->trailing_count; i++)
	{
		const char *p = script->trailing[i].text;

		while (isspace((unsigned char) *p))
			p++;
		if (*p == '@')
			ok = parse_error(&parser, script->trailing[i].line,
							 "annotation without a statement after it");
	}
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
		expectation_free(&item->expected);
		for (size_t j = 0; j < item->layout_count; j++)
			expectation_free(&item->layouts[j]);
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

static int
only_sql_files(const struct dirent *entry)
{
	size_t		len = strlen(entry->d_name);

	return entry->d_name[0] != '.' && len > 4 && strcmp(entry->d_name + len - 4, ".sql") == 0;
}

/* Names must be unique over all files: they key the reports and the JSON output. */
static bool
check_unique_names(const QueryFileSet *set)
{
	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];

			for (size_t g = 0; g < f; g++)
				for (size_t j = 0; j < set->files[g]->count; j++)
					if (strcmp(set->files[g]->items[j].name, item->name) == 0)
					{
						log_error("%s:%d: the name \"%s\" is taken by %s:%d",
								  set->files[f]->path, item->line, item->name,
								  set->files[g]->path, set->files[g]->items[j].line);
						return false;
					}
		}
	return true;
}

bool
query_file_load_dir(const char *dir, QueryFileSet *set)
{
	struct dirent **entries = NULL;
	int			count = scandir(dir, &entries, only_sql_files, alphasort);
	bool		ok = true;

	memset(set, 0, sizeof(*set));
	if (count < 0)
	{
		log_error("could not read the query directory \"%s\": %s", dir, strerror(errno));
		return false;
	}
	if (count == 0)
	{
		log_error("no query files (*.sql) in \"%s\"", dir);
		free(entries);
		return false;
	}
	if (!(set->files = calloc((size_t) count, sizeof(QueryFile *))))
	{
		log_error("out of memory");
		ok = false;
	}
	for (int i = 0; i < count; i++)
	{
		char	   *path = ok ? paths_join(dir, entries[i]->d_name) : NULL;

		/* the first broken file is reported (by query_file_load) and ends the loading */
		if (ok && path && (set->files[set->count] = query_file_load(path)) != NULL)
			set->count++;
		else
			ok = false;
		free(path);
		free(entries[i]);
	}
	free(entries);
	return ok && check_unique_names(set);
}

/* Whether an item before files[f]->items[i] names the same table. */
static bool
table_seen_before(const QueryFileSet *set, size_t f, size_t i)
{
	const char *name = set->files[f]->items[i].table;

	for (size_t g = 0; g <= f; g++)
		for (size_t j = 0; j < (g == f ? i : set->files[g]->count); j++)
			if (strcmp(set->files[g]->items[j].table, name) == 0)
				return true;
	return false;
}

bool
query_file_check_table(const QueryFileSet *set, const char *table)
{
	char		known[512] = "";

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const char *name = set->files[f]->items[i].table;
			size_t		used = strlen(known);

			if (strcmp(name, table) == 0)
				return true;
			if (!table_seen_before(set, f, i) && used < sizeof(known))
				snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "", name);
		}
	log_error("unknown table \"%s\": no query is annotated with it", table);
	log_detail("the query files know: %s", known);
	return false;
}

void
query_file_set_free(QueryFileSet *set)
{
	for (size_t i = 0; i < set->count; i++)
		query_file_free(set->files[i]);
	free(set->files);
	set->files = NULL;
	set->count = 0;
}
