/*
 * load_runner.h: load-data's main loop: generate a batch, write it in one
 * transaction, retry on lock waits, reconnect when the server goes away and
 * settle a batch whose COMMIT answer was lost, record it (statistics, ledger),
 * then wait for the next tick.  Stops when asked (a signal sets *stop), when
 * the duration is over or when enough rows are committed.
 */
#ifndef LOAD_RUNNER_H
#define LOAD_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <libpq-fe.h>

#include "common/config.h"
#include "load/ledger.h"
#include "load/load_report.h"

typedef struct LoadOptions
{
	long long	interval_ms;	/* 0 with --max */
	long long	duration_s;		/* 0: until stopped */
	long long	batch;
	long long	max_rows;		/* 0: no limit */
	long long	seed;
	bool		seed_given;
	bool		max;
	bool		json;
	long long	progress_s;
	long long	lock_timeout_ms;
	long long	default_share_pct;
	const char *ledger_path;
	const char *verify_path;
	bool		allow_changed;	/* --verify: changed rows are reported, not a failure */
} LoadOptions;

/* Session settings of every connection: the bounded lock_timeout. */
bool		load_runner_prepare_session(PGconn *conn, const LoadOptions *options);

/*
 * Runs the load on *connp (replaced after a reconnect; NULL if stopped while
 * the server was away), recording every committed row in ledger unless it is
 * NULL.  Returns the exit status: 0, or 1 when the ledger could not be
 * written (or the server turned out to hold another database after a
 * reconnect) or memory ran out.
 */
int			load_runner_run(PGconn **connp, const Config *config, const LoadOptions *options,
							Ledger *ledger, LoadReport *report, volatile sig_atomic_t *stop);

#endif
