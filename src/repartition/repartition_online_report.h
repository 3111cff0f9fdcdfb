/*
 * repartition_online_report.h: what an online scenario reports (the text
 * summary and the --json members), from the engine's OnlineReport: each
 * step's time and attempts, the rows copied and the changes replayed, how
 * long the swap held writers, and the verification that ran: the sources
 * compared with the targets by count and checksum at one snapshot (every row
 * without a waiting change), then under the swap's lock (the rows changed
 * since, those written meanwhile).
 */
#ifndef REPARTITION_ONLINE_REPORT_H
#define REPARTITION_ONLINE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "online/online_migration.h"

/* True when both comparisons ran and found the same rows. */
bool		repartition_online_identical(const OnlineReport *report);

/* The steps with their times, the swap's hold, rows copied and replayed, the comparisons. */
void		repartition_online_report_print(FILE *out, const OnlineReport *report,
											const char *table, bool color);

/* {"resumed_from", "sources", "targets", "steps": {...}, "rows_copied", ...} */
json_object *repartition_online_report_json(const OnlineReport *report);

/*
 * The integrity member, in the offline report's shape ({"identical",
 * "groups": [...]}): one group per comparison, rows_before/checksum_before
 * the sources', rows_after/checksum_after the targets'; NULL when no
 * comparison ran.
 */
json_object *repartition_online_integrity_json(const OnlineReport *report);

#endif
