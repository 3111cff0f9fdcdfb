/*
 * query_demo.h: run one annotated query on its partitioned table and on the
 * plain one, and find out what it shows.
 *
 * On the partitioned table: EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON), whose
 * scans are checked against the annotation (@expect, @pruning), the server's
 * text plan for the reader, and the timed runs; the expectation is the one of
 * the table's layout in force (query_layout.h).  On the plain table (@plain):
 * a plan without ANALYZE (which relation, which access path, cheaply) and the
 * timed runs; a plain table that does not exist is noted, not an error.
 * On the table keeping the previous layout (@previous): the same checks and
 * timed runs against the unqualified annotations, for the comparison.
 * Failures are reported (log_error) at the file and line of the query.
 */
#ifndef QUERY_DEMO_H
#define QUERY_DEMO_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "queries/explain_plan.h"
#include "queries/query_executor.h"
#include "queries/query_file.h"
#include "queries/query_tables.h"

typedef enum QueryStatus
{
	QUERY_STATUS_OK,
	QUERY_STATUS_MISMATCH,
	QUERY_STATUS_UNCHECKED,		/* --no-analyze cannot see pruning during execution */
	QUERY_STATUS_ERROR
} QueryStatus;

/* How the queries run: from the command line. */
typedef struct QueryDemoSettings
{
	bool		analyze;		/* EXPLAIN ANALYZE and timed runs; false: plans only */
	bool		text_plan;		/* fetch the server's text plan too, for the reader */
	int			runs;			/* timed runs after a warm-up */
} QueryDemoSettings;

/* One EXPLAIN of a query, checked against an expectation. */
typedef struct QueryCheck
{
	QueryStatus status;
	const QueryExpectation *expected;
	const QueryTable *table;	/* whose leaves the plan is measured against */
	ExplainPlan *plan;
	PruningVerdict *verdict;	/* NULL when the query failed before it */
	bool		timed;
	QueryTimingStats timing;
} QueryCheck;

/* What running one query found out; query_demo_outcome_free releases it. */
typedef struct QueryOutcome
{
	QueryStatus status;			/* the worse of partitioned and previous */
	QueryCheck	partitioned;	/* on the table, with the expectation of its layout */
	char	   *text_plan;
	/* the plain table */
	bool		plain_missing;	/* its table does not exist (42P01) */
	char		plain_missing_reason[ERROR_MESSAGE_SIZE];
	ExplainPlan *plain_plan;
	const char *plain_relation;	/* the first relation its plan reads (in plain_plan) */
	long long	plain_live_rows;	/* estimate, -1 when unknown */
	bool		plain_timed;
	QueryTimingStats plain_timing;
	/* the table keeping the previous layout (@previous), when the layout has one */
	bool		compared;		/* previous was run */
	QueryCheck	previous;		/* with the unqualified expectation */
} QueryOutcome;

/*
 * Runs a query item of the file shown as path against table (NULL: the table
 * is unusable, already reported, and the outcome is an error), checked
 * against the expectation of the table's layout; and its @previous statement
 * against previous (the table keeping the previous layout; NULL: none).
 */
void		query_demo_run(PGconn *conn, const QueryDemoSettings *settings, const char *path,
						   const QueryItem *item, const QueryTable *table,
						   const QueryTable *previous, QueryOutcome *out);

void		query_demo_outcome_free(QueryOutcome *out);

/*
 * Two times within this fraction of each other are reported as a tie: a
 * median of a few runs on a shared machine moves by that much between runs.
 */
#define QUERY_DEMO_TIE_FRACTION 0.10

typedef enum QuerySpeed
{
	QUERY_SPEED_UNKNOWN,		/* a time is missing or zero */
	QUERY_SPEED_FASTER,
	QUERY_SPEED_TIE,
	QUERY_SPEED_SLOWER
} QuerySpeed;

/* How ms compares with other_ms, with QUERY_DEMO_TIE_FRACTION for ties. */
QuerySpeed	query_demo_speed(double ms, double other_ms);

/* "faster", "tie", "slower", or NULL for unknown: for JSON. */
const char *query_demo_speed_key(QuerySpeed speed);

/* "ok", "mismatch", "unchecked", "error": for JSON and progress lines. */
const char *query_demo_status_key(QueryStatus status);

/*
 * Reports a failed statement as "path:line: name: message (SQLSTATE ...)"
 * with its detail, hint and context (error_report).
 */
void		query_demo_report_error(const char *path, int line, const char *name,
									const Error *error);

#endif
