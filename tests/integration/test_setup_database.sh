# shellcheck shell=bash
# test_setup_database.sh - bin/setup-database against the real throwaway server:
# the four migrations, their verification, bookkeeping, re-runs and failures.
# Sourced by tests/integration/run.sh (see tests/lib/testlib.sh).

SETUP=$BIN_DIR/setup-database

# One database set up once and shared by the read-only checks below.
fresh_database setup_shared
setup_log=$TESTLIB_LOG_DIR/setup_shared.log
"$SETUP" >"$setup_log" 2>&1
setup_status=$?

test_setup_succeeds_and_prints_trees() {
	assert_eq 0 "$setup_status" "setup-database exit status (log: $setup_log)"
	local out
	out=$(<"$setup_log")
	for file in 00_setup_base_tables 00_initial_seed_data 01_range_partitions \
		02_hash_partitions 03_list_partitions 04_composite_partitions; do
		assert_contains "$out" "$file.sql" "progress names each file"
	done
	assert_contains "$out" "├─ event_logs_2024_01"
	assert_contains "$out" "sales_2024_q1_electronics"
	assert_contains "$out" "event_logs_old (plain table): 5,000 rows"
	assert_eq 6 "$(sql 'SELECT count(*) FROM partition_demo.applied_scripts')" "bookkeeping rows"
}

test_tables_have_the_spec_partitions() {
	assert_eq "event_logs,event_logs_2024_01,event_logs_2024_02,event_logs_2024_03,event_logs_default" \
		"$(sql "SELECT string_agg(relid::text, ',' ORDER BY relid::text) FROM pg_partition_tree('event_logs')")"
	assert_eq "users_distributed,users_distributed_p0,users_distributed_p1,users_distributed_p2,users_distributed_p3" \
		"$(sql "SELECT string_agg(relid::text, ',' ORDER BY relid::text) FROM pg_partition_tree('users_distributed')")"
	assert_eq "orders_asia_pacific,orders_by_region,orders_europe,orders_north_america,orders_other" \
		"$(sql "SELECT string_agg(relid::text, ',' ORDER BY relid::text) FROM pg_partition_tree('orders_by_region')")"
	assert_eq "sales_2024_q1,sales_2024_q1_clothing,sales_2024_q1_electronics,sales_2024_q1_other,sales_2024_q2,sales_2024_q2_clothing,sales_2024_q2_electronics,sales_2024_q2_other,sales_data,sales_default" \
		"$(sql "SELECT string_agg(relid::text, ',' ORDER BY relid::text) FROM pg_partition_tree('sales_data')")"
	assert_eq "event_logs:p:r|orders_by_region:p:l|sales_data:p:r|users_distributed:p:h" \
		"$(sql "SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || p.partstrat::text, '|' ORDER BY c.relname)
		        FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid
		        WHERE c.relname IN ('event_logs','users_distributed','orders_by_region','sales_data')")"
	# the plain tables survive as *_old and are plain
	assert_eq "r,r,r,r" "$(sql "SELECT string_agg(relkind::text, ',') FROM pg_class
		WHERE relname IN ('event_logs_old','users_distributed_old','orders_by_region_old','sales_data_old')")"
}

test_every_partition_has_rows_including_defaults() {
	local empty
	empty=$(sql "SELECT string_agg(relid::text, ',') FROM (
			SELECT relid FROM pg_partition_tree('event_logs') WHERE isleaf UNION ALL
			SELECT relid FROM pg_partition_tree('users_distributed') WHERE isleaf UNION ALL
			SELECT relid FROM pg_partition_tree('orders_by_region') WHERE isleaf UNION ALL
			SELECT relid FROM pg_partition_tree('sales_data') WHERE isleaf) leaves
		WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = relid AND c.reltuples > 0)")
	assert_eq "" "$empty" "leaf partitions without rows (after ANALYZE estimates)"
}

test_every_seed_row_is_in_its_partition() {
	# the partition each row belongs to, computed independently of the routing
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE tableoid::regclass::text <>
		CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-04-01'
		     THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END")"
	assert_eq 0 "$(sql "SELECT count(*) FROM orders_by_region WHERE tableoid::regclass::text <>
		CASE WHEN region IN ('US','CA','MX') THEN 'orders_north_america'
		     WHEN region IN ('UK','DE','FR','IT','ES') THEN 'orders_europe'
		     WHEN region IN ('JP','CN','AU','IN','SG') THEN 'orders_asia_pacific'
		     ELSE 'orders_other' END")"
	assert_eq 0 "$(sql "SELECT count(*) FROM sales_data WHERE tableoid::regclass::text <>
		CASE WHEN sale_date < '2024-01-01' OR sale_date >= '2024-07-01' THEN 'sales_default'
		     ELSE 'sales_2024_q' || extract(quarter FROM sale_date) ||
		          CASE WHEN product_category IN ('electronics','computers') THEN '_electronics'
		               WHEN product_category IN ('clothing','shoes','accessories') THEN '_clothing'
		               ELSE '_other' END END")"
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed
		WHERE NOT satisfies_hash_partition('users_distributed'::regclass, 4,
		          substring(tableoid::regclass::text FROM '[0-9]+\$')::int, id)")"
}

# rows of <table>_old not in <table> and the reverse, over the old table's columns
rows_differing() {
	local table=$1 columns
	columns=$(sql "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = '${table}_old'::regclass AND attnum > 0 AND NOT attisdropped")
	sql "SELECT (SELECT count(*) FROM (SELECT $columns FROM ${table}_old EXCEPT ALL SELECT $columns FROM $table) a)
	          + (SELECT count(*) FROM (SELECT $columns FROM $table EXCEPT ALL SELECT $columns FROM ${table}_old) b)"
}

test_old_and_new_tables_hold_identical_rows() {
	for table in event_logs users_distributed orders_by_region sales_data; do
		assert_eq 5000 "$(sql "SELECT count(*) FROM $table")" "$table rows"
		assert_eq 0 "$(rows_differing "$table")" "$table vs ${table}_old"
	done
}

test_names_are_canonical_after_the_swap() {
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE relname LIKE '%partitioned%' AND relnamespace = 'public'::regnamespace")" \
		"no *_partitioned relation is left"
	assert_eq "event_logs_pkey,idx_event_logs_created_at,idx_event_logs_event_type,idx_event_logs_user_id" \
		"$(sql "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY 1) FROM pg_index WHERE indrelid = 'event_logs'::regclass")"
	assert_eq "event_logs_old_pkey" "$(sql "SELECT conname FROM pg_constraint WHERE conrelid = 'event_logs_old'::regclass AND contype = 'p'")"
	assert_eq "users_distributed_old_username_key" \
		"$(sql "SELECT conname FROM pg_constraint WHERE conrelid = 'users_distributed_old'::regclass AND contype = 'u'")"
	assert_eq "event_logs_id_seq|event_logs_old_id_seq" \
		"$(sql "SELECT pg_get_serial_sequence('event_logs', 'id') || '|' || pg_get_serial_sequence('event_logs_old', 'id')" | sed 's/public\.//g')"
}

test_inserts_after_migration_get_fresh_ids() {
	local max new
	for table in event_logs users_distributed orders_by_region sales_data; do
		max=$(sql "SELECT max(id) FROM $table")
		case $table in
		event_logs) new=$(sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('test', 1, '2024-02-10') RETURNING id") ;;
		users_distributed) new=$(sql "INSERT INTO users_distributed (username, email) VALUES ('fresh_user', 'f@example.com') RETURNING id") ;;
		orders_by_region) new=$(sql "INSERT INTO orders_by_region (order_number, user_id, product_id, region, order_total) VALUES ('T-1', 1, 1, 'US', 9.99) RETURNING id") ;;
		sales_data) new=$(sql "INSERT INTO sales_data (sale_date, product_category, product_id, quantity, unit_price, total_amount) VALUES ('2024-05-05', 'books', 1, 1, 5, 5) RETURNING id") ;;
		esac
		assert_eq "$((max + 1))" "$new" "first id inserted into $table after the migration"
		# the plain table keeps working on its own sequence
		sql "INSERT INTO ${table}_old SELECT * FROM $table WHERE id = $new" >/dev/null
	done
	assert_eq "sales_2024_q2_other" "$(sql "SELECT tableoid::regclass FROM sales_data WHERE product_category = 'books' AND id = (SELECT max(id) FROM sales_data)")"
}

test_duplicate_username_is_rejected() {
	local name
	name=$(sql "SELECT username FROM users_distributed ORDER BY id LIMIT 1")
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
		-c "INSERT INTO users_distributed (username, email) VALUES ('$name', 'dup@example.com')"
	assert_contains "$OUT" "23505"
	assert_contains "$OUT" "duplicate username"
	# a rename onto a taken name fails too; freeing a name by delete makes it usable
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c \
		"UPDATE users_distributed SET username = '$name' WHERE id = (SELECT max(id) FROM users_distributed)"
	sql "DELETE FROM users_distributed WHERE username = '$name'" >/dev/null
	sql "INSERT INTO users_distributed (username, email) VALUES ('$name', 'again@example.com')" >/dev/null
	assert_eq 1 "$(sql "SELECT count(*) FROM users_distributed WHERE username = '$name'")"
}

test_concurrent_inserts_keep_usernames_unique() {
	# 6 sessions insert the same 30 new names, each in its own order and
	# transaction per row; exactly one insert per name may win
	local dir pids=()
	dir=$(mktemp -d)
	for s in 1 2 3 4 5 6; do
		(
			for i in $(seq 1 30 | shuf); do
				psql -XAtq -c "INSERT INTO users_distributed (username, email)
					VALUES ('race_$i', 'race_$i@example.com')" >/dev/null 2>>"$dir/errors.$s" &&
					echo "race_$i" >>"$dir/won.$s"
			done
			true
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	assert_eq 30 "$(cat "$dir"/won.* | wc -l)" "successful inserts over all sessions"
	assert_eq 30 "$(sql "SELECT count(DISTINCT username) FROM users_distributed WHERE username LIKE 'race\_%'")"
	assert_eq 30 "$(sql "SELECT count(*) FROM users_distributed WHERE username LIKE 'race\_%'")"
	assert_eq 150 "$(cat "$dir"/errors.* | grep -c 'duplicate username')" "the losers saw 23505"
	assert_eq 30 "$(sql "SELECT count(*) FROM users_distributed_usernames WHERE username LIKE 'race\_%'")"
	rm -rf "$dir"
}

test_truncate_frees_the_usernames() {
	# in a copy of the database, so that the shared one keeps its rows
	psql -XAtq -d postgres -c "CREATE DATABASE setup_truncate TEMPLATE setup_shared" >/dev/null
	local name
	name=$(sql "SELECT username FROM users_distributed ORDER BY id LIMIT 1" -d setup_truncate)
	sql "TRUNCATE users_distributed" -d setup_truncate >/dev/null
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed_usernames" -d setup_truncate)"
	sql "INSERT INTO users_distributed (username, email) VALUES ('$name', 'back@example.com')" -d setup_truncate >/dev/null
	assert_eq 1 "$(sql "SELECT count(*) FROM users_distributed_usernames WHERE username = '$name'" -d setup_truncate)"
	psql -XAtq -d postgres -c "DROP DATABASE setup_truncate" >/dev/null
}

test_second_run_is_refused() {
	assert_exit 1 "$SETUP"
	assert_contains "$OUT" "already set up"
	assert_contains "$OUT" "--reset"
}

run_test setup_succeeds_and_prints_trees test_setup_succeeds_and_prints_trees
run_test tables_have_the_spec_partitions test_tables_have_the_spec_partitions
sql "ANALYZE" >/dev/null
run_test every_partition_has_rows_including_defaults test_every_partition_has_rows_including_defaults
run_test every_seed_row_is_in_its_partition test_every_seed_row_is_in_its_partition
run_test old_and_new_tables_hold_identical_rows test_old_and_new_tables_hold_identical_rows
run_test names_are_canonical_after_the_swap test_names_are_canonical_after_the_swap
run_test inserts_after_migration_get_fresh_ids test_inserts_after_migration_get_fresh_ids
run_test duplicate_username_is_rejected test_duplicate_username_is_rejected
run_test concurrent_inserts_keep_usernames_unique test_concurrent_inserts_keep_usernames_unique
run_test truncate_frees_the_usernames test_truncate_frees_the_usernames
run_test second_run_is_refused test_second_run_is_refused
