/*
 * setup.h: setup-database's work, from plain tables with data to the four
 * partitioned tables.
 *
 * Runs, in the spec's order and each in its own transaction, the six files
 * 00_setup_base_tables.sql ... 04_composite_partitions.sql (setup_steps.h),
 * recording each applied file in partition_demo.applied_scripts in the same
 * transaction.  A run that fails at file N leaves the files before N applied
 * and N's table untouched; the next run continues at N.  Every file waits at
 * most --lock-timeout for each lock; a file that did not get one is rolled
 * back, its holder named, and run again after a pause, --attempts times at
 * most.  With --online each table's file runs as an online migration
 * (online/online_migration.h).  The SQL does the work; this sequences, times
 * and reports it, and prints the resulting trees (setup_summary.h).
 */
#ifndef SETUP_H
#define SETUP_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/config.h"
#include "online/online_migration.h"

#define SETUP_DEFAULT_SEED_ROWS 5000
#define SETUP_MAX_SEED_ROWS 50000000

typedef struct SetupOptions
{
	bool		reset;
	bool		online;
	bool		abort_online;
	const char *table;			/* --table: a name of tables/demo_tables, or NULL for all */
	char	   *scripts_dir;
	long long	seed_rows;
	/* .interrupted: set on SIGINT/SIGTERM; the setup stops before the next file */
	OnlineOptions online_options;
} SetupOptions;

/*
 * The whole setup on conn (or, with --abort, the removal of half-done online
 * migrations), from the line naming the database to the trees.  False after
 * an error or an interruption, reported.
 */
bool		setup_run(PGconn *conn, const Config *config, const SetupOptions *options);

#endif
