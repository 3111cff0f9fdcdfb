/* load_report.c: load-data statistics and their output (see load_report.h). */
#include "load/load_report.h"

#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "pg/lock_holder.h"
#include "common/log.h"
#include "common/format.h"
#include "tables/partition_stats.h"

/* errors shown in full before the rest are only counted */
#define ERRORS_SHOWN 5

static const char *const short_names[DEMO_TABLE_COUNT] = {"events", "users", "orders", "sales"};

void
load_report_init(LoadReport *report, const Config *config, bool json, bool color)
{
	memset(report, 0, sizeof(*report));
	report->config = config;
	report->json = json;
	report->color = color;
}

void
load_report_start(LoadReport *report, double now_ms)
{
	report->start_ms = now_ms;
	report->last_progress_ms = now_ms;
}

void
load_report_finish(LoadReport *report, double now_ms)
{
	report->end_ms = now_ms;
}

void
load_report_committed(LoadReport *report, const RowBatch *batch, double latency_ms)
{
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		report->committed[t] += (long long) batch->count[t];
		report->committed_rows += (long long) batch->count[t];
	}
	report->transactions++;
	latency_histogram_add(&report->latency, latency_ms * 1000);
	latency_histogram_add(&report->interval_latency, latency_ms * 1000);
}

/* The length of the first line of text: a summary line is one line. */
static int
first_line(const char *text)
{
	return (int) strcspn(text, "\n");
}

void
load_report_failed(LoadReport *report, const RowBatch *batch, const Error *error)
{
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		report->failed[t] += (long long) batch->count[t];
	if (report->errors_reported++ < ERRORS_SHOWN)
		log_error("a transaction of %zu rows failed: %.*s%s%s%s", row_batch_total(batch),
				  first_line(error->message), error->message,
				  error->sqlstate[0] ? " (SQLSTATE " : "", error->sqlstate,
				  error->sqlstate[0] ? ")" : "");
	else if (report->errors_reported == ERRORS_SHOWN + 1)
		log_warning("further failures are counted, not shown");
}

void
load_report_unknown(LoadReport *report, const RowBatch *batch)
{
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		report->unknown[t] += (long long) batch->count[t];
}

void
load_report_note_retry(LoadReport *report, const Error *error)
{
	if (report->retries == 1 || report->retries % 20 == 0)
		log_info("%s: waiting: %.*s (SQLSTATE %s); retrying (%lld retr%s so far)",
				 log_progname(), first_line(error->message), error->message, error->sqlstate,
				 report->retries,
				 report->retries == 1 ? "y" : "ies");
}

void
load_report_progress(LoadReport *report, double now_ms, long long progress_s)
{
	double		elapsed = now_ms - report->last_progress_ms;
	char		rows[32];

	if (progress_s <= 0 || elapsed < progress_s * 1000.0)
		return;
	format_count(report->committed_rows, rows, sizeof(rows));
	fprintf(stderr, "%s: %6.0fs %12s rows  %7.0f rows/s  ", log_progname(),
			(now_ms - report->start_ms) / 1000, rows,
			(double) (report->committed_rows - report->rows_at_last_progress) * 1000 / elapsed);
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		fprintf(stderr, "%s %lld  ", short_names[t], report->committed[t]);
	fprintf(stderr, "failed %lld  commit p50 %.1f p99 %.1f max %.1f ms\n",
			demo_tables_total(report->failed),
			latency_histogram_percentile(&report->interval_latency, 0.50) / 1000,
			latency_histogram_percentile(&report->interval_latency, 0.99) / 1000,
			report->interval_latency.max_us / 1000);
	latency_histogram_reset(&report->interval_latency);
	report->last_progress_ms = now_ms;
	report->rows_at_last_progress = report->committed_rows;
}

long long
load_report_rows_lost(const LoadReport *report)
{
	return demo_tables_total(report->failed) + demo_tables_total(report->unknown);
}

static double
seconds(const LoadReport *report)
{
	double		s = (report->end_ms - report->start_ms) / 1000;

	return s > 0 ? s : 0.001;
}

/*
 * The rows per partition of table now; NULL (reported) when they could not be
 * counted, the holder named after a lock timeout (--lock-timeout, the
 * session's lock_timeout).
 */
static PartitionStats *
collect_partitions(PGconn *conn, const char *table)
{
	Error		error;
	PartitionStats *stats = partition_stats_collect(conn, table, &error);
	const char *tables[2] = {table, NULL};

	if (stats)
		return stats;
	error_report(&error);
	if (lock_holder_after_timeout(conn, &error, tables))
		log_hint("the counts above stand; only the rows per partition of %s could not be "
				 "counted: end the transaction named above (or wait for it), or raise "
				 "--lock-timeout", table);
	return stats;
}

static json_object *
partitions_json(PGconn *conn, const char *table)
{
	PartitionStats *stats = collect_partitions(conn, table);
	json_object *list;

	if (!stats)
		return NULL;
	list = json_object_new_array();
	for (size_t i = 0; i < stats->count; i++)
	{
		json_object *node = json_object_new_object();

		json_object_object_add(node, "name", json_object_new_string(stats->nodes[i].name));
		json_object_object_add(node, "level", json_object_new_int(stats->nodes[i].level));
		json_object_object_add(node, "leaf", json_object_new_boolean(stats->nodes[i].is_leaf));
		json_object_object_add(node, "rows", json_object_new_int64(stats->nodes[i].rows));
		json_object_array_add(list, node);
	}
	partition_stats_free(stats);
	return list;
}

static bool
print_json(const LoadReport *report, PGconn *conn)
{
	json_object *doc = json_object_new_object();
	json_object *tables = json_object_new_object();
	json_object *latency = json_object_new_object();
	json_object *partitions = json_object_new_object();
	bool		ok = true;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		json_object *table = json_object_new_object();

		json_object_object_add(table, "committed", json_object_new_int64(report->committed[t]));
		json_object_object_add(table, "failed", json_object_new_int64(report->failed[t]));
		json_object_object_add(table, "unknown", json_object_new_int64(report->unknown[t]));
		json_object_object_add(tables, demo_table_name(t), table);
	}
	json_object_object_add(latency, "p50", json_object_new_double(latency_histogram_percentile(&report->latency, 0.50) / 1000));
	json_object_object_add(latency, "p99", json_object_new_double(latency_histogram_percentile(&report->latency, 0.99) / 1000));
	json_object_object_add(latency, "max", json_object_new_double(report->latency.max_us / 1000));
	json_object_object_add(latency, "mean", json_object_new_double(latency_histogram_mean(&report->latency) / 1000));
	json_object_object_add(doc, "seconds", json_object_new_double(seconds(report)));
	json_object_object_add(doc, "committed_rows", json_object_new_int64(report->committed_rows));
	json_object_object_add(doc, "failed_rows", json_object_new_int64(demo_tables_total(report->failed)));
	json_object_object_add(doc, "unknown_rows", json_object_new_int64(demo_tables_total(report->unknown)));
	json_object_object_add(doc, "rows_per_second",
						   json_object_new_double(report->committed_rows / seconds(report)));
	json_object_object_add(doc, "transactions", json_object_new_int64(report->transactions));
	json_object_object_add(doc, "retries", json_object_new_int64(report->retries));
	json_object_object_add(doc, "reconnects", json_object_new_int64(report->reconnects));
	json_object_object_add(doc, "commit_latency_ms", latency);
	json_object_object_add(doc, "tables", tables);
	for (int t = 0; conn && PQstatus(conn) == CONNECTION_OK && t < DEMO_TABLE_COUNT; t++)
	{
		json_object *list = partitions_json(conn, demo_table_name(t));

		if (list)
			json_object_object_add(partitions, demo_table_name(t), list);
		else
			ok = false;
	}
	json_object_object_add(doc, "partitions", partitions);
	puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return ok;
}

static bool
print_text(const LoadReport *report, PGconn *conn)
{
	char		a[32],
				b[32];
	bool		ok = true;

	printf("\nload-data summary: %.1f s, %lld transactions, %.0f rows/s\n", seconds(report),
		   report->transactions, report->committed_rows / seconds(report));
	printf("  %-18s %12s %10s\n", "table", "committed", "failed");
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		format_count(report->committed[t], a, sizeof(a));
		format_count(report->failed[t] + report->unknown[t], b, sizeof(b));
		printf("  %-18s %12s %10s\n", demo_table_name(t), a, b);
	}
	format_count(report->committed_rows, a, sizeof(a));
	format_count(load_report_rows_lost(report), b, sizeof(b));
	printf("  %-18s %12s %10s\n", "total", a, b);
	if (demo_tables_total(report->unknown) > 0)
		printf("  (%lld rows were in flight when the server went away and load-data was "
			   "stopped: not known to be committed)\n", demo_tables_total(report->unknown));
	printf("  commit latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %lld retries, %lld reconnects\n",
		   latency_histogram_percentile(&report->latency, 0.50) / 1000,
		   latency_histogram_percentile(&report->latency, 0.99) / 1000,
		   report->latency.max_us / 1000, report->retries, report->reconnects);
	if (!conn || PQstatus(conn) != CONNECTION_OK)
	{
		log_warning("no connection: partition counts not shown");
		return true;
	}
	printf("\nRows per partition now:\n\n");
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		PartitionStats *stats = collect_partitions(conn, demo_table_name(t));

		if (!stats)
		{
			ok = false;
			continue;
		}
		partition_stats_print_tree(stdout, stats, report->color && log_color_enabled(stdout));
		putchar('\n');
		partition_stats_free(stats);
	}
	return ok;
}

bool
load_report_print(const LoadReport *report, PGconn *conn)
{
	fflush(stderr);
	return report->json ? print_json(report, conn) : print_text(report, conn);
}
