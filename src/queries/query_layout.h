/*
 * query_layout.h: which layout of a table the query files describe is in
 * force now.
 *
 * A re-partitioning scenario changes a table's partitions, and with them what
 * a query must scan.  The files declare such layouts (@layout), each with a
 * statement that tells whether it is in force; the queries' layout-qualified
 * annotations (@expect LAYOUT: ...) then replace the unqualified ones, which
 * describe the table as bin/setup-database creates it.  At most one layout of
 * a table may be in force: two at once is an error in the files.
 */
#ifndef QUERY_LAYOUT_H
#define QUERY_LAYOUT_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "queries/query_file.h"
#include "queries/query_tables.h"

/*
 * Runs the statement of every @layout of the table in the files (once per
 * table) and records the one in force in table->layout (NULL: none).  paths
 * are shown relative to root.  Returns false, reported at the layout's file
 * and line, when a statement fails, returns anything but one row with true
 * or false, or when two layouts are in force; table->layout_failed is set.
 */
bool		query_layout_resolve(PGconn *conn, const QueryFileSet *set, const char *root,
								 QueryTable *table);

/* The expectation of a query on table, for the layout in force. */
const QueryExpectation *query_layout_expectation(const QueryItem *item, const QueryTable *table);

#endif
