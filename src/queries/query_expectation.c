/* query_expectation.c: what a query must scan, unqualified and per layout (see query_expectation.h). */
#include "queries/query_expectation.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

static bool
names_contain(char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Adds name (taken over) to exp->expect, unless it is no partition name or there already. */
static bool
add_expected(const QueryFileError *error, QueryExpectation *exp, char *name, int line)
{
	char	  **grown;

	if (!query_name_valid(name, true))
		query_file_error(error, line, "@expect: \"%s\" is not a partition name "
						 "(write names separated by commas, or \"all\")", name);
	else if (names_contain(exp->expect, exp->expect_count, name))
		query_file_error(error, line, "@expect names \"%s\" twice", name);
	else if (!(grown = realloc(exp->expect, (exp->expect_count + 1) * sizeof(char *))))
		query_file_out_of_memory(error, line);
	else
	{
		exp->expect = grown;
		exp->expect[exp->expect_count++] = name;
		return true;
	}
	free(name);
	return false;
}

bool
query_expectation_read_expect(const QueryFileError *error, QueryExpectation *exp,
							  const char *value, int line)
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

		if (!name)
			return query_file_out_of_memory(error, line);
		if (!add_expected(error, exp, name, line))
			return false;
		p = comma ? comma + 1 : end;
	}
	return true;
}

bool
query_expectation_read_pruning(const QueryFileError *error, QueryExpectation *exp,
							   const char *value, int line)
{
	exp->pruning_line = line;
	if ((exp->pruning = explain_pruning_parse(value)) == PRUNING_UNSPECIFIED)
		return query_file_error(error, line,
								"@pruning: \"%s\" is none of \"plan time\", \"run time\", \"none\"",
								value);
	return true;
}

static void
free_expected(QueryExpectation *exp)
{
	for (size_t i = 0; i < exp->expect_count; i++)
		free(exp->expect[i]);
	free(exp->expect);
	exp->expect = NULL;
	exp->expect_count = 0;
}

void
query_expectation_free(QueryExpectation *exp)
{
	free(exp->layout);
	free_expected(exp);
	free(exp->shows);
	memset(exp, 0, sizeof(*exp));
}

/* A deep copy of the unqualified expectation, for a layout to change. */
static bool
expectation_copy(const QueryExpectation *from, const char *layout, QueryExpectation *to)
{
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

QueryExpectation *
query_expectation_of_layout(const QueryFileError *error, QueryItem *item, const char *layout,
							int line)
{
	QueryExpectation *grown;

	for (size_t i = 0; i < item->layout_count; i++)
		if (strcmp(item->layouts[i].layout, layout) == 0)
			return &item->layouts[i];
	if (!(grown = realloc(item->layouts, (item->layout_count + 1) * sizeof(QueryExpectation))))
	{
		query_file_out_of_memory(error, line);
		return NULL;
	}
	item->layouts = grown;
	if (!expectation_copy(&item->expected, layout, &item->layouts[item->layout_count]))
	{
		query_expectation_free(&item->layouts[item->layout_count]);
		query_file_out_of_memory(error, line);
		return NULL;
	}
	return &item->layouts[item->layout_count++];
}

bool
query_expectation_apply(const QueryFileError *error, QueryExpectation *exp,
						const QualifiedTag *q)
{
	if (q->tag == TAG_SHOWS)
	{
		free(exp->shows);
		if (!(exp->shows = strdup(q->value)))
			return query_file_out_of_memory(error, q->line);
		return true;
	}
	if (q->tag == TAG_PRUNING)
		return query_expectation_read_pruning(error, exp, q->value, q->line);
	/* the layout's list replaces the unqualified one */
	free_expected(exp);
	exp->expect_all = false;
	return query_expectation_read_expect(error, exp, q->value, q->line);
}
