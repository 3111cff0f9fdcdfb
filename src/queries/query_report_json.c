/* query_report_json.c: demonstrate-queries' --json document (see query_report_json.h). */
#include "queries/query_report_json.h"

#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "common/json_out.h"
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
static void
add_ms(json_object *object, const char *key, double ms)
{
	json_object_object_add(object, key, json_out_number(ms, 3));
}

static json_object *
json_timing(const QueryTimingStats *t)
{
	json_object *object = json_object_new_object();

	add_ms(object, "median", t->median_ms);
	add_ms(object, "min", t->min_ms);
	add_ms(object, "max", t->max_ms);
	json_out_int(object, "runs", t->runs);
	json_out_int64(object, "rows", t->rows);
	return object;
}

/*
 * "speed_ratio": other / ms, how many times faster ms was, and "speed", its
 * verdict; both null without both timings.
 */
static void
add_speed(json_object *object, bool both, double ms, double other_ms)
{
	const char *key = both ? query_demo_speed_key(query_demo_speed(ms, other_ms)) : NULL;

	json_object_object_add(object, "speed_ratio",
						   both && ms > 0 ? json_out_number(other_ms / ms, 2) : NULL);
	json_out_string(object, "speed", key);
}

/* What names a query or a maintenance item in the document. */
static void
add_item(json_object *object, const char *path, const QueryItem *item)
{
	json_out_string(object, "name", item->name);
	json_out_string(object, "table", item->table);
	json_out_string(object, "file", path);
	json_out_int(object, "line", item->line);
}

/* The relations a plan's scans read, in plan order. */
static json_object *
json_relations(const ExplainPlan *plan)
{
	json_object *relations = json_object_new_array();

	for (size_t i = 0; i < plan->scan_count; i++)
		if (plan->scans[i].relation)
			json_object_array_add(relations, json_object_new_string(plan->scans[i].relation));
	return relations;
}

/* The plain table's side of a query: what its plan read, its size and its times. */
static json_object *
json_plain(const QueryOutcome *out)
{
	json_object *plain;

	if (!out->plain_plan)
		return NULL;
	plain = json_object_new_object();
	json_object_object_add(plain, "relations", json_relations(out->plain_plan));
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

	json_out_string(q, "status", query_demo_status_key(check->status));
	json_object_object_add(q, "expected", e->expect_all && table ?
						   json_out_strings(table->leaves, table->leaf_count) :
						   json_out_strings(e->expect, e->expect_count));
	json_out_int(q, "expected_line", e->expect_line);
	json_out_string(q, "expected_pruning",
					e->pruning == PRUNING_UNSPECIFIED ? NULL : explain_pruning_key(e->pruning));
	json_object_object_add(q, "partitions", table ? json_object_new_int((int) table->leaf_count) : NULL);
	json_object_object_add(q, "rows_estimate", table && table->live_rows >= 0 ?
						   json_object_new_int64(table->live_rows) : NULL);
	json_out_bool(q, "analyzed", check->plan && check->plan->analyzed);
	json_object_object_add(q, "scanned", v ? json_out_strings(v->scanned, v->scanned_count) : NULL);
	json_object_object_add(q, "never_executed", v ? json_out_strings(v->skipped, v->skipped_count) : NULL);
	json_object_object_add(q, "subplans_removed", v ? json_object_new_int(v->subplans_removed) : NULL);
	json_out_string(q, "pruning", v ? explain_pruning_key(v->kind) : NULL);
	json_object_object_add(q, "time_ms", check->timed ? json_timing(&check->timing) : NULL);
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
	json_out_string(p, "table", out->previous.table->name);
	json_out_int(p, "line", item->previous_line);
	add_check(p, &out->previous);
	/* previous ÷ this layout: above 1 this layout was faster */
	add_speed(p, both, out->partitioned.timing.median_ms, out->previous.timing.median_ms);
	return p;
}

void
query_report_json_add_query(QueryReportJson *report, const char *path, const QueryItem *item,
							const QueryTable *table, const QueryOutcome *out)
{
	json_object *q = json_object_new_object();
	const QueryCheck *check = &out->partitioned;
	bool		both = check->timed && out->plain_timed;

	add_item(q, path, item);
	json_out_string(q, "layout", table && table->layout ? table->layout->name : NULL);
	json_out_string(q, "shows", check->expected->shows);
	json_object_object_add(q, "params", json_out_strings(item->params, (size_t) item->param_count));
	json_out_string(q, "plan", item->generic ? "generic" : "custom");
	add_check(q, check);
	/* the overall status: a mismatch on the previous layout is one too */
	json_out_string(q, "status", query_demo_status_key(out->status));
	json_out_bool(q, "as_expected", out->status == QUERY_STATUS_OK);
	json_object_object_add(q, "plain", json_plain(out));
	/* plain ÷ partitioned: above 1 the partitioned table was faster */
	add_speed(q, both, check->timing.median_ms, out->plain_timing.median_ms);
	json_object_object_add(q, "previous", json_previous(item, out));
	json_object_array_add(report->queries, q);
}

/* A session holding a lock that a removal needed. */
static json_object *
json_holder(const LockHolder *h)
{
	json_object *holder = json_object_new_object();

	json_out_int(holder, "pid", h->pid);
	json_out_string(holder, "application_name", h->application);
	json_out_string(holder, "state", h->state);
	json_out_string(holder, "xact_seconds", h->xact_seconds);
	json_out_string(holder, "mode", h->mode);
	json_out_string(holder, "relation", h->relation);
	json_out_string(holder, "query", h->query);
	return holder;
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
	json_out_string(skipped, "reason", out->skipped_reason);
	json_out_string(skipped, "relation", out->skipped_relation);
	for (int i = 0; i < out->holder_count; i++)
		json_object_array_add(holders, json_holder(&out->holders[i]));
	json_object_object_add(skipped, "holders", holders);
	return skipped;
}

void
query_report_json_add_removal(QueryReportJson *report, const char *path, const QueryItem *item,
							  const RemovalOutcome *out)
{
	json_object *m = json_object_new_object();

	add_item(m, path, item);
	json_out_string(m, "shows", item->shows);
	json_out_string(m, "status", out->ok ? "ok" : out->skipped ? "skipped" : "error");
	json_object_object_add(m, "skipped", json_skipped(out));
	json_object_object_add(m, "partitioned_ms", out->ok ? json_timing(&out->partitioned) : NULL);
	json_object_object_add(m, "plain_ms", out->plain_ok ? json_timing(&out->plain) : NULL);
	add_speed(m, out->plain_ok, out->partitioned.median_ms, out->plain.median_ms);
	json_object_array_add(report->maintenance, m);
}

void
query_report_json_print(const QueryReportJson *report, PGconn *conn, bool analyze, int runs,
						const QueryTally *t)
{
	json_object *root = json_object_new_object();
	json_object *summary = json_object_new_object();

	json_out_string(root, "database", PQdb(conn));
	json_out_string(root, "server_version", PQparameterStatus(conn, "server_version"));
	json_out_bool(root, "analyze", analyze);
	json_out_int(root, "runs", analyze ? runs : 0);
	json_object_object_add(root, "queries", json_object_get(report->queries));
	json_object_object_add(root, "maintenance", json_object_get(report->maintenance));
	json_out_int(summary, "queries", t->queries);
	json_out_int(summary, "as_expected", t->as_expected);
	json_out_int(summary, "mismatched", t->mismatched);
	json_out_int(summary, "unchecked", t->unchecked);
	json_out_int(summary, "errors", t->errors);
	json_out_int(summary, "removals", t->removals);
	json_out_int(summary, "removal_errors", t->removal_errors);
	json_out_int(summary, "removals_skipped", t->removals_skipped);
	json_object_object_add(root, "summary", summary);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
												   JSON_C_TO_STRING_SPACED |
												   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}
