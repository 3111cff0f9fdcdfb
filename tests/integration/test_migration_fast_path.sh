# shellcheck shell=bash
# test_migration_fast_path.sh - setup's migrations build keys and indexes after
# the bulk copy; the benchmark compares them with the straightforward order
# (bench/straightforward_order.py). Both orders must give the same result:
# same partitions, indexes, constraints, triggers, names and rows.
# Sourced by tests/integration/run.sh.

# The catalog of the public schema, as text that two databases can be compared on.
catalog_of() {
	sql "SELECT string_agg(line, E'\n' ORDER BY line) FROM (
		SELECT 'index ' || tablename || ' ' || indexname || ' ' || indexdef AS line
		  FROM pg_indexes WHERE schemaname = 'public'
		UNION ALL
		SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
		UNION ALL
		SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname
		  FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL
		SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' ' ||
		       coalesce(pg_get_expr(c.relpartbound, c.oid), '')
		  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S')
		UNION ALL
		SELECT 'default ' || d.adrelid::regclass || ' ' || pg_get_expr(d.adbin, d.adrelid)
		  FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
		 WHERE c.relnamespace = 'public'::regnamespace
		UNION ALL
		SELECT 'rows ' || t || ' ' || (xpath('/row/c/text()',
		       query_to_xml(format('SELECT count(*) AS c FROM %I', t), false, true, '')))[1]::text
		  FROM unnest(ARRAY['event_logs','users_distributed','orders_by_region','sales_data',
		                    'users_distributed_usernames']) AS t) AS catalog" -d "$1"
}

test_fast_path_and_straightforward_order_give_the_same_tables() {
	local dir
	dir=$(mktemp -d)
	python3 "$ROOT_DIR/bench/straightforward_order.py" "$ROOT_DIR/scripts" "$dir/scripts"
	# the rewrite really moved the keys in front of the copy
	local first_key first_copy
	first_key=$(grep -n 'ADD PRIMARY KEY' "$dir/scripts/01_range_partitions.sql" | head -1 | cut -d: -f1)
	first_copy=$(grep -n '^INSERT INTO event_logs_partitioned' "$dir/scripts/01_range_partitions.sql" | cut -d: -f1)
	((first_key < first_copy)) || fail "straightforward order: key at line $first_key, copy at $first_copy"

	fresh_database fast_path
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 2000
	fresh_database straightforward
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 2000 --scripts "$dir/scripts"

	local fast straight
	fast=$(catalog_of fast_path)
	straight=$(catalog_of straightforward)
	assert_contains "$fast" "index event_logs event_logs_pkey CREATE UNIQUE INDEX event_logs_pkey ON ONLY public.event_logs USING btree (id, created_at)"
	assert_contains "$fast" "constraint users_distributed_usernames users_distributed_usernames_pkey PRIMARY KEY (username)"
	assert_contains "$fast" "rows sales_data 2000"
	assert_eq "$straight" "$fast" "catalog and row counts of both orders"
	rm -rf "$dir"
}

run_test fast_path_and_straightforward_order_give_the_same_tables test_fast_path_and_straightforward_order_give_the_same_tables
