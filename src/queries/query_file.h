/*
 * query_file.h: the annotated query files of scripts/queries/.
 *
 * Each statement is introduced by "-- @tag: value" comment lines, the marks
 * of pg/sql_marks.h (a value may go on over indented comment lines right
 * below); other comment lines are prose.
 *
 *   -- @query: NAME             a query: exactly one statement, with
 *   -- @table: TABLE            the partitioned table it demonstrates,
 *   -- @shows: SENTENCE         what it shows (one line),
 *   -- @expect: P1, P2 | all    the leaf partitions it must scan,
 *   -- @pruning: plan time | run time | none       (optional)
 *   -- @param $1: VALUE         (optional; $1, $2, ... in order)
 *   -- @plan: generic | custom  (optional, needs parameters; default custom)
 *
 *   -- @maintenance: NAME       statements timed inside BEGIN ... ROLLBACK,
 *   -- @table: / @shows:        with @table and @shows as above
 *
 *   -- @plain: NAME             the same work on the plain table, for the
 *                               earlier query or maintenance NAME of the file
 *
 *   -- @layout: NAME            a layout a re-partitioning scenario gives a
 *   -- @table: / @shows:        table; its statement returns one row, true
 *   -- @previous_table: TABLE   when the layout is in force; (optional) the
 *                               table that keeps the layout it replaced
 *
 *   -- @expect LAYOUT: ...      on a query, in force instead of @expect,
 *   -- @pruning LAYOUT: ...     @pruning or @shows while the earlier
 *   -- @shows LAYOUT: ...       @layout LAYOUT of its table is in force
 *
 *   -- @previous: NAME          query NAME on the @previous_table of its
 *                               table's layout, checked against NAME's
 *                               unqualified annotations
 *
 * Statements without annotations continue the maintenance item (or its
 * @plain) before them; anywhere else they are an error.  Every error names
 * the file and line.
 *
 * query_file.c reads one file, with query_annotations.c (the tags above a
 * statement) and query_expectation.c (@expect, @pruning, per layout);
 * query_file_set.c reads a directory of them.
 */
#ifndef QUERY_FILE_H
#define QUERY_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "queries/explain_plan.h"

typedef enum QueryItemKind
{
	QUERY_ITEM_QUERY,
	QUERY_ITEM_MAINTENANCE,
	QUERY_ITEM_LAYOUT
} QueryItemKind;

/*
 * What a query must scan: its unqualified annotations (layout NULL: the table
 * as bin/setup-database creates it), or those of one layout, where the tags
 * the layout does not qualify are copied from the unqualified ones.
 */
typedef struct QueryExpectation
{
	char	   *layout;			/* NULL for the unqualified annotations */
	char	  **expect;			/* empty when expect_all */
	size_t		expect_count;
	bool		expect_all;		/* "@expect: all": every leaf of the table */
	int			expect_line;
	PruningKind pruning;		/* PRUNING_UNSPECIFIED without @pruning */
	int			pruning_line;
	char	   *shows;
} QueryExpectation;

/* Statements with the line each starts at. */
typedef struct QueryStatements
{
	char	  **sql;
	int		   *lines;
	size_t		count;
} QueryStatements;

typedef struct QueryItem
{
	QueryItemKind kind;
	char	   *name;
	char	   *table;
	char	   *shows;
	int			line;			/* of @query, @maintenance or @layout */
	/* queries only */
	QueryExpectation expected;	/* the unqualified annotations */
	QueryExpectation *layouts;	/* one per layout named by a qualified tag */
	size_t		layout_count;
	char	  **params;			/* $1, $2, ... as text */
	int			param_count;
	bool		generic;		/* @plan: generic */
	/* the statements */
	QueryStatements sql;		/* on the partitioned table */
	QueryStatements plain;		/* on the plain table; count 0 without @plain */
	int			plain_line;
	QueryStatements previous;	/* queries: on the previous layout; count 0 without */
	int			previous_line;
	/* layouts only: the statement (in sql) tells whether it is in force */
	char	   *previous_table; /* NULL without @previous_table */
} QueryItem;

/* The expectation of a query while layout (NULL: none declared) is in force. */
const QueryExpectation *query_item_expectation(const QueryItem *item, const char *layout);

typedef struct QueryFile
{
	char	   *path;			/* as given */
	QueryItem  *items;
	size_t		count;
} QueryFile;

/*
 * Parses the text of a query file.  On an error returns NULL with the reason
 * in error (not NULL), its where "PATH:LINE" (or "PATH").
 */
QueryFile  *query_file_parse(const char *path, const char *text, Error *error);

/* Reads and parses a file; reports errors (log_error) and returns NULL. */
QueryFile  *query_file_load(const char *path);

void		query_file_free(QueryFile *file);

/* All query files of a directory, in name order. */
typedef struct QueryFileSet
{
	QueryFile **files;
	size_t		count;
} QueryFileSet;

/*
 * Loads every *.sql file of dir in name order and checks that item names are
 * unique over all of them (they name the queries in reports).  On an error
 * reports it and returns false; set holds what was loaded, for freeing.
 */
bool		query_file_load_dir(const char *dir, QueryFileSet *set);

/*
 * Whether an item of the files is annotated with @table: table; otherwise
 * reports it with the tables the files know (for a --table option).
 */
bool		query_file_check_table(const QueryFileSet *set, const char *table);

void		query_file_set_free(QueryFileSet *set);

#endif
