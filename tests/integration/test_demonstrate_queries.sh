# shellcheck shell=bash
# test_demonstrate_queries.sh - bin/demonstrate-queries against the real
# throwaway server, after setup and a little load: every annotated query scans
# exactly the partitions it expects, the contrasts scan all, the generic plans
# prune at run time, a wrong expectation fails the run, and removals are
# rolled back.  The JSON output is read with the server's own JSON functions
# (no jq needed).  Sourced by tests/integration/run.sh.

DQ=$BIN_DIR/demonstrate-queries
QUERIES=$ROOT_DIR/scripts/queries

# One database, set up and loaded once, shared by the checks below.
fresh_database demo_queries
dq_setup_log=$TESTLIB_LOG_DIR/demo_queries_setup.log
"$BIN_DIR/setup-database" --seed-rows 20000 >"$dq_setup_log" 2>&1
dq_setup_status=$?
# "some load": rows in months, regions and quarters, and in the DEFAULTs
psql -XAtq -v ON_ERROR_STOP=1 >>"$dq_setup_log" 2>&1 <<'SQL'
INSERT INTO event_logs (event_type, user_id, created_at)
SELECT 'click', g, timestamp '2024-02-01' + g * interval '1 minute' FROM generate_series(1, 500) g;
INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('login', 7, '2024-05-05 10:00');
INSERT INTO users_distributed (username, email) VALUES ('load_1', 'l1@example.com'), ('load_2', 'l2@example.com');
INSERT INTO orders_by_region (order_number, user_id, product_id, region, order_total)
VALUES ('L-1', 1, 1, 'DE', 10), ('L-2', 2, 2, 'JP', 20), ('L-3', 3, 3, 'BR', 30);
INSERT INTO sales_data (sale_date, product_category, product_id, quantity, unit_price, total_amount)
VALUES ('2024-05-10', 'books', 1, 1, 5, 5), ('2024-02-10', 'computers', 2, 2, 50, 100);
ANALYZE;
SQL
dq_load_status=$?

# The whole run once in JSON, read by several tests.
dq_json=$TESTS_TMPDIR/demo_queries.json
dq_json_err=$TESTLIB_LOG_DIR/demo_queries_json.log
timeout 300 "$DQ" --json --runs 2 >"$dq_json" 2>"$dq_json_err"
dq_json_status=$?

# json_sql FILE QUERY: runs QUERY with the JSON document of FILE as :'doc'
json_sql() {
	psql -XAtq -v ON_ERROR_STOP=1 -v doc="$(<"$1")" -f - <<<"$2"
}

# queries annotated in the files, counted independently of the program
annotated_queries() {
	cat "$@" | grep -c '^-- @query:'
}

# A copy of scripts/queries that a test may break.
copy_queries() {
	local dir
	dir=$(mktemp -d)
	cp "$QUERIES"/*.sql "$dir/"
	echo "$dir"
}

test_json_lists_every_query_with_its_expected_set() {
	local bad
	assert_eq 0 "$dq_setup_status" "setup-database (log: $dq_setup_log)"
	assert_eq 0 "$dq_load_status" "load (log: $dq_setup_log)"
	assert_eq 0 "$dq_json_status" "demonstrate-queries --json exit status (stderr: $dq_json_err)"
	# stdout is one JSON document and nothing else: the whole of it casts
	assert_eq "object" "$(json_sql "$dq_json" "SELECT json_typeof(:'doc'::json)")"
	assert_eq "$(annotated_queries "$QUERIES"/*.sql)" \
		"$(json_sql "$dq_json" "SELECT json_array_length(:'doc'::json -> 'queries')")" \
		"one entry per @query of the files"
	# every query: status ok, and scanned = expected as sets
	bad=$(json_sql "$dq_json" "
		SELECT string_agg(q ->> 'name', ', ')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'status' <> 'ok'
		    OR NOT (q ->> 'as_expected')::boolean
		    OR ARRAY(SELECT json_array_elements_text(q -> 'expected') ORDER BY 1)
		       IS DISTINCT FROM
		       ARRAY(SELECT json_array_elements_text(q -> 'scanned') ORDER BY 1)
		    OR json_array_length(q -> 'scanned') = 0")

	assert_eq "" "$bad" "queries whose scanned set differs"
	assert_eq "24|24|0|0|0|3|0" "$(json_sql "$dq_json" "
		SELECT concat_ws('|', s -> 'queries', s -> 'as_expected', s -> 'mismatched',
		                 s -> 'unchecked', s -> 'errors', s -> 'removals', s -> 'removal_errors')
		  FROM (SELECT :'doc'::json -> 'summary' AS s) x")"
	# one named expectation checked by hand against the catalog's own routing
	assert_eq "event_logs_2024_02" "$(json_sql "$dq_json" "
		SELECT string_agg(s, ',') FROM json_array_elements(:'doc'::json -> 'queries') AS q,
		       json_array_elements_text(q -> 'scanned') AS s WHERE q ->> 'name' = 'one_month'")"
	assert_eq "users_distributed_p2" "$(sql "SELECT tableoid::regclass FROM users_distributed WHERE id = 42")" \
		"the partition one_id expects is where id 42 lives"
}

test_timings_are_measured_beside_the_plain_tables() {
	local bad
	# every query has a partitioned time and a plain time on <table>_old, and their ratio
	bad=$(json_sql "$dq_json" "
		SELECT string_agg(q ->> 'name', ', ')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE (q -> 'time_ms' ->> 'median')::numeric <= 0
		    OR (q -> 'time_ms' ->> 'runs')::int <> 2
		    OR (q -> 'plain' -> 'time_ms' ->> 'median')::numeric <= 0
		    OR NOT (q -> 'plain' -> 'relations')::jsonb ? ((q ->> 'table') || '_old')
		    OR (q ->> 'speed_ratio')::numeric <= 0")

	assert_eq "" "$bad" "queries without both timings"
	assert_eq "2" "$(json_sql "$dq_json" "SELECT :'doc'::json ->> 'runs'")"
}

test_no_prune_contrast_scans_all_partitions() {
	local leaves bad
	leaves=$(sql "SELECT string_agg(t || ':' || n, ',' ORDER BY t) FROM (
		SELECT t, (SELECT count(*) FROM pg_partition_tree(t::regclass) WHERE isleaf) AS n
		  FROM unnest(ARRAY['event_logs','users_distributed','orders_by_region','sales_data']) AS t) x")
	# the contrasts (expected pruning: none) scan every leaf the catalog lists
	assert_eq "$leaves" "$(json_sql "$dq_json" "
		SELECT string_agg(DISTINCT (q ->> 'table') || ':' || json_array_length(q -> 'scanned'), ',')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'expected_pruning' = 'none'")"
	bad=$(json_sql "$dq_json" "
		SELECT string_agg(q ->> 'name', ', ')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'expected_pruning' = 'none'
		   AND (q ->> 'pruning' <> 'none'
		        OR json_array_length(q -> 'scanned') <> (q ->> 'partitions')::int)")

	assert_eq "" "$bad"
	assert_contains "$(json_sql "$dq_json" "
		SELECT string_agg(q ->> 'name', ',') FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'expected_pruning' = 'none'")" "non_key_column_cannot_prune"
}

test_generic_plans_prune_at_run_time() {
	# each generic-plan query that prunes removes subplans at executor startup
	assert_eq "month_and_category_generic_plan:6,one_day_generic_plan:3,one_id_generic_plan:3,one_region_generic_plan:3" \
		"$(json_sql "$dq_json" "
		SELECT string_agg((q ->> 'name') || ':' || (q ->> 'subplans_removed'), ',' ORDER BY q ->> 'name')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'plan' = 'generic' AND q ->> 'pruning' = 'run_time'")"
	# PostgreSQL 15 cannot prune a hash key with a generic = ANY($1)
	assert_eq "none|4|0" "$(json_sql "$dq_json" "
		SELECT concat_ws('|', q ->> 'pruning', json_array_length(q -> 'scanned'), q ->> 'subplans_removed')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'name' = 'id_array_generic_plan_cannot_prune'")"
	# a value from a subquery prunes during execution: the rest never executed
	assert_eq "run_time|event_logs_2024_01,event_logs_2024_03,event_logs_default" "$(json_sql "$dq_json" "
		SELECT (q ->> 'pruning') || '|' ||
		       (SELECT string_agg(n, ',' ORDER BY n) FROM json_array_elements_text(q -> 'never_executed') n)
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'name' = 'bound_from_subquery'")"
}

test_text_output_shows_plans_verdicts_and_statistics() {
	assert_exit 0 "$DQ" --runs 1
	local queries
	queries=$(annotated_queries "$QUERIES"/*.sql)
	assert_eq "$queries" "$(grep -c '^  ✓ scanned ' <<<"$STDOUT")" "a ✓ verdict per query"
	assert_not_contains "$STDOUT" "✗"
	assert_contains "$STDOUT" "▸ one_month  (scripts/queries/20_range_queries.sql:"
	assert_contains "$STDOUT" "✓ scanned 1 of 4 partitions (event_logs_2024_02) — pruned at plan time"
	assert_contains "$STDOUT" "✓ scanned 1 of 7 partitions (sales_2024_q1_electronics) — pruned at plan time"
	assert_contains "$STDOUT" "✓ scanned 4 of 4 partitions (all) — no pruning"
	assert_contains "$STDOUT" "pruned at run time: 3 subplans removed at executor startup"
	assert_contains "$STDOUT" "3 scans never executed (event_logs_2024_01, event_logs_2024_03, event_logs_default)"
	# the server's text plan, with ANALYZE and BUFFERS
	assert_contains "$STDOUT" "Seq Scan on event_logs_2024_02 event_logs"
	assert_contains "$STDOUT" "Subplans Removed: 3"
	assert_contains "$STDOUT" "(never executed)"
	assert_contains "$STDOUT" "Buffers: shared hit="
	assert_contains "$STDOUT" "\$1 = '2024-02-10'  (sent as parameters; generic plan"
	# timings, the plain table's access path, the ratio
	assert_contains "$STDOUT" "    plain        "
	assert_contains "$STDOUT" " on event_logs_old"
	assert_contains "$STDOUT" "→ partitioned "
	# the removals, then the summary and the trees
	assert_contains "$STDOUT" "ALTER TABLE event_logs DETACH PARTITION event_logs_2024_02; DROP TABLE event_logs_2024_02"
	assert_contains "$STDOUT" "DELETE FROM event_logs_old WHERE created_at >= '2024-02-01'"
	assert_contains "$STDOUT" "$queries queries: $queries as expected"
	assert_contains "$STDOUT" "├─ event_logs_2024_01"
	assert_contains "$STDOUT" "sales_2024_q2_electronics"
	assert_contains "$STDOUT" "RANGE (sale_date), then LIST (product_category), 7 leaf partitions"
	# piped: no colour
	assert_not_contains "$STDOUT" $'\033['
}

test_colour_only_on_a_terminal() {
	local log
	log=$(mktemp)
	# script(1) gives the program a terminal
	script -qec "$DQ --table users_distributed --runs 1 --no-analyze" "$log" >/dev/null </dev/null
	assert_contains "$(<"$log")" $'\033[1m'
	NO_COLOR=1 script -qec "$DQ --table users_distributed --runs 1 --no-analyze" "$log" >/dev/null </dev/null
	assert_not_contains "$(<"$log")" $'\033['
	assert_contains "$(<"$log")" "✓ planned 1 of 4 partitions (users_distributed_p2)"
}

test_wrong_expectation_fails_the_run() {
	local dir line
	dir=$(copy_queries)
	# one_month expects March instead of February
	line=$(grep -n '^-- @expect: event_logs_2024_02$' "$dir/20_range_queries.sql" | head -n 1 | cut -d: -f1)
	sed -i "${line}s/event_logs_2024_02/event_logs_2024_03/" "$dir/20_range_queries.sql"
	assert_exit 1 "$DQ" --queries "$dir" --table event_logs --runs 1
	assert_contains "$STDOUT" "✗ scanned 1 of 4 partitions (event_logs_2024_02) — pruned at plan time"
	assert_contains "$STDOUT" "expected ($dir/20_range_queries.sql:$line): event_logs_2024_03; not scanned: event_logs_2024_03; scanned too: event_logs_2024_02"
	assert_contains "$STDOUT" "1 mismatched (one_month)"

	assert_exit 1 "$DQ" --queries "$dir" --table event_logs --runs 1 --json
	assert_eq "one_month:mismatch" "$(json_sql <(printf '%s' "$STDOUT") "
		SELECT string_agg((q ->> 'name') || ':' || (q ->> 'status'), ',')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q WHERE q ->> 'status' <> 'ok'")"

	# a wrong pruning kind fails too: the generic region query prunes at run time
	cp "$QUERIES/20_range_queries.sql" "$dir/"
	line=$(grep -n '^-- @pruning: run time$' "$dir/22_list_queries.sql" | head -n 1 | cut -d: -f1)
	sed -i "${line}s/run time/plan time/" "$dir/22_list_queries.sql"
	assert_exit 1 "$DQ" --queries "$dir" --table orders_by_region --runs 1
	assert_contains "$STDOUT" "expected pruning at plan time ($dir/22_list_queries.sql:$line), not pruning at run time"
}

test_broken_annotation_names_file_and_line() {
	local dir line
	dir=$(copy_queries)
	line=$(grep -n '^-- @expect: orders_europe$' "$dir/22_list_queries.sql" | head -n 1 | cut -d: -f1)
	sed -i "${line}s/@expect:/@expect/" "$dir/22_list_queries.sql"
	assert_exit 2 "$DQ" --queries "$dir"
	assert_contains "$STDERR" "error: $dir/22_list_queries.sql:$line: missing \":\" after \"@expect\""
	assert_eq "" "$STDOUT" "nothing runs"

	cp "$QUERIES/22_list_queries.sql" "$dir/"
	printf '\nSELECT 1;\n' >>"$dir/23_composite_queries.sql"
	line=$(wc -l <"$dir/23_composite_queries.sql")
	assert_exit 2 "$DQ" --queries "$dir" --json
	assert_contains "$STDERR" "$dir/23_composite_queries.sql:$line: statement without annotations"
	assert_eq "" "$STDOUT"
}

test_usage_errors_exit_2() {
	assert_exit 2 "$DQ" --bogus
	assert_contains "$STDERR" "--help"
	assert_exit 2 "$DQ" extra
	assert_contains "$STDERR" "unexpected argument \"extra\""
	assert_exit 2 "$DQ" --table no_such_table
	assert_contains "$STDERR" "unknown table \"no_such_table\""
	assert_contains "$STDERR" "the query files know: event_logs, users_distributed, orders_by_region, sales_data"
	assert_exit 2 "$DQ" --runs 0
	assert_contains "$STDERR" "invalid value \"0\" for option --runs: must be an integer between 1 and 100"
	assert_exit 2 "$DQ" --queries /nonexistent
	assert_contains "$STDERR" "could not read the query directory \"/nonexistent\""
	assert_exit 0 "$DQ" --help
	assert_contains "$STDOUT" "--no-analyze"
}

test_table_option_runs_one_table() {
	assert_exit 0 "$DQ" --table orders_by_region --json --runs 1
	assert_eq "5|orders_by_region|remove_a_region" "$(json_sql <(printf '%s' "$STDOUT") "
		SELECT concat_ws('|', json_array_length(:'doc'::json -> 'queries'),
		       (SELECT string_agg(DISTINCT q ->> 'table', ',') FROM json_array_elements(:'doc'::json -> 'queries') q),
		       (SELECT string_agg(m ->> 'name', ',') FROM json_array_elements(:'doc'::json -> 'maintenance') m))")"
}

test_no_analyze_shows_plans_only() {
	assert_exit 0 "$DQ" --no-analyze --json
	# nothing timed, nothing removed; the subquery case cannot be checked without ANALYZE
	assert_eq "false|0|0|bound_from_subquery" "$(json_sql <(printf '%s' "$STDOUT") "
		SELECT concat_ws('|', :'doc'::json ->> 'analyze',
		       (SELECT count(*) FROM json_array_elements(:'doc'::json -> 'queries') q
		         WHERE json_typeof(q -> 'time_ms') <> 'null'),
		       json_array_length(:'doc'::json -> 'maintenance'),
		       (SELECT string_agg(q ->> 'name', ',') FROM json_array_elements(:'doc'::json -> 'queries') q
		         WHERE q ->> 'status' = 'unchecked'))")"
	assert_exit 0 "$DQ" --no-analyze --table event_logs
	assert_contains "$STDOUT" "✓ planned 1 of 4 partitions (event_logs_2024_02) — pruned at run time: 3 subplans removed"
	assert_contains "$STDOUT" "? planned 4 of 4 partitions (all) — no pruning"
	assert_contains "$STDOUT" "not checked: pruning during execution shows only with ANALYZE"
	assert_not_contains "$STDOUT" "actual time="
}

test_removals_are_timed_and_rolled_back() {
	local before
	before=$(sql "SELECT (SELECT count(*) FROM event_logs) || '|' || (SELECT count(*) FROM event_logs_old)
		|| '|' || (SELECT count(*) FROM orders_by_region_old) || '|' || (SELECT count(*) FROM pg_partition_tree('sales_data'))")
	# DETACH + DROP against DELETE, each inside BEGIN ... ROLLBACK
	assert_eq "remove_a_month:ok:$(sql "SELECT count(*) FROM event_logs_old WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01'"),remove_a_quarter:ok:$(sql "SELECT count(*) FROM sales_data_old WHERE sale_date >= '2024-01-01' AND sale_date < '2024-04-01'"),remove_a_region:ok:$(sql "SELECT count(*) FROM orders_by_region_old WHERE region IN ('UK','DE','FR','IT','ES')")" \
		"$(json_sql "$dq_json" "
		SELECT string_agg(concat_ws(':', m ->> 'name', m ->> 'status', m -> 'plain_ms' ->> 'rows'), ',' ORDER BY m ->> 'name')
		  FROM json_array_elements(:'doc'::json -> 'maintenance') AS m
		 WHERE (m -> 'partitioned_ms' ->> 'median')::numeric > 0
		   AND (m -> 'plain_ms' ->> 'median')::numeric > 0
		   AND (m ->> 'speed_ratio')::numeric > 0")"
	assert_exit 0 "$DQ" --table event_logs --runs 1
	assert_eq "$before" "$(sql "SELECT (SELECT count(*) FROM event_logs) || '|' || (SELECT count(*) FROM event_logs_old)
		|| '|' || (SELECT count(*) FROM orders_by_region_old) || '|' || (SELECT count(*) FROM pg_partition_tree('sales_data'))")" \
		"rows and partitions after the run"
	assert_eq "event_logs" "$(sql "SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = 'event_logs_2024_02'::regclass")"
	assert_eq "0" "$(sql "SELECT count(*) FROM pg_prepared_statements")" "no prepared statement left (own session)"
}

test_missing_plain_table_is_reported_not_fatal() {
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS demo_queries_noold" \
		-c "CREATE DATABASE demo_queries_noold TEMPLATE demo_queries" >/dev/null
	sql "DROP TABLE event_logs_old" -d demo_queries_noold >/dev/null
	POSTGRES_DB=demo_queries_noold assert_exit 0 "$DQ" --table event_logs --runs 1
	assert_contains "$STDOUT" "not timed: relation \"event_logs_old\" does not exist"
	assert_contains "$STDOUT" "6 queries: 6 as expected"
	psql -XAtq -d postgres -c "DROP DATABASE demo_queries_noold" >/dev/null
}

test_changed_partitions_fail_with_a_hint() {
	# as after bin/repartition detach: February is no partition any more
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS demo_queries_changed" \
		-c "CREATE DATABASE demo_queries_changed TEMPLATE demo_queries" >/dev/null
	sql "ALTER TABLE event_logs DETACH PARTITION event_logs_2024_02" -d demo_queries_changed >/dev/null
	POSTGRES_DB=demo_queries_changed assert_exit 1 "$DQ" --table event_logs --runs 1
	# February now falls to DEFAULT
	assert_contains "$STDOUT" "✗ scanned 1 of 3 partitions (event_logs_default) — pruned at plan time"
	assert_contains "$STDOUT" "no partition of event_logs: event_logs_2024_02"
	assert_contains "$STDOUT" "\"bin/repartition cleanup\" restores them"
	# the removal names its failing statement
	assert_contains "$STDERR" "29_partition_maintenance.sql:$(grep -n '^ALTER TABLE event_logs DETACH' "$QUERIES/29_partition_maintenance.sql" | cut -d: -f1): remove_a_month:"
	psql -XAtq -d postgres -c "DROP DATABASE demo_queries_changed" >/dev/null
}

# A query the server rejects is reported as every program reports a server
# error: file:line and the query's name, message and SQLSTATE, then the
# server's detail, hint and context (the context line was left out before the
# one query layer).
test_server_error_is_reported_in_full() {
	local dir file
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS demo_queries_raise" \
		-c "CREATE DATABASE demo_queries_raise TEMPLATE demo_queries" >/dev/null
	sql "CREATE FUNCTION dq_test_refuse() RETURNS bigint LANGUAGE plpgsql AS \$\$
BEGIN
	RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023',
		DETAIL = 'the detail of the test', HINT = 'the hint of the test';
END \$\$" -d demo_queries_raise >/dev/null
	dir=$(mktemp -d)
	file=$dir/50_refused.sql
	printf '%s\n' "-- @query: refused" "-- @table: event_logs" "-- @shows: a server error" \
		"-- @expect: all" "SELECT count(*) FROM event_logs WHERE id = (SELECT dq_test_refuse());" >"$file"
	POSTGRES_DB=demo_queries_raise assert_exit 1 "$DQ" --queries "$dir" --table event_logs --runs 1
	assert_contains "$STDERR" "error: $file:5: refused: refused by the test (SQLSTATE 22023)"
	assert_contains "$STDERR" "detail: the detail of the test"
	assert_contains "$STDERR" "hint: the hint of the test"
	assert_contains "$STDERR" "detail: context: PL/pgSQL function dq_test_refuse() line 3 at RAISE"
	psql -XAtq -d postgres -c "DROP DATABASE demo_queries_raise" >/dev/null
}

test_tables_not_set_up_are_a_clear_error() {
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS demo_queries_empty" \
		-c "CREATE DATABASE demo_queries_empty" >/dev/null
	POSTGRES_DB=demo_queries_empty assert_exit 1 "$DQ" --table sales_data --runs 1
	assert_contains "$STDERR" "error: table \"sales_data\" does not exist"
	assert_contains "$STDERR" "hint: run bin/setup-database first"
	psql -XAtq -d postgres -c "DROP DATABASE demo_queries_empty" >/dev/null
}

run_test dq_json_lists_every_query_with_its_expected_set test_json_lists_every_query_with_its_expected_set
run_test dq_timings_are_measured_beside_the_plain_tables test_timings_are_measured_beside_the_plain_tables
run_test dq_no_prune_contrast_scans_all_partitions test_no_prune_contrast_scans_all_partitions
run_test dq_generic_plans_prune_at_run_time test_generic_plans_prune_at_run_time
run_test dq_text_output_shows_plans_verdicts_and_statistics test_text_output_shows_plans_verdicts_and_statistics
run_test dq_colour_only_on_a_terminal test_colour_only_on_a_terminal
run_test dq_wrong_expectation_fails_the_run test_wrong_expectation_fails_the_run
run_test dq_broken_annotation_names_file_and_line test_broken_annotation_names_file_and_line
run_test dq_usage_errors_exit_2 test_usage_errors_exit_2
run_test dq_table_option_runs_one_table test_table_option_runs_one_table
run_test dq_no_analyze_shows_plans_only test_no_analyze_shows_plans_only
run_test dq_removals_are_timed_and_rolled_back test_removals_are_timed_and_rolled_back
run_test dq_missing_plain_table_is_reported_not_fatal test_missing_plain_table_is_reported_not_fatal
run_test dq_changed_partitions_fail_with_a_hint test_changed_partitions_fail_with_a_hint
run_test dq_server_error_is_reported_in_full test_server_error_is_reported_in_full
run_test dq_tables_not_set_up_are_a_clear_error test_tables_not_set_up_are_a_clear_error
