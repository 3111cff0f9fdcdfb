/*
 * repartition: run one re-partitioning scenario (add, split, detach, migrate,
 * cleanup) and show what it did.
 *
 * The SQL in scripts/repartition/ does the work and its own checks; this
 * program picks the file from a fixed whitelist, runs it in one transaction
 * (retried when it cannot get its locks within --lock-timeout, as happens
 * under live load, naming who holds them), and prints the partition trees
 * before and after and the data-integrity report that the file recorded
 * inside its transaction.  The trees' reads wait at most LOCK_TIMEOUT_MS
 * for a lock (the session's lock_timeout, see db.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/config.h"
#include "load/data_generator.h"
#include "pg/db.h"
#include "pg/lock_holder.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/program.h"
#include "common/paths.h"
#include "repartition/repartition_integrity.h"
#include "repartition/repartition_plan.h"
#include "repartition/repartition_runner.h"
#include "repartition/repartition_scenarios.h"
#include "repartition/repartition_state.h"
#include "pg/sql_runner.h"
#include "tables/table_check.h"

/* Project helper functions (schema partition_demo), safe to run every time. */
#define HELPERS_FILE "lib/partition_demo.sql"
#define MAX_ATTEMPTS 100
/* each attempt's wait for a lock; the files' own when run by hand */
#define DEFAULT_LOCK_TIMEOUT_MS 2000
#define MIN_LOCK_TIMEOUT_MS 10
#define MAX_LOCK_TIMEOUT_MS 60000

/* the trees are counted outside the scenario's transaction, unlike the integrity lines */
#define BEFORE_TITLE "Before (rows counted now; other sessions may be writing)"
#define AFTER_TITLE "After (rows counted after COMMIT, other sessions' writes included)"

typedef struct RepartitionOptions
{
	bool		list;
	bool		dry_run;
	bool		json;
	int			attempts;
	int			lock_timeout_ms;
	char	   *scripts_dir;
	const RepartitionScenario *scenario;
} RepartitionOptions;

/* What the scenario's transaction reported, and what --json prints. */
typedef struct RunContext
{
	IntegrityReport *integrity; /* read just before COMMIT */
	json_object *messages;		/* server notices (--json) */
	const char *const *tables;	/* whose lock holders a lock failure names */
} RunContext;

static void
usage(FILE *out)
{
	size_t		count;
	const RepartitionScenario *scenarios = repartition_scenarios(&count);

	fprintf(out,
			"Usage: %s [OPTIONS] SCENARIO\n"
			"\n"
			"Runs one re-partitioning scenario in one transaction and shows the partition\n"
			"trees before and after, and whether every row is still there.\n"
			"\n"
			"Scenarios:\n", log_progname());
	for (size_t i = 0; i < count; i++)
		fprintf(out, "  %-9s %s\n", scenarios[i].name, scenarios[i].summary);
	fprintf(out,
			"\n"
			"Options:\n"
			"  --list           list the scenarios and their SQL files, then exit\n"
			"  -n, --dry-run    show the steps and statements that would run; no database\n"
			"  --json           print one JSON document on stdout (nothing else)\n"
			"  --lock-timeout MS  longest wait for each lock of the scenario (default %d):\n"
			"                   then its transaction is rolled back and tried again, after\n"
			"                   a pause; writers queue behind a waiting lock meanwhile\n"
			"  --attempts N     tries when locks are not available in time (default %d)\n"
			"  --scripts DIR    read the SQL files from DIR (default: <project>/scripts)\n"
			"  -h, --help       show this help and exit\n"
			"  -V, --version    show the version and exit\n"
			"\n"
			"Connection settings come from .env and the environment (see bin/show-config);\n"
			"LOCK_TIMEOUT_MS bounds the waits of the reads before and after the scenario.\n",
			DEFAULT_LOCK_TIMEOUT_MS, repartition_runner_default_policy().max_attempts);
}

static int
usage_error(void)
{
	log_hint("try \"%s --help\" for more information", log_progname());
	return 2;
}

static int
unknown_scenario(const char *name)
{
	size_t		count;
	const RepartitionScenario *scenarios = repartition_scenarios(&count);
	char		names[256] = "";

	for (size_t i = 0; i < count; i++)
	{
		strncat(names, scenarios[i].name, sizeof(names) - strlen(names) - 1);
		strncat(names, i + 1 < count ? ", " : "", sizeof(names) - strlen(names) - 1);
	}
	log_error("unknown scenario \"%s\"", name);
	log_hint("the scenarios are %s (see \"%s --list\")", names, log_progname());
	return 2;
}

/* Returns 0 to go on, or the exit status. */
static int
parse_options(int argc, char **argv, RepartitionOptions *options)
{
	static const struct option long_options[] = {
		{"help", no_argument, NULL, 'h'},
		{"list", no_argument, NULL, 'l'},
		{"dry-run", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"attempts", required_argument, NULL, 'a'},
		{"lock-timeout", required_argument, NULL, 't'},
		{"scripts", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	long long	attempts,
				lock_timeout;
	ParseResult result;

	options->attempts = repartition_runner_default_policy().max_attempts;
	options->lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_MS;
	while ((c = getopt_long(argc, argv, "hn", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'h':
				usage(stdout);
				exit(0);
			case 'l':
				options->list = true;
				break;
			case 'n':
				options->dry_run = true;
				break;
			case 'j':
				options->json = true;
				break;
			case 'a':
				result = parse_long(optarg, 1, MAX_ATTEMPTS, &attempts);
				if (result != PARSE_OK)
				{
					log_error("invalid --attempts \"%s\": %s (1 to %d)", optarg,
							  parse_result_reason(result), MAX_ATTEMPTS);
					return 2;
				}
				options->attempts = (int) attempts;
				break;
			case 't':
				result = parse_long(optarg, MIN_LOCK_TIMEOUT_MS, MAX_LOCK_TIMEOUT_MS, &lock_timeout);
				if (result != PARSE_OK)
				{
					log_error("invalid --lock-timeout \"%s\": %s (%d to %d)", optarg,
							  parse_result_reason(result), MIN_LOCK_TIMEOUT_MS, MAX_LOCK_TIMEOUT_MS);
					return 2;
				}
				options->lock_timeout_ms = (int) lock_timeout;
				break;
			case 's':
				free(options->scripts_dir);
				options->scripts_dir = strdup(optarg);
				break;
			default:
				return usage_error();
		}
	}
	if (!options->list)
	{
		if (optind >= argc)
		{
			log_error("no scenario given");
			return usage_error();
		}
		/* compared with the whitelist only: the name never reaches SQL */
		if (!(options->scenario = repartition_scenario_find(argv[optind])))
			return unknown_scenario(argv[optind]);
		optind++;
	}
	if (optind < argc)
	{
		log_error("unexpected argument \"%s\"", argv[optind]);
		return usage_error();
	}
	if (!options->scripts_dir && !(options->scripts_dir = paths_project_dir("scripts", "--scripts")))
		return 2;
	return 0;
}

/* path relative to the working directory when it lies below it, for messages */
static const char *
display_path(const char *path)
{
	static char cwd[4096];
	size_t		len;

	if (!getcwd(cwd, sizeof(cwd)))
		return path;
	len = strlen(cwd);
	return strncmp(path, cwd, len) == 0 && path[len] == '/' ? path + len + 1 : path;
}

/* milliseconds with one decimal, as JSON numbers */
static json_object *
json_ms(double ms)
{
	char		text[32];

	snprintf(text, sizeof(text), "%.1f", ms);
	return json_object_new_double_s(ms, text);
}

static void
print_json(json_object *doc)
{
	puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
}

static int
list_scenarios(const RepartitionOptions *options)
{
	size_t		count;
	const RepartitionScenario *scenarios = repartition_scenarios(&count);
	json_object *list = options->json ? json_object_new_array() : NULL;

	for (size_t i = 0; i < count; i++)
	{
		char	   *path = paths_join(options->scripts_dir, scenarios[i].file);

		if (list)
		{
			json_object *item = json_object_new_object();

			json_object_object_add(item, "name", json_object_new_string(scenarios[i].name));
			json_object_object_add(item, "summary", json_object_new_string(scenarios[i].summary));
			json_object_object_add(item, "file", json_object_new_string(path));
			json_object_array_add(list, item);
		}
		else
			printf("%-9s %s\n          %s\n", scenarios[i].name, scenarios[i].summary,
				   display_path(path));
		free(path);
	}
	if (list)
		print_json(list);
	return 0;
}

static int
dry_run(const RepartitionOptions *options, const char *path)
{
	char	   *helpers = paths_join(options->scripts_dir, HELPERS_FILE);
	RepartitionPlan *plan = repartition_plan_load(path);

	if (!plan)
	{
		free(helpers);
		return 1;
	}
	if (options->json)
	{
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "scenario", json_object_new_string(options->scenario->name));
		json_object_object_add(doc, "dry_run", json_object_new_boolean(true));
		json_object_object_add(doc, "helpers", json_object_new_string(helpers));
		json_object_object_add(doc, "file", json_object_new_string(path));
		json_object_object_add(doc, "max_attempts", json_object_new_int(options->attempts));
		json_object_object_add(doc, "lock_timeout_ms", json_object_new_int(options->lock_timeout_ms));
		json_object_object_add(doc, "statements", repartition_plan_json(plan));
		print_json(doc);
	}
	else
	{
		printf("repartition %s (dry run: nothing is executed, no connection is made)\n"
			   "  %s\n\n"
			   "would run %s (helper functions, idempotent), then this file in one\n"
			   "transaction, tried up to %d times while locks are not available within\n"
			   "%d ms:\n\n",
			   options->scenario->name, options->scenario->summary, display_path(helpers),
			   options->attempts, options->lock_timeout_ms);
		repartition_plan_print(stdout, plan, display_path(path));
	}
	repartition_plan_free(plan);
	free(helpers);
	return 0;
}

/* --json: server notices go into the document instead of stderr */
static void
collect_notice(void *arg, const PGresult *result)
{
	RunContext *ctx = arg;
	const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);

	if (message && ctx->messages)
		json_object_array_add(ctx->messages, json_object_new_string(message));
}

static void
before_attempt(int attempt, void *arg)
{
	RunContext *ctx = arg;

	/* a rolled-back attempt's notices and numbers describe nothing that happened */
	(void) attempt;
	repartition_integrity_free(ctx->integrity);
	ctx->integrity = NULL;
	if (ctx->messages)
	{
		json_object_put(ctx->messages);
		ctx->messages = json_object_new_array();
	}
}

/* Inside the scenario's transaction, just before COMMIT: read its snapshots. */
static bool
read_integrity(PGconn *conn, const char *path, double elapsed_ms, void *arg)
{
	RunContext *ctx = arg;

	(void) path;
	(void) elapsed_ms;
	if (!(ctx->integrity = repartition_integrity_read(conn)))
		return false;
	if (!repartition_integrity_ok(ctx->integrity))
	{
		/* the file's own assert_conserved() should have caught this */
		log_error("rows differ between the snapshots before and after the scenario");
		log_hint("the scenario's transaction is rolled back");
		return false;
	}
	return true;
}

/* After an attempt failed on a lock and was rolled back: who holds one. */
static void
name_lock_holders(PGconn *conn, const char *sqlstate, void *arg)
{
	const RunContext *ctx = arg;

	(void) sqlstate;
	lock_holders_report(conn, ctx ? ctx->tables : NULL);
}

/*
 * One scenario at a time.  The wait is the session's lock_timeout
 * (LOCK_TIMEOUT_MS): the lock of a run that was just killed goes away within
 * a second (db_connect sets client_connection_check_interval).
 */
static bool
prepare_session(PGconn *conn)
{
	Error		error;
	PGresult   *res = db_try_query(conn, "SELECT pg_catalog.pg_advisory_lock("
								   "pg_catalog.hashtext('partition_demo.repartition'))",
								   0, NULL, &error);

	PQclear(res);
	if (res)
		return true;
	if (error_has_sqlstate(&error, "55P03"))
	{
		log_error("another repartition is running against this database");
		log_hint("wait for it to finish, then run this again");
	}
	else
		error_report(&error);
	return false;
}

/*
 * The trees could not be read: reports why (error), and after a lock
 * timeout names the holder and says what happened to the scenario.
 */
static void
explain_state_failure(PGconn *conn, const RepartitionOptions *options, bool applied,
					  const Error *error)
{
	error_report(error);
	if (applied)
		log_error("scenario \"%s\" was applied, but the state afterwards could not be read",
				  options->scenario->name);
	if (!lock_holder_after_timeout(conn, error, options->scenario->tables))
		return;
	if (applied)
		log_hint("the scenario committed; only the partition trees after it could not be "
				 "counted: end the transaction named above (or wait for it) to see them, or "
				 "raise LOCK_TIMEOUT_MS");
	else
		log_hint("nothing was changed: end the transaction named above (or wait for it) and "
				 "run %s %s again, or raise LOCK_TIMEOUT_MS", log_progname(),
				 options->scenario->name);
}

/*
 * The project's tables among the scenario's, partitioned; the others (archive,
 * hash backup) are the scenarios' own and may not exist yet.
 */
static bool
require_tables(PGconn *conn, const RepartitionScenario *scenario)
{
	const char *names[REPARTITION_MAX_TABLES];
	size_t		count = 0;

	for (size_t i = 0; i < REPARTITION_MAX_TABLES && scenario->tables[i]; i++)
		for (int t = 0; t < DEMO_TABLE_COUNT; t++)
			if (strcmp(scenario->tables[i], data_generator_table_name(t)) == 0)
				names[count++] = scenario->tables[i];
	return table_check_require(conn, names, count, TABLE_PARTITIONED);
}

static json_object *
result_json(const RepartitionOptions *options, const char *path, const RunContext *ctx,
			const RetryRun *run, double total_ms, const RepartitionState *before,
			const RepartitionState *after, bool ok)
{
	json_object *doc = json_object_new_object();
	json_object *durations = json_object_new_object();

	json_object_object_add(doc, "scenario", json_object_new_string(options->scenario->name));
	json_object_object_add(doc, "file", json_object_new_string(path));
	json_object_object_add(doc, "status", json_object_new_string(ok ? "ok" : "failed"));
	json_object_object_add(doc, "attempts", json_object_new_int(run->attempts));
	json_object_object_add(doc, "retries", json_object_new_int(run->attempts > 0 ? run->attempts - 1 : 0));
	json_object_object_add(doc, "retried_on", run->last_error.sqlstate[0] ? json_object_new_string(run->last_error.sqlstate) : NULL);
	json_object_object_add(durations, "total", json_ms(total_ms));
	json_object_object_add(durations, "scenario", json_ms(run->elapsed_ms));
	json_object_object_add(durations, "transaction", json_ms(run->last_attempt_ms));
	json_object_object_add(doc, "duration_ms", durations);
	json_object_object_add(doc, "messages", ctx->messages ? json_object_get(ctx->messages) : NULL);
	json_object_object_add(doc, "integrity",
						   ok && ctx->integrity ? repartition_integrity_json(ctx->integrity) : NULL);
	json_object_object_add(doc, "before", before->count ? repartition_state_json(before) : NULL);
	json_object_object_add(doc, "after", after->count ? repartition_state_json(after) : NULL);
	return doc;
}

static int
run_scenario(PGconn *conn, const RepartitionOptions *options, const char *path)
{
	bool		color = !options->json && log_color_enabled(stdout);
	RunContext	ctx = {.tables = options->scenario->tables};
	RunnerCallbacks callbacks = {.before_attempt = before_attempt, .before_commit = read_integrity,
	.after_lock_failure = name_lock_holders, .arg = &ctx};
	/* the helpers touch no scenario table: a failure names the oldest transaction */
	RunnerCallbacks helpers_callbacks = {.after_lock_failure = name_lock_holders};
	RetryPolicy policy = repartition_runner_default_policy();
	RepartitionState before = {0},
				after = {0};
	RetryRun	run = {0},
				helpers_run;
	Error		error;
	char	   *helpers = paths_join(options->scripts_dir, HELPERS_FILE);
	double		start = sql_runner_now_ms();
	bool		ok;

	policy.max_attempts = options->attempts;
	policy.lock_timeout_ms = options->lock_timeout_ms;
	if (options->json)
	{
		ctx.messages = json_object_new_array();
		PQsetNoticeReceiver(conn, collect_notice, &ctx);
	}
	else
		db_show_notices(conn, true);

	/* the tables first: a database that was never set up gets no helpers either */
	ok = require_tables(conn, options->scenario) && prepare_session(conn);
	if (ok && !(ok = repartition_state_collect(conn, options->scenario, &before, &error)))
		explain_state_failure(conn, options, false, &error);
	if (ok && !(ok = repartition_runner_execute_file(conn, helpers, &policy, &helpers_callbacks,
													 &helpers_run)) && helpers_run.gave_up)
		log_hint("nothing was changed: end the transaction named above (or wait for it) and "
				 "run %s %s again, or raise --lock-timeout / --attempts", log_progname(),
				 options->scenario->name);
	if (ok && !options->json)
	{
		printf("%srepartition %s%s: %s\n\n", color ? "\033[1m" : "", options->scenario->name,
			   color ? "\033[0m" : "", options->scenario->summary);
		repartition_state_print(stdout, BEFORE_TITLE, &before, color);
		log_info("running %s in one transaction", display_path(path));
	}
	if (ok)
	{
		ok = repartition_runner_execute_file(conn, path, &policy, &callbacks, &run);
		if (!ok)
			log_error("scenario \"%s\" failed; its transaction was rolled back, nothing changed",
					  options->scenario->name);
		if (!ok && run.gave_up)
			log_hint("end the transaction named above (or wait for it) and run %s %s again, "
					 "or raise --lock-timeout / --attempts", log_progname(),
					 options->scenario->name);
		else if (!options->json)
			log_info("    done: %d statements in %.0f ms (attempt %d of at most %d)",
					 run.statements, run.last_attempt_ms, run.attempts, policy.max_attempts);
		if (ok && !(ok = repartition_state_collect(conn, options->scenario, &after, &error)))
			explain_state_failure(conn, options, true, &error);
	}
	if (ok && !options->json)
	{
		printf("\n");
		repartition_state_print(stdout, AFTER_TITLE, &after, color);
		repartition_integrity_print(stdout, ctx.integrity, color);
	}
	if (options->json)
		print_json(result_json(options, path, &ctx, &run, sql_runner_now_ms() - start,
							   &before, &after, ok));

	repartition_state_free(&before);
	repartition_state_free(&after);
	repartition_integrity_free(ctx.integrity);
	json_object_put(ctx.messages);
	free(helpers);
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	RepartitionOptions options = {0};
	Config	   *config = NULL;
	PGconn	   *conn = NULL;
	char	   *path = NULL;
	int			status;

	program_start(argc, argv);
	if ((status = parse_options(argc, argv, &options)) != 0)
		goto cleanup;
	if (options.list)
	{
		status = list_scenarios(&options);
		goto cleanup;
	}
	path = paths_join(options.scripts_dir, options.scenario->file);
	if (options.dry_run)
	{
		status = dry_run(&options, path);
		goto cleanup;
	}
	if (!(config = config_load()))
	{
		status = 2;
		goto cleanup;
	}
	if (!(conn = db_connect(config, "repartition")))
	{
		status = 1;
		goto cleanup;
	}
	status = run_scenario(conn, &options, path);
cleanup:
	PQfinish(conn);
	config_free(config);
	free(path);
	free(options.scripts_dir);
	return status;
}
