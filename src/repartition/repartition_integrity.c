/* repartition_integrity.c: before/after rows and checksums of a scenario (see repartition_integrity.h). */
#include "repartition/repartition_integrity.h"

#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/json_out.h"
#include "common/log.h"
#include "common/format.h"

/* Totals per group; a table absent in a phase counts as 0 rows. */
static const char *const groups_query =
	"SELECT string_agg(DISTINCT s.table_name, ' + '),"
	"       coalesce(sum(s.row_count) FILTER (WHERE s.phase = 'before'), 0),"
	"       coalesce(sum(s.row_count) FILTER (WHERE s.phase = 'after'), 0),"
	"       coalesce(sum(s.checksum) FILTER (WHERE s.phase = 'before'), 0)::text,"
	"       coalesce(sum(s.checksum) FILTER (WHERE s.phase = 'after'), 0)::text"
	"  FROM pg_temp.repartition_snapshot AS s"
	" GROUP BY s.grp"
	" ORDER BY min(s.seq)";

/* Rows per partition in each phase (NULL: the partition did not exist then). */
static const char *const partitions_query =
	"SELECT s.table_name, s.partition_name,"
	"       sum(s.row_count) FILTER (WHERE s.phase = 'before'),"
	"       sum(s.row_count) FILTER (WHERE s.phase = 'after')"
	"  FROM pg_temp.repartition_snapshot AS s"
	" WHERE s.partition_name IS NOT NULL"
	" GROUP BY s.grp, s.table_name, s.partition_name"
	" ORDER BY (SELECT min(g.seq) FROM pg_temp.repartition_snapshot AS g WHERE g.grp = s.grp),"
	"          s.table_name, s.partition_name";

static long long
count_or_absent(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? -1 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static bool
read_groups(PGconn *conn, IntegrityReport *report)
{
	PGresult   *res = db_query(conn, groups_query, 0, NULL);

	if (!res)
		return false;
	report->groups = calloc((size_t) PQntuples(res) + 1, sizeof(IntegrityGroup));
	for (int row = 0; report->groups && row < PQntuples(res); row++)
	{
		IntegrityGroup *g = &report->groups[report->group_count++];

		g->tables = strdup(PQgetvalue(res, row, 0));
		g->rows_before = strtoll(PQgetvalue(res, row, 1), NULL, 10);
		g->rows_after = strtoll(PQgetvalue(res, row, 2), NULL, 10);
		g->checksum_before = strdup(PQgetvalue(res, row, 3));
		g->checksum_after = strdup(PQgetvalue(res, row, 4));
	}
	PQclear(res);
	return report->groups != NULL;
}

static bool
read_partitions(PGconn *conn, IntegrityReport *report)
{
	PGresult   *res = db_query(conn, partitions_query, 0, NULL);

	if (!res)
		return false;
	report->partitions = calloc((size_t) PQntuples(res) + 1, sizeof(PartitionCount));
	for (int row = 0; report->partitions && row < PQntuples(res); row++)
	{
		PartitionCount *p = &report->partitions[report->partition_count++];

		p->table = strdup(PQgetvalue(res, row, 0));
		p->partition = strdup(PQgetvalue(res, row, 1));
		p->before = count_or_absent(res, row, 2);
		p->after = count_or_absent(res, row, 3);
	}
	PQclear(res);
	return report->partitions != NULL;
}

IntegrityReport *
repartition_integrity_read(PGconn *conn)
{
	IntegrityReport *report = calloc(1, sizeof(IntegrityReport));
	PGresult   *res;
	bool		taken;

	if (!report)
	{
		log_error("out of memory");
		return NULL;
	}
	res = db_query(conn, "SELECT pg_catalog.to_regclass('pg_temp.repartition_snapshot') IS NOT NULL",
				   0, NULL);
	if (!res)
	{
		free(report);
		return NULL;
	}
	taken = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (taken && (!read_groups(conn, report) || !read_partitions(conn, report)))
	{
		repartition_integrity_free(report);
		return NULL;
	}
	return report;
}

static bool
group_ok(const IntegrityGroup *g)
{
	return g->rows_before == g->rows_after && strcmp(g->checksum_before, g->checksum_after) == 0;
}

bool
repartition_integrity_ok(const IntegrityReport *report)
{
	for (size_t i = 0; i < report->group_count; i++)
		if (!group_ok(&report->groups[i]))
			return false;
	return true;
}

static void
print_partition_change(FILE *out, const PartitionCount *p)
{
	char		delta[32],
				before[32],
				after[32];
	long long	b = p->before < 0 ? 0 : p->before;
	long long	a = p->after < 0 ? 0 : p->after;

	delta[0] = '+';
	format_count(a - b, a > b ? delta + 1 : delta, sizeof(delta) - 1);
	format_count(b, before, sizeof(before));
	format_count(a, after, sizeof(after));
	fprintf(out, "    %-32s %10s  (%s -> %s)\n", p->partition, delta,
			p->before < 0 ? "new" : before, p->after < 0 ? "gone" : after);
}

void
repartition_integrity_print(FILE *out, const IntegrityReport *report, bool color)
{
	const char *bold = color ? "\033[1m" : "";
	const char *red = color ? "\033[1;31m" : "";
	const char *reset = color ? "\033[0m" : "";
	size_t		changed = 0;

	fprintf(out, "%sData integrity%s (counted inside the scenario's transaction, concurrent writers held off)\n",
			bold, reset);
	if (report->group_count == 0)
	{
		fprintf(out, "  (the SQL file took no snapshot)\n");
		return;
	}
	for (size_t i = 0; i < report->group_count; i++)
	{
		const IntegrityGroup *g = &report->groups[i];
		char		rows_before[32],
					rows_after[32];

		format_count(g->rows_before, rows_before, sizeof(rows_before));
		format_count(g->rows_after, rows_after, sizeof(rows_after));
		if (group_ok(g))
			fprintf(out, "  %s: %s rows, checksum %s before and after: identical\n",
					g->tables, rows_after, g->checksum_after);
		else
			fprintf(out, "  %s%s: DIFFERENT%s: %s rows, checksum %s before; %s rows, checksum %s after\n",
					red, g->tables, reset, rows_before, g->checksum_before, rows_after,
					g->checksum_after);
	}
	for (size_t i = 0; i < report->partition_count; i++)
		changed += report->partitions[i].before != report->partitions[i].after;
	if (changed == 0)
	{
		fprintf(out, "  where rows went: nowhere, no partition changed\n");
		return;
	}
	fprintf(out, "  where rows went:\n");
	for (size_t i = 0; i < report->partition_count; i++)
		if (report->partitions[i].before != report->partitions[i].after)
			print_partition_change(out, &report->partitions[i]);
}

static json_object *
json_count_or_null(long long value)
{
	return value < 0 ? NULL : json_object_new_int64(value);
}

static json_object *
json_group(const IntegrityGroup *g)
{
	json_object *group = json_object_new_object();

	json_out_string(group, "tables", g->tables);
	json_out_int64(group, "rows_before", g->rows_before);
	json_out_int64(group, "rows_after", g->rows_after);
	json_out_string(group, "checksum_before", g->checksum_before);
	json_out_string(group, "checksum_after", g->checksum_after);
	json_out_bool(group, "identical", group_ok(g));
	return group;
}

static json_object *
json_partition(const PartitionCount *p)
{
	json_object *partition = json_object_new_object();

	json_out_string(partition, "table", p->table);
	json_out_string(partition, "partition", p->partition);
	json_object_object_add(partition, "rows_before", json_count_or_null(p->before));
	json_object_object_add(partition, "rows_after", json_count_or_null(p->after));
	return partition;
}

json_object *
repartition_integrity_json(const IntegrityReport *report)
{
	json_object *root = json_object_new_object();
	json_object *groups = json_object_new_array();
	json_object *partitions = json_object_new_array();

	for (size_t i = 0; i < report->group_count; i++)
		json_object_array_add(groups, json_group(&report->groups[i]));
	for (size_t i = 0; i < report->partition_count; i++)
		json_object_array_add(partitions, json_partition(&report->partitions[i]));
	json_out_bool(root, "identical", repartition_integrity_ok(report));
	json_object_object_add(root, "groups", groups);
	json_object_object_add(root, "partitions", partitions);
	return root;
}

void
repartition_integrity_free(IntegrityReport *report)
{
	if (!report)
		return;
	for (size_t i = 0; i < report->group_count; i++)
	{
		free(report->groups[i].tables);
		free(report->groups[i].checksum_before);
		free(report->groups[i].checksum_after);
	}
	for (size_t i = 0; i < report->partition_count; i++)
	{
		free(report->partitions[i].table);
		free(report->partitions[i].partition);
	}
	free(report->groups);
	free(report->partitions);
	free(report);
}
