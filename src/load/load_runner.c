/* load_runner.c: load-data's main loop (see load_runner.h). */
#include "load/load_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load/data_generator.h"
#include "pg/db.h"
#include "load/ledger.h"
#include "common/log.h"
#include "tables/partition_bounds.h"
#include "load/row_writer.h"
#include "pg/sql_runner.h"

#define RANGES_REFRESH_MS 10000.0	/* re-read partition bounds this often */
#define RETRY_LIMIT_MS 120000.0	/* give up on a batch that keeps hitting locks */
#define RECONNECT_MAX_BACKOFF_MS 5000.0

static double
now_ms(void)
{
	return sql_runner_now_ms();
}

/* Sleeps up to ms, returning early when a stop is requested. */
static void
sleep_ms(double ms, volatile sig_atomic_t *stop)
{
	struct timespec ts;

	if (ms <= 0 || *stop)
		return;
	ts.tv_sec = (time_t) (ms / 1000);
	ts.tv_nsec = (long) ((ms - (double) ts.tv_sec * 1000) * 1e6);
	nanosleep(&ts, NULL);		/* EINTR on a signal: the caller checks *stop */
}

/* Session settings of every connection, first and after a reconnect. */
bool
load_runner_prepare_session(PGconn *conn, const LoadOptions *options)
{
	char		timeout[32];
	const char *params[1] = {timeout};
	PGresult   *res;

	snprintf(timeout, sizeof(timeout), "%lldms", options->lock_timeout_ms);
	res = db_query(conn, "SELECT pg_catalog.set_config('lock_timeout', $1, false)", 1, params);
	PQclear(res);
	return res != NULL;
}

/* Dates follow the partitions that exist now; outside ones go to DEFAULT. */
static void
refresh_ranges(PGconn *conn, DataGenerator *gen, const LoadOptions *options)
{
	DataRanges	ranges = data_generator_default_ranges();
	TimeRange	covered;
	const int64_t quarter = 92 * 24 * 3600;

	ranges.event_outside_share = options->default_share_pct / 100.0;
	ranges.sale_outside_share = options->default_share_pct / 100.0;
	if (partition_bounds_covered(conn, "event_logs", &covered))
	{
		ranges.event_covered = covered;
		ranges.event_outside = (TimeRange) {covered.to, covered.to + quarter};
	}
	if (partition_bounds_covered(conn, "sales_data", &covered))
	{
		ranges.sale_covered = covered;
		ranges.sale_outside = (TimeRange) {covered.to, covered.to + quarter};
	}
	data_generator_set_ranges(gen, &ranges);
}

/*
 * Reconnects with exponential backoff until it works or a stop is requested.
 * Returns the new connection, or NULL when stopped.
 */
static PGconn *
reconnect(const Config *config, const LoadOptions *options, LoadReport *report,
		  volatile sig_atomic_t *stop)
{
	double		backoff = 100;

	for (int attempt = 1; !*stop; attempt++)
	{
		PGconn	   *conn;
		Error		error;

		sleep_ms(backoff, stop);
		if (*stop)
			break;
		conn = db_connect_quiet(config, "load-data", &error);
		if (conn && load_runner_prepare_session(conn, options))
		{
			log_info("%s: reconnected to %s after %d attempt%s", log_progname(),
					 config_server_label(config), attempt, attempt == 1 ? "" : "s");
			report->reconnects++;
			return conn;
		}
		if (conn)
			error_set(&error, "could not prepare the session");
		if (attempt == 1 || attempt % 10 == 0)
			log_info("%s: still no connection to %s (attempt %d): %s", log_progname(),
					 config_server_label(config), attempt, error.message);
		PQfinish(conn);
		backoff = backoff * 2 > RECONNECT_MAX_BACKOFF_MS ? RECONNECT_MAX_BACKOFF_MS : backoff * 2;
	}
	return NULL;
}

/*
 * After a reconnect: is the server still the ledger's database?  A failed
 * look-up on a connection lost again is for the next write to handle.
 */
static bool
same_database(PGconn *conn, const LedgerIdentity *identity)
{
	LedgerIdentity now;

	if (!ledger_identity_fetch(conn, &now))
		return PQstatus(conn) != CONNECTION_OK;
	if (ledger_identity_match(identity, &now) == LEDGER_SAME_DATABASE)
		return true;
	log_error("after reconnecting, the server holds another database (id %s, not %s)",
			  now.database_id, identity->database_id);
	log_detail("the ledger's rows would be mixed with another database's; load-data stops");
	return false;
}

/* Appends a committed batch to the ledger; false when the ledger cannot be written. */
static bool
record_in_ledger(PGconn *conn, Ledger *ledger, RowBatch *batch)
{
	/*
	 * A COMMIT whose answer was lost brought no checksums: read them now, just
	 * after the reconnect (the content as committed, unless another writer
	 * changed a row meanwhile).
	 */
	if (!batch->checksums_ready && !row_writer_fetch_checksums(conn, batch))
	{
		log_warning("%zu committed rows are not in the ledger: their content could not be "
					"read back", row_batch_total(batch));
		return true;
	}
	return ledger_append(ledger, batch);
}

/* Runs the load; returns the exit status. */
int
load_runner_run(PGconn **connp, const Config *config, const LoadOptions *options,
				Ledger *ledger, LoadReport *report, volatile sig_atomic_t *stop)
{
	RowBatch   *batch = row_batch_new((size_t) options->batch);
	DataGenerator *gen;
	char		tag[32];
	uint64_t	seed = options->seed_given ? (uint64_t) options->seed :
		(uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);
	double		start = now_ms(),
				next_tick = start,
				last_ranges = start;
	int			status = 0;

	/* unique per process and start time: names never collide across processes */
	snprintf(tag, sizeof(tag), "%x%llx", (unsigned) getpid(),
			 (unsigned long long) (time(NULL) % 0x1000000));
	gen = data_generator_new(seed, tag);
	if (!batch || !gen)
	{
		log_error("out of memory");
		status = 1;
		goto cleanup;
	}
	batch->want_checksums = ledger != NULL;
	refresh_ranges(*connp, gen, options);
	load_report_start(report, start);

	while (!*stop)
	{
		long long	remaining = options->max_rows ? options->max_rows - report->committed_rows : 0;
		double		batch_start;
		WriteOutcome outcome;
		Error		error;

		if (options->duration_s && now_ms() - start >= options->duration_s * 1000.0)
			break;
		if (options->max_rows && remaining <= 0)
			break;
		row_batch_fill(batch, gen, (size_t) (options->max_rows && remaining < options->batch ?
											 remaining : options->batch));
		batch_start = now_ms();
		for (;;)
		{
			outcome = row_writer_write(*connp, batch, &error);
			if (outcome == WRITE_CONNECTION_LOST)
			{
				int			committed;

				log_info("%s: lost the connection to %s: %s; reconnecting", log_progname(),
						 config_server_label(config), error.message);
				PQfinish(*connp);
				if (!(*connp = reconnect(config, options, report, stop)))
					break;		/* stopped while the server was away */
				if (ledger && !same_database(*connp, ledger_identity(ledger)))
				{
					/* the batch's fate in the ledger's database stays unknown */
					PQfinish(*connp);
					*connp = NULL;
					status = 1;
					*stop = 1;
					break;
				}
				/* the COMMIT may have landed before the connection broke */
				committed = row_writer_batch_committed(*connp, batch);
				if (committed == 1)
				{
					outcome = WRITE_OK;
					break;
				}
				continue;		/* not committed (or unknown yet): write it again */
			}
			if (outcome == WRITE_RETRY && !*stop &&
				now_ms() - batch_start < RETRY_LIMIT_MS)
			{
				report->retries++;
				load_report_note_retry(report, &error);
				sleep_ms(50, stop);
				continue;
			}
			break;
		}
		if (outcome == WRITE_OK)
		{
			load_report_committed(report, batch, now_ms() - batch_start);
			if (ledger && !record_in_ledger(*connp, ledger, batch))
			{
				status = 1;
				*stop = 1;
			}
		}
		else if (*connp == NULL)
			load_report_unknown(report, batch);
		else
			load_report_failed(report, batch, &error);
		if (*connp == NULL)
			break;
		load_report_progress(report, now_ms(), options->progress_s);
		if (now_ms() - last_ranges >= RANGES_REFRESH_MS)
		{
			refresh_ranges(*connp, gen, options);
			last_ranges = now_ms();
		}
		if (options->interval_ms > 0)
		{
			/* fixed schedule, no drift; after a long stall, no burst to catch up */
			next_tick += (double) options->interval_ms;
			if (next_tick < now_ms())
				next_tick = now_ms();
			sleep_ms(next_tick - now_ms(), stop);
		}
	}
	load_report_finish(report, now_ms());
cleanup:
	data_generator_free(gen);
	row_batch_free(batch);
	return status;
}
