/*
 * query_tally.h: the counts of a demonstrate-queries run, behind its summary
 * and its exit status.
 */
#ifndef QUERY_TALLY_H
#define QUERY_TALLY_H

#include <stdbool.h>

#include "queries/query_demo.h"

typedef struct QueryTally
{
	int			queries;
	int			as_expected;
	int			mismatched;
	int			unchecked;
	int			errors;
	int			removals;
	int			removal_errors;
	int			removals_skipped;	/* a lock held elsewhere: reported, no failure */
	char		mismatched_names[512];	/* "a, b", cut short when long */
} QueryTally;

void		query_tally_query(QueryTally *tally, const QueryItem *item, QueryStatus status);

/* A removal timed (ok), skipped for a lock held elsewhere, or failed (neither). */
void		query_tally_removal(QueryTally *tally, bool ok, bool skipped);

/* A mismatch (the pruning regression the run checks for), an error, or a failed removal. */
bool		query_tally_failed(const QueryTally *tally);

#endif
