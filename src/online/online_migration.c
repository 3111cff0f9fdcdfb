/* online_migration.c: the steps of an online migration (see online_migration.h). */
#include "online/online_migration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "pg/lock_holder.h"
#include "common/log.h"
#include "common/clock.h"
#include "common/retry.h"
#include "common/format.h"
#include "online/script_sections.h"

#define REPLAY_BATCH 5000
#define PROGRESS_EVERY_MS 2000.0
/* relations whose lock holders a lock timeout names */
#define MIGRATION_RELATIONS_MAX 16

const char *const online_step_names[ONLINE_STEPS] = {
	"prepare", "copy", "keys", "replay", "verify", "swap"
};

OnlineOptions
online_default_options(void)
{
	OnlineOptions options = {.batch_ids = 50000, .lock_timeout_ms = 300, .attempts = 20,
	.resume_how = "run with --online again", .abort_how = "with --abort"};

	return options;
}

/* Pauses between attempts: 250 ms doubling to 4 s, with jitter. */
RetryPolicy
online_retry_policy(const OnlineOptions *options)
{
	RetryPolicy policy = {.max_attempts = options->attempts, .base_delay_ms = 250,
	.max_delay_ms = 4000, .jitter_percent = 50, .lock_timeout_ms = options->lock_timeout_ms};

	return policy;
}

/* What every step needs. */
typedef struct Online
{
	PGconn	   *conn;
	const char *path;
	const char *table;
	const OnlineOptions *options;
	SqlScript  *script;
	ScriptSection *sections;
	RetryPolicy retry;
	bool		retrying;		/* in a step that retries lock failures itself */
	bool		nothing_to_do;	/* the script planned no move (the scenario said why) */
	bool		hinted;			/* a failure has said what to do already */
	double		started_ms;		/* this run's start, for the bookkeeping's duration */
	Error		error;			/* the last failure of query() or a section */
	OnlineReport rep;			/* what this run did, for options->report */
} Online;

static bool
interrupted(const Online *online)
{
	return online->options->interrupted && *online->options->interrupted;
}

/* Inside a step that retries, a retryable failure is the caller's: not reported. */
static bool
leave_retryable(Error *error, void *arg)
{
	const Online *online = arg;

	return online->retrying && retry_sqlstate_retryable(error->sqlstate);
}

/*
 * Runs one query with the table name as $1 (and value as $2 when given).
 * Inside a step that retries (online->retrying), a failure whose SQLSTATE is
 * retryable is left to the caller (in online->error, not reported); any
 * other failure is reported (and kept there too).
 */
static PGresult *
query(Online *online, const char *sql, const char *value)
{
	const char *params[2] = {online->table, value};

	return db_query_handled(online->conn, sql, value ? 2 : 1, params, &online->error,
							leave_retryable, online);
}

/* A retryable statement failure is kept quiet: the caller retries. */
static bool
keep_retryable(const Error *error, void *arg)
{
	Online	   *online = arg;

	online->error = *error;
	return online->retrying && retry_sqlstate_retryable(error->sqlstate);
}

/* Runs the script's statements of one section in the current transaction. */
static bool
run_section(Online *online, ScriptSection section)
{
	bool	   *selected = calloc(online->script->count, sizeof(bool));
	SqlRunOptions options = {.on_statement_error = keep_retryable, .arg = online};
	SqlRunResult result;
	bool		ok;

	if (!selected)
		return false;
	for (size_t i = 0; i < online->script->count; i++)
		selected[i] = online->sections[i] == section;
	error_clear(&online->error);
	ok = sql_runner_run_selected(online->conn, online->path, online->script, selected,
								 &options, &result);
	free(selected);
	return ok;
}

static void
rollback(Online *online)
{
	if (PQstatus(online->conn) == CONNECTION_OK &&
		PQtransactionStatus(online->conn) != PQTRANS_IDLE)
		db_command(online->conn, "ROLLBACK");
}

static bool
begin_with_lock_timeout(Online *online)
{
	char		timeout[32];

	if (!db_command(online->conn, "BEGIN"))
		return false;
	/* SET LOCAL: the session's own setting is back after the transaction */
	snprintf(timeout, sizeof(timeout), "%dms", online->options->lock_timeout_ms);
	return db_set_config(online->conn, "lock_timeout", timeout, true, NULL);
}

/*
 * The relations a migration works on, those a lock timeout waited for: its
 * table, then the sources and targets it recorded (a conversion's plain
 * table and <table>_partitioned; a scenario's partitions and the tables
 * built beside them).  Before the prepare committed nothing is recorded:
 * then the table, its partitions and <table>_partitioned.
 */
static const char *const relations_query =
	"SELECT r.rel::pg_catalog.text FROM ("
	"  SELECT x.rel, x.n FROM partition_demo.online_migrations AS o"
	"   CROSS JOIN LATERAL unnest(ARRAY[pg_catalog.to_regclass($1), o.source] || o.sources || o.targets)"
	"         WITH ORDINALITY AS x(rel, n)"
	"   WHERE o.table_name = $1"
	"  UNION ALL"
	"  SELECT x.rel, x.n FROM unnest(ARRAY[pg_catalog.to_regclass($1),"
	"                                      pg_catalog.to_regclass($1 || '_partitioned')])"
	"         WITH ORDINALITY AS x(rel, n)"
	"   WHERE NOT EXISTS (SELECT FROM partition_demo.online_migrations AS o WHERE o.table_name = $1)"
	"  UNION ALL"
	"  SELECT t.relid, 100 + t.level FROM pg_catalog.pg_partition_tree(pg_catalog.to_regclass($1)) AS t"
	"   WHERE NOT EXISTS (SELECT FROM partition_demo.online_migrations AS o WHERE o.table_name = $1)"
	") AS r WHERE r.rel IS NOT NULL GROUP BY r.rel ORDER BY min(r.n), r.rel::pg_catalog.text LIMIT 16";

/*
 * Who holds a lock on any relation of the migration, after a lock timeout
 * (outside a transaction).  Its own error, so that online->error keeps the
 * timeout's.
 */
static void
report_lock_holders(Online *online)
{
	const char *params[1] = {online->table};
	const char *names[MIGRATION_RELATIONS_MAX + 1] = {online->table, NULL};
	Error		error;
	PGresult   *res = db_try_query(online->conn, relations_query, 1, params, &error);
	int			count = res ? PQntuples(res) : 0;

	for (int i = 0; i < count && i < MIGRATION_RELATIONS_MAX; i++)
		names[i] = PQgetvalue(res, i, 0);
	if (count > 0)
		names[count < MIGRATION_RELATIONS_MAX ? count : MIGRATION_RELATIONS_MAX] = NULL;
	lock_holders_report(online->conn, names);
	PQclear(res);
}

/*
 * After a failed attempt: true when it is worth another one (after the
 * pause), false when the failure is final or attempts are used up.
 */
static bool
may_retry(Online *online, const char *step, int attempt)
{
	const char *sqlstate = online->error.sqlstate;	/* the holder's look-up keeps it */
	int			wait;

	if (!retry_sqlstate_retryable(sqlstate))
		return false;
	if (!retry_attempts_left(&online->retry, attempt))
	{
		log_error("%s of %s: lock not granted in %d attempt%s (lock_timeout %d ms each, "
				  "SQLSTATE %s)", step, online->table, attempt, attempt == 1 ? "" : "s",
				  online->options->lock_timeout_ms, sqlstate);
		report_lock_holders(online);
		log_hint("%s is unchanged; end the long transaction above, then run this again "
				 "(it resumes), or raise --lock-timeout / --attempts", online->table);
		online->hinted = true;
		return false;
	}
	wait = retry_backoff_ms(&online->retry, attempt);
	fprintf(stderr, "    %s: lock not granted within %d ms (SQLSTATE %s), attempt %d of %d; "
			"retrying in %.1f s\n", step, online->options->lock_timeout_ms, sqlstate,
			attempt, online->retry.max_attempts, wait / 1000.0);
	report_lock_holders(online);
	return clock_sleep_ms(wait, online->options->interrupted);
}

/* Step 1: partitioned table, capture triggers, bookkeeping; one transaction. */
static bool
prepare(Online *online)
{
	if (interrupted(online))
		return false;
	online->retrying = true;
	for (int attempt = 1;; attempt++)
	{
		PGresult   *res = NULL;
		bool		ok;

		char		targets[256] = "";

		online->rep.steps[ONLINE_STEP_PREPARE].attempts = attempt;
		ok = begin_with_lock_timeout(online) &&
			run_section(online, SECTION_GUARD) &&
			(res = query(online, "SELECT partition_demo.online_begin_prepare($1)", NULL)) &&
			(PQclear(res), run_section(online, SECTION_CREATE)) &&
			(res = query(online, "SELECT partition_demo.online_start($1)", NULL));
		if (ok)
		{
			/* NULL: a scenario whose [create] section found nothing to do */
			online->nothing_to_do = PQgetisnull(res, 0, 0);
			snprintf(targets, sizeof(targets), "%s", PQgetvalue(res, 0, 0));
			PQclear(res);
			ok = db_command(online->conn, "COMMIT");
		}
		if (ok)
		{
			online->retrying = false;
			if (!online->nothing_to_do)
				fprintf(stderr, "    prepared: %s created, changes to %s are captured "
						"from now on\n", targets, online->table);
			return true;
		}
		rollback(online);
		if (!may_retry(online, "prepare", attempt))
			return false;
	}
}

static void
print_copy_progress(const char *table, long long done_ids, long long all_ids,
					long long rows, double elapsed_ms, bool last)
{
	char		count[32];
	double		rate = elapsed_ms > 0 ? rows * 1000.0 / elapsed_ms : 0;
	double		share = all_ids > 0 ? (double) done_ids / all_ids : 1.0;
	double		left_s = share > 0 ? elapsed_ms / 1000.0 * (1 - share) / share : 0;

	format_count(rows, count, sizeof(count));
	if (last)
		fprintf(stderr, "    copied: %s rows of %s in %.1f s (%.0f rows/s)\n", count, table,
				elapsed_ms / 1000.0, rate);
	else
		fprintf(stderr, "    copy: %s rows, %3.0f%% of the ids, %.0f rows/s, about %.0f s left\n",
				count, share * 100, rate, left_s);
}

/* Step 2: the bulk copy in id ranges, one transaction each, ACCESS SHARE only. */
static bool
copy_rows(Online *online, long long copied_up_to, long long copy_end)
{
	char		batch[32];
	long long	first = copied_up_to,
				rows = 0;
	double		start = clock_now_ms(),
				shown = start;

	snprintf(batch, sizeof(batch), "%lld", online->options->batch_ids);
	while (copied_up_to < copy_end)
	{
		PGresult   *res;
		double		now;

		if (interrupted(online))
			return false;
		if (!(res = query(online, "SELECT rows_copied, copied_up_to, copy_end "
						  "FROM partition_demo.online_copy_batch($1, $2)", batch)))
			return false;
		rows += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		copied_up_to = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		now = clock_now_ms();
		if (now - shown >= PROGRESS_EVERY_MS && copied_up_to < copy_end)
		{
			print_copy_progress(online->table, copied_up_to - first, copy_end - first, rows,
								now - start, false);
			shown = now;
		}
	}
	print_copy_progress(online->table, 1, 1, rows, clock_now_ms() - start, true);
	return true;
}

/* Step 3: primary key, indexes and derived objects, built after the copy. */
static bool
build_keys(Online *online)
{
	double		start = clock_now_ms();
	PGresult   *res = NULL;
	bool		ok;

	ok = db_command(online->conn, "BEGIN") &&
		run_section(online, SECTION_KEYS) &&
		(res = query(online, "SELECT partition_demo.online_drop_changed($1)", NULL)) &&
		(PQclear(res), run_section(online, SECTION_DERIVED)) &&
		(res = query(online, "SELECT partition_demo.online_keys_built($1)", NULL)) &&
		(PQclear(res), db_command(online->conn, "COMMIT"));
	if (!ok)
	{
		rollback(online);
		return false;
	}
	fprintf(stderr, "    keys and indexes built in %.1f s\n", (clock_now_ms() - start) / 1000.0);
	return true;
}

/*
 * Step 4: replays logged changes until caught up.  A batch that would break a
 * unique rule (-1: a name moved to a row whose change is beyond the batch) is
 * retried as one batch of everything waiting; if that conflicts too, the
 * swap replays it all under its lock, where the plain table stands still.
 */
static bool
replay(Online *online, bool verbose)
{
	long long	total = 0;
	int			taken;
	bool		conflict = false;
	char		batch[16];

	snprintf(batch, sizeof(batch), "%d", REPLAY_BATCH);

	do
	{
		PGresult   *res;

		if (interrupted(online))
			return false;
		/* after a conflict, everything waiting at once (0: no limit) */
		if (!(res = query(online, "SELECT partition_demo.online_replay($1, $2)",
						  conflict ? "0" : batch)))
			return false;
		taken = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		total += taken > 0 ? taken : 0;
		if (taken < 0 && conflict)
			break;
		conflict = taken < 0;
	} while (conflict || taken >= REPLAY_BATCH);
	online->rep.changes_replayed += total;
	if (verbose)
		fprintf(stderr, "    replayed %lld changes made while copying%s\n", total,
				taken < 0 ? " (the rest is replayed under the swap's lock: a unique name "
				"moved between rows)" : "");
	return true;
}

/*
 * What online_assert_same() compared last in this transaction (it leaves
 * "source rows, checksum, target rows, checksum" in a setting), into *c.
 */
static bool
read_comparison(Online *online, OnlineComparison *c)
{
	PGresult   *res = query(online, "SELECT pg_catalog.current_setting("
							"'partition_demo.online_compared', true), $1::text", NULL);

	if (!res)
		return false;
	c->ran = !PQgetisnull(res, 0, 0) &&
		sscanf(PQgetvalue(res, 0, 0), "%lld %47s %lld %47s", &c->source_rows,
			   c->source_checksum, &c->target_rows, c->target_checksum) == 4;
	c->identical = c->ran && c->source_rows == c->target_rows &&
		strcmp(c->source_checksum, c->target_checksum) == 0;
	PQclear(res);
	return true;
}

/* A comparison that failed: its numbers from assert_same_fingerprint's detail. */
static void
comparison_from_error(const Online *online, OnlineComparison *c)
{
	if (!error_has_sqlstate(&online->error, "22000"))
		return;
	c->ran = sscanf(online->error.detail, "expected %lld rows, checksum %47[^;]; found %lld "
					"rows, checksum %47s", &c->source_rows, c->source_checksum,
					&c->target_rows, c->target_checksum) == 4;
	c->identical = false;
}

/* The sources, targets and rows copied, for the report, while they are recorded. */
static bool
read_migration(Online *online)
{
	PGresult   *res = query(online, "SELECT array_to_string(coalesce(o.sources, ARRAY[o.source]), ' + '), "
							"array_to_string(coalesce(o.targets, ARRAY[o.target]), ' + '), o.rows_copied "
							"FROM partition_demo.online_migrations AS o WHERE o.table_name = $1", NULL);

	if (!res)
		return false;
	if (PQntuples(res) == 1)
	{
		snprintf(online->rep.sources, sizeof(online->rep.sources), "%s", PQgetvalue(res, 0, 0));
		snprintf(online->rep.targets, sizeof(online->rep.targets), "%s", PQgetvalue(res, 0, 1));
		online->rep.rows_copied = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	}
	PQclear(res);
	return true;
}

/* Step 5: every row without a waiting change, compared at one snapshot. */
static bool
verify_snapshot(Online *online)
{
	double		start = clock_now_ms();
	PGresult   *res = NULL;
	char		count[32];
	bool		ok;

	ok = db_command(online->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ") &&
		(res = query(online, "SELECT partition_demo.online_verify_snapshot($1)", NULL));
	if (ok)
	{
		format_count(strtoll(PQgetvalue(res, 0, 0), NULL, 10), count, sizeof(count));
		PQclear(res);
		ok = read_comparison(online, &online->rep.at_snapshot) &&
			db_command(online->conn, "COMMIT");
	}
	if (!ok)
	{
		comparison_from_error(online, &online->rep.at_snapshot);
		rollback(online);
		return false;
	}
	fprintf(stderr, "    compared %s rows of both tables at one snapshot in %.1f s "
			"(count and checksum equal)\n", count, (clock_now_ms() - start) / 1000.0);
	return true;
}

/*
 * Step 6: lock, last replay, comparison of the rows changed since step 5,
 * renames and sequence, capture removed: one transaction, retried.
 */
static bool
swap(Online *online, SqlRunnerHook before_commit, void *arg)
{
	for (int attempt = 1;; attempt++)
	{
		double		start;
		PGresult   *res = NULL;
		char		compared[32] = "";
		bool		ok;

		online->retrying = false;
		online->rep.steps[ONLINE_STEP_SWAP].attempts = attempt;
		if (!replay(online, false))
			return false;
		online->retrying = true;
		start = clock_now_ms();
		ok = begin_with_lock_timeout(online) &&
			(res = query(online, "SELECT partition_demo.online_lock_and_verify($1)", NULL));
		if (ok)
		{
			snprintf(compared, sizeof(compared), "%s", PQgetvalue(res, 0, 0));
			PQclear(res);
			res = NULL;
			ok = read_comparison(online, &online->rep.at_swap);
		}
		ok = ok && run_section(online, SECTION_SWAP) &&
			(res = query(online, "SELECT partition_demo.online_finish($1)", NULL)) &&
			(PQclear(res), !before_commit ||
			 before_commit(online->conn, online->path, clock_now_ms() - online->started_ms, arg)) &&
			db_command(online->conn, "COMMIT");
		if (ok)
		{
			online->retrying = false;
			online->rep.writers_held_ms = clock_now_ms() - start;
			fprintf(stderr, "    swapped in %.0f ms (writers of %s waited at most that long); "
					"%s rows changed since the comparison, compared under the lock\n",
					online->rep.writers_held_ms, online->table, compared);
			return true;
		}
		comparison_from_error(online, &online->rep.at_swap);
		rollback(online);
		if (!may_retry(online, "swap", attempt))
			return false;
	}
}

/* Step 7: statistics and the script's closing message, after the swap. */
static void
finish(Online *online)
{
	if (!db_command(online->conn, "BEGIN") || !run_section(online, SECTION_FINISH) ||
		!db_command(online->conn, "COMMIT"))
	{
		rollback(online);
		log_warning("%s is migrated, but its closing statements failed (see above); "
					"run ANALYZE %s by hand", online->table, online->table);
	}
}

/* Phase and copy position of a migration in progress; phase "" when none. */
static bool
read_progress(Online *online, bool announce, char *phase, size_t len,
			  long long *copied_up_to, long long *copy_end)
{
	PGresult   *res = query(online, "SELECT phase, rows_copied, copied_up_to, copy_end, "
							"changes_waiting, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS') "
							"FROM partition_demo.online_progress($1)", NULL);

	if (!res)
		return false;
	phase[0] = '\0';
	if (PQntuples(res) == 1)
	{
		snprintf(phase, len, "%s", PQgetvalue(res, 0, 0));
		*copied_up_to = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		*copy_end = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		if (announce)
			fprintf(stderr, "    resuming the online migration started %s: %s, %s rows copied "
				"(ids up to %s of %s), changes waiting: %s\n", PQgetvalue(res, 0, 5), phase,
				PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
				PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return true;
}

static bool
load_script(Online *online)
{
	Error		error;

	if (!(online->script = sql_runner_read_script(online->path)))
		return false;
	online->sections = calloc(online->script->count ? online->script->count : 1,
							  sizeof(*online->sections));
	if (!online->sections)
		return false;
	if (!script_sections_assign(online->script, true, online->sections, &error))
	{
		error_set_where(&error, "%s", online->path);
		error_report(&error);
		log_hint("every statement of a script run with --online needs a section mark");
		return false;
	}
	return true;
}

/* A step that began at start ended (ok or not): its time, at least one attempt. */
static bool
step_done(Online *online, OnlineStepId id, double start, bool ok)
{
	OnlineStep *step = &online->rep.steps[id];

	step->ms += clock_now_ms() - start;
	if (step->attempts == 0)
		step->attempts = 1;
	return ok;
}

/* Copy, keys, replay, comparison and swap, from phase on; each step timed. */
static bool
migrate_from(Online *online, const char *phase, long long copied_up_to, long long copy_end,
			 SqlRunnerHook before_commit, void *arg)
{
	double		t = clock_now_ms();

	if (strcmp(phase, "copying") == 0)
	{
		if (!step_done(online, ONLINE_STEP_COPY, t, copy_rows(online, copied_up_to, copy_end)))
			return false;
		t = clock_now_ms();
		if (!step_done(online, ONLINE_STEP_KEYS, t, build_keys(online)))
			return false;
	}
	t = clock_now_ms();
	if (!step_done(online, ONLINE_STEP_REPLAY, t, replay(online, true)) || !read_migration(online))
		return false;
	t = clock_now_ms();
	if (!step_done(online, ONLINE_STEP_VERIFY, t, verify_snapshot(online)))
		return false;
	t = clock_now_ms();
	return step_done(online, ONLINE_STEP_SWAP, t, swap(online, before_commit, arg));
}

static bool
migrate(Online *online, SqlRunnerHook before_commit, void *arg)
{
	char		phase[16];
	long long	copied_up_to = 0,
				copy_end = 0;
	double		t = clock_now_ms();

	if (!load_script(online) ||
		!read_progress(online, true, phase, sizeof(phase), &copied_up_to, &copy_end))
		return false;
	snprintf(online->rep.resumed_from, sizeof(online->rep.resumed_from), "%s", phase);
	if (phase[0] == '\0' && !step_done(online, ONLINE_STEP_PREPARE, t, prepare(online)))
		return false;
	if (online->nothing_to_do)
		return true;
	if (phase[0] == '\0' &&
		!read_progress(online, false, phase, sizeof(phase), &copied_up_to, &copy_end))
		return false;
	if (!migrate_from(online, phase, copied_up_to, copy_end, before_commit, arg))
		return false;
	finish(online);
	return true;
}

bool
online_migrate(PGconn *conn, const char *script_path, const char *table,
			   const OnlineOptions *options, SqlRunnerHook before_commit, void *arg)
{
	Online		online = {.conn = conn, .path = script_path, .table = table, .options = options};
	bool		ok;

	online.started_ms = clock_now_ms();
	online.retry = online_retry_policy(options);
	ok = migrate(&online, before_commit, arg);
	if (options->report)
		*options->report = online.rep;
	if (!ok && interrupted(&online) && !online.hinted)
	{
		rollback(&online);
		log_error("interrupted: the online migration of %s stopped before the swap", table);
		log_hint("%s is unchanged and keeps every row and write; %s to resume, or %s to "
				 "remove what was built", table, options->resume_how, options->abort_how);
	}
	else if (!ok && !online.hinted && error_has_sqlstate(&online.error, "55P03"))
	{
		/* a step that is not retried waited LOCK_TIMEOUT_MS (see db.h) in vain */
		rollback(&online);
		report_lock_holders(&online);
		log_hint("%s is unchanged and keeps serving, the migration's progress is kept; end "
				 "the transaction named above (or wait for it), then %s to resume (or %s), "
				 "or raise LOCK_TIMEOUT_MS", table, options->resume_how, options->abort_how);
	}
	else if (!ok && !online.hinted)
		log_hint("%s is unchanged and keeps serving; %s to resume, or %s to remove what "
				 "was built", table, options->resume_how, options->abort_how);
	sql_script_free(online.script);
	free(online.sections);
	return ok;
}

bool
online_abort(PGconn *conn, const char *table, const OnlineOptions *options, bool *found)
{
	Online		online = {.conn = conn, .table = table, .options = options};

	online.retry = online_retry_policy(options);
	online.retrying = true;
	*found = false;
	for (int attempt = 1;; attempt++)
	{
		PGresult   *res = NULL;

		if (begin_with_lock_timeout(&online) &&
			(res = query(&online, "SELECT partition_demo.online_abort($1)", NULL)))
		{
			*found = !PQgetisnull(res, 0, 0);
			if (*found)
				fprintf(stderr, "    %s: online migration removed (dropped: %s; capture triggers "
						"and change log removed)\n", table, PQgetvalue(res, 0, 0));
			PQclear(res);
			if (db_command(conn, "COMMIT"))
				return true;
		}
		rollback(&online);
		if (!may_retry(&online, "abort", attempt))
			return false;
	}
}
