/*
 * query_report_json.h: demonstrate-queries' --json document, built up query
 * by query and removal by removal, printed once at the end (nothing else
 * goes to stdout).
 */
#ifndef QUERY_REPORT_JSON_H
#define QUERY_REPORT_JSON_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "queries/query_demo.h"
#include "queries/query_file.h"
#include "queries/query_tables.h"
#include "queries/query_tally.h"
#include "queries/removal_demo.h"

typedef struct QueryReportJson QueryReportJson;

/* NULL when out of memory (reported). */
QueryReportJson *query_report_json_new(void);

/* table: NULL when it was unusable. */
void		query_report_json_add_query(QueryReportJson *report, const char *path,
										const QueryItem *item, const QueryTable *table,
										const QueryOutcome *out);

void		query_report_json_add_removal(QueryReportJson *report, const char *path,
										  const QueryItem *item, const RemovalOutcome *out);

/* The whole document: the run's settings, the queries, the removals and the counts. */
void		query_report_json_print(const QueryReportJson *report, PGconn *conn, bool analyze,
									int runs, const QueryTally *tally);

void		query_report_json_free(QueryReportJson *report);

#endif
