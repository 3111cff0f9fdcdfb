/* setup_summary.c: the trees setup-database prints at the end (see setup_summary.h). */
#include "setup/setup_summary.h"

#include <stdio.h>

#include "common/log.h"
#include "pg/db.h"
#include "pg/lock_holder.h"
#include "tables/demo_tables.h"
#include "tables/partition_stats.h"
#include "common/format.h"

/*
 * Exact row count of a plain table into *rows, -1 when it does not exist;
 * false, with the failure in error, when it could not be read.
 */
static bool
plain_table_rows(PGconn *conn, const char *table, long long *rows, Error *error)
{
	PartitionStats *stats = NULL;
	const char *params[1] = {table};
	PGresult   *res = db_try_query(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1,
								   params, error);
	bool		exists = res && PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	*rows = -1;
	if (!res || (exists && !(stats = partition_stats_collect(conn, table, error))))
		return false;
	if (stats)
		*rows = stats->nodes[0].rows;
	partition_stats_free(stats);
	return true;
}

/* One table's tree and the row count of its plain copy; false (reported) on error. */
static bool
print_table_summary(PGconn *conn, const DemoTableInfo *info, bool color)
{
	const char *table = info->name,
			   *old_name = info->plain_name;
	Error		error;
	PartitionStats *stats = partition_stats_collect(conn, table, &error);
	char		rows[32],
				old_rows[32];
	long long	old_count;

	if (!stats || !plain_table_rows(conn, old_name, &old_count, &error))
	{
		const char *tables[3] = {table, old_name, NULL};

		partition_stats_free(stats);
		error_report(&error);
		/* the counts wait LOCK_TIMEOUT_MS (see db.h) behind ACCESS EXCLUSIVE, then give up */
		if (lock_holder_after_timeout(conn, &error, tables))
			log_hint("every file of this run is applied (see partition_demo.applied_scripts); "
					 "only the row counts of this summary could not be read: end the "
					 "transaction named above (or wait for it), or raise LOCK_TIMEOUT_MS");
		return false;
	}
	partition_stats_print_tree(stdout, stats, color);
	format_count(stats->nodes[0].rows, rows, sizeof(rows));
	if (stats->nodes[0].key[0] == '\0')
		printf("%s: %s rows, still a plain table (not migrated by this run)\n\n", table, rows);
	else if (old_count >= 0)
	{
		format_count(old_count, old_rows, sizeof(old_rows));
		printf("%s: %s rows in %zu partitions; %s (plain table): %s rows%s\n\n",
			   table, rows, partition_stats_leaf_count(stats), old_name, old_rows,
			   old_count == stats->nodes[0].rows ? "" : " (differs: rows were added since)");
	}
	else
		printf("%s: %s rows in %zu partitions; %s: none\n\n", table, rows,
			   partition_stats_leaf_count(stats), old_name);
	partition_stats_free(stats);
	return true;
}

bool
setup_print_summary(PGconn *conn)
{
	bool		color = log_color_enabled(stdout);

	printf("\nPartitioned tables (rows counted exactly; share of the table's rows)\n\n");
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		if (!print_table_summary(conn, demo_table(t), color))
			return false;
	return true;
}
