/*
 * load_report.h: load-data's statistics: rows committed and failed per table,
 * commit latency (p50/p99/max over the run and per progress interval),
 * retries and reconnects; the periodic progress line on stderr and the final
 * summary (text with the partition counts, or one JSON document).
 */
#ifndef LOAD_REPORT_H
#define LOAD_REPORT_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/config.h"
#include "load/latency_histogram.h"
#include "load/row_writer.h"

typedef struct LoadReport
{
	const Config *config;
	bool		json;
	bool		color;
	double		start_ms;
	double		end_ms;
	long long	committed[DEMO_TABLE_COUNT];
	long long	failed[DEMO_TABLE_COUNT];
	long long	unknown[DEMO_TABLE_COUNT];	/* in flight when stopped during an outage */
	long long	committed_rows;
	long long	transactions;
	long long	retries;
	long long	reconnects;
	long long	errors_reported;
	LatencyHistogram latency;	/* whole run, milliseconds stored as microseconds */
	LatencyHistogram interval_latency;	/* since the last progress line */
	double		last_progress_ms;
	long long	rows_at_last_progress;
} LoadReport;

void		load_report_init(LoadReport *report, const Config *config, bool json, bool color);
void		load_report_start(LoadReport *report, double now_ms);
void		load_report_finish(LoadReport *report, double now_ms);

/* A batch committed after latency_ms (first attempt to COMMIT, waits included). */
void		load_report_committed(LoadReport *report, const RowBatch *batch, double latency_ms);

/* A batch was rejected: counted as failed, the error shown (rate-limited). */
void		load_report_failed(LoadReport *report, const RowBatch *batch, const Error *error);

/* A batch whose fate is unknown: stopped while the server was unreachable. */
void		load_report_unknown(LoadReport *report, const RowBatch *batch);

/* A lock wait or deadlock made a batch retry (shown the first time and every 20th). */
void		load_report_note_retry(LoadReport *report, const Error *error);

/* Prints the progress line when progress_s seconds passed since the last one. */
void		load_report_progress(LoadReport *report, double now_ms, long long progress_s);

/*
 * Prints the final summary: text on stdout with the partition counts of the
 * four tables (when conn is usable), or the JSON document.  False on error.
 */
bool		load_report_print(const LoadReport *report, PGconn *conn);

/* Rows not known to be committed: failed plus unknown. */
long long	load_report_rows_lost(const LoadReport *report);

#endif
