/*
 * online_migration.h: migrate one plain table to its partitioned form while
 * other sessions keep writing to it (bin/setup-database --online).
 *
 * The SQL is in scripts/online/00_online_functions.sql (the method, and why
 * it is exact, is described there) and in the table's migration script, whose
 * "-- @online: <section>" marks say which statements run in which step.  This
 * module drives the steps: prepare, copy in batches with progress, keys,
 * replay, comparison at one snapshot, and the short swap transaction, retried
 * with a bounded lock_timeout instead of queueing behind long transactions.
 * Each step is its own transaction and its progress is recorded in the same
 * transaction, so an interruption anywhere (error, signal, kill -9, server
 * restart) leaves the plain table as it was, serving reads and writes, and the
 * next run resumes at the step that did not commit.
 */
#ifndef ONLINE_MIGRATION_H
#define ONLINE_MIGRATION_H

#include <signal.h>
#include <stdbool.h>
#include <libpq-fe.h>

#include "common/retry.h"
#include "pg/sql_runner.h"

/* The steps of an online migration, in their order. */
typedef enum OnlineStepId
{
	ONLINE_STEP_PREPARE,
	ONLINE_STEP_COPY,
	ONLINE_STEP_KEYS,
	ONLINE_STEP_REPLAY,
	ONLINE_STEP_VERIFY,
	ONLINE_STEP_SWAP,
	ONLINE_STEPS
} OnlineStepId;

extern const char *const online_step_names[ONLINE_STEPS];	/* "prepare", ... */

typedef struct OnlineStep
{
	int			attempts;		/* tries (lock timeouts retried); 0: not run by this run */
	double		ms;				/* every attempt and pause */
} OnlineStep;

/* One comparison of the sources with the targets, by count and checksum. */
typedef struct OnlineComparison
{
	bool		ran;			/* false: not reached (or its numbers are unknown) */
	bool		identical;
	long long	source_rows;
	long long	target_rows;
	char		source_checksum[48];	/* numeric, as text */
	char		target_checksum[48];
} OnlineComparison;

/*
 * What one run of online_migrate did, for bin/repartition's summary and
 * --json.  The two comparisons are the verification: every row without a
 * waiting change at one snapshot, then under the swap's lock every row
 * changed since (those written meanwhile); together they cover every row.
 */
typedef struct OnlineReport
{
	OnlineStep	steps[ONLINE_STEPS];
	char		resumed_from[16];	/* the phase found at the start, "" when none */
	char		sources[512];	/* "event_logs_default" */
	char		targets[512];	/* "event_logs_2024_04 + event_logs_default_next" */
	long long	rows_copied;	/* by the copy, this run's and any earlier one's */
	long long	changes_replayed;	/* logged changes replayed before the swap's lock */
	double		writers_held_ms;	/* the swap transaction that committed, BEGIN to COMMIT */
	OnlineComparison at_snapshot;	/* every row without a waiting change */
	OnlineComparison at_swap;	/* under the lock: the rows changed since */
} OnlineReport;

typedef struct OnlineOptions
{
	long long	batch_ids;		/* ids per copy batch */
	int			lock_timeout_ms;	/* for each lock the prepare, swap and abort take */
	int			attempts;		/* of the swap (and of the prepare) before giving up */
	const volatile sig_atomic_t *interrupted;	/* set on SIGINT/SIGTERM; may be NULL */
	const char *resume_how;		/* for hints: "run with --online again" */
	const char *abort_how;		/* for hints: "with --abort" */
	OnlineReport *report;		/* filled in by online_migrate when not NULL */
} OnlineOptions;

OnlineOptions online_default_options(void);

/*
 * How lock failures are retried: options->attempts attempts, each waiting at
 * most options->lock_timeout_ms for a lock, 250 ms doubling to 4 s between
 * them.  setup-database runs its offline files with the same policy.
 */
RetryPolicy online_retry_policy(const OnlineOptions *options);

/*
 * Migrates table with the marked statements of the script at script_path:
 * a migration script of setup-database (01..04: the plain table into its
 * partitioned form) or a scenario of bin/repartition (its [create] section
 * plans which new tables replace which partitions, online_plan()).
 *
 * Migrates table with the marked statements of the script at script_path,
 * starting or resuming.  before_commit runs inside the swap transaction
 * (setup-database records the script as applied there).  Returns false, with
 * the cause reported, when it stopped before the swap.
 */
bool		online_migrate(PGconn *conn, const char *script_path, const char *table,
						   const OnlineOptions *options, SqlRunnerHook before_commit, void *arg);

/*
 * Removes what a half-done online migration of table left behind: capture
 * triggers, change log, the partitioned table and its side tables.  *found
 * tells whether there was one.  The plain table is not touched.
 */
bool		online_abort(PGconn *conn, const char *table, const OnlineOptions *options,
						 bool *found);

#endif
