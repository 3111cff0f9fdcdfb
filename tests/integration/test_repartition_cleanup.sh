# shellcheck shell=bash
# test_repartition_cleanup.sh - bin/repartition cleanup restores the state right
# after setup-database (layout, names, triggers, sequence, every row) from
# whatever the scenarios left, in several orders, including rows written in
# between.  Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# The post-setup layout of the two tables the scenarios change.
rp_setup_layout() {
	PGDATABASE=rp_template rp_layout event_logs
	PGDATABASE=rp_template rp_layout users_distributed
}

# Everything that makes "the state right after setup", apart from the rows.
assert_post_setup_shape() {
	assert_eq "$(rp_setup_layout)" "$(rp_layout event_logs; rp_layout users_distributed)" "partition layout"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE relname IN ('event_logs_archive', 'users_distributed_hash', 'users_distributed_range')
		   OR relname ~ '^event_logs_2024_0[0-9](_w[0-9])?$' AND relname !~ '^event_logs_2024_0[123]$'
		   OR relname ~ '^users_distributed_r([0-9]|max)$'")" "objects left by the scenarios"
	assert_eq "idx_users_distributed_email,idx_users_distributed_username,users_distributed_pkey" \
		"$(sql "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text)
		        FROM pg_index WHERE indrelid = 'users_distributed'::regclass")"
	assert_eq "users_distributed_username_truncate,users_distributed_username_unique" \
		"$(sql "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger
		        WHERE tgrelid = 'users_distributed'::regclass AND NOT tgisinternal")"
	assert_eq "public.users_distributed_id_seq" "$(sql "SELECT pg_get_serial_sequence('users_distributed', 'id')")"
	# every user registered under its name, and nothing else
	assert_eq 0 "$(sql "SELECT count(*) FROM (
		SELECT username, id FROM users_distributed EXCEPT ALL SELECT username, user_id FROM users_distributed_usernames) AS a")"
	assert_eq 0 "$(sql "SELECT count(*) FROM (
		SELECT username, user_id FROM users_distributed_usernames EXCEPT ALL SELECT username, id FROM users_distributed) AS a")"
	# every row where its key says
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE tableoid::regclass::text <>
		CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-04-01'
		     THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END")"
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed
		WHERE NOT satisfies_hash_partition('users_distributed'::regclass, 4,
		          substring(tableoid::regclass::text FROM '[0-9]+\$')::int, id)")"
}

# rows and checksum of event_logs and its archive together, and of the users
rp_row_totals() {
	if [[ $(sql "SELECT to_regclass('event_logs_archive') IS NOT NULL") == t ]]; then
		sql "SELECT count(*) || ':' || sum(h) FROM (
			SELECT hashtextextended(ROW(e.id, e.event_type, e.user_id, e.event_data, e.ip_address, e.created_at)::text, 0) AS h
			  FROM event_logs AS e
			UNION ALL
			SELECT hashtextextended(ROW(a.id, a.event_type, a.user_id, a.event_data, a.ip_address, a.created_at)::text, 0)
			  FROM event_logs_archive AS a) AS x"
	else
		rp_fingerprint event_logs
	fi
	rp_fingerprint users_distributed
}

test_cleanup_restores_the_post_setup_fingerprints() {
	rp_fresh_db rp_cleanup_all
	for s in add add split detach detach migrate; do
		assert_exit 0 "$REPARTITION" "$s"
	done
	assert_exit 0 "$REPARTITION" cleanup
	assert_contains "$OUT" "rebuilding event_logs_2024_01 beside event_logs from"
	assert_contains "$OUT" "users_distributed is hash-partitioned again"
	assert_contains "$OUT" "swapped in"
	assert_eq "$RP_SETUP_PRINTS" "$(rp_fingerprints)" "fingerprints of the four tables"
	assert_post_setup_shape

	# twice in a row: nothing to undo, nothing changes
	assert_exit 0 "$REPARTITION" cleanup
	assert_contains "$OUT" "event_logs: nothing to undo"
	assert_contains "$OUT" "users_distributed: nothing to undo"
	assert_not_contains "$OUT" "prepared:"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('event_logs_default_next', 'users_distributed_hash_next')")" \
		"nothing built beside"
	assert_eq "$RP_SETUP_PRINTS" "$(rp_fingerprints)"
}

test_cleanup_brings_back_rows_written_in_between() {
	rp_fresh_db rp_cleanup_writes
	local name old_name
	assert_exit 0 "$REPARTITION" detach
	# a January row after its month was archived lands in DEFAULT (docs/spec-notes.md §11)
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('late', 1, '2024-01-31 23:59:59')" >/dev/null
	assert_exit 0 "$REPARTITION" split
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('weekly', 2, '2024-03-10')" >/dev/null
	assert_exit 0 "$REPARTITION" add
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('april', 3, '2024-04-10')" >/dev/null
	assert_exit 0 "$REPARTITION" migrate
	# users written after the strategy change: added, changed, deleted
	name=$(sql "SELECT username FROM users_distributed WHERE id = 7")
	old_name=$(sql "SELECT username FROM users_distributed WHERE id = 8")
	sql "INSERT INTO users_distributed (username, email) VALUES ('after_migrate', 'a@example.com')" >/dev/null
	sql "UPDATE users_distributed SET email = 'changed@example.com', country_code = NULL WHERE id = 7" >/dev/null
	sql "UPDATE users_distributed SET username = 'renamed_user' WHERE id = 8" >/dev/null
	sql "DELETE FROM users_distributed WHERE id = 9" >/dev/null
	local totals
	totals=$(rp_row_totals)

	assert_exit 0 "$REPARTITION" cleanup
	assert_contains "$OUT" "removed partition event_logs_2024_03_w2: its rows are in event_logs_2024_03"
	assert_contains "$OUT" "dropping the stale copy users_distributed_hash"
	assert_eq "$totals" "$(rp_row_totals)" "every row, including those written in between"
	assert_post_setup_shape
	assert_eq "event_logs_2024_01|event_logs_2024_03|event_logs_default" \
		"$(sql "SELECT string_agg(tableoid::regclass::text, '|' ORDER BY created_at) FROM event_logs
		        WHERE event_type IN ('late', 'weekly', 'april')")"
	assert_eq "changed@example.com|renamed_user|0" "$(sql "SELECT (SELECT email FROM users_distributed WHERE id = 7),
		(SELECT username FROM users_distributed WHERE id = 8), (SELECT count(*) FROM users_distributed WHERE id = 9)")"
	# the setup rows that nobody changed are exactly the post-setup ones
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint users_distributed 'id NOT IN (7, 8, 9)')" \
		"$(rp_fingerprint users_distributed "id <= $RP_SETUP_MAX_USER_ID AND id NOT IN (7, 8, 9)")"
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint event_logs)" \
		"$(rp_fingerprint event_logs "id <= $RP_SETUP_MAX_EVENT_ID")"
	# names work as before: taken names are refused, the renamed user's old name is free
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO users_distributed (username, email) VALUES ('$name', 'x@example.com')"
	assert_contains "$OUT" "duplicate username"
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO users_distributed (username, email) VALUES ('renamed_user', 'x@example.com')"
	assert_contains "$OUT" "duplicate username"
	sql "INSERT INTO users_distributed (username, email) VALUES ('$old_name', 'reuse@example.com')" >/dev/null
}

test_cleanup_after_any_order_of_scenarios() {
	local order i=0
	for order in "cleanup" \
		"migrate migrate cleanup cleanup" \
		"detach detach detach detach add split cleanup" \
		"split add split detach migrate detach add cleanup" \
		"add split detach migrate cleanup add split detach migrate cleanup"; do
		i=$((i + 1))
		rp_fresh_db "rp_order_$i"
		for s in $order; do
			assert_exit 0 "$REPARTITION" "$s"
		done
		assert_eq "$RP_SETUP_PRINTS" "$(rp_fingerprints)" "fingerprints after: $order"
		assert_post_setup_shape
	done
}

test_cleanup_rebuilds_a_lost_hash_table() {
	rp_fresh_db rp_cleanup_lost_hash
	assert_exit 0 "$REPARTITION" migrate
	sql "DROP TABLE users_distributed_hash" >/dev/null
	assert_exit 0 "$REPARTITION" cleanup
	assert_contains "$OUT" "users_distributed is hash-partitioned again"
	assert_not_contains "$OUT" "dropping the stale copy"
	assert_eq "$RP_SETUP_PRINTS" "$(rp_fingerprints)"
	assert_post_setup_shape
}

run_test cleanup_restores_the_post_setup_fingerprints test_cleanup_restores_the_post_setup_fingerprints
run_test cleanup_brings_back_rows_written_in_between test_cleanup_brings_back_rows_written_in_between
run_test cleanup_after_any_order_of_scenarios test_cleanup_after_any_order_of_scenarios
run_test cleanup_rebuilds_a_lost_hash_table test_cleanup_rebuilds_a_lost_hash_table
