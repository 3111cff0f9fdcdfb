# shellcheck shell=bash
# test_repartition.sh - bin/repartition: the command line, and each scenario's
# postconditions checked with SQL (partitions, where each row is, counts and
# checksums), each run twice in a row.  Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

test_repartition_usage_errors() {
	assert_exit 0 "$REPARTITION" --help
	for s in add split detach migrate cleanup; do
		assert_contains "$STDOUT" "  $s "
	done
	assert_exit 2 "$REPARTITION"
	assert_contains "$OUT" "no scenario given"
	assert_exit 2 "$REPARTITION" bogus
	assert_contains "$OUT" 'unknown scenario "bogus"'
	assert_contains "$OUT" "add, split, detach, migrate, cleanup"
	# a name is only ever compared with the whitelist: nothing reaches SQL
	assert_exit 2 env POSTGRES_PORT=1 "$REPARTITION" "add'; DROP TABLE event_logs; --"
	assert_contains "$OUT" "unknown scenario"
	assert_not_contains "$OUT" "could not connect"
	assert_exit 2 "$REPARTITION" add split
	assert_contains "$OUT" 'unexpected argument "split"'
	assert_exit 2 "$REPARTITION" --attempts 0 add
	assert_contains "$OUT" 'invalid value "0" for option --attempts: must be an integer between 1 and 100'
	assert_exit 2 "$REPARTITION" --bogus add
	assert_exit 2 env POSTGRES_PORT=abc "$REPARTITION" add
	assert_contains "$OUT" 'invalid POSTGRES_PORT "abc"'
	assert_exit 1 env POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=1 "$REPARTITION" add
	assert_contains "$OUT" "make db-up"
}

test_repartition_list_and_dry_run_need_no_server() {
	assert_exit 0 env POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=1 "$REPARTITION" --list
	assert_contains "$STDOUT" "repartition/10_add_new_partition.sql"
	assert_contains "$STDOUT" "repartition/14_cleanup_repartition.sql"
	assert_eq 10 "$(grep -c . <<<"$STDOUT")" "two lines per scenario"
	assert_exit 0 "$REPARTITION" --list --json
	assert_eq "split" "$(rp_json_field "$STDOUT" '{1,name}')"

	assert_exit 0 env POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=1 "$REPARTITION" --dry-run split
	assert_contains "$STDOUT" "dry run: nothing is executed"
	assert_contains "$STDOUT" "11_split_partition.sql: 26 statements"
	assert_contains "$STDOUT" "then this file ONLINE"
	assert_contains "$STDOUT" "2b. Offline, native split where the server has it (PostgreSQL 19)."
	assert_contains "$STDOUT" "7. Swap, catalog only: the month out, the weeks in"
	assert_contains "$STDOUT" "LOCK TABLE event_logs IN EXCLUSIVE MODE"
	assert_exit 0 "$REPARTITION" -n --json detach
	assert_eq true "$(rp_json_field "$STDOUT" '{dry_run}')"
	assert_contains "$(rp_json_field "$STDOUT" '{statements,0,summary}')" "bound_lock_waits"
}

test_add_moves_default_rows_into_the_new_month() {
	rp_fresh_db rp_add
	local before_print april_in_default
	before_print=$(rp_fingerprint event_logs)
	april_in_default=$(sql "SELECT count(*) FROM event_logs_default
		WHERE created_at >= '2024-04-01' AND created_at < '2024-05-01'")
	[[ $april_in_default -gt 0 ]] || fail "the seed should put April rows into DEFAULT"

	assert_exit 0 "$REPARTITION" --offline add
	assert_contains "$OUT" "copied $april_in_default rows into event_logs_2024_04"
	assert_contains "$OUT" "test insert: a row dated 2024-04-15 00:00:00 landed in event_logs_2024_04"
	assert_contains "$OUT" "event_logs: 5,000 rows, checksum"
	assert_contains "$OUT" "before and after: identical"
	assert_contains "$OUT" "(new -> $april_in_default)"
	assert_eq "FOR VALUES FROM ('2024-04-01 00:00:00') TO ('2024-05-01 00:00:00')" \
		"$(sql "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'event_logs_2024_04'")"
	assert_eq "$april_in_default" "$(sql "SELECT count(*) FROM event_logs_2024_04")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_default
		WHERE created_at >= '2024-04-01' AND created_at < '2024-05-01'")"
	assert_eq "$before_print" "$(rp_fingerprint event_logs)" "same rows, the test insert is gone"
	# the partition's indexes are the parent's (attached), no CHECK left
	assert_eq "4" "$(sql "SELECT count(*) FROM pg_index AS i JOIN pg_inherits AS h ON h.inhrelid = i.indexrelid
		WHERE i.indrelid = 'event_logs_2024_04'::regclass
		  AND h.inhparent IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'event_logs'::regclass)")"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE conrelid = 'event_logs_2024_04'::regclass AND contype = 'c'")"

	# twice in a row: the following month
	assert_exit 0 "$REPARTITION" --offline add
	assert_contains "$OUT" "rows into event_logs_2024_05"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_default WHERE created_at >= '2024-04-01' AND created_at < '2024-06-01'")"
	assert_eq "$before_print" "$(rp_fingerprint event_logs)"
	# new rows route to the new months
	assert_eq event_logs_2024_05 "$(sql "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('t', 1, '2024-05-31 23:59:59') RETURNING tableoid::regclass")"
}

test_split_puts_every_row_in_its_week() {
	rp_fresh_db rp_split
	local before_print march
	before_print=$(rp_fingerprint event_logs)
	march=$(rp_fingerprint event_logs_2024_03)

	assert_exit 0 "$REPARTITION" split
	assert_contains "$OUT" "splitting event_logs_2024_03 into 5 weekly partitions"
	assert_contains "$OUT" "verified: event_logs_2024_03_w1 + event_logs_2024_03_w2 + event_logs_2024_03_w3 + event_logs_2024_03_w4 + event_logs_2024_03_w5 holds exactly the rows of event_logs_2024_03, among the rows changed since the comparison"
	assert_eq "event_logs_2024_01,event_logs_2024_02,event_logs_2024_03_w1,event_logs_2024_03_w2,event_logs_2024_03_w3,event_logs_2024_03_w4,event_logs_2024_03_w5,event_logs_default" \
		"$(sql "SELECT string_agg(relid::text, ',' ORDER BY relid::text) FROM pg_partition_tree('event_logs') WHERE isleaf")"
	# the last week ends with the month, not 7 days later
	assert_eq "FOR VALUES FROM ('2024-03-29 00:00:00') TO ('2024-04-01 00:00:00')" \
		"$(sql "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'event_logs_2024_03_w5'")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs
		WHERE created_at >= '2024-03-01' AND created_at < '2024-04-01'
		  AND tableoid::regclass::text <> 'event_logs_2024_03_w' || (1 + (extract(day FROM created_at)::int - 1) / 7)")" \
		"rows outside their week"
	assert_eq "$march" "$(rp_fingerprint event_logs "created_at >= '2024-03-01' AND created_at < '2024-04-01'")"
	assert_eq "$before_print" "$(rp_fingerprint event_logs)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_03'")" "the month is dropped"

	# twice in a row: says so, changes nothing
	local layout
	layout=$(rp_layout event_logs)
	assert_exit 0 "$REPARTITION" split
	assert_contains "$OUT" "nothing to do: the newest month of event_logs (2024-03) is split already into 5 partitions"
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq event_logs_2024_03_w2 "$(sql "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('t', 1, '2024-03-14 23:59:59') RETURNING tableoid::regclass")"

	# after add, the newest month is the added one
	assert_exit 0 "$REPARTITION" add
	assert_exit 0 "$REPARTITION" split
	assert_contains "$OUT" "splitting event_logs_2024_04 into 5 weekly partitions"
}

test_detach_archives_the_oldest_month() {
	rp_fresh_db rp_detach
	local total january
	total=$(rp_fingerprint event_logs)
	january=$(rp_fingerprint event_logs_2024_01)

	assert_exit 0 "$REPARTITION" detach
	assert_contains "$OUT" "archiving the oldest month of event_logs: 2024-01 (event_logs_2024_01)"
	assert_contains "$OUT" "swapped in"
	assert_eq "event_logs_archive_2024_01|FOR VALUES FROM ('2024-01-01 00:00:00') TO ('2024-02-01 00:00:00')" \
		"$(sql "SELECT c.relname || '|' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits AS i
			JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'event_logs_archive'::regclass")" \
		"January is a partition of the archive, with its bounds"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_01'")" "partition dropped"
	# the archive holds exactly January's rows, with its metadata
	assert_eq "$january" "$(sql "SELECT count(*) || ':' || sum(hashtextextended(ROW(a.id, a.event_type, a.user_id,
		a.event_data, a.ip_address, a.created_at)::text, 0)) FROM event_logs_archive AS a")"
	assert_eq "event_logs_2024_01|0" "$(sql "SELECT string_agg(DISTINCT source_partition, ','),
		count(*) FILTER (WHERE archived_at IS NULL) FROM event_logs_archive")"
	# together: the same rows as before
	assert_eq "$total" "$(sql "SELECT count(*) || ':' || sum(h) FROM (
		SELECT hashtextextended(ROW(e.id, e.event_type, e.user_id, e.event_data, e.ip_address, e.created_at)::text, 0) AS h FROM event_logs AS e
		UNION ALL
		SELECT hashtextextended(ROW(a.id, a.event_type, a.user_id, a.event_data, a.ip_address, a.created_at)::text, 0) FROM event_logs_archive AS a) AS x")"
	# a new January row now goes to DEFAULT (docs/spec-notes.md §11)
	assert_eq event_logs_default "$(sql "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('t', 1, '2024-01-20') RETURNING tableoid::regclass")"

	# again and again: February, March (split: its weeks go together), then nothing
	assert_exit 0 "$REPARTITION" detach
	assert_contains "$OUT" "2024-02 (event_logs_2024_02)"
	assert_exit 0 "$REPARTITION" add
	assert_exit 0 "$REPARTITION" detach
	assert_contains "$OUT" "2024-03 (event_logs_2024_03)"
	assert_exit 0 "$REPARTITION" detach
	assert_contains "$OUT" "nothing left to archive"
	assert_eq "event_logs_2024_04,event_logs_default" \
		"$(sql "SELECT string_agg(relid::text, ',' ORDER BY relid::text) FROM pg_partition_tree('event_logs') WHERE isleaf")"
	assert_eq 3 "$(sql "SELECT count(DISTINCT source_partition) FROM event_logs_archive")"
	assert_eq 5001 "$(sql "SELECT (SELECT count(*) FROM event_logs) + (SELECT count(*) FROM event_logs_archive)")"
}

test_detach_archives_a_split_month_whole() {
	rp_fresh_db rp_detach_split
	local march
	march=$(rp_fingerprint event_logs_2024_03)
	assert_exit 0 "$REPARTITION" split
	assert_exit 0 "$REPARTITION" add
	assert_exit 0 "$REPARTITION" detach
	assert_exit 0 "$REPARTITION" detach
	assert_exit 0 "$REPARTITION" detach
	assert_contains "$OUT" "2024-03 (event_logs_2024_03_w1, event_logs_2024_03_w2, event_logs_2024_03_w3, event_logs_2024_03_w4, event_logs_2024_03_w5)"
	assert_eq "$march" "$(sql "SELECT count(*) || ':' || sum(hashtextextended(ROW(a.id, a.event_type, a.user_id,
		a.event_data, a.ip_address, a.created_at)::text, 0)) FROM event_logs_archive AS a WHERE source_partition LIKE 'event_logs_2024_03_w%'")"
}

test_migrate_changes_users_to_range() {
	rp_fresh_db rp_migrate
	local before_print max_id name
	before_print=$(rp_fingerprint users_distributed)
	max_id=$(sql "SELECT max(id) FROM users_distributed")

	assert_exit 0 "$REPARTITION" migrate
	assert_contains "$OUT" "HASH (id) -> RANGE (id), 5 ranges: [MINVALUE, 1300) [1300, 2600) [2600, 3900) [3900, 5200) [5200, MAXVALUE)"
	assert_eq "users_distributed:r|users_distributed_hash:h" "$(sql "SELECT string_agg(c.relname || ':' || p.partstrat::text, '|' ORDER BY c.relname)
		FROM pg_partitioned_table AS p JOIN pg_class AS c ON c.oid = p.partrelid
		WHERE c.relname IN ('users_distributed', 'users_distributed_hash')")"
	assert_eq "$before_print" "$(rp_fingerprint users_distributed)"
	assert_eq "$before_print" "$(rp_fingerprint users_distributed_hash)" "the kept hash table"
	# every row in the range its id says
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed WHERE tableoid::regclass::text <>
		CASE WHEN id < 1300 THEN 'users_distributed_r1' WHEN id < 2600 THEN 'users_distributed_r2'
		     WHEN id < 3900 THEN 'users_distributed_r3' WHEN id < 5200 THEN 'users_distributed_r4'
		     ELSE 'users_distributed_rmax' END")"
	# canonical names on the live table, the kept one renamed
	assert_eq "idx_users_distributed_email,idx_users_distributed_username,users_distributed_pkey" \
		"$(sql "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'users_distributed'::regclass")"
	assert_eq "idx_users_distributed_hash_email,idx_users_distributed_hash_username,users_distributed_hash_pkey" \
		"$(sql "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'users_distributed_hash'::regclass")"
	# the sequence continues and belongs to the live table
	assert_eq "public.users_distributed_id_seq" "$(sql "SELECT pg_get_serial_sequence('users_distributed', 'id')")"
	assert_eq "$((max_id + 1))" "$(sql "INSERT INTO users_distributed (username, email) VALUES ('after_migrate', 'a@example.com') RETURNING id")"
	assert_eq users_distributed_r4 "$(sql "SELECT tableoid::regclass FROM users_distributed WHERE username = 'after_migrate'")"
	assert_eq users_distributed_rmax "$(sql "INSERT INTO users_distributed (id, username, email)
		VALUES (2000000000, 'far_future', 'f@example.com') RETURNING tableoid::regclass")"
	sql "DELETE FROM users_distributed WHERE id = 2000000000" >/dev/null
	# usernames stay unique; the backup has no username triggers, and refuses
	# writes (through it or by a partition's name) rather than take rows
	# that users_distributed would not have
	name=$(sql "SELECT username FROM users_distributed ORDER BY id LIMIT 1")
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
		-c "INSERT INTO users_distributed (username, email) VALUES ('$name', 'dup@example.com')"
	assert_contains "$OUT" "23505"
	assert_eq "backup_refuses_writes" "$(sql "SELECT string_agg(tgname, ',') FROM pg_trigger WHERE tgrelid = 'users_distributed_hash'::regclass")"
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "DELETE FROM users_distributed_hash WHERE username = '$name'"
	assert_contains "$OUT" "55006"
	assert_contains "$OUT" "users_distributed_hash is the copy of users_distributed kept by migrate: it takes no writes; write into users_distributed"
	assert_eq 1 "$(sql "SELECT count(*) FROM users_distributed_usernames WHERE username = '$name'")"
	assert_eq "$before_print" "$(rp_fingerprint users_distributed_hash)" "the kept hash table, after the refused write"

	# twice in a row
	assert_exit 0 "$REPARTITION" migrate
	assert_contains "$OUT" "nothing to do: users_distributed is range-partitioned already"
}

# rp_range_case W LAST: SQL for the range partition an id belongs in, from
# the width W (LAST = 4: r4 reaches MAXVALUE, there is no rmax)
rp_range_case() {
	local w=$1 last=$2
	if [[ $last == 4 ]]; then
		echo "CASE WHEN id < $w THEN 'users_distributed_r1' WHEN id < 2 * $w::numeric THEN 'users_distributed_r2'
		          WHEN id < 3 * $w::numeric THEN 'users_distributed_r3' ELSE 'users_distributed_r4' END"
	else
		echo "CASE WHEN id < $w THEN 'users_distributed_r1' WHEN id < 2 * $w::numeric THEN 'users_distributed_r2'
		          WHEN id < 3 * $w::numeric THEN 'users_distributed_r3' WHEN id < 4 * $w::numeric THEN 'users_distributed_r4'
		          ELSE 'users_distributed_rmax' END"
	fi
}

# migrate with users whose ids come near the top of the id column's type:
# the bounds (w = (max(id) + 1) / 4 rounded up to two significant digits)
# must fit it, the last range reaching MAXVALUE when 4w does not
rp_check_migrate_near() {
	local max_id=$1 ranges=$2 layout=$3 w=$4 last=$5 print
	print=$(rp_fingerprint users_distributed)
	assert_exit 0 "$REPARTITION" migrate
	assert_contains "$OUT" "HASH (id) -> RANGE (id), $ranges"
	assert_contains "$OUT" "verified: users_distributed_range holds exactly the rows of users_distributed, among the rows changed since the comparison"
	assert_eq "$layout" "$(rp_layout users_distributed)" "ranges for max(id) $max_id"
	assert_eq "$print" "$(rp_fingerprint users_distributed)"
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed WHERE tableoid::regclass::text <> $(rp_range_case "$w" "$last")")" \
		"rows outside their range"
	assert_eq "$max_id" "$(sql "SELECT max(id) FROM users_distributed_r4")" "the highest id is in r4"
	# and back: cleanup makes it hash-partitioned again with every row
	assert_exit 0 "$REPARTITION" cleanup
	assert_eq "$print" "$(rp_fingerprint users_distributed)"
	assert_eq h "$(sql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'users_distributed'::regclass")"
}

test_migrate_ranges_fit_the_integer_ids() {
	local r='users_distributed_r'
	# 1.62e9, the figure of the report: 4w = 1,640,000,000 still fits
	rp_fresh_db rp_migrate_int_162
	sql "SELECT setval('users_distributed_id_seq', 1619999995)" >/dev/null
	sql "INSERT INTO users_distributed (username, email) SELECT 'big_' || i, 'b@example.com' FROM generate_series(1, 5) AS i" >/dev/null
	rp_check_migrate_near 1620000000 "5 ranges: [MINVALUE, 410000000) [410000000, 820000000) [820000000, 1230000000) [1230000000, 1640000000) [1640000000, MAXVALUE)" \
		"${r}1=FOR VALUES FROM (MINVALUE) TO (410000000);${r}2=FOR VALUES FROM (410000000) TO (820000000);${r}3=FOR VALUES FROM (820000000) TO (1230000000);${r}4=FOR VALUES FROM (1230000000) TO (1640000000);${r}max=FOR VALUES FROM (1640000000) TO (MAXVALUE)" \
		410000000 5

	# from 2,120,000,000 on, w = 540,000,000 and 4w = 2,160,000,000 > 2^31 - 1
	# (SQLSTATE 22003 before): r4 reaches MAXVALUE, there is no rmax
	rp_fresh_db rp_migrate_int_212
	sql "SELECT setval('users_distributed_id_seq', 2119999995)" >/dev/null
	sql "INSERT INTO users_distributed (username, email) SELECT 'big_' || i, 'b@example.com' FROM generate_series(1, 5) AS i" >/dev/null
	rp_check_migrate_near 2120000000 "4 ranges: [MINVALUE, 540000000) [540000000, 1080000000) [1080000000, 1620000000) [1620000000, MAXVALUE)" \
		"${r}1=FOR VALUES FROM (MINVALUE) TO (540000000);${r}2=FOR VALUES FROM (540000000) TO (1080000000);${r}3=FOR VALUES FROM (1080000000) TO (1620000000);${r}4=FOR VALUES FROM (1620000000) TO (MAXVALUE)" \
		540000000 4

	# the largest integer itself (max(id) + 1 overflowed before the bounds did)
	rp_fresh_db rp_migrate_int_max
	sql "SELECT setval('users_distributed_id_seq', 2147483640)" >/dev/null
	sql "INSERT INTO users_distributed (username, email) SELECT 'big_' || i, 'b@example.com' FROM generate_series(1, 5) AS i" >/dev/null
	sql "INSERT INTO users_distributed (id, username, email) VALUES (2147483647, 'largest', 'l@example.com')" >/dev/null
	rp_check_migrate_near 2147483647 "4 ranges: [MINVALUE, 540000000) [540000000, 1080000000) [1080000000, 1620000000) [1620000000, MAXVALUE)" \
		"${r}1=FOR VALUES FROM (MINVALUE) TO (540000000);${r}2=FOR VALUES FROM (540000000) TO (1080000000);${r}3=FOR VALUES FROM (1080000000) TO (1620000000);${r}4=FOR VALUES FROM (1620000000) TO (MAXVALUE)" \
		540000000 4
	# the sequence's last id still has a home after a migrate
	assert_exit 0 "$REPARTITION" migrate
	assert_eq "2147483646|users_distributed_r4" "$(sql "INSERT INTO users_distributed (username, email)
		VALUES ('last_one', 'x@example.com') RETURNING id || '|' || tableoid::regclass")"
}

# the same with a bigint id column (setup from a copy of scripts/ where
# users_distributed.id and its registry's user_id are bigint)
test_migrate_ranges_fit_bigint_ids() {
	local dir r='users_distributed_r'
	dir=$(mktemp -d)
	cp -r "$ROOT_DIR/scripts" "$dir/"
	sed -i 's/^    id                 SERIAL PRIMARY KEY,/    id                 BIGSERIAL PRIMARY KEY,/' "$dir/scripts/00_setup_base_tables.sql"
	sed -i -e 's/^    id                 SERIAL,/    id                 BIGSERIAL,/' \
		-e 's/^    user_id   INTEGER     NOT NULL/    user_id   BIGINT      NOT NULL/' \
		-e 's/users_distributed_old_id_seq AS integer/users_distributed_old_id_seq AS bigint/' "$dir/scripts/02_hash_partitions.sql"
	fresh_database rp_migrate_bigint
	assert_exit 0 "$BIN_DIR/setup-database" --scripts "$dir/scripts" --seed-rows 300
	assert_eq bigint "$(sql "SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'users_distributed'::regclass AND attname = 'id'")"
	sql "INSERT INTO users_distributed (id, username, email) VALUES (5000000000, 'above_int', 'a@example.com'),
		(9223372036854775807, 'largest', 'l@example.com')" >/dev/null
	rp_check_migrate_near 9223372036854775807 "4 ranges: [MINVALUE, 2400000000000000000) [2400000000000000000, 4800000000000000000) [4800000000000000000, 7200000000000000000) [7200000000000000000, MAXVALUE)" \
		"${r}1=FOR VALUES FROM (MINVALUE) TO ('2400000000000000000');${r}2=FOR VALUES FROM ('2400000000000000000') TO ('4800000000000000000');${r}3=FOR VALUES FROM ('4800000000000000000') TO ('7200000000000000000');${r}4=FOR VALUES FROM ('7200000000000000000') TO (MAXVALUE)" \
		2400000000000000000 4
	# the hash table cleanup builds has the live table's id type (a lost
	# backup changes nothing: the backup is never used again)
	assert_exit 0 "$REPARTITION" migrate
	sql "DROP TABLE users_distributed_hash" >/dev/null
	assert_exit 0 "$REPARTITION" cleanup
	assert_contains "$OUT" "users_distributed is hash-partitioned again"
	assert_eq bigint "$(sql "SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'users_distributed'::regclass AND attname = 'id'")"
	assert_eq "above_int|largest" "$(sql "SELECT string_agg(username, '|' ORDER BY id) FROM users_distributed WHERE id > 2147483647")"
	rm -rf "$dir"
}

test_json_is_one_document() {
	rp_fresh_db rp_json
	assert_exit 0 "$REPARTITION" --json --offline add
	assert_eq "offline" "$(rp_json_field "$STDOUT" '{mode}')"
	assert_eq "ok" "$(rp_json_field "$STDOUT" '{status}')"
	assert_eq "1" "$(rp_json_field "$STDOUT" '{attempts}')"
	assert_eq "true" "$(rp_json_field "$STDOUT" '{integrity,identical}')"
	assert_eq "5000" "$(rp_json_field "$STDOUT" '{integrity,groups,0,rows_after}')"
	assert_eq "$(sql "SELECT count(*) FROM event_logs_2024_04")" \
		"$(rp_json_field "$STDOUT" '{integrity,partitions,3,rows_after}')"
	assert_eq "event_logs_2024_04" "$(rp_json_field "$STDOUT" '{integrity,partitions,3,partition}')"
	assert_eq "" "$(rp_json_field "$STDOUT" '{integrity,partitions,3,rows_before}')" "null: new partition"
	assert_contains "$(rp_json_field "$STDOUT" '{messages}')" "rows into event_logs_2024_04"
	assert_eq "event_logs_2024_04" "$(rp_json_field "$STDOUT" '{after,0,partitions,3,name}')"
	assert_eq "" "$STDERR" "nothing on stderr either"
}

test_database_not_set_up_is_a_clear_error() {
	fresh_database rp_not_set_up
	assert_exit 1 "$REPARTITION" split
	assert_contains "$OUT" 'table "event_logs" does not exist'
	assert_contains "$OUT" "run bin/setup-database first"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'partition_demo'")" "nothing created"
}

test_reset_drops_the_scenarios_objects() {
	rp_fresh_db rp_reset
	assert_exit 0 "$REPARTITION" add
	assert_exit 0 "$REPARTITION" split
	assert_exit 0 "$REPARTITION" detach
	assert_exit 0 "$REPARTITION" migrate
	assert_exit 0 "$BIN_DIR/setup-database" --reset --seed-rows 300
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE relname IN ('event_logs_archive', 'users_distributed_hash', 'users_distributed_range', 'event_logs_2024_04')
		   OR relname LIKE 'event_logs_2024_0__w_' OR relname LIKE 'users_distributed_r_'")"
	assert_eq 300 "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq h "$(sql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'users_distributed'::regclass")"
}

run_test repartition_usage_errors test_repartition_usage_errors
run_test repartition_list_and_dry_run_need_no_server test_repartition_list_and_dry_run_need_no_server
run_test add_moves_default_rows_into_the_new_month test_add_moves_default_rows_into_the_new_month
run_test split_puts_every_row_in_its_week test_split_puts_every_row_in_its_week
run_test detach_archives_the_oldest_month test_detach_archives_the_oldest_month
run_test detach_archives_a_split_month_whole test_detach_archives_a_split_month_whole
run_test migrate_changes_users_to_range test_migrate_changes_users_to_range
run_test migrate_ranges_fit_the_integer_ids test_migrate_ranges_fit_the_integer_ids
run_test migrate_ranges_fit_bigint_ids test_migrate_ranges_fit_bigint_ids
run_test repartition_json_is_one_document test_json_is_one_document
run_test database_not_set_up_is_a_clear_error test_database_not_set_up_is_a_clear_error
run_test reset_drops_the_scenarios_objects test_reset_drops_the_scenarios_objects
