/* repartition_run.c: bin/repartition's work (see repartition_run.h). */
#include "repartition/repartition_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/paths.h"
#include "online/online_migration.h"
#include "pg/db.h"
#include "pg/lock_holder.h"
#include "pg/sql_runner.h"
#include "repartition/repartition_integrity.h"
#include "repartition/repartition_online_report.h"
#include "repartition/repartition_plan.h"
#include "pg/sql_retry_runner.h"
#include "common/clock.h"
#include "repartition/repartition_state.h"
#include "tables/demo_tables.h"
#include "tables/table_check.h"

/* Project helper functions (schema partition_demo), safe to run every time. */
#define HELPERS_FILE "lib/partition_demo.sql"
/* The online engine's functions, likewise; the scenarios use them in both forms. */
#define ONLINE_FILE "online/00_online_functions.sql"

/* the trees are counted outside the scenario's transaction, unlike the integrity lines */
#define BEFORE_TITLE "Before (rows counted now; other sessions may be writing)"
#define AFTER_TITLE "After (rows counted after COMMIT, other sessions' writes included)"

/* What the scenario's transaction reported, and what --json prints. */
typedef struct RunContext
{
	IntegrityReport *integrity; /* read just before COMMIT */
	json_object *messages;		/* server notices (--json) */
	const char *const *tables;	/* whose lock holders a lock failure names */
} RunContext;

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

void
repartition_list(const RepartitionOptions *options)
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
}

bool
repartition_dry_run(const RepartitionOptions *options, const char *path)
{
	char	   *helpers = paths_join(options->scripts_dir, HELPERS_FILE);
	char	   *engine = paths_join(options->scripts_dir, ONLINE_FILE);
	RepartitionPlan *plan = repartition_plan_load(path);

	if (!plan || !helpers || !engine)
	{
		repartition_plan_free(plan);
		free(helpers);
		free(engine);
		return false;
	}
	if (options->json)
	{
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "scenario", json_object_new_string(options->scenario->name));
		json_object_object_add(doc, "dry_run", json_object_new_boolean(true));
		json_object_object_add(doc, "mode",
							   json_object_new_string(repartition_runs_online(options) ? "online" : "offline"));
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
			   "  %s\n\n", options->scenario->name, options->scenario->summary);
		if (repartition_runs_online(options))
			printf("would run %s and %s (helper functions, idempotent),\n"
				   "then this file ONLINE: its \"@online\" sections in the steps of the online\n"
				   "engine (prepare, batched copy, replay, comparison, swap; lock and copy and\n"
				   "verify sections are the offline form's), each lock tried up to %d times\n"
				   "while not available within %d ms; --offline runs it whole:\n\n",
				   display_path(helpers), display_path(engine), options->attempts,
				   options->lock_timeout_ms);
		else
			printf("would run %s and %s (helper functions, idempotent),\n"
				   "then this file in one transaction, tried up to %d times while locks are not\n"
				   "available within %d ms:\n\n", display_path(helpers), display_path(engine),
				   options->attempts, options->lock_timeout_ms);
		repartition_plan_print(stdout, plan, display_path(path));
	}
	repartition_plan_free(plan);
	free(helpers);
	free(engine);
	return true;
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
		if (demo_table_find(scenario->tables[i]))
			names[count++] = scenario->tables[i];
	return table_check_require(conn, names, count, TABLE_PARTITIONED);
}

static json_object *
result_json(const RepartitionOptions *options, const char *path, const RunContext *ctx,
			const RetryRun *run, double total_ms, const RepartitionState *before,
			const RepartitionState *after, const OnlineReport *online, bool ok)
{
	json_object *doc = json_object_new_object();
	json_object *durations = json_object_new_object();

	json_object_object_add(doc, "scenario", json_object_new_string(options->scenario->name));
	json_object_object_add(doc, "mode",
						   json_object_new_string(repartition_runs_online(options) ? "online" : "offline"));
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
	/* online: the comparisons that ran, also those that refused the swap */
	if (online)
		json_object_object_add(doc, "online", repartition_online_report_json(online));
	json_object_object_add(doc, "integrity", online ? repartition_online_integrity_json(online) :
						   ok && ctx->integrity ? repartition_integrity_json(ctx->integrity) : NULL);
	json_object_object_add(doc, "before", before->count ? repartition_state_json(before) : NULL);
	json_object_object_add(doc, "after", after->count ? repartition_state_json(after) : NULL);
	return doc;
}

/* One run of a scenario: its settings and what it found. */
typedef struct ScenarioRun
{
	const RepartitionOptions *options;
	const char *path;
	bool		color;
	RunContext	ctx;
	RetryPolicy policy;
	RepartitionState before;
	RepartitionState after;
	RetryRun	run;
	OnlineReport online;		/* what the online engine did (online runs) */
} ScenarioRun;

/* One file of helper functions (idempotent), in its own transaction, retried. */
static bool
load_helpers(PGconn *conn, const RepartitionOptions *options, const RetryPolicy *policy,
			 const char *file)
{
	/* the helpers touch no scenario table: a failure names the oldest transaction */
	RunnerCallbacks callbacks = {.after_lock_failure = name_lock_holders};
	RetryRun	run = {0};
	char	   *path = paths_join(options->scripts_dir, file);
	bool		ok = path && sql_retry_runner_execute_file(conn, path, policy, &callbacks, &run);

	if (!ok && run.gave_up)
		log_hint("nothing was changed: end the transaction named above (or wait for it) and "
				 "run %s again, or raise --lock-timeout / --attempts", log_progname());
	free(path);
	return ok;
}

/* Before the scenario: its tables, the one-at-a-time lock, the trees, the helpers. */
static bool
prepare_scenario(PGconn *conn, ScenarioRun *sr)
{
	const RepartitionOptions *options = sr->options;
	Error		error;

	/* the tables first: a database that was never set up gets no helpers either */
	if (!require_tables(conn, options->scenario) || !prepare_session(conn))
		return false;
	if (!repartition_state_collect(conn, options->scenario, &sr->before, &error))
	{
		explain_state_failure(conn, options, false, &error);
		return false;
	}
	/* the scenarios call the engine's functions offline too (online_plan, online_copy_all) */
	return load_helpers(conn, options, &sr->policy, HELPERS_FILE) &&
		load_helpers(conn, options, &sr->policy, ONLINE_FILE);
}

bool
repartition_runs_online(const RepartitionOptions *options)
{
	return !options->offline && options->scenario && options->scenario->online_table;
}

/* The engine's settings: this program's lock bounds, its hints. */
static OnlineOptions
online_options(const RepartitionOptions *options, char *resume, size_t len)
{
	OnlineOptions online = online_default_options();

	online.lock_timeout_ms = options->lock_timeout_ms;
	online.attempts = options->attempts;
	if (options->batch_ids > 0)
		online.batch_ids = options->batch_ids;
	online.interrupted = options->interrupted;
	snprintf(resume, len, "run %s %s again", log_progname(),
			 options->scenario ? options->scenario->name : "SCENARIO");
	online.resume_how = resume;
	online.abort_how = "bin/repartition --abort";
	return online;
}

/*
 * The scenario online: the engine runs the file's sections in its own
 * transactions; the rows it moves are compared by count and checksum at one
 * snapshot, and again, those changed since, under the swap's lock.
 */
static bool
run_online(PGconn *conn, ScenarioRun *sr)
{
	char		resume[64];
	OnlineOptions online = online_options(sr->options, resume, sizeof(resume));
	double		start = clock_now_ms();
	bool		ok;

	if (!sr->options->json)
		log_info("running %s online (built beside the live partitions, swapped in one short "
				 "transaction)", display_path(sr->path));
	online.report = &sr->online;
	ok = online_migrate(conn, sr->path, sr->options->scenario->online_table, &online, NULL, NULL);
	sr->run.attempts = 1;
	sr->run.elapsed_ms = clock_now_ms() - start;
	/* the one transaction that holds writers, as offline's is the scenario's */
	sr->run.last_attempt_ms = sr->online.writers_held_ms;
	if (!ok)
		log_error("scenario \"%s\" stopped before its swap; %s keeps every row and serves "
				  "reads and writes", sr->options->scenario->name,
				  sr->options->scenario->online_table);
	return ok;
}

bool
repartition_abort(PGconn *conn, const RepartitionOptions *options)
{
	RetryPolicy policy = retry_default_policy();
	char		resume[64];
	OnlineOptions online = online_options(options, resume, sizeof(resume));
	int			removed = 0;

	policy.max_attempts = options->attempts;
	policy.lock_timeout_ms = options->lock_timeout_ms;
	if (!prepare_session(conn) || !load_helpers(conn, options, &policy, HELPERS_FILE) ||
		!load_helpers(conn, options, &policy, ONLINE_FILE))
		return false;
	for (const char *const *table = repartition_online_tables(); *table; table++)
	{
		bool		found = false;

		if (!online_abort(conn, *table, &online, &found))
			return false;
		removed += found;
	}
	if (removed == 0)
		fprintf(stderr, "no online scenario was in progress; nothing to remove\n");
	return true;
}

/* The trees after the scenario committed. */
static bool
collect_after(PGconn *conn, ScenarioRun *sr)
{
	Error		error;

	if (repartition_state_collect(conn, sr->options->scenario, &sr->after, &error))
		return true;
	explain_state_failure(conn, sr->options, true, &error);
	return false;
}

/* The scenario's file (online, or in one transaction), then the trees after it. */
static bool
execute_scenario(PGconn *conn, ScenarioRun *sr)
{
	const RepartitionOptions *options = sr->options;
	RunnerCallbacks callbacks = {.before_attempt = before_attempt, .before_commit = read_integrity,
	.after_lock_failure = name_lock_holders, .arg = &sr->ctx};
	bool		ok;

	if (!options->json)
	{
		printf("%srepartition %s%s: %s\n\n", sr->color ? "\033[1m" : "", options->scenario->name,
			   sr->color ? "\033[0m" : "", options->scenario->summary);
		repartition_state_print(stdout, BEFORE_TITLE, &sr->before, sr->color);
		if (!repartition_runs_online(options))
			log_info("running %s in one transaction", display_path(sr->path));
	}
	if (repartition_runs_online(options))
		return run_online(conn, sr) && collect_after(conn, sr);
	ok = sql_retry_runner_execute_file(conn, sr->path, &sr->policy, &callbacks, &sr->run);
	if (!ok)
		log_error("scenario \"%s\" failed; its transaction was rolled back, nothing changed",
				  options->scenario->name);
	if (!ok && sr->run.gave_up)
		log_hint("end the transaction named above (or wait for it) and run %s %s again, "
				 "or raise --lock-timeout / --attempts", log_progname(), options->scenario->name);
	else if (!options->json)
		log_info("    done: %d statements in %.0f ms (attempt %d of at most %d)",
				 sr->run.statements, sr->run.last_attempt_ms, sr->run.attempts,
				 sr->policy.max_attempts);
	return ok && collect_after(conn, sr);
}

bool
repartition_run(PGconn *conn, const RepartitionOptions *options, const char *path)
{
	ScenarioRun sr = {.options = options, .path = path,
		.color = !options->json && log_color_enabled(stdout),
		.ctx = {.tables = options->scenario->tables},
	.policy = retry_default_policy()};
	double		start = clock_now_ms();
	bool		ok;

	sr.policy.max_attempts = options->attempts;
	sr.policy.lock_timeout_ms = options->lock_timeout_ms;
	if (options->json)
	{
		sr.ctx.messages = json_object_new_array();
		PQsetNoticeReceiver(conn, collect_notice, &sr.ctx);
	}
	else
		db_show_notices(conn, true);
	ok = prepare_scenario(conn, &sr) && execute_scenario(conn, &sr);
	if (ok && !options->json)
	{
		printf("\n");
		repartition_state_print(stdout, AFTER_TITLE, &sr.after, sr.color);
		if (repartition_runs_online(options))
			repartition_online_report_print(stdout, &sr.online, options->scenario->online_table,
											sr.color);
		else if (sr.ctx.integrity)
			repartition_integrity_print(stdout, sr.ctx.integrity, sr.color);
	}
	if (options->json)
		print_json(result_json(options, path, &sr.ctx, &sr.run, clock_now_ms() - start,
							   &sr.before, &sr.after,
							   repartition_runs_online(options) ? &sr.online : NULL, ok));
	repartition_state_free(&sr.before);
	repartition_state_free(&sr.after);
	repartition_integrity_free(sr.ctx.integrity);
	json_object_put(sr.ctx.messages);
	return ok;
}
