/*
 * explain_plan.h: read an EXPLAIN (FORMAT JSON) plan (json-c) and tell which
 * partitions a query scanned, and how the others were pruned.
 *
 * What PostgreSQL 15 shows, and what this module makes of it:
 * - plan-time pruning: the pruned partitions are simply absent from the plan
 *   (a single survivor even loses its Append node);
 * - run-time pruning at executor startup (a generic plan's parameters, stable
 *   functions): the Append node says "Subplans Removed": N and lists only the
 *   survivors;
 * - run-time pruning during execution (a value from a subquery or a join):
 *   the pruned scans stay in the plan with "Actual Loops": 0, which EXPLAIN
 *   prints as "(never executed)".  They did not read their partition, so
 *   they do not count as scanned.  (A scan can also be left unexecuted for
 *   other reasons, a LIMIT reached early for example; it did not read its
 *   partition either, and is counted the same way.)
 * Without ANALYZE there are no loop counts: every scan in the plan counts as
 * scanned, and pruning during execution cannot be seen.
 */
#ifndef EXPLAIN_PLAN_H
#define EXPLAIN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef enum PruningKind
{
	PRUNING_UNSPECIFIED = 0,	/* no expectation given */
	PRUNING_NONE,				/* every leaf of the table is in the plan */
	PRUNING_PLAN_TIME,			/* the planner left leaves out */
	PRUNING_RUN_TIME			/* the executor removed or skipped leaves */
} PruningKind;

/* A plan node that reads a relation or an index. */
typedef struct ExplainScan
{
	char	   *node_type;		/* "Seq Scan", "Bitmap Index Scan", ... */
	char	   *relation;		/* "Relation Name", or NULL (Bitmap Index Scan) */
	char	   *index;			/* "Index Name", or NULL */
	bool		executed;		/* false when "Actual Loops" is 0 */
} ExplainScan;

typedef struct ExplainPlan
{
	ExplainScan *scans;			/* in plan order, InitPlans and SubPlans included */
	size_t		scan_count;
	int			subplans_removed;	/* summed over Append and MergeAppend nodes */
	bool		analyzed;		/* the plan carries actual numbers (ANALYZE) */
	double		planning_ms;	/* "Planning Time", or -1 */
	double		execution_ms;	/* "Execution Time", or -1 (ANALYZE only) */
} ExplainPlan;

/* A plan measured against a table's leaves and an expected set of them. */
typedef struct PruningVerdict
{
	size_t		leaf_count;		/* leaf partitions of the table */
	char	  **scanned;		/* leaves read, in the order of the leaves given */
	size_t		scanned_count;
	char	  **skipped;		/* leaves in the plan that never executed */
	size_t		skipped_count;
	char	  **missing;		/* expected leaves that were not read */
	size_t		missing_count;
	char	  **unexpected;		/* leaves read that were not expected */
	size_t		unexpected_count;
	char	  **not_leaves;		/* expected names that are no leaf of the table */
	size_t		not_leaf_count;
	int			subplans_removed;
	bool		plan_time;		/* fewer leaves planned than exist */
	bool		run_time;		/* subplans removed, or scans never executed */
	PruningKind kind;			/* run time if run_time, else plan time if plan_time */
	bool		sets_match;		/* scanned == expected */
} PruningVerdict;

/*
 * Parses the JSON text of EXPLAIN (..., FORMAT JSON).  Returns NULL with the
 * reason in error (not NULL) when the text is not such a plan.
 */
ExplainPlan *explain_plan_parse(const char *json, Error *error);

void		explain_plan_free(ExplainPlan *plan);

/*
 * Compares a plan with the leaves of the table it queried (names as in
 * "Relation Name") and the leaves it was expected to scan.  Relations that
 * are not leaves of the table (a joined table, say) are ignored.  NULL when
 * out of memory.
 */
PruningVerdict *explain_plan_verdict(const ExplainPlan *plan,
									 const char *const *leaves, size_t leaf_count,
									 const char *const *expected, size_t expected_count);

void		explain_plan_verdict_free(PruningVerdict *verdict);

/*
 * Whether a line of a text plan is a scan of one of the leaves: "... Scan
 * [using index] on <leaf> [alias] ...".  For highlighting what a DBA reads.
 */
bool		explain_text_line_scans(const char *line, size_t len,
									const char *const *leaves, size_t leaf_count);

/* "plan time", "run time", "none" (or "unspecified"). */
const char *explain_pruning_name(PruningKind kind);

/* "plan_time", "run_time", "none": for JSON output. */
const char *explain_pruning_key(PruningKind kind);

/* Parses "plan time", "run time" or "none"; PRUNING_UNSPECIFIED otherwise. */
PruningKind explain_pruning_parse(const char *text);

#endif
