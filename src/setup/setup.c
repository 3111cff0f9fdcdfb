/* setup.c: setup-database's run, step by step (see setup.h). */
#include "setup/setup.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "pg/db.h"
#include "setup/setup_steps.h"
#include "setup/setup_summary.h"
#include "tables/demo_tables.h"

/* Only one setup at a time: a second one would race on the same tables. */
static bool
lock_setup(PGconn *conn)
{
	PGresult   *res = db_query(conn,
							   "SELECT pg_catalog.pg_try_advisory_lock("
							   "pg_catalog.hashtext('partition_demo.setup-database'))", 0, NULL);
	bool		locked = res && PQgetvalue(res, 0, 0)[0] == 't';

	if (res && !locked)
	{
		log_error("another setup-database is running against this database");
		log_hint("wait for it to finish, then run this again");
	}
	PQclear(res);
	return locked;
}

static bool
set_seed_rows(PGconn *conn, long long seed_rows)
{
	char		value[32];

	/* read by 00_initial_seed_data.sql through current_setting() */
	snprintf(value, sizeof(value), "%lld", seed_rows);
	return db_set_config(conn, "partition_demo.seed_rows", value, false, NULL);
}

/* --abort: removes half-done online migrations, of one table or of all. */
static bool
run_abort(PGconn *conn, const SetupOptions *options)
{
	int			removed = 0;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		const char *table = demo_table_name(t);
		bool		found;

		if (options->table && strcmp(options->table, table) != 0)
			continue;
		if (!online_abort(conn, table, &options->online_options, &found))
			return false;
		removed += found;
	}
	if (removed == 0)
		fprintf(stderr, "no online migration%s%s was in progress; nothing to remove\n",
				options->table ? " of " : "", options->table ? options->table : "");
	return true;
}

/* How many selected steps are still to run; 0 is reported as an error. */
static int
count_pending(const SetupOptions *options, const bool applied[SETUP_STEP_COUNT])
{
	const SetupStep *steps = setup_steps();
	int			pending = 0;

	for (int i = 0; i < SETUP_STEP_COUNT; i++)
		pending += !applied[i] && setup_step_selected(options, &steps[i]);
	if (pending > 0)
		return pending;
	if (options->table)
		log_error("%s is already partitioned (its script is applied)", options->table);
	else
		log_error("the database is already set up: all %d scripts are applied", SETUP_STEP_COUNT);
	log_detail("partition_demo.applied_scripts lists them");
	log_hint("run \"%s --reset\" to drop this project's tables and set up again", log_progname());
	return 0;
}

/* The selected steps not applied yet, in order; stops at the first failure or an interruption. */
static bool
run_pending(PGconn *conn, const SetupOptions *options, const bool applied[SETUP_STEP_COUNT],
			int pending)
{
	const SetupStep *steps = setup_steps();
	const volatile sig_atomic_t *interrupted = options->online_options.interrupted;
	int			step = 0;
	char		label[32];

	for (int i = 0; i < SETUP_STEP_COUNT; i++)
	{
		if (applied[i] || !setup_step_selected(options, &steps[i]))
			continue;
		if (interrupted && *interrupted)
		{
			log_error("interrupted: stopped before %s", steps[i].file);
			log_hint("the files before it are applied; run %s again to continue there",
					 log_progname());
			return false;
		}
		snprintf(label, sizeof(label), "[%d/%d]", ++step, pending);
		if (!setup_run_step(conn, options, &steps[i], label))
			return false;
	}
	return true;
}

/* The line that says where the setup goes (the schema quoted as SQL would). */
static void
announce(PGconn *conn, const Config *config)
{
	char	   *schema = PQescapeIdentifier(conn, config->schema, strlen(config->schema));

	fprintf(stderr, "setting up database \"%s\" at %s, tables in schema %s\n",
			config->dbname, config_server_label(config), schema ? schema : config->schema);
	PQfreemem(schema);
}

bool
setup_run(PGconn *conn, const Config *config, const SetupOptions *options)
{
	bool		applied[SETUP_STEP_COUNT];
	int			pending;

	announce(conn, config);
	if (!lock_setup(conn))
		return false;
	if (options->reset && !setup_run_reset(conn, options))
		return false;
	if (!setup_run_helpers(conn, options) || !setup_load_applied(conn, applied))
		return false;
	if (options->abort_online)
		return run_abort(conn, options);
	if ((pending = count_pending(options, applied)) == 0)
		return false;
	if (!options->table && pending < SETUP_STEP_COUNT)
		fprintf(stderr, "continuing an earlier setup: %d of %d scripts already applied\n",
				SETUP_STEP_COUNT - pending, SETUP_STEP_COUNT);
	return set_seed_rows(conn, options->seed_rows) && run_pending(conn, options, applied, pending) &&
		setup_print_summary(conn);
}
