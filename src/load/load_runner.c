/* load_runner.c: load-data's main loop (see load_runner.h). */
#include "load/load_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/retry.h"
#include "load/data_generator.h"
#include "load/ledger.h"
#include "load/row_writer.h"
#include "pg/db.h"
#include "tables/partition_bounds.h"

#define RANGES_REFRESH_MS 10000.0	/* re-read partition bounds this often */
#define RETRY_LIMIT_MS 120000.0	/* give up on a batch that keeps hitting locks */

/*
 * A batch that met a lock timeout, deadlock or serialization failure is
 * written again after a short pause, until RETRY_LIMIT_MS: each attempt
 * already waited up to --lock-timeout.  A server that went away is asked
 * again at waits doubling from 100 ms to 5 s, until it answers or a stop.
 * No jitter: one client's pauses, not sessions contending for a lock.
 */
static const RetryPolicy write_retry = {.base_delay_ms = 50, .max_delay_ms = 50};
static const RetryPolicy reconnect_retry = {.base_delay_ms = 100, .max_delay_ms = 5000};

/* Session settings of every connection, first and after a reconnect. */
bool
load_runner_prepare_session(PGconn *conn, const LoadOptions *options)
{
	char		timeout[32];

	snprintf(timeout, sizeof(timeout), "%lldms", options->lock_timeout_ms);
	return db_set_config(conn, "lock_timeout", timeout, false, NULL);
}

/* Dates follow the partitions that exist now; outside ones go to DEFAULT. */
static void
refresh_ranges(PGconn *conn, DataGenerator *gen, const LoadOptions *options)
{
	DataRanges	ranges = data_generator_default_ranges();
	int64_t		from,
				to;
	const int64_t quarter = 92 * 24 * 3600;

	ranges.event_outside_share = options->default_share_pct / 100.0;
	ranges.sale_outside_share = options->default_share_pct / 100.0;
	if (partition_bounds_covered(conn, "event_logs", &from, &to))
	{
		ranges.event_covered = (TimeRange) {from, to};
		ranges.event_outside = (TimeRange) {to, to + quarter};
	}
	if (partition_bounds_covered(conn, "sales_data", &from, &to))
	{
		ranges.sale_covered = (TimeRange) {from, to};
		ranges.sale_outside = (TimeRange) {to, to + quarter};
	}
	data_generator_set_ranges(gen, &ranges);
}

/*
 * Reconnects with backoff (reconnect_retry) until it works or a stop is
 * requested.  Returns the new connection, or NULL when stopped.
 */
static PGconn *
reconnect(const Config *config, const LoadOptions *options, LoadReport *report,
		  volatile sig_atomic_t *stop)
{
	for (int attempt = 1; !*stop; attempt++)
	{
		PGconn	   *conn;
		Error		error;

		if (!retry_pause(&reconnect_retry, attempt, stop))
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

/* What the steps of one run share. */
typedef struct LoadRun
{
	PGconn	  **connp;			/* NULL inside once the run lost it for good */
	const Config *config;
	const LoadOptions *options;
	Ledger	   *ledger;			/* NULL: no ledger */
	LoadReport *report;
	volatile sig_atomic_t *stop;
	RowBatch   *batch;
	DataGenerator *gen;
	double		start_ms;
	double		next_tick_ms;	/* when the next batch is due (with an interval) */
	double		ranges_read_ms; /* when the partition bounds were last read */
	int			status;			/* the exit status so far */
} LoadRun;

/* Batch, generator, partition bounds, start of the report; false (reported) without memory. */
static bool
start_run(LoadRun *run)
{
	const LoadOptions *options = run->options;
	char		tag[32];
	uint64_t	seed = options->seed_given ? (uint64_t) options->seed :
		(uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);

	run->batch = row_batch_new((size_t) options->batch);
	run->start_ms = run->next_tick_ms = run->ranges_read_ms = clock_now_ms();
	/* unique per process and start time: names never collide across processes */
	snprintf(tag, sizeof(tag), "%x%llx", (unsigned) getpid(),
			 (unsigned long long) (time(NULL) % 0x1000000));
	run->gen = data_generator_new(seed, tag);
	if (!run->batch || !run->gen)
	{
		log_error("out of memory");
		return false;
	}
	run->batch->want_checksums = run->ledger != NULL;
	refresh_ranges(*run->connp, run->gen, options);
	load_report_start(run->report, run->start_ms);
	return true;
}

/* Rows of the next batch; 0 when the run is over (its duration, or --max-rows committed). */
static size_t
next_batch_rows(const LoadRun *run)
{
	const LoadOptions *options = run->options;
	long long	remaining = options->max_rows ? options->max_rows - run->report->committed_rows : 0;

	if (options->duration_s && clock_now_ms() - run->start_ms >= options->duration_s * 1000.0)
		return 0;
	if (options->max_rows && remaining <= 0)
		return 0;
	return (size_t) (options->max_rows && remaining < options->batch ? remaining : options->batch);
}

typedef enum Reconnected
{
	RECONNECTED_COMMITTED,		/* the batch's COMMIT had landed */
	RECONNECTED_WRITE_AGAIN,	/* it had not (or that is not known yet) */
	RECONNECT_STOPPED			/* stopped, or another database: *connp is NULL */
} Reconnected;

/* After a lost connection: a new one, and what became of the batch. */
static Reconnected
recover_connection(LoadRun *run, const Error *error)
{
	log_info("%s: lost the connection to %s: %s; reconnecting", log_progname(),
			 config_server_label(run->config), error->message);
	PQfinish(*run->connp);
	if (!(*run->connp = reconnect(run->config, run->options, run->report, run->stop)))
		return RECONNECT_STOPPED;	/* stopped while the server was away */
	if (run->ledger && !same_database(*run->connp, ledger_identity(run->ledger)))
	{
		/* the batch's fate in the ledger's database stays unknown */
		PQfinish(*run->connp);
		*run->connp = NULL;
		run->status = 1;
		*run->stop = 1;
		return RECONNECT_STOPPED;
	}
	/* the COMMIT may have landed before the connection broke */
	return row_writer_batch_committed(*run->connp, run->batch) == 1 ?
		RECONNECTED_COMMITTED : RECONNECTED_WRITE_AGAIN;
}

/*
 * Writes the batch until it is committed or rejected, retrying lock failures
 * (write_retry) for RETRY_LIMIT_MS and reconnecting when the server went
 * away.  WRITE_CONNECTION_LOST: stopped without a connection.
 */
static WriteOutcome
write_batch(LoadRun *run, double batch_start, Error *error)
{
	int			retries = 0;

	for (;;)
	{
		WriteOutcome outcome = row_writer_write(*run->connp, run->batch, error);

		if (outcome == WRITE_CONNECTION_LOST)
		{
			Reconnected reconnected = recover_connection(run, error);

			if (reconnected == RECONNECT_STOPPED)
				return WRITE_CONNECTION_LOST;
			if (reconnected == RECONNECTED_COMMITTED)
				return WRITE_OK;
			continue;			/* not committed (or unknown yet): write it again */
		}
		if (outcome != WRITE_RETRY || *run->stop ||
			clock_now_ms() - batch_start >= RETRY_LIMIT_MS)
			return outcome;
		run->report->retries++;
		load_report_note_retry(run->report, error);
		retry_pause(&write_retry, ++retries, run->stop);
	}
}

/* Counts the batch as committed (and records it in the ledger), failed or unknown. */
static void
settle_batch(LoadRun *run, WriteOutcome outcome, const Error *error, double batch_start)
{
	if (outcome == WRITE_OK)
	{
		load_report_committed(run->report, run->batch, clock_now_ms() - batch_start);
		if (run->ledger && !record_in_ledger(*run->connp, run->ledger, run->batch))
		{
			run->status = 1;
			*run->stop = 1;
		}
	}
	else if (*run->connp == NULL)
		load_report_unknown(run->report, run->batch);
	else
		load_report_failed(run->report, run->batch, error);
}

/* Between two batches: progress, the partition bounds now and then, the next tick. */
static void
between_batches(LoadRun *run)
{
	const LoadOptions *options = run->options;

	load_report_progress(run->report, clock_now_ms(), options->progress_s);
	if (clock_now_ms() - run->ranges_read_ms >= RANGES_REFRESH_MS)
	{
		refresh_ranges(*run->connp, run->gen, options);
		run->ranges_read_ms = clock_now_ms();
	}
	if (options->interval_ms > 0)
	{
		/* fixed schedule, no drift; after a long stall, no burst to catch up */
		run->next_tick_ms += (double) options->interval_ms;
		if (run->next_tick_ms < clock_now_ms())
			run->next_tick_ms = clock_now_ms();
		clock_sleep_ms(run->next_tick_ms - clock_now_ms(), run->stop);
	}
}

/* Runs the load; returns the exit status. */
int
load_runner_run(PGconn **connp, const Config *config, const LoadOptions *options,
				Ledger *ledger, LoadReport *report, volatile sig_atomic_t *stop)
{
	LoadRun		run = {.connp = connp, .config = config, .options = options, .ledger = ledger,
	.report = report, .stop = stop};
	size_t		rows;

	if (!start_run(&run))
		run.status = 1;
	else
	{
		while (!*stop && (rows = next_batch_rows(&run)) > 0)
		{
			double		batch_start;
			WriteOutcome outcome;
			Error	error;

			row_batch_fill(run.batch, run.gen, rows);
			batch_start = clock_now_ms();
			outcome = write_batch(&run, batch_start, &error);
			settle_batch(&run, outcome, &error, batch_start);
			if (*connp == NULL)
				break;
			between_batches(&run);
		}
		load_report_finish(report, clock_now_ms());
	}
	data_generator_free(run.gen);
	row_batch_free(run.batch);
	return run.status;
}
