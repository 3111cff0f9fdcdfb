/* explain_plan.c: scans and pruning from a JSON plan (see explain_plan.h). */
#include "queries/explain_plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* plans nest two JSON levels per plan level; json-c's default depth is 32 */
#define MAX_JSON_DEPTH 2000

typedef struct Walk
{
	ExplainPlan *plan;
	Error	   *error;
} Walk;

static const char *
string_member(json_object *object, const char *key)
{
	json_object *value;

	if (!json_object_object_get_ex(object, key, &value) ||
		!json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

static bool
number_member(json_object *object, const char *key, double *out)
{
	json_object *value;

	if (!json_object_object_get_ex(object, key, &value) ||
		!(json_object_is_type(value, json_type_double) || json_object_is_type(value, json_type_int)))
		return false;
	*out = json_object_get_double(value);
	return true;
}

static char *
dup_or_null(const char *text)
{
	return text ? strdup(text) : NULL;
}

static bool
add_scan(Walk *walk, const char *node_type, const char *relation, const char *index,
		 bool executed)
{
	ExplainPlan *plan = walk->plan;
	ExplainScan *grown = realloc(plan->scans, (plan->scan_count + 1) * sizeof(ExplainScan));
	ExplainScan *scan;

	if (!grown)
		return false;
	plan->scans = grown;
	scan = &plan->scans[plan->scan_count];
	scan->node_type = strdup(node_type);
	scan->relation = dup_or_null(relation);
	scan->index = dup_or_null(index);
	scan->executed = executed;
	if (!scan->node_type || (relation && !scan->relation) || (index && !scan->index))
	{
		free(scan->node_type);
		free(scan->relation);
		free(scan->index);
		return false;
	}
	plan->scan_count++;
	return true;
}

/* Visits one plan node and its children, depth first. */
static bool
walk_node(Walk *walk, json_object *node)
{
	const char *node_type = string_member(node, "Node Type");
	const char *relation = string_member(node, "Relation Name");
	const char *index = string_member(node, "Index Name");
	json_object *children;
	double		value;

	if (!json_object_is_type(node, json_type_object) || !node_type)
	{
		error_set(walk->error, "a plan node without \"Node Type\"");
		return false;
	}
	if (number_member(node, "Actual Loops", &value))
		walk->plan->analyzed = true;
	else
		value = 1;				/* no ANALYZE: every node in the plan counts */
	/* ModifyTable names its target relation, which it does not scan */
	if ((relation || index) && strcmp(node_type, "ModifyTable") != 0 &&
		!add_scan(walk, node_type, relation, index, value > 0))
	{
		error_set(walk->error, "out of memory");
		return false;
	}
	if (number_member(node, "Subplans Removed", &value))
		walk->plan->subplans_removed += (int) value;
	if (!json_object_object_get_ex(node, "Plans", &children))
		return true;
	if (!json_object_is_type(children, json_type_array))
	{
		error_set(walk->error, "\"Plans\" is not an array");
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(children); i++)
		if (!walk_node(walk, json_object_array_get_idx(children, i)))
			return false;
	return true;
}

static json_object *
parse_json(const char *json, Error *error)
{
	struct json_tokener *tokener = json_tokener_new_ex(MAX_JSON_DEPTH);
	size_t		len = strlen(json);
	json_object *root;
	enum json_tokener_error status;

	if (!tokener)
	{
		error_set(error, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tokener, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tokener, json, (int) len);
	status = json_tokener_get_error(tokener);
	if (!root || status != json_tokener_success)
	{
		/* a truncated document ends "continuing", which is no success either */
		error_set(error, "invalid JSON at offset %zu: %s", json_tokener_get_parse_end(tokener),
				  status == json_tokener_continue ? "unexpected end" :
				  json_tokener_error_desc(status));
		json_object_put(root);
		root = NULL;
	}
	else
	{
		const char *rest = json + json_tokener_get_parse_end(tokener);

		while (isspace((unsigned char) *rest))
			rest++;
		if (*rest)
		{
			error_set(error, "text after the JSON document at offset %zu",
					  (size_t) (rest - json));
			json_object_put(root);
			root = NULL;
		}
	}
	json_tokener_free(tokener);
	return root;
}

ExplainPlan *
explain_plan_parse(const char *json, Error *error)
{
	json_object *root;
	json_object *top,
			   *plan_node;
	ExplainPlan *plan;
	Walk		walk;

	error_clear(error);
	if (!(root = parse_json(json, error)))
		return NULL;
	/* EXPLAIN (FORMAT JSON) prints an array holding one object per statement */
	if (!json_object_is_type(root, json_type_array) || json_object_array_length(root) != 1 ||
		!json_object_is_type(top = json_object_array_get_idx(root, 0), json_type_object) ||
		!json_object_object_get_ex(top, "Plan", &plan_node))
	{
		error_set(error, "not an EXPLAIN plan: expected [ { \"Plan\": ... } ]");
		json_object_put(root);
		return NULL;
	}
	if (!(plan = calloc(1, sizeof(ExplainPlan))))
	{
		error_set(error, "out of memory");
		json_object_put(root);
		return NULL;
	}
	walk = (Walk) {.plan = plan, .error = error};
	if (!walk_node(&walk, plan_node))
	{
		explain_plan_free(plan);
		json_object_put(root);
		return NULL;
	}
	if (!number_member(top, "Planning Time", &plan->planning_ms))
		plan->planning_ms = -1;
	if (!number_member(top, "Execution Time", &plan->execution_ms))
		plan->execution_ms = -1;
	json_object_put(root);
	return plan;
}

void
explain_plan_free(ExplainPlan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->scan_count; i++)
	{
		free(plan->scans[i].node_type);
		free(plan->scans[i].relation);
		free(plan->scans[i].index);
	}
	free(plan->scans);
	free(plan);
}

static bool
contains(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Appends a copy of name to a list. */
static bool
push_name(char ***list, size_t *count, const char *name)
{
	char	  **grown = realloc(*list, (*count + 1) * sizeof(char *));

	if (!grown)
		return false;
	*list = grown;
	if (!((*list)[*count] = strdup(name)))
		return false;
	(*count)++;
	return true;
}

/* How a leaf appears in the plan: read, present but never executed, or absent. */
static void
leaf_presence(const ExplainPlan *plan, const char *leaf, bool *read, bool *present)
{
	*read = *present = false;
	for (size_t i = 0; i < plan->scan_count; i++)
	{
		const ExplainScan *scan = &plan->scans[i];

		if (scan->relation && strcmp(scan->relation, leaf) == 0)
		{
			*present = true;
			*read = *read || scan->executed;
		}
	}
}

PruningVerdict *
explain_plan_verdict(const ExplainPlan *plan, const char *const *leaves, size_t leaf_count,
					 const char *const *expected, size_t expected_count)
{
	PruningVerdict *verdict = calloc(1, sizeof(PruningVerdict));
	size_t		planned = 0;
	bool		ok = true;

	if (!verdict)
		return NULL;
	verdict->leaf_count = leaf_count;
	verdict->subplans_removed = plan->subplans_removed;
	for (size_t i = 0; ok && i < leaf_count; i++)
	{
		bool		read,
					present,
					wanted = contains(expected, expected_count, leaves[i]);

		leaf_presence(plan, leaves[i], &read, &present);
		planned += present;
		if (read)
			ok = push_name(&verdict->scanned, &verdict->scanned_count, leaves[i]);
		else if (present)
			ok = push_name(&verdict->skipped, &verdict->skipped_count, leaves[i]);
		if (ok && read && !wanted)
			ok = push_name(&verdict->unexpected, &verdict->unexpected_count, leaves[i]);
		else if (ok && !read && wanted)
			ok = push_name(&verdict->missing, &verdict->missing_count, leaves[i]);
	}
	for (size_t i = 0; ok && i < expected_count; i++)
		if (!contains(leaves, leaf_count, expected[i]) &&
			!contains((const char *const *) verdict->not_leaves, verdict->not_leaf_count, expected[i]))
			ok = push_name(&verdict->not_leaves, &verdict->not_leaf_count, expected[i]);
	if (!ok)
	{
		explain_plan_verdict_free(verdict);
		return NULL;
	}
	/* removed subplans were planned: only what the planner left out is plan-time pruning */
	verdict->plan_time = planned + (size_t) plan->subplans_removed < leaf_count;
	verdict->run_time = plan->subplans_removed > 0 || verdict->skipped_count > 0;
	verdict->kind = verdict->run_time ? PRUNING_RUN_TIME :
		verdict->plan_time ? PRUNING_PLAN_TIME : PRUNING_NONE;
	verdict->sets_match = verdict->missing_count == 0 && verdict->unexpected_count == 0 &&
		verdict->not_leaf_count == 0;
	return verdict;
}

static void
free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

void
explain_plan_verdict_free(PruningVerdict *verdict)
{
	if (!verdict)
		return;
	free_names(verdict->scanned, verdict->scanned_count);
	free_names(verdict->skipped, verdict->skipped_count);
	free_names(verdict->missing, verdict->missing_count);
	free_names(verdict->unexpected, verdict->unexpected_count);
	free_names(verdict->not_leaves, verdict->not_leaf_count);
	free(verdict);
}

/* Where needle occurs in line[0..len), or NULL. */
static const char *
find_in_line(const char *line, size_t len, const char *needle)
{
	size_t		n = strlen(needle);

	for (const char *p = line; p + n <= line + len; p++)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

bool
explain_text_line_scans(const char *line, size_t len, const char *const *leaves,
						size_t leaf_count)
{
	const char *scan = find_in_line(line, len, "Scan ");

	if (!scan)
		return false;
	for (size_t i = 0; i < leaf_count; i++)
	{
		size_t		leaf_len = strlen(leaves[i]);

		/* " on <leaf>" ends at a blank, at "(" or at the end of the line */
		for (const char *p = scan; p + 4 + leaf_len <= line + len; p++)
		{
			const char *after = p + 4 + leaf_len;

			if (memcmp(p, " on ", 4) == 0 && memcmp(p + 4, leaves[i], leaf_len) == 0 &&
				(after == line + len || *after == ' ' || *after == '('))
				return true;
		}
	}
	return false;
}

const char *
explain_pruning_name(PruningKind kind)
{
	switch (kind)
	{
		case PRUNING_NONE:
			return "none";
		case PRUNING_PLAN_TIME:
			return "plan time";
		case PRUNING_RUN_TIME:
			return "run time";
		case PRUNING_UNSPECIFIED:
			break;
	}
	return "unspecified";
}

const char *
explain_pruning_key(PruningKind kind)
{
	switch (kind)
	{
		case PRUNING_NONE:
			return "none";
		case PRUNING_PLAN_TIME:
			return "plan_time";
		case PRUNING_RUN_TIME:
			return "run_time";
		case PRUNING_UNSPECIFIED:
			break;
	}
	return "unspecified";
}

PruningKind
explain_pruning_parse(const char *text)
{
	if (strcmp(text, "none") == 0)
		return PRUNING_NONE;
	if (strcmp(text, "plan time") == 0)
		return PRUNING_PLAN_TIME;
	if (strcmp(text, "run time") == 0)
		return PRUNING_RUN_TIME;
	return PRUNING_UNSPECIFIED;
}
