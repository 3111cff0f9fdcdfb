# shellcheck shell=bash
# test_migration_guard.sh - the guard that the four migration files share
# (step 0 of scripts/01..04: partition_demo.assert_migratable()) and their
# bound on lock waits (partition_demo.bound_lock_waits()): each refusal, with
# its message, SQLSTATE and hint, for each file, run by hand as the README
# says (psql -1 -f) and by setup-database, and nothing changed after it.
# Sourced by tests/integration/run.sh.

MG_FILES=(01_range_partitions 02_hash_partitions 03_list_partitions 04_composite_partitions)
MG_TABLES=(event_logs users_distributed orders_by_region sales_data)
# one name each file creates (from its list of names that must be free)
MG_NAMES=(event_logs_2024_02 users_distributed_p3 orders_europe sales_2024_q2_clothing)

# runs scripts/$1.sql by hand in one transaction; it must fail (psql: exit 3)
mg_by_hand() {
	TEST_CMD_TIMEOUT=60 assert_exit 3 psql -X -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -1 \
		-f "$ROOT_DIR/scripts/$1.sql"
}

# the project's helpers, and with $1 = base also its four plain tables (empty)
mg_db() {
	fresh_database "$1"
	local files=(-f "$ROOT_DIR/scripts/lib/partition_demo.sql")
	[[ ${2:-} == base ]] && files+=(-f "$ROOT_DIR/scripts/00_setup_base_tables.sql")
	psql -XAtq -v ON_ERROR_STOP=1 -1 "${files[@]}" >/dev/null
}

# every relation of the tables' schema, with its kind: what a refusal must leave as it was
mg_relations() {
	sql "SELECT coalesce(string_agg(relname || ':' || relkind::text, ' ' ORDER BY relname), '')
	       FROM pg_catalog.pg_class WHERE relnamespace = 'public'::regnamespace"
}

test_guard_refuses_a_missing_table() {
	mg_db mg_missing
	for i in 0 1 2 3; do
		mg_by_hand "${MG_FILES[i]}"
		assert_contains "$OUT" "ERROR:  42P01: ${MG_TABLES[i]} does not exist; nothing to partition"
		assert_contains "$OUT" "HINT:  run 00_setup_base_tables.sql and 00_initial_seed_data.sql first"
	done
	assert_eq "" "$(mg_relations)" "nothing created"
}

test_guard_refuses_a_partitioned_table() {
	fresh_database mg_partitioned
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 100
	local before applied
	before=$(mg_relations)
	applied=$(sql "SELECT string_agg(script, ',' ORDER BY script) FROM partition_demo.applied_scripts")
	for i in 0 1 2 3; do
		mg_by_hand "${MG_FILES[i]}"
		assert_contains "$OUT" "ERROR:  55000: ${MG_TABLES[i]} is already partitioned; nothing to do"
		assert_contains "$OUT" "HINT:  to start over, run bin/setup-database --reset"
	done
	assert_eq "$before" "$(mg_relations)" "nothing created or dropped"
	assert_eq "$applied" "$(sql "SELECT string_agg(script, ',' ORDER BY script) FROM partition_demo.applied_scripts")"
	assert_eq "100 100 100 100" "$(sql "SELECT (SELECT count(*) FROM event_logs) || ' ' || (SELECT count(*) FROM users_distributed)
		|| ' ' || (SELECT count(*) FROM orders_by_region) || ' ' || (SELECT count(*) FROM sales_data)")"
}

test_guard_refuses_what_the_project_did_not_create() {
	mg_db mg_foreign
	sql "CREATE VIEW event_logs AS SELECT 1 AS id" >/dev/null
	mg_by_hand 01_range_partitions
	assert_contains "$OUT" "ERROR:  42809: event_logs is not a plain table (relkind v)"
	# a plain table of the same name, created by someone else
	sql "CREATE TABLE users_distributed (id serial PRIMARY KEY, username varchar(50) NOT NULL)" >/dev/null
	mg_by_hand 02_hash_partitions
	assert_contains "$OUT" "ERROR:  55000: refusing to partition users_distributed: it was not created by this project"
	assert_contains "$OUT" "HINT:  nothing was changed; set it aside, then run again: ALTER TABLE users_distributed RENAME TO <another name>"
	assert_eq "event_logs:v users_distributed:r users_distributed_id_seq:S users_distributed_pkey:i" "$(mg_relations)"
}

test_guard_refuses_a_sequence_or_a_name_it_did_not_create() {
	mg_db mg_names base
	local before
	# the project's plain table, but its serial's sequence is someone else's
	sql "ALTER SEQUENCE orders_by_region_id_seq RENAME TO orders_by_region_id_seq_ours;
	     CREATE SEQUENCE orders_by_region_id_seq" >/dev/null
	mg_by_hand 03_list_partitions
	assert_contains "$OUT" "ERROR:  55000: refusing to make the partitioned table the owner of orders_by_region_id_seq: it was not created by this project"
	sql "DROP SEQUENCE orders_by_region_id_seq; ALTER SEQUENCE orders_by_region_id_seq_ours RENAME TO orders_by_region_id_seq" >/dev/null
	# each file: a name it would create is taken by a table of someone else's
	for i in 0 1 2 3; do
		sql "CREATE TABLE ${MG_NAMES[i]} (x int)" >/dev/null
	done
	before=$(mg_relations)
	for i in 0 1 2 3; do
		mg_by_hand "${MG_FILES[i]}"
		assert_contains "$OUT" "ERROR:  42P07: cannot partition ${MG_TABLES[i]}: ${MG_NAMES[i]} exists already, not created by this project"
	done
	assert_eq "$before" "$(mg_relations)" "nothing created or dropped"
}

# setup-database: the same refusal, placed at the file's guard, with SQLSTATE and hint
test_guard_refusal_through_setup_database() {
	fresh_database mg_setup
	sql "CREATE TABLE event_logs_2024_02 (x int)" >/dev/null
	local line
	line=$(grep -n "^SELECT partition_demo.assert_migratable('event_logs'," "$ROOT_DIR/scripts/01_range_partitions.sql" | cut -d: -f1)
	[[ -n $line ]] || fail "01_range_partitions.sql calls no partition_demo.assert_migratable()"
	assert_exit 1 "$BIN_DIR/setup-database" --seed-rows 100
	assert_contains "$OUT" "01_range_partitions.sql:$line: cannot partition event_logs: event_logs_2024_02 exists already, not created by this project (SQLSTATE 42P07)"
	assert_contains "$OUT" "hint: nothing was changed; rename it (ALTER TABLE event_logs_2024_02 RENAME TO <another name>) or move it to another schema, then run again"
	assert_contains "$OUT" "files before 01_range_partitions.sql stay applied"
	assert_eq r "$(sql "SELECT relkind FROM pg_class WHERE oid = 'event_logs'::regclass")" "event_logs not migrated"
	assert_eq 100 "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_2024_02")" "the user's table untouched"
}

# a session holding ROW EXCLUSIVE on table $1 (a writer in a transaction)
mg_hold() {
	PGAPPNAME=mg_holder psql -XAtq -c "BEGIN" -c "LOCK TABLE $1 IN ROW EXCLUSIVE MODE" \
		-c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
	until [[ $(sql "SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a USING (pid)
		WHERE a.application_name = 'mg_holder' AND l.relation = '$1'::regclass AND l.granted") -ge 1 ]]; do
		sleep 0.05
	done
}

mg_release() {
	sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mg_holder'" >/dev/null
	wait
}

# run by hand without a lock_timeout, each file waits 2 s for its table's lock, then stops
test_guard_files_by_hand_bound_their_lock_wait() {
	mg_db mg_locks base
	local before line
	before=$(mg_relations)
	for i in 0 1 2 3; do
		mg_hold "${MG_TABLES[i]}"
		mg_by_hand "${MG_FILES[i]}"
		line=$(grep -n "^LOCK TABLE ${MG_TABLES[i]} IN EXCLUSIVE MODE;" "$ROOT_DIR/scripts/${MG_FILES[i]}.sql" | cut -d: -f1)
		assert_contains "$OUT" "${MG_FILES[i]}.sql:$line: ERROR:  55P03: canceling statement due to lock timeout"
		mg_release
	done
	assert_eq "$before" "$(mg_relations)" "nothing created"
}

run_test guard_refuses_a_missing_table test_guard_refuses_a_missing_table
run_test guard_refuses_a_partitioned_table test_guard_refuses_a_partitioned_table
run_test guard_refuses_what_the_project_did_not_create test_guard_refuses_what_the_project_did_not_create
run_test guard_refuses_a_sequence_or_a_name_it_did_not_create test_guard_refuses_a_sequence_or_a_name_it_did_not_create
run_test guard_refusal_through_setup_database test_guard_refusal_through_setup_database
run_test guard_files_by_hand_bound_their_lock_wait test_guard_files_by_hand_bound_their_lock_wait
