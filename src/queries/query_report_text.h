/*
 * query_report_text.h: demonstrate-queries' report for the reader, on
 * stdout: each query with its SQL, the server's plan with the partition
 * scans highlighted, the pruning verdict and the times beside the plain
 * table; each removal timed both ways; the summary and the partition trees.
 * Colour only when color is true (log_color_enabled(stdout)).
 */
#ifndef QUERY_REPORT_TEXT_H
#define QUERY_REPORT_TEXT_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/config.h"
#include "queries/query_demo.h"
#include "queries/query_file.h"
#include "queries/query_tables.h"
#include "queries/query_tally.h"
#include "queries/removal_demo.h"

/* The database, the server, and how plans and times are taken. */
void		query_report_text_header(bool color, const Config *config, PGconn *conn,
									 bool analyze, int runs);

void		query_report_text_section(bool color, const char *title);

/*
 * The section of a table's queries: its partition key and leaves (table
 * NULL: unusable), the layout in force, and the table keeping the previous
 * layout (previous, NULL when none).
 */
void		query_report_text_table_section(bool color, const char *name, const QueryTable *table,
											const QueryTable *previous);

/* The section of the removals; with --no-analyze, that they are not run. */
void		query_report_text_removals_section(bool color, bool analyze);

/*
 * A query run far enough for a verdict (out->partitioned.verdict set), with
 * the layout's expectation and, when it ran, the previous layout beside it.
 * Notes once per table when its plain table holds clearly more or fewer rows
 * (sets table->noted_unequal).
 */
void		query_report_text_query(bool color, const char *path, const QueryItem *item,
									QueryTable *table, const QueryOutcome *out);

/* A query that failed before its verdict: the error is on stderr already. */
void		query_report_text_failed(bool color, const char *path, const QueryItem *item);

/* A removal timed both ways, skipped (with the lock holders), or failed. */
void		query_report_text_removal(bool color, const char *path, const QueryItem *item,
									  const RemovalOutcome *out);

void		query_report_text_summary(bool color, const QueryTally *tally, bool analyze, int runs);

/*
 * The partition trees, with exact row counts, of the tables that have
 * queries in the files and were usable, and of the tables keeping a previous
 * layout that was compared.  False when one could not be read
 * (reported).
 */
bool		query_report_text_partitions(bool color, PGconn *conn, const QueryTables *tables,
										 const QueryFileSet *set);

#endif
