# shellcheck shell=bash
# test_reset_ownership.sh - setup-database --reset (scripts/lib/reset.sql)
# drops what this project created and nothing else: user tables whose names
# look like ours survive with their rows, the project's own tables go even
# after a rename, and objects of the user's that depend on ours make reset
# refuse instead of being dropped by CASCADE.  The catalog after a reset is
# compared with that of a database that never saw the project.
# Sourced by tests/integration/run.sh.

RO_SETUP=$BIN_DIR/setup-database
RO_RESET_SQL=$ROOT_DIR/scripts/lib/reset.sql

# Every non-system object of the current database, one identity per line:
# relations, functions, types, schemas, constraints, triggers, rules,
# defaults, policies (pg_identify_object names them without OIDs).
ro_catalog() {
	sql "WITH sys AS (
		  SELECT oid FROM pg_namespace
		   WHERE nspname IN ('pg_catalog', 'information_schema', 'pg_toast')
		      OR nspname LIKE 'pg\\_temp\\_%' OR nspname LIKE 'pg\\_toast\\_temp\\_%'),
		user_rel AS (SELECT oid FROM pg_class WHERE relnamespace NOT IN (SELECT oid FROM sys)),
		o AS (
		  SELECT 'pg_class'::regclass AS classid, oid AS objid FROM user_rel
		  UNION ALL SELECT 'pg_proc'::regclass, oid FROM pg_proc WHERE pronamespace NOT IN (SELECT oid FROM sys)
		  UNION ALL SELECT 'pg_type'::regclass, oid FROM pg_type WHERE typnamespace NOT IN (SELECT oid FROM sys)
		  UNION ALL SELECT 'pg_namespace'::regclass, oid FROM pg_namespace WHERE oid NOT IN (SELECT oid FROM sys)
		  UNION ALL SELECT 'pg_constraint'::regclass, oid FROM pg_constraint WHERE connamespace NOT IN (SELECT oid FROM sys)
		  UNION ALL SELECT 'pg_trigger'::regclass, oid FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM user_rel)
		  UNION ALL SELECT 'pg_rewrite'::regclass, oid FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM user_rel)
		  UNION ALL SELECT 'pg_attrdef'::regclass, oid FROM pg_attrdef WHERE adrelid IN (SELECT oid FROM user_rel)
		  UNION ALL SELECT 'pg_policy'::regclass, oid FROM pg_policy WHERE polrelid IN (SELECT oid FROM user_rel))
		SELECT coalesce(string_agg(i.type || ' ' || i.identity, E'\n' ORDER BY i.type, i.identity), '')
		  FROM o CROSS JOIN LATERAL pg_identify_object(o.classid, o.objid, 0) AS i" "$@"
}

# User tables named like the project's, in every pattern the old reset
# matched, plus capitals, quotes and another schema; each holds rows.
ro_create_lookalikes() {
	sql "CREATE TABLE event_logs_2023_12 (id int, note text);
		INSERT INTO event_logs_2023_12 SELECT g, 'december ' || g FROM generate_series(1, 12) g;
		CREATE TABLE event_logs_2023_11_w1 (id int);
		INSERT INTO event_logs_2023_11_w1 SELECT generate_series(1, 7);
		CREATE TABLE users_distributed_r2019 (id int);
		INSERT INTO users_distributed_r2019 SELECT generate_series(1, 19);
		CREATE TABLE users_distributed_rmaxi (id int);
		INSERT INTO users_distributed_rmaxi VALUES (1);
		CREATE TABLE event_logs_2023_09 (id int, d date) PARTITION BY RANGE (d);
		CREATE TABLE event_logs_2023_09_w2 PARTITION OF event_logs_2023_09 FOR VALUES FROM ('2023-09-08') TO ('2023-09-15');
		INSERT INTO event_logs_2023_09 VALUES (1, '2023-09-09'), (2, '2023-09-10');
		CREATE TABLE \"Event_Logs_2024_01\" (id int);
		INSERT INTO \"Event_Logs_2024_01\" VALUES (1), (2);
		CREATE TABLE \"event_logs_2024_02\"\"; DROP TABLE event_logs; --\" (id int);
		INSERT INTO \"event_logs_2024_02\"\"; DROP TABLE event_logs; --\" VALUES (3);
		CREATE SCHEMA \"Other Schema\";
		CREATE TABLE \"Other Schema\".event_logs (id int);
		INSERT INTO \"Other Schema\".event_logs VALUES (4), (5), (6);
		CREATE TABLE \"Other Schema\".users_distributed_usernames (username text);
		INSERT INTO \"Other Schema\".users_distributed_usernames VALUES ('keep');
		CREATE VIEW event_logs_2023_08 AS SELECT 1 AS one;"
}

# "name rows checksum" of each look-alike, sorted
ro_lookalike_contents() {
	local t
	for t in event_logs_2023_12 event_logs_2023_11_w1 users_distributed_r2019 users_distributed_rmaxi \
		event_logs_2023_09 '"Event_Logs_2024_01"' '"event_logs_2024_02""; DROP TABLE event_logs; --"' \
		'"Other Schema".event_logs' '"Other Schema".users_distributed_usernames' event_logs_2023_08; do
		sql "SELECT '$t ' || count(*) || ' ' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM $t AS x" ||
			echo "$t missing"
	done
}

# the expected catalog: a database that never saw the project, same user objects
ro_expected_catalog() {
	local db=$1 saved=$PGDATABASE
	fresh_database "$db"
	ro_create_lookalikes >/dev/null
	ro_catalog
	export POSTGRES_DB=$saved PGDATABASE=$saved
}

ro_reset_by_hand() {
	psql -XAtq -v ON_ERROR_STOP=1 -1 -f "$RO_RESET_SQL"
}

test_reset_keeps_lookalike_tables_and_drops_every_scenario_object() {
	local expected contents
	expected=$(ro_expected_catalog reset_lookalike_expected)
	fresh_database reset_lookalike
	ro_create_lookalikes >/dev/null
	contents=$(ro_lookalike_contents)
	assert_not_contains "$contents" "missing"

	assert_exit 0 "$RO_SETUP" --seed-rows 400
	# every kind of object the scenarios make: a new month, weeks, an
	# archive, range partitions and the kept hash table
	assert_exit 0 "$BIN_DIR/repartition" add
	assert_exit 0 "$BIN_DIR/repartition" split
	assert_exit 0 "$BIN_DIR/repartition" detach
	assert_exit 0 "$BIN_DIR/repartition" migrate
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'users_distributed_hash'")"
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_archive'")"

	assert_exit 0 ro_reset_by_hand
	assert_eq "$contents" "$(ro_lookalike_contents)" "every look-alike is there with the same rows"
	assert_contains "$OUT" "kept event_logs_2023_12: not created by this project"
	assert_eq "$expected" "$(ro_catalog)" "catalog after reset = catalog of a database without the project"

	# and the project sets up again next to them
	assert_exit 0 "$RO_SETUP" --seed-rows 300
	assert_eq 300 "$(sql "SELECT count(*) FROM event_logs")"
	assert_exit 0 "$RO_SETUP" --reset --seed-rows 200
	assert_eq 200 "$(sql "SELECT count(*) FROM users_distributed")"
	assert_eq "$contents" "$(ro_lookalike_contents)"
}

test_reset_drops_renamed_project_tables_and_keeps_the_users_namesake() {
	local expected
	fresh_database reset_rename_expected
	sql "CREATE TABLE event_logs_old (id int, mine text); INSERT INTO event_logs_old VALUES (1, 'a'), (2, 'b'), (3, 'c')"
	expected=$(ro_catalog)
	fresh_database reset_rename
	assert_exit 0 "$RO_SETUP" --seed-rows 300
	# the user renames two of ours, then takes one of the freed names
	sql "ALTER TABLE event_logs_old RENAME TO \"My Old Events\";
		ALTER TABLE sales_data_old RENAME TO sales_data_backup;
		ALTER TABLE users_distributed RENAME TO \"Users\"\"Live\";
		CREATE TABLE event_logs_old (id int, mine text);
		INSERT INTO event_logs_old VALUES (1, 'a'), (2, 'b'), (3, 'c')"

	assert_exit 0 ro_reset_by_hand
	assert_eq "1:a 2:b 3:c" "$(sql "SELECT string_agg(id || ':' || mine, ' ' ORDER BY id) FROM event_logs_old")"
	assert_eq "$expected" "$(ro_catalog)" "the renamed tables of the project are gone, the user's namesake stays"
}

test_reset_refuses_to_drop_what_depends_on_the_projects_objects() {
	fresh_database reset_dependents
	assert_exit 0 "$RO_SETUP" --seed-rows 300
	local before
	before=$(ro_catalog)

	# a view of the user's on our table
	sql "CREATE VIEW \"Recent Events\" AS SELECT id, created_at FROM event_logs WHERE id > 100"
	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" 'view "Recent Events" depends on table event_logs'
	assert_contains "$OUT" "not created by this project"
	assert_contains "$OUT" "nothing was dropped"
	assert_not_contains "$OUT" "CASCADE to drop"
	assert_eq 6 "$(sql "SELECT count(*) FROM partition_demo.applied_scripts")"
	sql "DROP VIEW \"Recent Events\""
	assert_eq "$before" "$(ro_catalog)" "the refused reset changed nothing"

	# a table of the user's attached as a partition of ours: DROP would take it along
	sql "CREATE TABLE my_2025_01 (LIKE event_logs);
		INSERT INTO my_2025_01 (id, event_type, user_id, created_at) VALUES (-1, 'mine', 1, '2025-01-05');
		ALTER TABLE event_logs ATTACH PARTITION my_2025_01 FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')"
	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" "my_2025_01"
	assert_contains "$OUT" "DETACH PARTITION"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs WHERE id = -1")"

	# a table of the user's inheriting from ours, a foreign key to ours, a
	# view on the bookkeeping and a sequence owned by our column
	sql "ALTER TABLE event_logs DETACH PARTITION my_2025_01;
		CREATE TABLE my_child (extra int) INHERITS (sales_data_old);
		CREATE TABLE my_orders (order_id bigint REFERENCES orders_by_region_old (id));
		CREATE VIEW my_applied AS SELECT script FROM partition_demo.applied_scripts;
		CREATE SEQUENCE my_seq OWNED BY users_distributed_old.id"
	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" "my_child"
	sql "DROP TABLE my_child"
	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" "my_seq"
	sql "ALTER SEQUENCE my_seq OWNED BY NONE"
	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" "constraint my_orders_order_id_fkey on table my_orders depends on"
	sql "ALTER TABLE my_orders DROP CONSTRAINT my_orders_order_id_fkey"
	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" "view my_applied depends on table partition_demo.applied_scripts"
	sql "DROP VIEW my_applied"

	# nothing depends on ours any more: reset goes through, the user's tables stay
	assert_exit 0 "$RO_SETUP" --reset --seed-rows 200
	assert_eq "-1" "$(sql "SELECT id FROM my_2025_01")"
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('my_orders', 'my_seq') AND relkind = 'r'")"
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'my_seq' AND relkind = 'S'")"
}

test_reset_after_failed_and_half_done_runs() {
	local expected scripts
	expected=$(ro_expected_catalog reset_failed_expected)
	fresh_database reset_failed
	ro_create_lookalikes >/dev/null
	scripts=$(mktemp -d)
	cp -r "$ROOT_DIR/scripts" "$scripts/"
	# the online swap of event_logs fails after its prepare committed
	sed -i 's/^-- @online: swap$/&\nSELECT 1 \/ 0;/' "$scripts/scripts/01_range_partitions.sql"
	grep -q '^SELECT 1 / 0;' "$scripts/scripts/01_range_partitions.sql" || fail "could not inject the failure"
	assert_exit 1 "$RO_SETUP" --scripts "$scripts/scripts" --online --table event_logs --seed-rows 300
	assert_contains "$OUT" "division by zero"
	assert_eq 1 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")" "a half-done online migration"
	# and a failed offline run of another table: 03 broken after its first statements
	sed -i '0,/^CREATE INDEX/s//CREATE INDEKS/' "$scripts/scripts/03_list_partitions.sql"
	assert_exit 1 "$RO_SETUP" --scripts "$scripts/scripts" --online --table orders_by_region
	assert_exit 0 ro_reset_by_hand
	assert_eq "$expected" "$(ro_catalog)"
	rm -rf -- "$scripts"
}

test_cleanup_keeps_a_users_partition_of_event_logs() {
	fresh_database cleanup_users_partition
	assert_exit 0 "$RO_SETUP" --seed-rows 300
	assert_exit 0 "$BIN_DIR/repartition" add
	# a table of the user's attached next to the scenario's new month
	sql "CREATE TABLE my_2025_01 (LIKE event_logs);
		INSERT INTO my_2025_01 (id, event_type, user_id, created_at) VALUES (-1, 'mine', 1, '2025-01-05');
		ALTER TABLE event_logs ATTACH PARTITION my_2025_01 FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')"
	assert_exit 1 "$BIN_DIR/repartition" cleanup
	assert_contains "$OUT" "refusing to restore event_logs: my_2025_01 (a partition of event_logs) was not created by this project"
	assert_contains "$OUT" "ALTER TABLE event_logs DETACH PARTITION my_2025_01"
	assert_eq "my_2025_01|-1" "$(sql "SELECT tableoid::regclass || '|' || id FROM event_logs WHERE id = -1")"
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_04'")" "nothing undone"
	sql "ALTER TABLE event_logs DETACH PARTITION my_2025_01"
	assert_exit 0 "$BIN_DIR/repartition" cleanup
	assert_eq "-1" "$(sql "SELECT id FROM my_2025_01")"
}

# A database an earlier version set up has no record of what it created: no
# program starts one (it would miss the tables for good), and reset lists the
# statements that drop that version's objects, which, run as printed, leave
# exactly a database that never saw the project.
test_reset_of_a_database_without_a_record_lists_the_drops() {
	local expected before statements
	expected=$(ro_expected_catalog reset_legacy_expected)
	fresh_database reset_legacy
	ro_create_lookalikes >/dev/null
	assert_exit 0 "$RO_SETUP" --seed-rows 300
	assert_exit 0 "$BIN_DIR/repartition" split
	assert_exit 0 "$BIN_DIR/repartition" detach
	assert_exit 0 "$BIN_DIR/repartition" migrate
	# as that version left it: no record, the trigger functions in public
	sql "DROP TABLE partition_demo.created_objects, partition_demo.installation;
		ALTER FUNCTION partition_demo.users_distributed_register_username() SET SCHEMA public;
		ALTER FUNCTION partition_demo.users_distributed_unregister_truncated() SET SCHEMA public"
	before=$(ro_catalog)

	assert_exit 1 "$RO_SETUP"
	assert_contains "$OUT" "partition_demo holds no complete record of the objects this project created (SQLSTATE 55000)"
	assert_contains "$OUT" "bin/setup-database --reset lists the statements"
	assert_exit 1 "$BIN_DIR/repartition" cleanup
	assert_contains "$OUT" "partition_demo holds no complete record of the objects this project created"
	assert_eq "$before" "$(ro_catalog)" "no record started, nothing changed"

	assert_exit 1 "$RO_SETUP" --reset
	assert_contains "$OUT" "partition_demo holds no complete record of the objects this project created"
	assert_contains "$OUT" "make db-down && rm -rf data/embedded && make db-up"
	statements=$(grep -E '^    DROP ' <<<"$OUT")
	assert_eq "    DROP TABLE public.event_logs, public.event_logs_archive, public.event_logs_old, public.orders_by_region, public.orders_by_region_old, public.sales_data, public.sales_data_old, public.users_distributed, public.users_distributed_hash, public.users_distributed_old, public.users_distributed_usernames;" \
		"$(head -n 1 <<<"$statements")" "the project's tables, none of the look-alikes"
	assert_contains "$statements" "    DROP ROUTINE partition_demo.add_outside_check(regclass, text, timestamp without time zone, timestamp without time zone), "
	assert_contains "$statements" " partition_demo.assert_conserved(), "
	assert_contains "$statements" " partition_demo.online_replay_ids(partition_demo.online_migrations, bigint[]), "
	assert_contains "$statements" "public.users_distributed_register_username(), public.users_distributed_unregister_truncated();"
	assert_contains "$statements" "DROP TABLE partition_demo.applied_scripts, "
	assert_eq "    DROP SCHEMA partition_demo;" "$(tail -n 1 <<<"$statements")"
	assert_eq "$before" "$(ro_catalog)" "nothing dropped"

	# run as printed: nothing of the project's is left, every look-alike is
	assert_exit 0 psql -XAtq -v ON_ERROR_STOP=1 -1 -c "$statements"
	assert_eq "$expected" "$(ro_catalog)"
	assert_exit 0 "$RO_SETUP" --seed-rows 200
	assert_eq 200 "$(sql "SELECT count(*) FROM event_logs")"
}

run_test reset_keeps_lookalike_tables_and_drops_every_scenario_object test_reset_keeps_lookalike_tables_and_drops_every_scenario_object
run_test reset_drops_renamed_project_tables_and_keeps_the_users_namesake test_reset_drops_renamed_project_tables_and_keeps_the_users_namesake
run_test reset_refuses_to_drop_what_depends_on_the_projects_objects test_reset_refuses_to_drop_what_depends_on_the_projects_objects
run_test reset_after_failed_and_half_done_runs test_reset_after_failed_and_half_done_runs
run_test cleanup_keeps_a_users_partition_of_event_logs test_cleanup_keeps_a_users_partition_of_event_logs
run_test reset_of_a_database_without_a_record_lists_the_drops test_reset_of_a_database_without_a_record_lists_the_drops
