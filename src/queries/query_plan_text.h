/*
 * query_plan_text.h: a query's plans read out for the reader: the server's
 * text plan with the partition scans highlighted, the pruning verdict against
 * the annotation, and how the plain table was read.  Part of
 * demonstrate-queries' text report (query_report_text.h); colour only when
 * color is true.
 */
#ifndef QUERY_PLAN_TEXT_H
#define QUERY_PLAN_TEXT_H

#include <stdbool.h>

#include "queries/explain_plan.h"
#include "queries/query_demo.h"
#include "queries/query_file.h"
#include "queries/query_tables.h"

/*
 * The server's text plan, indented; with colour, scans of table's leaves
 * bold green, "Subplans Removed" yellow, "(never executed)" dim.
 */
void		query_plan_text_print_plan(bool color, const char *plan, const QueryTable *table);

/*
 * "✓ scanned 1 of 12 partitions (...) — pruned at plan time", and for a
 * mismatch what the annotation at path expected (check->verdict set).
 */
void		query_plan_text_print_verdict(bool color, const char *path, const QueryCheck *check);

/* "Seq Scan on t, Bitmap Index Scan using i": the distinct scans of a plan, on one line. */
void		query_plan_text_print_access_paths(const ExplainPlan *plan);

#endif
