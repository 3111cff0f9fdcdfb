/*
 * repartition_run.h: bin/repartition's work: --list, --dry-run, and the run
 * of one scenario.
 *
 * The SQL in scripts/repartition/ does the work and its own checks; the run
 * takes the scenario's file from the whitelist (repartition_scenarios.h),
 * runs it in one transaction (retried when it cannot get its locks within
 * --lock-timeout, as happens under live load, naming who holds them), and
 * prints the partition trees before and after and the data-integrity report
 * that the file recorded inside its transaction.  The trees' reads wait at
 * most LOCK_TIMEOUT_MS for a lock (the session's lock_timeout, see db.h).
 * Every function reports its failures and returns false.
 */
#ifndef REPARTITION_RUN_H
#define REPARTITION_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <libpq-fe.h>

#include "repartition/repartition_scenarios.h"

typedef struct RepartitionOptions
{
	bool		list;
	bool		dry_run;
	bool		json;
	bool		offline;		/* the whole file in one transaction, also where online exists */
	bool		abort;			/* --abort: remove a half-done online scenario */
	int			attempts;
	int			lock_timeout_ms;
	long long	batch_ids;		/* online: ids per copy batch (0: the engine's default) */
	const volatile sig_atomic_t *interrupted;	/* SIGINT/SIGTERM, for the online steps */
	char	   *scripts_dir;
	const RepartitionScenario *scenario;
} RepartitionOptions;

/* --list: the scenarios and their files, as text or (--json) one document. */
void		repartition_list(const RepartitionOptions *options);

/* --dry-run: the steps and statements of the scenario's file at path; no database. */
bool		repartition_dry_run(const RepartitionOptions *options, const char *path);

/* Whether the scenario runs online with these options. */
bool		repartition_runs_online(const RepartitionOptions *options);

/*
 * Runs the scenario's file at path on conn and shows what it did: online
 * (online/online_migration.h: built beside, copied in batches, replayed,
 * compared, swapped in one short transaction) where the scenario can and
 * --offline is not given, else the whole file in one transaction.
 */
bool		repartition_run(PGconn *conn, const RepartitionOptions *options, const char *path);

/* --abort: removes what a half-done online scenario built; the tables keep every row. */
bool		repartition_abort(PGconn *conn, const RepartitionOptions *options);

#endif
