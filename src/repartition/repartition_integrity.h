/*
 * repartition_integrity.h: the data-integrity report of a scenario.
 *
 * Each scenario file records, under its own locks, the rows and checksum of
 * every partition of the tables it touches before and after its changes
 * (partition_demo.snapshot() into the temporary table repartition_snapshot,
 * dropped at commit). Read inside the same transaction, just before COMMIT,
 * these numbers are exact even under live load: concurrent writers are held
 * off between the two snapshots, so any difference is the scenario's doing.
 *
 * A group is a set of tables that must hold the same rows together, before
 * and after (event_logs + event_logs_archive for detach and cleanup).
 */
#ifndef REPARTITION_INTEGRITY_H
#define REPARTITION_INTEGRITY_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <libpq-fe.h>

typedef struct IntegrityGroup
{
	char	   *tables;			/* "event_logs + event_logs_archive" */
	long long	rows_before;
	long long	rows_after;
	char	   *checksum_before;	/* numeric, as text */
	char	   *checksum_after;
} IntegrityGroup;

typedef struct PartitionCount
{
	char	   *table;
	char	   *partition;
	long long	before;			/* -1: did not exist before */
	long long	after;			/* -1: does not exist after */
} PartitionCount;

typedef struct IntegrityReport
{
	IntegrityGroup *groups;
	size_t		group_count;
	PartitionCount *partitions;
	size_t		partition_count;
} IntegrityReport;

/*
 * Reads the snapshots of the current transaction.  A file that took none
 * gives an empty report.  Reports and returns NULL on error.
 */
IntegrityReport *repartition_integrity_read(PGconn *conn);

/* True when every group has the same rows and checksum after as before. */
bool		repartition_integrity_ok(const IntegrityReport *report);

/* Prints one line per group and the partitions whose row count changed. */
void		repartition_integrity_print(FILE *out, const IntegrityReport *report, bool color);

/* {"groups": [...], "partitions": [...]} */
json_object *repartition_integrity_json(const IntegrityReport *report);

void		repartition_integrity_free(IntegrityReport *report);

#endif
