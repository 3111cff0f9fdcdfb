# shellcheck shell=bash
# test_repartition_online_engine.sh - the scenarios that bin/repartition runs
# ONLINE (the engine of scripts/online/00_online_functions.sql), add, split
# detach and migrate, each: writes made while it runs into the partitions being
# replaced (updates, deletes, partition-key moves in and out, inserts by name,
# rows deleted moments after their insert; for migrate username changes and
# id changes, which move a user between hash partitions) end in their last
# state, in the right partition; kill -9 in the copy and in the swap leaves
# the table complete and serving, and the next run resumes (or --abort
# removes what was built);
# a transaction holding a lock at swap time makes the swap retry, not hang;
# the swap scans nothing (PostgreSQL says so at DEBUG1); online and offline
# give the same partitions.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

ro_wait_session_gone() {
	rp_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition')" \
		"the killed run's session to end"
}

# the table SCENARIO changes, and its file
ro_table() {
	case $1 in migrate) echo users_distributed ;; *) echo event_logs ;; esac
}
ro_file() {
	case $1 in add) echo 10_add_new_partition.sql ;; split) echo 11_split_partition.sql ;;
	detach) echo 12_detach_archive.sql ;; migrate) echo 13_migrate_strategy.sql ;; esac
}

# ro_fingerprint TABLE: rp_fingerprint, event_logs with its archive (detach
# moves rows there)
ro_fingerprint() {
	if [[ $1 == event_logs ]]; then
		rp_events_fingerprint
	else
		rp_fingerprint "$1"
	fi
}

# ro_churn_users TAG: migrate's churn, on users_distributed (every row is
# moved), each statement recording the ids it changed in ro_touched: a
# status update, a delete, a rename of another user to the name just freed
# (the side table must follow), an id change (the row moves to another hash
# partition), an update and an insert by a hash partition's name, and a row
# inserted and deleted again.
ro_churn_users() {
	local tag=$1 untouched="id <= $RP_SETUP_MAX_USER_ID AND status NOT SIMILAR TO '(churn|renamed|moved|direct)%'"
	sql "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS ro_touched (id bigint)" >/dev/null
	sql "WITH c AS (UPDATE users_distributed SET status = 'churn_$tag' WHERE id = (SELECT min(id) FROM users_distributed
		WHERE $untouched) RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH d AS (DELETE FROM users_distributed WHERE id = (SELECT max(id) FROM users_distributed WHERE $untouched)
		RETURNING id, username),
		r AS (UPDATE users_distributed AS u SET username = d.username, status = 'renamed_$tag' FROM d
		 WHERE u.id = (SELECT max(id) FROM users_distributed WHERE $untouched
		               AND id < (SELECT max(id) FROM users_distributed WHERE $untouched)) RETURNING u.id)
		INSERT INTO ro_touched SELECT id FROM d UNION ALL SELECT id FROM r" >/dev/null
	sql "WITH c AS (UPDATE users_distributed SET id = id + 1000000, status = 'moved_$tag'
		WHERE id = (SELECT min(id) FROM users_distributed WHERE $untouched)
		RETURNING id - 1000000 AS id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (UPDATE users_distributed_p1 SET status = 'direct_$tag' WHERE id = (SELECT min(id) FROM users_distributed_p1
		WHERE $untouched) RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "INSERT INTO users_distributed_p1 (id, username, email, status)
		SELECT i, 'direct_$tag', 'd@example.com', 'inserted_$tag' FROM generate_series(3000000, 3001000) AS i
		 WHERE satisfies_hash_partition('users_distributed'::regclass, 4, 1, i)
		   AND NOT EXISTS (SELECT FROM users_distributed AS u WHERE u.id = i) LIMIT 1" >/dev/null
	sql "INSERT INTO users_distributed (username, email) VALUES ('gone_$tag', 'g@example.com')" >/dev/null
	assert_eq 1 "$(sql "WITH d AS (DELETE FROM users_distributed WHERE username = 'gone_$tag' RETURNING 1)
		SELECT count(*) FROM d")" "the user inserted moments before is deleted"
}

ro_check_churn_users() {
	local rounds=$1 touched kind
	for kind in churn renamed moved direct inserted; do
		assert_eq "$rounds" "$(sql "SELECT count(*) FROM users_distributed WHERE status LIKE '${kind}\\_%'")" \
			"migrate: users of the churn's $kind changes"
	done
	assert_eq "$rounds" "$(sql "SELECT count(*) FROM users_distributed WHERE status LIKE 'moved\\_%' AND id > 1000000")"
	assert_eq "$rounds" "$(sql "SELECT count(*) FROM users_distributed WHERE status LIKE 'inserted\\_%'
		AND satisfies_hash_partition('users_distributed_hash'::regclass, 4, 1, id)")" "inserted into p1 by name"
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed WHERE username LIKE 'gone\\_%'")" "deleted users stay deleted"
	assert_eq $((5 * rounds)) "$(sql "SELECT count(DISTINCT id) FROM ro_touched")" "users the churn changed"
	touched=$(sql "SELECT coalesce(string_agg(id::text, ','), '0') FROM ro_touched")
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint users_distributed "id NOT IN ($touched)")" \
		"$(rp_fingerprint users_distributed "id <= $RP_SETUP_MAX_USER_ID AND id NOT IN ($touched)")" \
		"the setup's users that nobody changed"
	ro_assert_usernames_exact
	rp_assert_rows_in_place migrate
}

# the side table holds exactly the live table's (username, id) pairs
ro_assert_usernames_exact() {
	assert_eq 0 "$(sql "SELECT count(*) FROM ((SELECT username, id FROM users_distributed
		EXCEPT ALL SELECT username, user_id FROM users_distributed_usernames)
		UNION ALL (SELECT username, user_id FROM users_distributed_usernames
		EXCEPT ALL SELECT username, id FROM users_distributed)) AS x")" "the side table is exactly the live usernames"
}

# ro_churn SCENARIO TAG: writes into the rows SCENARIO moves, by a session
# that records the ids it changed (ro_touched, in the same statement): for
# add the April rows in DEFAULT, for split the month of March. An update and
# a delete of a setup row of the source, a row moved into the source from
# another partition and one moved out of it (partition-key changes), an
# insert into the source by name, and a row inserted and deleted again.
ro_churn() {
	local scenario=$1 tag=$2 source into from_part out_by in_day
	[[ $scenario == migrate ]] && {
		ro_churn_users "$tag"
		return
	}
	case $scenario in
	add) source=event_logs_default into="created_at >= '2024-04-01' AND created_at < '2024-05-01'"
		from_part=event_logs_2024_03 in_by="1 month" out_by="2 months" in_day=2024-04-20 ;;
	split) source=event_logs_2024_03 into=true
		from_part=event_logs_2024_02 in_by="1 month" out_by="2 months" in_day=2024-03-20 ;;
	detach) source=event_logs_2024_01 into=true
		from_part=event_logs_2024_02 in_by="-1 month" out_by="2 months" in_day=2024-01-20 ;;
	esac
	sql "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS ro_touched (id bigint)" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET event_type = 'churn_$tag' WHERE id = (SELECT min(id) FROM $source
		WHERE $into AND id <= $RP_SETUP_MAX_EVENT_ID AND event_type NOT SIMILAR TO '(churn|moved|direct|out)%')
		RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (DELETE FROM event_logs WHERE id = (SELECT max(id) FROM $source
		WHERE $into AND id <= $RP_SETUP_MAX_EVENT_ID AND event_type NOT SIMILAR TO '(churn|moved|direct|out)%')
		RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET created_at = created_at + interval '$in_by', event_type = 'moved_$tag'
		WHERE id = (SELECT min(id) FROM $from_part WHERE event_type NOT SIMILAR TO '(churn|moved|direct|out)%'
		AND extract(day FROM created_at) <= 28) RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET created_at = created_at + interval '$out_by', event_type = 'out_$tag'
		WHERE id = (SELECT min(id) FROM $source WHERE $into AND id <= $RP_SETUP_MAX_EVENT_ID
		AND event_type NOT SIMILAR TO '(churn|moved|direct|out)%' AND extract(day FROM created_at) <= 28)
		RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "INSERT INTO $source (event_type, user_id, created_at) VALUES ('direct_$tag', 1, '$in_day')" >/dev/null
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('gone_$tag', 1, '$in_day')" >/dev/null
	assert_eq 1 "$(sql "WITH d AS (DELETE FROM event_logs WHERE event_type = 'gone_$tag' RETURNING 1)
		SELECT count(*) FROM d")" "the row inserted moments before is deleted"
}

# ro_check_churn SCENARIO ROUNDS: the churn's rows in their last state, each
# in the partition its key says; the setup's rows nobody changed as they were
ro_check_churn() {
	local scenario=$1 rounds=$2 touched kind
	[[ $scenario == migrate ]] && {
		ro_check_churn_users "$rounds"
		return
	}
	for kind in churn moved direct out; do
		assert_eq "$rounds" "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE event_type LIKE '${kind}\\_%'")" \
			"$scenario: rows of the churn's $kind changes"
	done
	assert_eq 0 "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE event_type LIKE 'gone\\_%'")" "deleted rows stay deleted"
	assert_eq $((4 * rounds)) "$(sql "SELECT count(DISTINCT id) FROM ro_touched")" "rows the churn changed"
	touched=$(sql "SELECT coalesce(string_agg(id::text, ','), '0') FROM ro_touched")
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint event_logs "id NOT IN ($touched)")" \
		"$(rp_events_fingerprint "id <= $RP_SETUP_MAX_EVENT_ID AND id NOT IN ($touched)")" \
		"the setup's rows that nobody changed"
	rp_assert_rows_in_place "$scenario"
	if [[ $scenario == detach ]]; then
		assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_default WHERE created_at < '2024-02-01'
			AND event_type SIMILAR TO '(churn|moved|direct)%'")" "January rows written before the swap are archived"
	fi
}

# after a successful online scenario: nothing left of the engine, the new
# partitions carry their indexes' canonical names and no CHECK of the engine's
ro_assert_done_cleanly() {
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")" "bookkeeping left"
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_plans")" "plan left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	[[ ${1-} == migrate ]] && {
		ro_assert_migrated_cleanly
		return
	}
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'event_logs_default_next'")"
	local tree="SELECT relid FROM pg_partition_tree('event_logs')
		UNION ALL SELECT relid FROM pg_partition_tree(to_regclass('event_logs_archive'))"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid IN ($tree)")" "CHECKs left on partitions"
	assert_eq 0 "$(sql "SELECT count(*) FROM ($tree) AS t JOIN pg_class AS c ON c.oid = t.relid
		WHERE c.relkind = 'r' AND NOT EXISTS (SELECT FROM pg_index AS i JOIN pg_class AS x ON x.oid = i.indexrelid
		WHERE i.indrelid = c.oid AND i.indisprimary AND x.relname = c.relname || '_pkey')")" \
		"partitions whose primary key is not named <partition>_pkey"
	# detach's tables took source_partition from a default until the swap
	assert_eq "" "$(sql "SELECT string_agg(d.adrelid::regclass::text, ',') FROM pg_attrdef AS d
		JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
		WHERE a.attname = 'source_partition'")" "defaults of source_partition left"
}

# after migrate: the username triggers on the live table only, the backup
# and each of its partitions refusing writes, canonical names
ro_assert_migrated_cleanly() {
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'users_distributed_range'")"
	assert_eq "users_distributed_username_truncate,users_distributed_username_unique" \
		"$(sql "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'users_distributed'::regclass")"
	assert_eq 5 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname = 'backup_refuses_writes'
		AND tgrelid IN (SELECT relid FROM pg_partition_tree('users_distributed_hash'))")" "the backup's guards"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'users_distributed_username%'
		AND tgrelid IN (SELECT relid FROM pg_partition_tree('users_distributed_hash'))")" "username triggers on the backup"
	assert_eq "public.users_distributed_id_seq" "$(sql "SELECT pg_get_serial_sequence('users_distributed', 'id')")"
	assert_eq "idx_users_distributed_email,idx_users_distributed_username,users_distributed_pkey" \
		"$(sql "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'users_distributed'::regclass")"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_partition_tree('users_distributed') AS t JOIN pg_class AS c ON c.oid = t.relid
		WHERE t.isleaf AND NOT EXISTS (SELECT FROM pg_index AS i JOIN pg_class AS x ON x.oid = i.indexrelid
		WHERE i.indrelid = c.oid AND i.indisprimary AND x.relname = c.relname || '_pkey')")" \
		"partitions whose primary key is not named <partition>_pkey"
}

# waits until a session of bin/repartition runs the statement $1
ro_wait_for_statement() {
	rp_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition'
		AND query = '$1' AND state = 'active')" "repartition to run $1"
}

# the statement before the swap's COMMIT, where a sleep is injected
ro_swap_end_step() {
	case $1 in add) echo 6 ;; split) echo 8 ;; detach) echo 7 ;; migrate) echo 8 ;; esac
}

ro_under_writes() {
	local scenario=$1 dir writer run
	rp_fresh_db "ro_${scenario}_writes"
	dir=$(mktemp -d)
	rp_writer "$dir/ledger" "$dir/errors" "$dir/stop" &
	writer=$!
	# the copy waits for the pause at most LOCK_TIMEOUT_MS: long enough for the churn
	LOCK_TIMEOUT_MS=120000 "$REPARTITION" --batch 50 --json "$scenario" >"$dir/out" 2>"$dir/err" &
	run=$!
	# the churn runs while the copy is under way: after the capture began
	rp_pause_online_copy "" "$(ro_table "$scenario")"
	ro_churn "$scenario" a
	ro_churn "$scenario" b
	rp_resume_online_copy
	wait "$run" || fail "online $scenario failed: $(tail -20 "$dir/err")"
	sleep 0.5
	touch "$dir/stop"
	wait "$writer"

	assert_eq online "$(rp_json_field "$(<"$dir/out")" '{mode}')"
	assert_contains "$(<"$dir/err")" "swapped in"
	assert_eq "" "$(cat "$dir/errors")" "no write failed"
	assert_eq 0 "$(rp_ledger_missing "$dir/ledger")" "committed rows missing"
	[[ $(grep -c . "$dir/ledger") -gt 5 ]] || fail "the writer wrote too little"
	ro_check_churn "$scenario" 2
	ro_assert_done_cleanly "$scenario"
	rm -rf "$dir"
}

# kill -9 while the copy is paused; the table serves and captures meanwhile
ro_kill_in_copy() {
	local scenario=$1 dir pid
	dir=$(mktemp -d)
	"$REPARTITION" --batch 50 "$scenario" >"$dir/out" 2>"$dir/err" &
	pid=$!
	rp_pause_online_copy "" "$(ro_table "$scenario")"
	kill -9 "$pid"
	wait "$pid" || true
	rp_resume_online_copy
	ro_wait_session_gone
	rm -rf "$dir"
}

# a target being built, for writes by name
ro_target() {
	case $1 in add) echo event_logs_2024_04 ;; split) echo event_logs_2024_03_w1 ;;
	detach) echo event_logs_archive_2024_01 ;; migrate) echo users_distributed_range ;; esac
}

ro_kill_in_copy_then_resume() {
	local scenario=$1 table layout print target
	table=$(ro_table "$scenario")
	target=$(ro_target "$scenario")
	rp_fresh_db "ro_${scenario}_kill_copy"
	layout=$(rp_layout "$table")
	ro_kill_in_copy "$scenario"
	assert_eq "$layout" "$(rp_layout "$table")" "layout while half done"
	assert_eq 1 "$(sql "SELECT count(*) FROM partition_demo.online_migrations WHERE operation = '$scenario'")"
	ro_churn "$scenario" a
	# a target being built is not a partition yet: a write to it by name is
	# refused (it would be a row the sources do not have)
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "DELETE FROM $target"
	assert_contains "$OUT" "$target is being built by an online $scenario of $table: it takes no writes until it is swapped in"
	print=$(ro_fingerprint "$table")
	assert_exit 1 "$REPARTITION" --offline "$scenario"
	assert_contains "$OUT" "an online $scenario of $table is in progress already"
	assert_contains "$OUT" "bin/repartition --abort"

	assert_exit 0 "$REPARTITION" "$scenario"
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" "swapped in"
	assert_eq "$print" "$(ro_fingerprint "$table")" "every row, the churn's included"
	ro_check_churn "$scenario" 1
	ro_assert_done_cleanly "$scenario"
}

ro_kill_in_copy_then_abort() {
	local scenario=$1 table layout print
	table=$(ro_table "$scenario")
	rp_fresh_db "ro_${scenario}_abort"
	layout=$(rp_layout "$table")
	ro_kill_in_copy "$scenario"
	ro_churn "$scenario" a
	print=$(ro_fingerprint "$table")

	assert_exit 0 "$REPARTITION" --abort
	assert_contains "$OUT" "online migration removed"
	assert_eq "$layout" "$(rp_layout "$table")"
	assert_eq "$print" "$(ro_fingerprint "$table")"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE relname ~ '^(event_logs_(2024_04|default_next|2024_03_w[1-5]|archive.*)|users_distributed_(range|r[1-4]|rmax|hash))$'")" \
		"what the run built is gone (detach's archive, created by this run, too)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid IN (SELECT relid FROM pg_partition_tree('event_logs'))")" "the plan's CHECK on DEFAULT is gone"
	if [[ $scenario == migrate ]]; then
		ro_assert_usernames_exact
		assert_eq "users_distributed_username_truncate,users_distributed_username_unique" \
			"$(sql "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'users_distributed'::regclass")"
	fi
	assert_exit 0 "$REPARTITION" --abort
	assert_contains "$OUT" "nothing to remove"
	# and the scenario runs from the start
	assert_exit 0 "$REPARTITION" "$scenario"
	assert_eq "$print" "$(ro_fingerprint "$table")"
	rp_assert_rows_in_place "$scenario"
	ro_assert_done_cleanly "$scenario"
}

ro_kill_in_swap_then_resume() {
	local scenario=$1 table scripts pid print layout
	table=$(ro_table "$scenario")
	rp_fresh_db "ro_${scenario}_kill_swap"
	layout=$(rp_layout "$table")
	print=$(ro_fingerprint "$table")
	# the last statement of the swap section, before COMMIT
	scripts=$(rp_scripts_with_injection "$(ro_file "$scenario")" "SELECT pg_sleep(120)" "$(ro_swap_end_step "$scenario")")
	"$REPARTITION" --scripts "$scripts" "$scenario" >/dev/null 2>&1 &
	pid=$!
	ro_wait_for_statement "SELECT pg_sleep(120)"
	# readers wait behind the swap's lock now; kill -9 ends it within a second
	kill -9 "$pid"
	wait "$pid" || true
	ro_wait_session_gone
	assert_eq "$layout" "$(rp_layout "$table")" "the swap was rolled back"
	assert_eq "$print" "$(ro_fingerprint "$table")"

	TEST_CMD_TIMEOUT=60 assert_exit 0 "$REPARTITION" "$scenario"
	assert_contains "$OUT" "resuming the online migration started"
	assert_eq "$print" "$(ro_fingerprint "$table")"
	rp_assert_rows_in_place "$scenario"
	ro_assert_done_cleanly "$scenario"
	rm -rf "$(dirname "$scripts")"
}

ro_swap_retries_behind_a_long_transaction() {
	local scenario=$1 table dir pid holder held while check
	table=$(ro_table "$scenario")
	case $scenario in
	add) held="INSERT INTO event_logs_default (event_type, user_id, created_at) VALUES ('held', 1, '2024-06-02')" ;;
	split) held="INSERT INTO event_logs_2024_03 (event_type, user_id, created_at) VALUES ('held', 1, '2024-03-02')" ;;
	detach) held="INSERT INTO event_logs_2024_01 (event_type, user_id, created_at) VALUES ('held', 1, '2024-01-02')" ;;
	migrate) held="INSERT INTO users_distributed (username, email, status) VALUES ('held', 'h@example.com', 'held')" ;;
	esac
	case $scenario in
	migrate) while="INSERT INTO users_distributed (username, email, status) VALUES ('while', 'w@example.com', 'while')"
		check="SELECT count(*) FROM users_distributed WHERE status = 'while'" ;;
	*) while="INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('while', 1, '2024-02-02')"
		check="SELECT count(*) FROM event_logs_2024_02 WHERE event_type = 'while'" ;;
	esac
	rp_fresh_db "ro_${scenario}_holder"
	dir=$(mktemp -d)
	"$REPARTITION" --batch 50 --attempts 100 "$scenario" >"$dir/out" 2>"$dir/err" &
	pid=$!
	rp_pause_online_copy "" "$table"
	# a writer of the source that stays idle in its transaction
	{
		echo "BEGIN;"
		echo "$held;"
		while [[ ! -e $dir/release ]]; do sleep 0.1; done
		echo "COMMIT;"
	} | PGAPPNAME=ro_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	holder=$!
	rp_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'ro_holder'
		AND state = 'idle in transaction')" "the holder to hold its lock"
	rp_resume_online_copy
	until grep -q "swap: lock not granted" "$dir/err"; do
		kill -0 "$pid" 2>/dev/null || fail "repartition ended before its swap waited: $(tail "$dir/err")"
		sleep 0.1
	done
	# meanwhile the table serves: a reader and a writer through the parent go through
	assert_eq 1 "$(sql "SELECT count(*) FROM (SELECT FROM $table LIMIT 1) AS x")"
	sql "$while" >/dev/null
	touch "$dir/release"
	wait "$holder"
	wait "$pid" || fail "online $scenario failed after the holder let go: $(tail -20 "$dir/err")"
	assert_contains "$(<"$dir/err")" "ro_holder"
	assert_contains "$(<"$dir/err")" "swapped in"
	if [[ $scenario == migrate ]]; then
		assert_eq 1 "$(sql "SELECT count(*) FROM users_distributed WHERE status = 'held'")" "the held write"
		ro_assert_usernames_exact
	else
		assert_eq 1 "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE event_type = 'held'")" "the held write"
	fi
	assert_eq 1 "$(sql "$check")"
	rp_assert_rows_in_place "$scenario"
	ro_assert_done_cleanly "$scenario"
	rm -rf "$dir"
}

# The swap is catalog work: ATTACH proves every bound from CHECK constraints
# instead of scanning (PostgreSQL reports it at DEBUG1), and the offline form
# gives the same partitions, rows, indexes, constraints and triggers.
ro_swap_scans_nothing_and_matches_offline() {
	local scenario=$1 table online offline swap
	table=$(ro_table "$scenario")
	rp_fresh_db "ro_${scenario}_offline"
	assert_exit 0 "$REPARTITION" --offline "$scenario"
	offline=$(rp_partition_contents "$table")
	[[ $scenario == migrate ]] && offline+=$'\n'$(rp_partition_contents users_distributed_hash)
	rp_fresh_db "ro_${scenario}_debug"
	assert_exit 0 env PGOPTIONS="-c client_min_messages=debug1" "$REPARTITION" "$scenario"
	assert_contains "$OUT" "swapped in"
	# "verifying table" is a scan: the empty targets' CHECKs in the prepare and
	# DEFAULT's CHECK in the keys step scan (writers go on), the swap must not
	swap=$(sed -n '/rows of both tables at one snapshot/,/swapped in/p' <<<"$OUT")
	assert_not_contains "$swap" "verifying table"
	case $scenario in
	add)
		assert_contains "$swap" "is implied by existing constraints"
		assert_contains "$OUT" "partition constraint for table \"event_logs_2024_04\" is implied by existing constraints"
		assert_contains "$OUT" "partition constraint for table \"event_logs_default_next\" is implied by existing constraints" ;;
	split)
		assert_contains "$swap" "is implied by existing constraints"
		assert_contains "$OUT" "partition constraint for table \"event_logs_2024_03_w3\" is implied by existing constraints"
		assert_contains "$OUT" "updated partition constraint for default partition \"event_logs_default\" is implied by existing constraints" ;;
	detach)
		assert_contains "$swap" "is implied by existing constraints"
		assert_contains "$OUT" "partition constraint for table \"event_logs_archive_2024_01\" is implied by existing constraints" ;;
	migrate)
		# renames and triggers only: no index is built, no table rewritten
		assert_contains "$swap" "swapped in"
		assert_not_contains "$swap" "building index"
		assert_not_contains "$swap" "rewriting table" ;;
	esac
	online=$(rp_partition_contents "$table")
	[[ $scenario == migrate ]] && online+=$'\n'$(rp_partition_contents users_distributed_hash)
	assert_eq "$offline" "$online" "online and offline give the same partitions"
}

# migrate's kept hash table: a write into one of its partitions by name (as
# writers of users_distributed_p1 made before the swap) fails and changes
# nothing, in both forms; cleanup afterwards makes it the live, writable
# hash table again.
ro_backup_refuses_writes() {
	local mode=$1 print backup
	rp_fresh_db "ro_backup_${mode#--}"
	assert_exit 0 "$REPARTITION" ${mode:+"$mode"} migrate
	print=$(rp_fingerprint users_distributed)
	backup=$(rp_fingerprint users_distributed_hash)
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
		-c "INSERT INTO users_distributed_p1 (id, username, email) SELECT i, 'by_name', 'b@example.com'
		    FROM generate_series(4000000, 4001000) AS i WHERE satisfies_hash_partition('users_distributed_hash'::regclass, 4, 1, i) LIMIT 1"
	assert_contains "$OUT" "55006"
	assert_contains "$OUT" "users_distributed_p1 (a partition of users_distributed_hash) is the copy of users_distributed kept by migrate: it takes no writes; write into users_distributed"
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "UPDATE users_distributed_p2 SET status = 'x'"
	assert_contains "$OUT" "users_distributed_p2 (a partition of users_distributed_hash) is the copy of users_distributed"
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "TRUNCATE users_distributed_hash"
	assert_contains "$OUT" "users_distributed_hash is the copy of users_distributed kept by migrate"
	assert_eq "$backup" "$(rp_fingerprint users_distributed_hash)" "the backup is unchanged"
	assert_eq "$print" "$(rp_fingerprint users_distributed)"
	assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed_usernames WHERE username = 'by_name'")"

	sql "INSERT INTO users_distributed (username, email) VALUES ('after_migrate', 'a@example.com')" >/dev/null
	print=$(rp_fingerprint users_distributed)
	assert_exit 0 "$REPARTITION" ${mode:+"$mode"} cleanup
	assert_eq h "$(sql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'users_distributed'::regclass")"
	assert_eq "$print" "$(rp_fingerprint users_distributed)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname = 'backup_refuses_writes'")" "guards left"
	assert_eq users_distributed_p1 "$(sql "INSERT INTO users_distributed_p1 (id, username, email) SELECT i, 'by_name', 'b@example.com'
		FROM generate_series(4000000, 4001000) AS i WHERE satisfies_hash_partition('users_distributed'::regclass, 4, 1, i) LIMIT 1
		RETURNING tableoid::regclass")" "a write into users_distributed_p1 by name, after cleanup"
	ro_assert_usernames_exact
}

for ro_scenario in add split detach migrate; do
	for ro_case in under_writes kill_in_copy_then_resume kill_in_copy_then_abort kill_in_swap_then_resume \
		swap_retries_behind_a_long_transaction swap_scans_nothing_and_matches_offline; do
		eval "test_online_${ro_scenario}_${ro_case}() { ro_${ro_case} $ro_scenario; }"
		run_test "online_${ro_scenario}_${ro_case}" "test_online_${ro_scenario}_${ro_case}"
	done
done
unset ro_scenario ro_case

test_migrate_backup_refuses_writes_online() { ro_backup_refuses_writes ""; }
test_migrate_backup_refuses_writes_offline() { ro_backup_refuses_writes --offline; }
run_test migrate_backup_refuses_writes_online test_migrate_backup_refuses_writes_online
run_test migrate_backup_refuses_writes_offline test_migrate_backup_refuses_writes_offline
