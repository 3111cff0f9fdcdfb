# shellcheck shell=bash
# test_demonstrate_queries_layouts.sh - bin/demonstrate-queries after each
# re-partitioning scenario: it exits 0 and every query scans exactly the
# partitions of the layout in force (add, split, detach, migrate, cleanup, and
# the demo's sequence); after migrate each users_distributed query also runs
# on the kept hash table, checked against the hash expectation; a wrong
# per-layout expectation still exits 1 naming its file and line.  And its
# removals never queue for ACCESS EXCLUSIVE behind a session that holds the
# table: they are skipped, naming the holder, and writers are not stalled.
# Each test copies the post-setup template of the repartition tests.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

DQ=$BIN_DIR/demonstrate-queries
QUERIES=$ROOT_DIR/scripts/queries

# json_doc_sql JSON QUERY: QUERY with the JSON document as :'doc'
json_doc_sql() {
	psql -XAtq -v ON_ERROR_STOP=1 -v doc="$1" -f - <<<"$2"
}

# "name=p1,p2" per query of event_logs and users_distributed, scanned partitions sorted
dql_scanned() {
	json_doc_sql "$1" "
		SELECT (q ->> 'name') || '=' ||
		       (SELECT string_agg(s, ',' ORDER BY s) FROM json_array_elements_text(q -> 'scanned') AS s)
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'table' IN ('event_logs', 'users_distributed')
		 ORDER BY q ->> 'name'"
}

# the leaves of a table from the catalog, sorted, comma-separated
dql_leaves() {
	sql "SELECT string_agg(c.relname, ',' ORDER BY c.relname)
	       FROM pg_partition_tree('$1') AS t JOIN pg_class AS c ON c.oid = t.relid WHERE t.isleaf"
}

# The scanned sets a scenario's layout must give, known from the scenario's
# definition (not from the program): $1 = march (months | weeks), $2 = users (hash | range)
dql_expected() {
	local march=$1 users=$2 events_all users_all
	events_all=$(dql_leaves event_logs)
	users_all=$(dql_leaves users_distributed)
	{
		echo "before_first_month=event_logs_default"
		echo "bound_from_subquery=event_logs_2024_02"
		echo "non_key_column_cannot_prune=$events_all"
		echo "one_day_generic_plan=event_logs_2024_02"
		echo "one_month=event_logs_2024_02"
		if [[ $march == weeks ]]; then
			echo "range_across_two_months=event_logs_2024_02,event_logs_2024_03_w1,event_logs_2024_03_w2"
		else
			echo "range_across_two_months=event_logs_2024_02,event_logs_2024_03"
		fi
		echo "id_array_generic_plan_cannot_prune=$users_all"
		echo "username_cannot_prune=$users_all"
		if [[ $users == range ]]; then
			echo "id_list=users_distributed_r1"
			echo "id_range=users_distributed_r1"
			echo "id_range_generic_plan=users_distributed_r1"
			echo "one_id=users_distributed_r1"
			echo "one_id_generic_plan=users_distributed_r1"
		else
			echo "id_list=users_distributed_p0,users_distributed_p1,users_distributed_p2"
			echo "id_range=$users_all"
			echo "id_range_generic_plan=$users_all"
			echo "one_id=users_distributed_p2"
			echo "one_id_generic_plan=users_distributed_p2"
		fi
	} | LC_ALL=C sort
}

# dql_check_run MARCH USERS LAYOUTS: demonstrate-queries --json exits 0, every
# query and removal ok, the scanned sets as dql_expected says, and the layouts
# in force ("table:layout" for those with one) as LAYOUTS
dql_check_run() {
	local march=$1 users=$2 layouts=$3 doc
	assert_exit 0 "$DQ" --json --runs 1
	doc=$STDOUT
	assert_eq "0|0|0|0" "$(json_doc_sql "$doc" "
		SELECT concat_ws('|', s -> 'mismatched', s -> 'errors', s -> 'removal_errors', s -> 'removals_skipped')
		  FROM (SELECT :'doc'::json -> 'summary' AS s) x")" "mismatches, errors, removals failed and skipped"
	assert_eq "" "$(json_doc_sql "$doc" "
		SELECT string_agg(q ->> 'name', ', ') FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'status' <> 'ok' OR json_array_length(q -> 'scanned') = 0")" "queries not ok"
	assert_eq "$(dql_expected "$march" "$users" | LC_ALL=C sort)" "$(dql_scanned "$doc" | LC_ALL=C sort)" \
		"scanned partitions per query"
	assert_eq "$layouts" "$(json_doc_sql "$doc" "
		SELECT coalesce(string_agg(DISTINCT (q ->> 'table') || ':' || (q ->> 'layout'), ','), '')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q WHERE q ->> 'layout' IS NOT NULL")" \
		"layouts in force"
	DQL_DOC=$doc
}

test_demonstrate_queries_after_add() {
	rp_fresh_db dql_add
	assert_exit 0 "$REPARTITION" add
	assert_contains "$(dql_leaves event_logs)" "event_logs_2024_04"
	dql_check_run months hash ""
}

test_demonstrate_queries_after_split() {
	rp_fresh_db dql_split
	assert_exit 0 "$REPARTITION" split
	# independently: the weeks the range of range_across_two_months reaches hold its March rows
	assert_eq "event_logs_2024_02,event_logs_2024_03_w1,event_logs_2024_03_w2" "$(sql "
		SELECT string_agg(DISTINCT tableoid::regclass::text, ',' ORDER BY tableoid::regclass::text)
		  FROM event_logs WHERE created_at >= '2024-02-15' AND created_at < '2024-03-15'")"
	dql_check_run weeks hash "event_logs:march_in_weeks"
	# the text names the layout and where its expectation is
	assert_exit 0 "$DQ" --table event_logs --runs 1
	assert_contains "$STDOUT" "layout march_in_weeks (scripts/queries/20_range_queries.sql:"
	assert_contains "$STDOUT" "✓ scanned 3 of 8 partitions (event_logs_2024_02, event_logs_2024_03_w1, event_logs_2024_03_w2)"
	assert_contains "$STDOUT" "(expected in layout march_in_weeks: scripts/queries/20_range_queries.sql:$(grep -n '^-- @expect march_in_weeks:' "$QUERIES/20_range_queries.sql" | cut -d: -f1))"
}

test_demonstrate_queries_after_detach() {
	rp_fresh_db dql_detach
	assert_exit 0 "$REPARTITION" detach
	assert_not_contains "$(dql_leaves event_logs)" "event_logs_2024_01"
	dql_check_run months hash ""
}

test_demonstrate_queries_after_migrate_beside_the_hash_layout() {
	local doc
	rp_fresh_db dql_migrate
	assert_exit 0 "$REPARTITION" migrate
	# independently: where the ids of the range queries live now, and lived in the hash layout
	assert_eq "users_distributed_r1" "$(sql "SELECT string_agg(DISTINCT tableoid::regclass::text, ',')
		FROM users_distributed WHERE id BETWEEN 1 AND 100")"
	assert_eq "users_distributed_p2" "$(sql "SELECT tableoid::regclass FROM users_distributed_hash WHERE id = 42")"
	dql_check_run months range "users_distributed:range_by_id"
	doc=$DQL_DOC
	# every users query ran on the kept hash table too, with the hash expectations
	assert_eq "id_array_generic_plan_cannot_prune=ok:4,id_list=ok:users_distributed_p0 users_distributed_p1 users_distributed_p2,id_range=ok:4,id_range_generic_plan=ok:4,one_id=ok:users_distributed_p2,one_id_generic_plan=ok:users_distributed_p2,username_cannot_prune=ok:4" \
		"$(json_doc_sql "$doc" "
		SELECT string_agg((q ->> 'name') || '=' || (q -> 'previous' ->> 'status') || ':' ||
		       CASE WHEN json_array_length(q -> 'previous' -> 'scanned') = 4 THEN '4'
		            ELSE (SELECT string_agg(s, ' ' ORDER BY s) FROM json_array_elements_text(q -> 'previous' -> 'scanned') s) END,
		       ',' ORDER BY q ->> 'name')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q
		 WHERE q ->> 'table' = 'users_distributed'
		   AND q -> 'previous' ->> 'table' = 'users_distributed_hash'
		   AND (q -> 'previous' -> 'time_ms' ->> 'median')::numeric > 0
		   AND q -> 'previous' ->> 'speed' IN ('faster', 'tie', 'slower')")"
	# the gain: the id range reads one partition of five where the hash layout read all four
	assert_eq "none|4|plan_time|1|5" "$(json_doc_sql "$doc" "
		SELECT concat_ws('|', q -> 'previous' ->> 'pruning', json_array_length(q -> 'previous' -> 'scanned'),
		                 q ->> 'pruning', json_array_length(q -> 'scanned'), q ->> 'partitions')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q WHERE q ->> 'name' = 'id_range'")"
	# the text: the layout, the comparison, and both trees (where new rows land)
	assert_exit 0 "$DQ" --table users_distributed --runs 1
	assert_contains "$STDOUT" "layout range_by_id (scripts/queries/21_hash_queries.sql:"
	assert_contains "$STDOUT" "beside each query: the same on users_distributed_hash, which keeps the previous layout"
	assert_contains "$STDOUT" "✓ scanned 1 of 5 partitions (users_distributed_r1) — pruned at plan time"
	assert_contains "$STDOUT" "on users_distributed_hash, the previous layout"
	assert_contains "$STDOUT" "✓ scanned 4 of 4 partitions (all) — no pruning"
	assert_contains "$STDOUT" "than the previous layout"
	assert_contains "$STDOUT" "├─ users_distributed_p0"
	assert_contains "$STDOUT" "└─ users_distributed_rmax"
	assert_not_contains "$STDOUT" "✗"
}

test_demonstrate_queries_after_cleanup_and_the_demo_sequence() {
	rp_fresh_db dql_sequence
	local s
	# the demo's order, then demonstrate-queries, then cleanup
	for s in add split detach migrate; do
		assert_exit 0 "$REPARTITION" "$s"
	done
	# split took the newest month (April, after add): March stays whole
	dql_check_run months range "users_distributed:range_by_id"
	assert_exit 0 "$REPARTITION" cleanup
	dql_check_run months hash ""
	assert_eq "null" "$(json_doc_sql "$DQL_DOC" "
		SELECT coalesce(string_agg(DISTINCT q ->> 'previous', ','), 'null')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q")" "no comparison after cleanup"
}

test_wrong_layout_expectation_exits_1_naming_file_and_line() {
	local dir line
	rp_fresh_db dql_wrong
	assert_exit 0 "$REPARTITION" migrate
	dir=$(mktemp -d)
	cp "$QUERIES"/*.sql "$dir/"
	# one_id in the range layout: r2 instead of r1
	line=$(grep -n '^-- @expect range_by_id: users_distributed_r1$' "$dir/21_hash_queries.sql" | head -n 1 | cut -d: -f1)
	sed -i "${line}s/_r1/_r2/" "$dir/21_hash_queries.sql"
	assert_exit 1 "$DQ" --queries "$dir" --table users_distributed --runs 1
	assert_contains "$STDOUT" "✗ scanned 1 of 5 partitions (users_distributed_r1) — pruned at plan time"
	assert_contains "$STDOUT" "expected ($dir/21_hash_queries.sql:$line): users_distributed_r2; not scanned: users_distributed_r2; scanned too: users_distributed_r1"
	assert_contains "$STDOUT" "1 mismatched (one_id)"
	assert_exit 1 "$DQ" --queries "$dir" --table users_distributed --runs 1 --json
	assert_eq "one_id:mismatch:$line" "$(json_doc_sql "$STDOUT" "
		SELECT string_agg(concat_ws(':', q ->> 'name', q ->> 'status', q ->> 'expected_line'), ',')
		  FROM json_array_elements(:'doc'::json -> 'queries') AS q WHERE q ->> 'status' <> 'ok'")"

	# the hash expectation is still checked, on the kept hash table: p3 instead of p2
	cp "$QUERIES/21_hash_queries.sql" "$dir/"
	line=$(grep -n '^-- @expect: users_distributed_p2$' "$dir/21_hash_queries.sql" | head -n 1 | cut -d: -f1)
	sed -i "${line}s/_p2/_p3/" "$dir/21_hash_queries.sql"
	assert_exit 1 "$DQ" --queries "$dir" --table users_distributed --runs 1
	assert_contains "$STDOUT" "✓ scanned 1 of 5 partitions (users_distributed_r1)"
	assert_contains "$STDOUT" "expected ($dir/21_hash_queries.sql:$line): users_distributed_p3; not scanned: users_distributed_p3; scanned too: users_distributed_p2"
	assert_contains "$STDOUT" "1 mismatched (one_id)"

	# a pruning kind of a layout, wrong: the generic range query prunes at run time
	cp "$QUERIES/21_hash_queries.sql" "$dir/"
	line=$(grep -n '^-- @pruning range_by_id: run time$' "$dir/21_hash_queries.sql" | head -n 1 | cut -d: -f1)
	sed -i "${line}s/run time/plan time/" "$dir/21_hash_queries.sql"
	assert_exit 1 "$DQ" --queries "$dir" --table users_distributed --runs 1
	assert_contains "$STDOUT" "expected pruning at plan time ($dir/21_hash_queries.sql:$line), not pruning at run time"
	rm -rf -- "$dir"
}

test_layout_statements_are_checked() {
	local dir line
	rp_fresh_db dql_layouts
	dir=$(mktemp -d)
	cp "$QUERIES"/*.sql "$dir/"
	# a second layout of users_distributed that is always in force
	printf '%s\n' "-- @layout: always" "-- @table: users_distributed" "-- @shows: wrong" "SELECT true;" \
		>"$dir/24_extra.sql"
	sed -i 's/^SELECT coalesce((SELECT pg_catalog.pg_get_partkeydef(p.partrelid) = .RANGE (id).$/SELECT true OR coalesce((SELECT NULL::boolean/' \
		"$dir/21_hash_queries.sql"
	line=$(grep -n '^-- @layout: range_by_id$' "$dir/21_hash_queries.sql" | cut -d: -f1)
	assert_exit 1 "$DQ" --queries "$dir" --table users_distributed --runs 1
	assert_contains "$STDERR" "error: $dir/24_extra.sql:1: layouts \"always\" and \"range_by_id\" ($dir/21_hash_queries.sql:$line) of users_distributed are both in force"
	assert_not_contains "$STDOUT" "✓"
	# a statement that is no true/false
	printf '%s\n' "-- @layout: always" "-- @table: users_distributed" "-- @shows: wrong" "SELECT 1, 2;" \
		>"$dir/24_extra.sql"
	cp "$QUERIES/21_hash_queries.sql" "$dir/"
	assert_exit 1 "$DQ" --queries "$dir" --table users_distributed --runs 1
	assert_contains "$STDERR" "error: $dir/24_extra.sql:4: always: a layout's statement must return one row with true or false, not 1 row of 2 columns"
	rm -rf -- "$dir"
}

# --- removals under a session that holds the table -------------------------

# dql_hold NAME SQL: a session (application_name NAME) runs SQL in a
# transaction and stays idle in it until dql_release; its pid in DQL_PID_<NAME>
dql_hold() {
	local name=$1 statement=$2
	{
		echo "BEGIN;"
		echo "$statement"
		for ((i = 0; i < 3000; i++)); do
			[[ -e $DQL_RELEASE ]] && break
			sleep 0.1
		done
		echo "ROLLBACK;"
	} | PGAPPNAME=$name psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	dql_wait "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = '$name' AND state = 'idle in transaction')" "$name"
	printf -v "DQL_PID_$name" '%s' "$(sql "SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = '$name'")"
}

dql_wait() {
	local query=$1 what=$2
	for ((i = 0; i < 300; i++)); do
		[[ $(sql "$query") == t ]] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $what"
}

# EXIT trap: a failed test leaves no session holding anything
dql_cleanup() {
	local pid
	if [[ -n ${DQL_RELEASE-} ]]; then touch "$DQL_RELEASE" 2>/dev/null || true; fi
	if [[ -n ${DQL_STOP-} ]]; then touch "$DQL_STOP" 2>/dev/null || true; fi
	for pid in $(jobs -p); do
		wait "$pid" 2>/dev/null || true
	done
	return 0
}

test_removal_behind_an_idle_holder_is_skipped_and_stalls_no_one() {
	local work doc samples writer_err before after writer_job sampler_job
	rp_fresh_db dql_locks
	work=$(mktemp -d)
	DQL_RELEASE=$work/release DQL_STOP=$work/stop
	trap dql_cleanup EXIT
	# one session read event_logs, another wrote to it; both stay idle in their transaction
	dql_hold dql_reader "SELECT count(*) FROM event_logs;"
	dql_hold dql_writer "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('held', 1, '2024-03-03');"
	before=$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'dq_writer'")

	# while demonstrate-queries runs: a writer inserting one row per transaction,
	# each allowed to wait 3 s for its lock (a DETACH queued behind the holders
	# would make it wait as long as the DETACH waits), and a sampler of the
	# lock requests demonstrate-queries has waiting
	samples=$work/samples writer_err=$work/writer.err
	{
		echo "SET lock_timeout = '3s';"
		while [[ ! -e $DQL_STOP ]]; do
			echo "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('dq_writer', 2, '2024-02-20');"
			sleep 0.02
		done
	} | psql -XAtq -v ON_ERROR_STOP=0 >/dev/null 2>"$writer_err" &
	writer_job=$!
	{
		while [[ ! -e $DQL_STOP ]]; do
			echo "SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
			       WHERE a.datname = current_database() AND a.application_name = 'demonstrate-queries'
			         AND l.locktype = 'relation' AND NOT l.granted;"
			sleep 0.05
		done
	} | psql -XAtq >"$samples" 2>&1 &
	sampler_job=$!

	assert_exit 0 "$DQ" --json --runs 1
	doc=$STDOUT
	# before the holders go: the writer committed rows during the run, and none timed out
	after=$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'dq_writer'")
	touch "$DQL_STOP"
	wait "$writer_job" "$sampler_job"
	[[ $after -gt $before ]] || fail "the writer committed nothing while demonstrate-queries ran"
	assert_eq "" "$(grep -i 'lock' "$writer_err" || true)" "the writer's errors"
	assert_eq "0" "$(awk '{ s += $1 } END { print s + 0 }' "$samples")" \
		"samples of demonstrate-queries waiting for a lock ($(wc -l <"$samples") taken)"
	[[ $(wc -l <"$samples") -gt 0 ]] || fail "the sampler took no sample"

	# the pruning verdicts were all checked and hold
	assert_eq "$(grep -c '^-- @query:' "$QUERIES"/*.sql | awk -F: '{ s += $2 } END { print s }')|0|0|0|1" \
		"$(json_doc_sql "$doc" "
		SELECT concat_ws('|', s -> 'as_expected', s -> 'mismatched', s -> 'errors', s -> 'removal_errors',
		                 s -> 'removals_skipped')
		  FROM (SELECT :'doc'::json -> 'summary' AS s) x")"
	# the month's removal was skipped, naming both holders, the older first; the others ran
	assert_eq "remove_a_month:skipped:event_logs:$DQL_PID_dql_reader/dql_reader/idle in transaction,$DQL_PID_dql_writer/dql_writer/idle in transaction" \
		"$(json_doc_sql "$doc" "
		SELECT concat_ws(':', m ->> 'name', m ->> 'status', m -> 'skipped' ->> 'relation',
		       (SELECT string_agg(concat_ws('/', h ->> 'pid', h ->> 'application_name', h ->> 'state'), ',')
		          FROM json_array_elements(m -> 'skipped' -> 'holders') AS h))
		  FROM json_array_elements(:'doc'::json -> 'maintenance') AS m WHERE m ->> 'status' <> 'ok'")"
	assert_eq "remove_a_quarter,remove_a_region" "$(json_doc_sql "$doc" "
		SELECT string_agg(m ->> 'name', ',' ORDER BY m ->> 'name')
		  FROM json_array_elements(:'doc'::json -> 'maintenance') AS m
		 WHERE m ->> 'status' = 'ok' AND (m -> 'partitioned_ms' ->> 'median')::numeric > 0")"
	# the text says so too
	assert_exit 0 "$DQ" --table event_logs --runs 1
	assert_contains "$STDOUT" "⊘ skipped: ACCESS EXCLUSIVE on event_logs and its partitions not granted at once in 4 attempts"
	assert_contains "$STDOUT" "held by pid $DQL_PID_dql_reader (dql_reader), idle in transaction for"
	assert_contains "$STDOUT" "1 removal: 0 timed, 1 skipped (a lock held elsewhere, named above)"
	touch "$DQL_RELEASE"
	wait
	# nothing was removed
	assert_eq "event_logs" "$(sql "SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = 'event_logs_2024_02'::regclass")"
	rm -rf -- "$work"
}

test_plain_delete_behind_a_row_lock_is_skipped() {
	local work
	rp_fresh_db dql_rowlock
	work=$(mktemp -d)
	DQL_RELEASE=$work/release
	trap dql_cleanup EXIT
	# a February row of the plain table changed by a transaction left open
	dql_hold dql_old_writer "UPDATE event_logs_old SET event_type = event_type
		WHERE id = (SELECT min(id) FROM event_logs_old WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01');"
	assert_exit 0 "$DQ" --table event_logs --runs 1 --lock-timeout 200
	assert_contains "$STDOUT" "⊘ skipped: a lock on event_logs_old not granted within lock_timeout (200 ms)"
	assert_contains "$STDOUT" "held by pid $DQL_PID_dql_old_writer (dql_old_writer), idle in transaction for"
	assert_contains "$STDOUT" "6 queries: 6 as expected"
	touch "$DQL_RELEASE"
	wait
	rm -rf -- "$work"
}

test_queries_wait_for_a_lock_at_most_lock_timeout() {
	local work
	rp_fresh_db dql_qlock
	work=$(mktemp -d)
	DQL_RELEASE=$work/release
	trap dql_cleanup EXIT
	# an ACCESS EXCLUSIVE lock on the plain table, held: its queries cannot read it
	dql_hold dql_locker "LOCK TABLE event_logs_old IN ACCESS EXCLUSIVE MODE;"
	assert_exit 1 "$DQ" --table event_logs --runs 1 --lock-timeout 200
	assert_contains "$STDERR" "canceling statement due to lock timeout (SQLSTATE 55P03)"
	assert_contains "$STDERR" "detail: lock held by pid $DQL_PID_dql_locker (dql_locker), idle in transaction for"
	assert_contains "$STDERR" "AccessExclusiveLock on event_logs_old"
	touch "$DQL_RELEASE"
	wait
	rm -rf -- "$work"
}

test_lock_timeout_option_is_validated() {
	assert_exit 2 "$DQ" --lock-timeout 0
	assert_contains "$STDERR" "invalid value \"0\" for option --lock-timeout: must be an integer between 1 and 600000"
	assert_exit 2 "$DQ" --lock-timeout 5s
	assert_contains "$STDERR" "invalid value \"5s\" for option --lock-timeout: must be an integer between 1 and 600000"
}

run_test dql_after_add test_demonstrate_queries_after_add
run_test dql_after_split test_demonstrate_queries_after_split
run_test dql_after_detach test_demonstrate_queries_after_detach
run_test dql_after_migrate_beside_the_hash_layout test_demonstrate_queries_after_migrate_beside_the_hash_layout
run_test dql_after_cleanup_and_the_demo_sequence test_demonstrate_queries_after_cleanup_and_the_demo_sequence
run_test dql_wrong_layout_expectation_exits_1_naming_file_and_line test_wrong_layout_expectation_exits_1_naming_file_and_line
run_test dql_layout_statements_are_checked test_layout_statements_are_checked
run_test dql_removal_behind_an_idle_holder_is_skipped_and_stalls_no_one test_removal_behind_an_idle_holder_is_skipped_and_stalls_no_one
run_test dql_plain_delete_behind_a_row_lock_is_skipped test_plain_delete_behind_a_row_lock_is_skipped
run_test dql_queries_wait_for_a_lock_at_most_lock_timeout test_queries_wait_for_a_lock_at_most_lock_timeout
run_test dql_lock_timeout_option_is_validated test_lock_timeout_option_is_validated
