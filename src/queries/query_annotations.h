/*
 * query_annotations.h: the annotations above one statement of a query file
 * (the "-- @tag: value" marks of pg/sql_marks.h; query_file.h lists the tags),
 * read and checked tag by tag, and the errors of the query-file parser.
 *
 * Internal to query_file.c and query_expectation.c.
 */
#ifndef QUERY_ANNOTATIONS_H
#define QUERY_ANNOTATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "pg/sql_splitter.h"

#define QUERY_MAX_NAME 63
#define QUERY_MAX_PARAMS 100
#define QUERY_MAX_QUALIFIED 30

/* Where the parser's errors go: the reason into error, its where "PATH:LINE". */
typedef struct QueryFileError
{
	const char *path;
	Error	   *error;
} QueryFileError;

/* Sets the reason and "PATH:LINE"; returns false, for "return query_file_error(...)". */
bool		query_file_error(const QueryFileError *error, int line, const char *fmt, ...)
			__attribute__((format(printf, 3, 4)));

/* query_file_error(error, line, "out of memory") */
bool		query_file_out_of_memory(const QueryFileError *error, int line);

/*
 * A NAME of @query, @maintenance, @layout: letters, digits, underscores, at
 * most QUERY_MAX_NAME; with allow_dot a (schema-)qualified table or partition.
 */
bool		query_name_valid(const char *name, bool allow_dot);

typedef enum QueryTag
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
} QueryTag;

/* "query", "expect", ... */
const char *query_tag_name(QueryTag tag);

/* "@expect LAYOUT: value" and its kind: in force while LAYOUT is */
typedef struct QualifiedTag
{
	QueryTag	tag;			/* TAG_EXPECT, TAG_PRUNING or TAG_SHOWS */
	char	   *layout;
	char	   *value;
	int			line;
} QualifiedTag;

typedef struct QueryAnnotations
{
	char	   *value[TAG_COUNT];	/* trimmed; NULL when absent (and for @param) */
	int			line[TAG_COUNT];	/* for @param: the line of $1 */
	char	   *params[QUERY_MAX_PARAMS];
	int			param_count;
	QualifiedTag qualified[QUERY_MAX_QUALIFIED];
	int			qualified_count;
	int			first_line;		/* of the first annotation, 0 when none */
} QueryAnnotations;

/*
 * Reads the annotations above statement into annotations (cleared first);
 * prose comment lines are skipped.  On an unknown tag, a malformed or
 * repeated one, reports into error and returns false.  Free with
 * query_annotations_clear, also after an error.
 */
bool		query_annotations_read(const QueryFileError *error, const SqlStatement *statement,
								   QueryAnnotations *annotations);

void		query_annotations_clear(QueryAnnotations *annotations);

/* Whether tag is there (or @param $1 for TAG_PARAM). */
bool		query_annotations_has(const QueryAnnotations *annotations, QueryTag tag);

/* Reports "WHAT needs @TAG" at line unless tag is there. */
bool		query_annotations_require(const QueryFileError *error, const QueryAnnotations *annotations,
									  QueryTag tag, int line, const char *what);

/* Reports "@TAG WHY" at its line if tag is there: a tag this item may not carry. */
bool		query_annotations_refuse(const QueryFileError *error, const QueryAnnotations *annotations,
									 QueryTag tag, const char *why);

/* Reports "@TAG LAYOUT belongs to a @query" if a layout-qualified tag is there. */
bool		query_annotations_refuse_qualified(const QueryFileError *error,
											   const QueryAnnotations *annotations);

#endif
