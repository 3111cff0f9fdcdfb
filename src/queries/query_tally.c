/* query_tally.c: the counts of a demonstrate-queries run (see query_tally.h). */
#include "queries/query_tally.h"

#include <stdio.h>
#include <string.h>

void
query_tally_query(QueryTally *tally, const QueryItem *item, QueryStatus status)
{
	size_t		used = strlen(tally->mismatched_names);

	tally->queries++;
	tally->as_expected += status == QUERY_STATUS_OK;
	tally->unchecked += status == QUERY_STATUS_UNCHECKED;
	tally->errors += status == QUERY_STATUS_ERROR;
	if (status == QUERY_STATUS_MISMATCH)
	{
		tally->mismatched++;
		snprintf(tally->mismatched_names + used, sizeof(tally->mismatched_names) - used, "%s%s",
				 used ? ", " : "", item->name);
	}
}

void
query_tally_removal(QueryTally *tally, bool ok, bool skipped)
{
	tally->removals++;
	tally->removals_skipped += skipped;
	tally->removal_errors += !ok && !skipped;
}

bool
query_tally_failed(const QueryTally *tally)
{
	return tally->mismatched || tally->errors || tally->removal_errors;
}
