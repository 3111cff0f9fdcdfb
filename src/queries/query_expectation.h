/*
 * query_expectation.h: what a query of a query file must scan (its @expect
 * and @pruning values, and its @shows sentence), unqualified and per layout.
 *
 * Internal to the query-file parser (query_file.c); query_file.h declares
 * QueryExpectation and query_item_expectation.
 */
#ifndef QUERY_EXPECTATION_H
#define QUERY_EXPECTATION_H

#include <stdbool.h>

#include "queries/query_annotations.h"
#include "queries/query_file.h"

/* Splits "P1, P2" (or "all") of an @expect at line into exp. */
bool		query_expectation_read_expect(const QueryFileError *error, QueryExpectation *exp,
										  const char *value, int line);

/* Reads "plan time | run time | none" of a @pruning at line into exp. */
bool		query_expectation_read_pruning(const QueryFileError *error, QueryExpectation *exp,
										   const char *value, int line);

/*
 * The expectation of item for layout, made on first use as a copy of the
 * unqualified one (the tags the layout does not qualify hold for it too);
 * NULL when out of memory (reported at line).
 */
QueryExpectation *query_expectation_of_layout(const QueryFileError *error, QueryItem *item,
											  const char *layout, int line);

/* "@expect LAYOUT: ...", "@pruning LAYOUT: ..." or "@shows LAYOUT: ..." into exp. */
bool		query_expectation_apply(const QueryFileError *error, QueryExpectation *exp,
									const QualifiedTag *qualified);

void		query_expectation_free(QueryExpectation *exp);

#endif
