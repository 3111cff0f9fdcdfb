/* query_report_json.c: demonstrate-queries' --json document (see query_report_json.h). */
#include "queries/query_report_json.h"

#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "common/log.h"

struct QueryReportJson
{
	json_object *queries;
	json_object *maintenance;
};

QueryReportJson *
query_report_json_new(void)
{
	QueryReportJson *report = calloc(1, sizeof(QueryReportJson));

	if (report && (report->queries = json_object_new_array()) &&
		(report->maintenance = json_object_new_array()))
		return report;
	log_error("out of memory");
	query_report_json_free(report);
	return NULL;
}

void
query_report_json_free(QueryReportJson *report)
{
	if (!report)
		return;
	json_object_put(report->queries);
	json_object_put(report->maintenance);
	free(report);
}

/* milliseconds with three decimals, as written */
static json_object *
json_ms(double ms)
{
	char		text[32];

	snprintf(text, sizeof(text), "%.3f", ms);
	return json_object_new_double_s(ms, text);
}

static json_object *
json_names(char *const *names, size_t count)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < count; i++)
		json_object_array_add(array, json_object_new_string(names[i]));
	return array;
}

static json_object *
json_timing(const QueryTimingStats *t)
{
	json_object *object = json_object_new_object();

	json_object_object_add(object, "median", json_ms(t->median_ms));
	json_object_object_add(object, "min", json_ms(t->min_ms));
	json_object_object_add(object, "max", json_ms(t->max_ms));
	json_object_object_add(object, "runs", json_object_new_int(t->runs));
	json_object_object_add(object, "rows", json_object_new_int64(t->rows));
	return object;
}

/* plain / partitioned: how many times faster the partitioned table was; null without both */
static json_object *
json_ratio(bool both, double partitioned_ms, double plain_ms)
{
	char		text[32];

	if (!both || partitioned_ms <= 0)
		return NULL;
	snprintf(text, sizeof(text), "%.2f", plain_ms / partitioned_ms);
	return json_object_new_double_s(plain_ms / partitioned_ms, text);
}

/* The plain table's side of a query: what its plan read, its size and its times. */
static json_object *
json_plain(const QueryOutcome *out)
{
	json_object *plain,
			   *relations;

	if (!out->plain_plan)
		return NULL;
	plain = json_object_new_object();
	relations = json_object_new_array();
	for (size_t i = 0; i < out->plain_plan->scan_count; i++)
		if (out->plain_plan->scans[i].relation)
			json_object_array_add(relations,
								  json_object_new_string(out->plain_plan->scans[i].relation));
	json_object_object_add(plain, "relations", relations);
	json_object_object_add(plain, "rows_estimate", out->plain_live_rows >= 0 ?
						   json_object_new_int64(out->plain_live_rows) : NULL);
	json_object_object_add(plain, "time_ms", out->plain_timed ? json_timing(&out->plain_timing) : NULL);
	return plain;
}

/* What a check scanned against what it expected: the fields shared by a query and its previous layout. */
static void
add_check(json_object *q, const QueryCheck *check)
{
	const PruningVerdict *v = check->verdict;
	const QueryExpectation *e = check->expected;
	const QueryTable *table = check->table;

	json_object_object_add(q, "status", json_object_new_string(query_demo_status_key(check->status)));
	json_object_object_add(q, "expected", e->expect_all && table ?
						   json_names(table->leaves, table->leaf_count) :
						   json_names(e->expect, e->expect_count));
	json_object_object_add(q, "expected_line", json_object_new_int(e->expect_line));
	json_object_object_add(q, "expected_pruning", e->pruning == PRUNING_UNSPECIFIED ? NULL :
						   json_object_new_string(explain_pruning_key(e->pruning)));
	json_object_object_add(q, "partitions", table ? json_object_new_int((int) table->leaf_count) : NULL);
	json_object_object_add(q, "rows_estimate", table && table->live_rows >= 0 ?
						   json_object_new_int64(table->live_rows) : NULL);
	json_object_object_add(q, "analyzed", json_object_new_boolean(check->plan && check->plan->analyzed));
	json_object_object_add(q, "scanned", v ? json_names(v->scanned, v->scanned_count) : NULL);
	json_object_object_add(q, "never_executed", v ? json_names(v->skipped, v->skipped_count) : NULL);
	json_object_object_add(q, "subplans_removed", v ? json_object_new_int(v->subplans_removed) : NULL);
	json_object_object_add(q, "pruning", v ? json_object_new_string(explain_pruning_key(v->kind)) : NULL);
	json_object_object_add(q, "time_ms", check->timed ? json_timing(&check->timing) : NULL);
}

static json_object *
json_speed(bool both, double ms, double other_ms)
{
	const char *key = both ? query_demo_speed_key(query_demo_speed(ms, other_ms)) : NULL;

	return key ? json_object_new_string(key) : NULL;
}

/* The same query on the table keeping the previous layout. */
static json_object *
json_previous(const QueryItem *item, const QueryOutcome *out)
{
	json_object *p;
	bool		both = out->partitioned.timed && out->previous.timed;

	if (!out->compared)
		return NULL;
	p = json_object_new_object();
	json_object_object_add(p, "table", json_object_new_string(out->previous.table->name));
	json_object_object_add(p, "line", json_object_new_int(item->previous_line));
	add_check(p, &out->previous);
	/* previous ÷ this layout: above 1 this layout was faster */
	json_object_object_add(p, "speed_ratio", json_ratio(both, out->partitioned.timing.median_ms,
														out->previous.timing.median_ms));
	json_object_object_add(p, "speed", json_speed(both, out->partitioned.timing.median_ms,
												  out->previous.timing.median_ms));
	return p;
}

void
query_report_json_add_query(QueryReportJson *report, const char *path, const QueryItem *item,
							const QueryTable *table, const QueryOutcome *out)
{
	json_object *q = json_object_new_object();
	const QueryCheck *check = &out->partitioned;
	bool		both = check->timed && out->plain_timed;

	json_object_object_add(q, "name", json_object_new_string(item->name));
	json_object_object_add(q, "table", json_object_new_string(item->table));
	json_object_object_add(q, "file", json_object_new_string(path));
	json_object_object_add(q, "line", json_object_new_int(item->line));
	json_object_object_add(q, "layout", table && table->layout ?
						   json_object_new_string(table->layout->name) : NULL);
	json_object_object_add(q, "shows", json_object_new_string(check->expected->shows));
	json_object_object_add(q, "params", json_names(item->params, (size_t) item->param_count));
	json_object_object_add(q, "plan", json_object_new_string(item->generic ? "generic" : "custom"));
	add_check(q, check);
	/* the overall status: a mismatch on the previous layout is one too */
	json_object_object_add(q, "status", json_object_new_string(query_demo_status_key(out->status)));
	json_object_object_add(q, "as_expected", json_object_new_boolean(out->status == QUERY_STATUS_OK));
	json_object_object_add(q, "plain", json_plain(out));
	json_object_object_add(q, "speed_ratio", json_ratio(both, check->timing.median_ms,
												  out->plain_timing.median_ms));
	json_object_object_add(q, "speed", json_speed(both, check->timing.median_ms,
												  out->plain_timing.median_ms));
	json_object_object_add(q, "previous", json_previous(item, out));
	json_object_array_add(report->queries, q);
}

/* Why a removal was skipped, and the sessions holding the locks. */
static json_object *
json_skipped(const RemovalOutcome *out)
{
	json_object *skipped,
			   *holders;

	if (!out->skipped)
		return NULL;
	skipped = json_object_new_object();
	holders = json_object_new_array();
	json_object_object_add(skipped, "reason", json_object_new_string(out->skipped_reason));
	json_object_object_add(skipped, "relation", json_object_new_string(out->skipped_relation));
	for (int i = 0; i < out->holder_count; i++)
	{
		const LockHolder *h = &out->holders[i];
		json_object *holder = json_object_new_object();

		json_object_object_add(holder, "pid", json_object_new_int(h->pid));
		json_object_object_add(holder, "application_name", json_object_new_string(h->application));
		json_object_object_add(holder, "state", json_object_new_string(h->state));
		json_object_object_add(holder, "xact_seconds", json_object_new_string(h->xact_seconds));
		json_object_object_add(holder, "mode", json_object_new_string(h->mode));
		json_object_object_add(holder, "relation", json_object_new_string(h->relation));
		json_object_object_add(holder, "query", json_object_new_string(h->query));
		json_object_array_add(holders, holder);
	}
	json_object_object_add(skipped, "holders", holders);
	return skipped;
}

void
query_report_json_add_removal(QueryReportJson *report, const char *path, const QueryItem *item,
							  const RemovalOutcome *out)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "name", json_object_new_string(item->name));
	json_object_object_add(m, "table", json_object_new_string(item->table));
	json_object_object_add(m, "file", json_object_new_string(path));
	json_object_object_add(m, "line", json_object_new_int(item->line));
	json_object_object_add(m, "shows", json_object_new_string(item->shows));
	json_object_object_add(m, "status", json_object_new_string(out->ok ? "ok" :
															   out->skipped ? "skipped" : "error"));
	json_object_object_add(m, "skipped", json_skipped(out));
	json_object_object_add(m, "partitioned_ms", out->ok ? json_timing(&out->partitioned) : NULL);
	json_object_object_add(m, "plain_ms", out->plain_ok ? json_timing(&out->plain) : NULL);
	json_object_object_add(m, "speed_ratio", json_ratio(out->plain_ok, out->partitioned.median_ms,
														out->plain.median_ms));
	json_object_object_add(m, "speed", json_speed(out->plain_ok, out->partitioned.median_ms,
												  out->plain.median_ms));
	json_object_array_add(report->maintenance, m);
}

void
query_report_json_print(const QueryReportJson *report, PGconn *conn, bool analyze, int runs,
						const QueryTally *t)
{
	json_object *root = json_object_new_object();
	json_object *summary = json_object_new_object();

	json_object_object_add(root, "database", json_object_new_string(PQdb(conn)));
	json_object_object_add(root, "server_version",
						   json_object_new_string(PQparameterStatus(conn, "server_version")));
	json_object_object_add(root, "analyze", json_object_new_boolean(analyze));
	json_object_object_add(root, "runs", json_object_new_int(analyze ? runs : 0));
	json_object_object_add(root, "queries", json_object_get(report->queries));
	json_object_object_add(root, "maintenance", json_object_get(report->maintenance));
	json_object_object_add(summary, "queries", json_object_new_int(t->queries));
	json_object_object_add(summary, "as_expected", json_object_new_int(t->as_expected));
	json_object_object_add(summary, "mismatched", json_object_new_int(t->mismatched));
	json_object_object_add(summary, "unchecked", json_object_new_int(t->unchecked));
	json_object_object_add(summary, "errors", json_object_new_int(t->errors));
	json_object_object_add(summary, "removals", json_object_new_int(t->removals));
	json_object_object_add(summary, "removal_errors", json_object_new_int(t->removal_errors));
	json_object_object_add(summary, "removals_skipped", json_object_new_int(t->removals_skipped));
	json_object_object_add(root, "summary", summary);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
												   JSON_C_TO_STRING_SPACED |
												   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}
