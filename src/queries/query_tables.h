/*
 * query_tables.h: the partitioned tables the annotated queries demonstrate,
 * as the catalog describes them (partition key, leaf partitions, live rows),
 * each looked up once per run.
 */
#ifndef QUERY_TABLES_H
#define QUERY_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "queries/query_file.h"

typedef struct QueryTable
{
	char	   *name;
	bool		ok;				/* false: missing or not partitioned (reported) */
	char	   *partkey;		/* "RANGE (created_at)" */
	char	  **leaves;			/* relnames, sorted */
	size_t		leaf_count;
	long long	live_rows;		/* estimate from the statistics, -1 when unknown */
	bool		noted_unequal;	/* the text report showed its unequal-data note */
	/* which @layout of the query files is in force (query_layout.h) */
	bool		layout_resolved;	/* looked up (or failed: layout_failed) */
	bool		layout_failed;	/* reported; the table's queries are errors */
	const QueryItem *layout;	/* NULL: none, the table as setup-database made it */
	const char *layout_path;	/* the file of layout, as shown */
	bool		previous_exists;	/* the layout's @previous_table exists */
} QueryTable;

/* The tables looked up so far, in the order of their first use (pointers stay valid). */
typedef struct QueryTables
{
	QueryTable **tables;
	size_t		count;
} QueryTables;

/*
 * The table's description, looked up on first use; NULL when it is unusable
 * (missing or not partitioned: reported at the first look-up only).
 */
QueryTable *query_tables_get(QueryTables *tables, PGconn *conn, const char *name);

/* The statistics' count of live rows of any relation (no scan), -1 when unknown. */
long long	query_tables_live_rows(PGconn *conn, const char *relation);

void		query_tables_free(QueryTables *tables);

#endif
