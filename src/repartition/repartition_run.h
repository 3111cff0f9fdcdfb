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

#include <stdbool.h>
#include <libpq-fe.h>

#include "repartition/repartition_scenarios.h"

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

/* --list: the scenarios and their files, as text or (--json) one document. */
void		repartition_list(const RepartitionOptions *options);

/* --dry-run: the steps and statements of the scenario's file at path; no database. */
bool		repartition_dry_run(const RepartitionOptions *options, const char *path);

/* Runs the scenario's file at path on conn and shows what it did. */
bool		repartition_run(PGconn *conn, const RepartitionOptions *options, const char *path);

#endif
