/*
 * setup_steps.h: the files setup-database runs, and how it runs each one.
 *
 * The steps are the base tables, the seed, then the migration script of each
 * table of the registry (tables/demo_tables.h) in its order.  Each runs in a
 * transaction of its own that records it in partition_demo.applied_scripts;
 * a lock not granted within --lock-timeout rolls it back and runs it again,
 * up to --attempts times (the retry policy of --online), naming the holder.
 * Every function reports its failure and returns false.
 */
#ifndef SETUP_STEPS_H
#define SETUP_STEPS_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "setup/setup.h"
#include "tables/demo_tables.h"

/* the two base files, then one file per table */
#define SETUP_STEP_COUNT (2 + DEMO_TABLE_COUNT)

typedef struct SetupStep
{
	const char *file;			/* in scripts/, as recorded in partition_demo.applied_scripts */
	const DemoTableInfo *table; /* the table it migrates; NULL for the base files */
} SetupStep;

/* The steps in the order they run (SETUP_STEP_COUNT of them). */
const SetupStep *setup_steps(void);

/* Whether this run (all tables, or --table) includes step. */
bool		setup_step_selected(const SetupOptions *options, const SetupStep *step);

/* Which steps are applied already: applied[i] for setup_steps()[i]. */
bool		setup_load_applied(PGconn *conn, bool applied[SETUP_STEP_COUNT]);

/* The project's helper files (partition_demo and the online functions), safe to run every time. */
bool		setup_run_helpers(PGconn *conn, const SetupOptions *options);

/* --reset: scripts/lib/reset.sql, all of it or (on a failure) nothing. */
bool		setup_run_reset(PGconn *conn, const SetupOptions *options);

/* Runs step under label ("[2/6]"), online when --online and it migrates a table. */
bool		setup_run_step(PGconn *conn, const SetupOptions *options, const SetupStep *step,
						   const char *label);

#endif
