/*
 * table_check.h: "are the tables there", asked once at the start of
 * load-data, demonstrate-queries and repartition, so that a program started
 * before bin/setup-database (or against a database that lost a table) stops
 * at once with one error naming what is missing, instead of failing on every
 * row or query.
 *
 * One catalog query for all the tables a program needs, each name resolved
 * like the program's own statements resolve it: through search_path, with
 * to_regclass.
 */
#ifndef TABLE_CHECK_H
#define TABLE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

typedef enum TableNeed
{
	TABLE_PLAIN_OR_PARTITIONED, /* writers: the online migration writes into plain tables too */
	TABLE_PARTITIONED			/* pruning and re-partitioning need the partitioned ones */
} TableNeed;

/*
 * True when every table of names exists (and is partitioned, for
 * TABLE_PARTITIONED).  Otherwise reports one error naming every table that is
 * missing (else every one that is not a table, else every one still plain),
 * the schemas searched, and the hint to run bin/setup-database; false.  A
 * failed query is reported as such (false).
 */
bool		table_check_require(PGconn *conn, const char *const *names, size_t count,
								TableNeed need);

#endif
