# shellcheck shell=bash
# test_online_migration.sh - bin/setup-database --online: the four tables
# migrate while others insert, update and delete, and the result is what the
# offline migration makes; SIGINT, SIGTERM or kill -9 in the middle of the
# copy leave the plain table whole and writable, and the next run resumes
# (or --abort removes what was built); a long transaction holding a lock
# makes the run retry a bounded number of times, then give up cleanly.
# Sourced by tests/integration/run.sh.
#
# A copy is stopped in the middle deterministically: a second session locks
# the migration's row of partition_demo.online_migrations once the copy is
# under way, so the next batch (which takes that row FOR UPDATE) waits; the
# test signals the program there and then lets the batch go on.

# shellcheck source=tests/lib/row_mutator.sh
source "$ROOT_DIR/tests/lib/row_mutator.sh"

OM_SETUP=$BIN_DIR/setup-database
OM_SEED_ROWS=20000

# om_template: the four plain tables seeded with OM_SEED_ROWS rows, the two
# 00 files applied and nothing migrated. Made by a copy of scripts/ whose
# 01_range_partitions.sql stops the setup right after the seed.
om_make_template() {
	local dir log=$TESTLIB_LOG_DIR/online_template.log rc=0
	dir=$(mktemp -d) || return 1
	cp -r "$ROOT_DIR/scripts" "$dir/" || return 1
	echo "DO \$\$ BEGIN RAISE EXCEPTION 'om_template: stop after the seed'; END \$\$;" \
		>"$dir/scripts/01_range_partitions.sql"
	"$OM_SETUP" --scripts "$dir/scripts" --seed-rows "$OM_SEED_ROWS" >"$log" 2>&1 || rc=$?
	rm -rf -- "$dir"
	[[ $rc -eq 1 ]] && grep -q "om_template: stop after the seed" "$log" &&
		[[ $(psql -XAtq -d om_template -c "SELECT string_agg(script, ',' ORDER BY script)
			FROM partition_demo.applied_scripts") == "00_initial_seed_data.sql,00_setup_base_tables.sql" ]]
}

if [[ -z ${OM_TEMPLATE_READY-} ]]; then
	OM_TEMPLATE_READY=1
	om_saved_db=${PGDATABASE-}
	if fresh_database om_template && ! om_make_template; then
		_testlib_record_fail "online migration template database (log: $TESTLIB_LOG_DIR/online_template.log)"
	fi
	# the files after this one get the database they had
	if [[ -n $om_saved_db ]]; then
		export POSTGRES_DB=$om_saved_db PGDATABASE=$om_saved_db
	fi
	unset om_saved_db
fi

# om_fresh_db NAME: database NAME as om_template (plain, seeded); exports
# POSTGRES_DB and PGDATABASE
om_fresh_db() {
	fresh_database "$1" om_template
}

# "rows:checksum" of TABLE (partition_demo.table_fingerprint over its columns)
om_fingerprint() {
	sql "SELECT f.row_count || ':' || f.checksum
		FROM partition_demo.table_fingerprint('$1', partition_demo.table_columns('$1')) AS f"
}

om_relkind() {
	sql "SELECT coalesce((SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = to_regclass('$1')), 'none')"
}

# what an online migration keeps while in progress: all zero when none is
om_state() {
	sql "SELECT format('migrations=%s changes=%s unverified=%s online_triggers=%s',
		(SELECT count(*) FROM partition_demo.online_migrations),
		(SELECT count(*) FROM partition_demo.online_changes),
		(SELECT count(*) FROM partition_demo.online_unverified),
		(SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgname LIKE 'online\\_%'))"
}
OM_NO_STATE="migrations=0 changes=0 unverified=0 online_triggers=0"

# om_wait_for QUERY WHAT [SECONDS]: polls until QUERY returns t; fails the
# test after SECONDS (default 60)
om_wait_for() {
	local deadline=$((SECONDS + ${3:-60}))
	until [[ $(sql "$1") == t ]]; do
		((SECONDS < deadline)) || fail "waited ${3:-60} s in vain for $2"
		sleep 0.05
	done
}

# om_wait_pid PID [SECONDS]: waits for a background program to end, failing
# the test if it does not within SECONDS (default 60); its status in OM_RC
om_wait_pid() {
	local deadline=$((SECONDS + ${2:-60}))
	while kill -0 "$1" 2>/dev/null; do
		((SECONDS < deadline)) || fail "process $1 still running after ${2:-60} s"
		sleep 0.1
	done
	OM_RC=0
	wait "$1" || OM_RC=$?
}

# om_pause_copy TABLE: once the copy of TABLE is under way (some rows
# copied, not all), a session (application_name om_pause) locks its row of
# online_migrations, and the copy's next batch waits for it; returns when it
# does. om_resume_copy lets it go on.
om_pause_copy() {
	local table=$1
	PGAPPNAME=om_pause psql -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "DO \$\$
		BEGIN
		    FOR i IN 1..6000 LOOP
		        PERFORM FROM partition_demo.online_migrations AS o
		         WHERE o.table_name = '$table' AND o.rows_copied > 0 AND o.copied_up_to < o.copy_end
		           FOR UPDATE;
		        IF FOUND THEN
		            RETURN;
		        END IF;
		        PERFORM pg_sleep(0.01);
		    END LOOP;
		    RAISE EXCEPTION 'the copy of $table never got under way';
		END \$\$" -c "SELECT pg_sleep(600)" -c "COMMIT" >/dev/null 2>&1 &
	OM_PAUSE_JOB=$!
	om_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'om_pause' AND query = 'SELECT pg_sleep(600)')
		AND EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'setup-database' AND wait_event_type = 'Lock')" \
		"the copy of $table to wait in a batch"
}

om_resume_copy() {
	sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'om_pause'" >/dev/null
	wait "$OM_PAUSE_JOB" || true
}

# om_interrupt SIGNAL TABLE HOLD_S [OPTION...]: starts an online migration of
# TABLE in small batches, sends SIGNAL in the middle of its copy, lets the
# copy go on HOLD_S seconds later and waits for the end of the run and of
# its session. Its status in OM_RC, its stderr in OM_ERR.
om_interrupt() {
	local signal=$1 table=$2 hold=$3 dir pid
	shift 3
	dir=$(mktemp -d)
	"$OM_SETUP" --online --table "$table" --batch 50 "$@" >"$dir/out" 2>"$dir/err" &
	pid=$!
	om_pause_copy "$table"
	kill -s "$signal" "$pid"
	sleep "$hold"
	om_resume_copy
	om_wait_pid "$pid"
	OM_ERR=$(<"$dir/err")
	# after kill -9 the server finishes the batch in flight, then notices
	om_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'setup-database')" "the interrupted run's session to end"
	rm -rf -- "$dir"
}

# om_hold_lock [TABLE [MODE]]: a session (application_name om_holder, backend
# pid in OM_HOLDER_PID) locks TABLE (default event_logs) in MODE (default ROW
# EXCLUSIVE, as any writer does) and stays idle in transaction until
# om_release_lock.
om_hold_lock() {
	local table=${1:-event_logs} mode=${2:-ROW EXCLUSIVE} release
	release=$(mktemp -d)/release
	OM_RELEASE=$release
	{
		echo "BEGIN;"
		echo "LOCK TABLE $table IN $mode MODE;"
		for ((i = 0; i < 3000; i++)); do
			[[ -e $release ]] && break
			sleep 0.1
		done
		echo "COMMIT;"
	} | PGAPPNAME=om_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	OM_HOLDER_JOB=$!
	om_wait_for "SELECT EXISTS (SELECT FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
		WHERE a.datname = current_database() AND a.application_name = 'om_holder'
		  AND a.state = 'idle in transaction' AND l.relation = '$table'::regclass AND l.granted)" \
		"the lock holder"
	OM_HOLDER_PID=$(sql "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'om_holder'")
}

om_release_lock() {
	touch "$OM_RELEASE"
	wait "$OM_HOLDER_JOB"
}

# EXIT trap of the tests that start programs in the background: a failed
# test leaves nothing running or waiting
om_cleanup() {
	local pid
	# a program stopped with SIGSTOP would not see the signals below
	if [[ -n ${OM_STOPPED_PID-} ]]; then
		kill -CONT "$OM_STOPPED_PID" 2>/dev/null || true
	fi
	if [[ -n ${OM_RELEASE-} ]]; then
		touch "$OM_RELEASE" 2>/dev/null || true
	fi
	psql -XAtq -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'om_pause'" >/dev/null 2>&1 || true
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null || true
	done
}

# om_json_field JSON PATH: a field of a JSON document, read by the server
om_json_field() {
	psql -XAtq -v ON_ERROR_STOP=1 -v doc="$1" <<<"SELECT (:'doc'::jsonb) #>> '$2'"
}

# the catalog of schema public, one line per object: tables and their
# partition tree (parent, bounds, partition key), sequences (owner column,
# last value), indexes, constraints, triggers, columns (type, NOT NULL,
# default), functions; and the scripts recorded as applied
om_catalog() {
	sql "SELECT 'relation ' || c.relname || ' ' || c.relkind::text
	        || ' parent=' || coalesce((SELECT i.inhparent::regclass::text FROM pg_catalog.pg_inherits AS i
	                                    WHERE i.inhrelid = c.oid), '-')
	        || ' bound=' || coalesce(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '-')
	        || ' key=' || coalesce(pg_catalog.pg_get_partkeydef(c.oid), '-')
	   FROM pg_catalog.pg_class AS c
	  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
	UNION ALL
	 SELECT 'index ' || indexname || ': ' || indexdef FROM pg_catalog.pg_indexes WHERE schemaname = 'public'
	UNION ALL
	 SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ': ' || pg_catalog.pg_get_constraintdef(oid)
	   FROM pg_catalog.pg_constraint WHERE connamespace = 'public'::regnamespace
	UNION ALL
	 SELECT 'trigger ' || t.tgrelid::regclass || ' ' || t.tgname || ': ' || pg_catalog.pg_get_triggerdef(t.oid)
	   FROM pg_catalog.pg_trigger AS t JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
	  WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
	UNION ALL
	 SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' '
	        || pg_catalog.format_type(a.atttypid, a.atttypmod)
	        || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
	        || coalesce(' default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')
	   FROM pg_catalog.pg_attribute AS a
	   JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
	   LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
	    AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	 SELECT 'sequence ' || s.seqrelid::regclass
	        || ' owned by ' || coalesce(d.refobjid::regclass || '.' || a.attname, '-')
	        || ' last_value ' || coalesce(q.last_value::text, 'null')
	   FROM pg_catalog.pg_sequence AS s
	   JOIN pg_catalog.pg_class AS c ON c.oid = s.seqrelid
	   JOIN pg_catalog.pg_sequences AS q ON q.schemaname = 'public' AND q.sequencename = c.relname
	   LEFT JOIN pg_catalog.pg_depend AS d ON d.classid = 'pg_catalog.pg_class'::regclass
	        AND d.objid = s.seqrelid AND d.refclassid = 'pg_catalog.pg_class'::regclass
	        AND d.deptype IN ('a', 'i')
	   LEFT JOIN pg_catalog.pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
	  WHERE c.relnamespace = 'public'::regnamespace
	UNION ALL
	 SELECT 'function ' || p.oid::regprocedure || ' ' || md5(p.prosrc)
	   FROM pg_catalog.pg_proc AS p WHERE p.pronamespace = 'public'::regnamespace
	UNION ALL
	 SELECT 'applied ' || script FROM partition_demo.applied_scripts
	ORDER BY 1"
}

# count and checksum of every table of schema public (partitioned tables as
# a whole), one line each
om_contents() {
	sql "SELECT c.relname || ' ' || f.row_count || ':' || f.checksum
	   FROM pg_catalog.pg_class AS c,
	        LATERAL partition_demo.table_fingerprint(c.oid::regclass,
	                                                 partition_demo.table_columns(c.oid::regclass)) AS f
	  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
	  ORDER BY 1"
}

# om_assert_same_lines EXPECTED ACTUAL WHAT: like assert_eq, with a diff
om_assert_same_lines() {
	[[ $1 == "$2" ]] && return 0
	diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | head -n 60 >&2 || true
	fail "$3 differ (diff above)"
}

# om_insert_gets_new_id TABLE COLUMNS VALUES: t when a row inserted with the
# default id gets an id above every id of TABLE and of TABLE_old
om_insert_gets_new_id() {
	sql "WITH i AS (INSERT INTO $1 ($2) VALUES ($3) RETURNING id)
	     SELECT (SELECT id FROM i) > (SELECT max(id) FROM $1)
	        AND (SELECT id FROM i) > (SELECT max(id) FROM $1_old)"
}

test_online_migration_while_others_write() {
	trap om_cleanup EXIT
	om_fresh_db om_load
	local dir loader mutator ledger_before mutations_before stats check changes max_latency
	dir=$(mktemp -d)
	"$BIN_DIR/load-data" 5 --ledger "$dir/ledger" --json --progress 0 >"$dir/load.json" 2>"$dir/load.err" &
	loader=$!
	row_mutator "$OM_SEED_ROWS" "$dir/stop" >"$dir/mutator.log" 2>&1 &
	mutator=$!
	om_wait_for "SELECT to_regclass('online_mutations') IS NOT NULL" "the mutator's table"
	om_wait_for "SELECT EXISTS (SELECT FROM online_mutations)" "the mutator's first change"
	until [[ -s $dir/ledger ]]; do
		kill -0 "$loader" 2>/dev/null || fail "load-data stopped: $(tail -n 5 "$dir/load.err")"
		sleep 0.1
	done
	ledger_before=$(grep -c . "$dir/ledger" || true)
	mutations_before=$(sql "SELECT count(*) FROM online_mutations")

	assert_exit 0 "$OM_SETUP" --online --batch 1000
	for t in event_logs users_distributed orders_by_region sales_data; do
		assert_contains "$OUT" "prepared: ${t}_partitioned created"
		assert_contains "$OUT" "(writers of $t waited at most that long)"
	done
	# the other sessions did write while the tables migrated, and some of
	# their changes were captured and replayed (or compared under the lock)
	[[ $(grep -c . "$dir/ledger") -gt $((ledger_before + 20)) ]] || fail "load-data wrote too little during the migration"
	[[ $(sql "SELECT count(*) FROM online_mutations") -gt $((mutations_before + 20)) ]] ||
		fail "the mutator changed too little during the migration"
	changes=$(grep -Eo 'replayed [0-9]+ changes|; [0-9]+ rows changed since' <<<"$OUT" |
		awk '{ n += $2 } END { print n + 0 }')
	[[ $changes -gt 0 ]] || fail "no change was captured during the migration"

	sleep 0.5 # and go on writing into the partitioned tables
	touch "$dir/stop"
	wait "$mutator" || fail "row_mutator failed: $(tail -n 5 "$dir/mutator.log")"
	kill -INT "$loader"
	wait "$loader" || fail "load-data did not exit 0 after SIGINT: $(tail -n 5 "$dir/load.err")"

	assert_eq "" "$(grep ERROR "$dir/mutator.log" || true)" "no update or delete of the mutator failed"
	stats=$(<"$dir/load.json")
	echo "load-data: $(om_json_field "$stats" '{committed_rows}') rows committed," \
		"commit latency max $(om_json_field "$stats" '{commit_latency_ms,max}') ms"
	assert_eq 0 "$(om_json_field "$stats" '{failed_rows}')" "load-data's failed rows"
	assert_eq 0 "$(om_json_field "$stats" '{unknown_rows}')" "load-data's rows of unknown fate"
	# no writer was held up for seconds (the swap holds its lock for milliseconds)
	max_latency=$(om_json_field "$stats" '{commit_latency_ms,max}')
	assert_eq t "$(sql "SELECT $max_latency::float8 < 5000")" "the slowest commit took under 5 s ($max_latency ms)"
	assert_exit 0 "$BIN_DIR/load-data" --verify "$dir/ledger"
	assert_contains "$OUT" "rows checked, 0 missing"
	check=$(online_mutation_check)
	echo "online_mutation_check: $check"
	assert_contains "$check" " stale=0"
	assert_not_contains "$check" "changed=0 "

	assert_eq "$OM_NO_STATE" "$(om_state)"
	assert_eq "event_logs:p orders_by_region:p sales_data:p users_distributed:p" \
		"$(sql "SELECT string_agg(relname || ':' || relkind::text, ' ' ORDER BY relname) FROM pg_catalog.pg_class
			WHERE relname IN ('event_logs', 'users_distributed', 'orders_by_region', 'sales_data')")"
	assert_eq 6 "$(sql "SELECT count(*) FROM partition_demo.applied_scripts")"
	rm -rf -- "$dir"
}

test_online_result_equals_offline() {
	local offline_catalog offline_contents
	fresh_database om_offline
	assert_exit 0 "$OM_SETUP" --seed-rows "$OM_SEED_ROWS"
	offline_catalog=$(om_catalog)
	offline_contents=$(om_contents)
	[[ $(grep -c '^trigger ' <<<"$offline_catalog") -ge 2 ]] || fail "the catalog query found no trigger"

	fresh_database om_online
	assert_exit 0 "$OM_SETUP" --online --seed-rows "$OM_SEED_ROWS"
	assert_contains "$OUT" "swapped in"
	om_assert_same_lines "$offline_catalog" "$(om_catalog)" "catalogs (< offline, > online)"
	om_assert_same_lines "$offline_contents" "$(om_contents)" "table contents (< offline, > online)"
	assert_eq "$OM_NO_STATE" "$(om_state)"

	# the new sequences continue after the copied ids
	assert_eq t "$(om_insert_gets_new_id event_logs "event_type, user_id, created_at" "'om_seq', 1, '2024-02-10'")"
	assert_eq t "$(om_insert_gets_new_id users_distributed "username, email" "'om_seq_user', 'om_seq@example.com'")"
	assert_eq t "$(om_insert_gets_new_id orders_by_region "order_number, user_id, product_id, region, order_total" \
		"'OM-SEQ-1', 1, 1, 'DE', 10.00")"
	assert_eq t "$(om_insert_gets_new_id sales_data \
		"sale_date, product_category, product_id, quantity, unit_price, total_amount" \
		"'2024-02-10', 'electronics', 1, 1, 10.00, 10.00")"
	assert_eq 1 "$(sql "SELECT count(*) FROM users_distributed_usernames WHERE username = 'om_seq_user'")" \
		"the new user's name is registered"
}

test_sigint_in_the_middle_of_the_copy_then_resume() {
	trap om_cleanup EXIT
	om_fresh_db om_sigint
	local print new_id rows upto
	print=$(om_fingerprint event_logs)
	# held 2 s: the batch that ends after the signal prints a progress line
	om_interrupt INT event_logs 2
	assert_eq 1 "$OM_RC" "exit status after SIGINT"
	assert_contains "$OM_ERR" "error: interrupted: the online migration of event_logs stopped before the swap"
	assert_contains "$OM_ERR" "run with --online again to resume, or with --abort"
	[[ $OM_ERR =~ "copy: "[0-9,]+" rows, "\ *[0-9]+"% of the ids, "[0-9]+" rows/s" ]] ||
		fail "no \"copy: ...\" progress line in: $OM_ERR"
	assert_not_contains "$OM_ERR" "copied: "
	assert_eq "copying true" "$(sql "SELECT phase || ' ' || (rows_copied > 0 AND copied_up_to < copy_end)
		FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")" "stopped in the middle of the copy"

	# the plain table has every row and takes writes, which are captured
	assert_eq r "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)"
	new_id=$(sql "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('om_between', 1, '2024-02-10 10:00') RETURNING id")
	sql "UPDATE event_logs SET event_type = 'om_updated' WHERE id = 5"
	sql "DELETE FROM event_logs WHERE id = 7"
	assert_eq 3 "$(sql "SELECT count(DISTINCT row_id) FROM partition_demo.online_changes
		WHERE table_name = 'event_logs' AND row_id IN ($new_id, 5, 7)")" "the three writes are in the change log"
	rows=$(sql "SELECT rows_copied FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")
	upto=$(sql "SELECT copied_up_to FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")

	assert_exit 0 "$OM_SETUP" --online --table event_logs
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" ": copying, $rows rows copied (ids up to $upto of $OM_SEED_ROWS), changes waiting: 3"
	assert_contains "$OUT" "swapped in"
	assert_eq p "$(om_relkind event_logs)"
	assert_eq "$OM_SEED_ROWS" "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq "om_between om_updated 0" "$(sql "SELECT (SELECT event_type FROM event_logs WHERE id = $new_id)
		|| ' ' || (SELECT event_type FROM event_logs WHERE id = 5)
		|| ' ' || (SELECT count(*) FROM event_logs WHERE id = 7)")"
	assert_eq "$(om_fingerprint event_logs_old)" "$(om_fingerprint event_logs)" "the new table holds the plain table's rows"
	assert_eq "$OM_NO_STATE" "$(om_state)"
}

# a signal during a step that is not an online migration (here the seed)
# stops the run after that step: no migration is begun on the way out
test_sigint_during_the_seed_begins_no_migration() {
	trap om_cleanup EXIT
	fresh_database om_sigint_seed
	local dir pid deadline
	dir=$(mktemp -d)
	"$OM_SETUP" --online --seed-rows 50000 >"$dir/out" 2>"$dir/err" &
	pid=$!
	deadline=$((SECONDS + 60))
	until grep -q "seeding 50000 rows per table" "$dir/err"; do
		((SECONDS < deadline)) || fail "the seed did not start: $(cat "$dir/err")"
		sleep 0.02
	done
	kill -INT "$pid"
	om_wait_pid "$pid" 60
	assert_eq 1 "$OM_RC" "exit status after SIGINT: $(cat "$dir/err")"
	assert_contains "$(<"$dir/err")" "interrupted"
	assert_not_contains "$(<"$dir/err")" "prepared: event_logs_partitioned created"
	assert_eq none "$(om_relkind event_logs_partitioned)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
	rm -rf -- "$dir"
}

test_kill_9_in_the_middle_of_the_copy_then_abort() {
	trap om_cleanup EXIT
	om_fresh_db om_kill_abort
	local print
	print=$(om_fingerprint event_logs)
	om_interrupt KILL event_logs 0
	assert_eq 137 "$OM_RC" "exit status after kill -9"
	assert_eq copying "$(sql "SELECT phase FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")"

	assert_exit 0 "$OM_SETUP" --abort
	assert_contains "$OUT" "event_logs: online migration removed (dropped: event_logs_partitioned; capture triggers and change log removed)"
	assert_not_contains "$OUT" "nothing to remove"
	assert_eq "" "$(sql "SELECT string_agg(relname, ', ') FROM pg_catalog.pg_class
		WHERE relname LIKE 'event\\_logs\\_%' AND relkind IN ('r', 'p')")" "no table of the migration is left"
	assert_eq "$OM_NO_STATE" "$(om_state)"
	assert_eq r "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)" "event_logs is unchanged"

	# and the offline setup runs as on a database that never saw --online
	assert_exit 0 "$OM_SETUP"
	assert_contains "$OUT" "continuing an earlier setup: 2 of 6 scripts already applied"
	assert_eq "p p p p" "$(sql "SELECT string_agg(relkind::text, ' ') FROM pg_catalog.pg_class
		WHERE relname IN ('event_logs', 'users_distributed', 'orders_by_region', 'sales_data')")"
	assert_eq "$print" "$(om_fingerprint event_logs)"
}

test_kill_9_in_the_middle_of_the_copy_then_resume() {
	trap om_cleanup EXIT
	om_fresh_db om_kill_resume
	local print
	print=$(om_fingerprint event_logs)
	om_interrupt KILL event_logs 0
	assert_eq 137 "$OM_RC" "exit status after kill -9"

	assert_exit 0 "$OM_SETUP" --online --table event_logs
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" ": copying, "
	assert_contains "$OUT" "copied: "
	assert_eq p "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)" "every row copied once"
	assert_eq "$print" "$(om_fingerprint event_logs_old)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
}

# The server restarts while the copy runs: the run ends with status 1 and a
# hint, the plain table serves with all its rows (and a write after the
# restart), and the next run resumes and ends with those rows.
test_server_restart_in_the_middle_of_the_copy_then_resume() {
	trap om_cleanup EXIT
	om_fresh_db om_restart
	local print dir pid
	print=$(om_fingerprint event_logs)
	dir=$(mktemp -d)
	"$OM_SETUP" --online --table event_logs --batch 50 >"$dir/out" 2>"$dir/err" &
	pid=$!
	om_pause_copy event_logs
	test_cluster_restart >/dev/null || fail "the server did not restart"
	om_wait_pid "$pid"
	wait "$OM_PAUSE_JOB" 2>/dev/null || true
	assert_eq 1 "$OM_RC" "exit status after the server went away"
	assert_contains "$(<"$dir/err")" "run with --online again to resume"
	rm -rf -- "$dir"

	assert_eq r "$(om_relkind event_logs)" "event_logs is still the plain table"
	assert_eq "$print" "$(om_fingerprint event_logs)" "with every row"
	sql "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('after_restart', 1, '2024-02-02')" >/dev/null
	assert_exit 0 "$OM_SETUP" --online --table event_logs
	assert_contains "$OUT" "resuming the online migration started"
	assert_eq p "$(om_relkind event_logs)"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'after_restart'")" \
		"the write after the restart was captured and replayed"
	assert_eq "$(om_fingerprint event_logs_old)" "$(om_fingerprint event_logs)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
}

# A writer that draws an id from the table's sequence in a statement of its
# own, and inserts the row later, as load-data does: if it draws while the
# swap holds the old sequence (renamed, locked until COMMIT), it gets its id
# from the old sequence right after the COMMIT. That id must not be handed
# out again by the new sequence.
test_id_drawn_during_the_swap_is_not_handed_out_again() {
	trap om_cleanup EXIT
	om_fresh_db om_seq_race
	local dir pid drawer drawn
	dir=$(mktemp -d)
	"$OM_SETUP" --online --table users_distributed --batch 50 --lock-timeout 30000 >"$dir/out" 2>"$dir/err" &
	pid=$!
	om_pause_copy users_distributed
	# the swap's last statement, its bookkeeping INSERT, will wait for this
	om_hold_lock partition_demo.applied_scripts SHARE
	om_resume_copy
	om_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'setup-database' AND wait_event_type = 'Lock'
		AND query LIKE 'INSERT INTO partition_demo.applied_scripts%')" "the swap to wait before its COMMIT"
	PGAPPNAME=om_drawer psql -XAtq -v ON_ERROR_STOP=1 \
		-c "SELECT pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('users_distributed', 'id'))" \
		>"$dir/drawn" 2>&1 &
	drawer=$!
	om_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'om_drawer' AND wait_event_type = 'Lock')" "the writer to wait for the sequence"
	om_release_lock
	om_wait_pid "$pid" 60
	assert_eq 0 "$OM_RC" "exit status: $(cat "$dir/err")"
	if ! wait "$drawer"; then
		# refusing the draw is fine too: the writer holds no id then
		echo "the writer's nextval failed: $(cat "$dir/drawn")"
		return 0
	fi
	drawn=$(<"$dir/drawn")

	# the writer inserts its row; the next row with the default id must not collide
	sql "INSERT INTO users_distributed (id, username, email) VALUES ($drawn, 'om_drawn', 'drawn@example.com')"
	assert_exit 0 psql -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO users_distributed (username, email)
		VALUES ('om_next', 'next@example.com') RETURNING id"
	[[ $STDOUT -gt $drawn ]] || fail "the new sequence handed out $STDOUT after $drawn had been drawn"
	rm -rf -- "$dir"
}

test_lock_holder_at_prepare_bounded_retries() {
	trap om_cleanup EXIT
	om_fresh_db om_lock_prepare
	local print start
	print=$(om_fingerprint event_logs)
	om_hold_lock
	start=$SECONDS
	TEST_CMD_TIMEOUT=60 assert_exit 1 "$OM_SETUP" --online --table event_logs --lock-timeout 200 --attempts 3
	((SECONDS - start < 30)) || fail "gave up only after $((SECONDS - start)) s"
	assert_contains "$OUT" "prepare: lock not granted within 200 ms"
	assert_eq 2 "$(grep -c "lock not granted within 200 ms" <<<"$OUT")" "one retry line per failed attempt but the last"
	assert_contains "$OUT" "attempt 2 of 3; retrying in"
	assert_contains "$OUT" "oldest holder of a lock on event_logs: pid $OM_HOLDER_PID, idle in transaction for"
	assert_contains "$OUT" "error: prepare of event_logs: lock not granted in 3 attempts"

	# nothing left behind; event_logs plain and writable
	assert_eq none "$(om_relkind event_logs_partitioned)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
	assert_eq r "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)"
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('om_during', 1, '2024-03-03')"

	om_release_lock
	assert_exit 0 "$OM_SETUP" --online --table event_logs --lock-timeout 200 --attempts 3
	assert_not_contains "$OUT" "lock not granted"
	assert_eq p "$(om_relkind event_logs)"
	assert_eq $((OM_SEED_ROWS + 1)) "$(sql "SELECT count(*) FROM event_logs")"
}

test_lock_holder_at_swap_bounded_retries_then_resume() {
	trap om_cleanup EXIT
	om_fresh_db om_lock_swap
	local dir pid start err new_id
	dir=$(mktemp -d)
	# the lock is taken after the prepare, while the copy runs
	"$OM_SETUP" --online --table event_logs --batch 50 --lock-timeout 200 --attempts 3 \
		>"$dir/out" 2>"$dir/err" &
	pid=$!
	om_pause_copy event_logs
	om_hold_lock
	om_resume_copy
	start=$SECONDS
	om_wait_pid "$pid" 60
	err=$(<"$dir/err")
	assert_eq 1 "$OM_RC" "exit status after the last attempt"
	((SECONDS - start < 30)) || fail "gave up only after $((SECONDS - start)) s"
	assert_contains "$err" "compared "
	assert_contains "$err" "swap: lock not granted within 200 ms"
	assert_eq 2 "$(grep -c "lock not granted within 200 ms" <<<"$err")"
	assert_contains "$err" "oldest holder of a lock on event_logs: pid $OM_HOLDER_PID, idle in transaction for"
	assert_contains "$err" "error: swap of event_logs: lock not granted in 3 attempts"

	# event_logs stays plain and takes writes; the migration waits to be resumed
	assert_eq r "$(om_relkind event_logs)"
	assert_eq replaying "$(sql "SELECT phase FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")"
	new_id=$(sql "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('om_during', 1, '2024-01-20') RETURNING id")
	sql "UPDATE event_logs SET event_type = 'om_updated' WHERE id = 11"

	om_release_lock
	assert_exit 0 "$OM_SETUP" --online --table event_logs
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" ": replaying, $OM_SEED_ROWS rows copied"
	assert_eq p "$(om_relkind event_logs)"
	assert_eq "om_during om_updated" "$(sql "SELECT (SELECT event_type FROM event_logs WHERE id = $new_id)
		|| ' ' || (SELECT event_type FROM event_logs WHERE id = 11)")"
	assert_eq "$(om_fingerprint event_logs_old)" "$(om_fingerprint event_logs)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
	# the retry line names the SQLSTATE of the lock timeout
	assert_contains "$err" "swap: lock not granted within 200 ms (SQLSTATE 55P03), attempt 1 of 3; retrying in"
	rm -rf -- "$dir"
}

# The copy, keys, replay and comparison are not retried: each waits at most
# the session's lock_timeout (LOCK_TIMEOUT_MS) for a lock, then the run stops
# with the holder named, the plain table whole and the progress kept; the
# next run resumes. (Before, the copy waited behind ACCESS EXCLUSIVE without
# bound.) The program is stopped (SIGSTOP) between two batches of the copy
# while the lock is taken: a batch sent before the stop commits on its own.
test_online_copy_behind_access_exclusive_is_bounded_then_resumes() {
	trap om_cleanup EXIT
	om_fresh_db om_copy_bounded
	local print dir pid err
	print=$(om_fingerprint event_logs)
	dir=$(mktemp -d)
	LOCK_TIMEOUT_MS=300 "$OM_SETUP" --online --table event_logs --batch 10 >"$dir/out" 2>"$dir/err" &
	pid=$!
	om_wait_for "SELECT EXISTS (SELECT FROM partition_demo.online_migrations
		WHERE table_name = 'event_logs' AND rows_copied > 0)" "the copy to get under way"
	kill -STOP "$pid"
	OM_STOPPED_PID=$pid
	assert_eq t "$(sql "SELECT copied_up_to < copy_end FROM partition_demo.online_migrations
		WHERE table_name = 'event_logs'")" "the copy is still under way when the program is stopped"
	om_hold_lock event_logs "ACCESS EXCLUSIVE"
	kill -CONT "$pid"
	om_wait_pid "$pid" 60
	err=$(<"$dir/err")
	assert_eq 1 "$OM_RC" "exit status: $err"
	assert_contains "$err" "error: canceling statement due to lock timeout (SQLSTATE 55P03)"
	assert_contains "$err" "detail: oldest holder of a lock on event_logs: pid $OM_HOLDER_PID, idle in transaction for"
	assert_contains "$err" "AccessExclusiveLock, application \"om_holder\""
	assert_contains "$err" "hint: event_logs is unchanged and keeps serving, the migration's progress is kept"
	assert_contains "$err" "raise LOCK_TIMEOUT_MS"
	assert_not_contains "$err" "copied: "
	assert_eq copying "$(sql "SELECT phase FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")"

	om_release_lock
	assert_eq r "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)"
	assert_exit 0 "$OM_SETUP" --online --table event_logs
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" "swapped in"
	assert_eq p "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs_old)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
	rm -rf -- "$dir"
}

test_lock_released_while_attempts_remain() {
	trap om_cleanup EXIT
	om_fresh_db om_lock_released
	local dir pid deadline
	dir=$(mktemp -d)
	om_hold_lock
	"$OM_SETUP" --online --table event_logs --lock-timeout 200 --attempts 10 >"$dir/out" 2>"$dir/err" &
	pid=$!
	deadline=$((SECONDS + 30))
	until grep -q "lock not granted within" "$dir/err"; do
		((SECONDS < deadline)) || fail "no failed attempt: $(cat "$dir/err")"
		sleep 0.05
	done
	om_release_lock
	om_wait_pid "$pid" 60
	assert_eq 0 "$OM_RC" "exit status: $(cat "$dir/err")"
	assert_contains "$(<"$dir/err")" "prepare: lock not granted within 200 ms"
	assert_contains "$(<"$dir/err")" "attempt 1 of 10; retrying in"
	assert_contains "$(<"$dir/err")" "swapped in"
	assert_not_contains "$(<"$dir/err")" "lock not granted in"
	assert_eq p "$(om_relkind event_logs)"
	assert_eq "$OM_NO_STATE" "$(om_state)"
	rm -rf -- "$dir"
}

test_truncate_refused_while_migration_is_half_done() {
	trap om_cleanup EXIT
	om_fresh_db om_truncate
	local print
	om_interrupt TERM event_logs 0
	assert_eq 1 "$OM_RC" "exit status after SIGTERM"
	assert_contains "$OM_ERR" "interrupted: the online migration of event_logs stopped before the swap"
	print=$(om_fingerprint event_logs)

	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "TRUNCATE event_logs"
	assert_contains "$OUT" "55006: TRUNCATE of event_logs is refused: an online migration of it is in progress"
	assert_contains "$OUT" "--abort"
	assert_eq "$print" "$(om_fingerprint event_logs)"

	# once the migration is removed, TRUNCATE works again
	assert_exit 0 "$OM_SETUP" --abort --table event_logs
	assert_exit 0 psql -XAtq -v ON_ERROR_STOP=1 -c "TRUNCATE event_logs"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs")"
}

test_online_usage_errors() {
	assert_exit 2 "$OM_SETUP" --online --table nope
	assert_contains "$OUT" 'unknown --table "nope"'
	assert_exit 2 "$OM_SETUP" --table event_logs
	assert_contains "$OUT" "--table needs --online or --abort"
	assert_exit 2 "$OM_SETUP" --abort --online
	assert_contains "$OUT" "--abort cannot be combined with --online"
	assert_exit 2 "$OM_SETUP" --abort --reset
	assert_exit 2 "$OM_SETUP" --online --lock-timeout 0
	assert_contains "$OUT" 'invalid value "0" for option --lock-timeout: must be an integer between 10 and 60000'
	assert_exit 2 "$OM_SETUP" --online --batch 0
	assert_contains "$OUT" 'invalid value "0" for option --batch: must be an integer between 1 and 10000000'
	assert_exit 2 "$OM_SETUP" --online --attempts 0
	assert_contains "$OUT" 'invalid value "0" for option --attempts: must be an integer between 1 and 1000'

	om_fresh_db om_usage
	assert_exit 0 "$OM_SETUP" --abort --table event_logs
	assert_contains "$OUT" "no online migration of event_logs was in progress; nothing to remove"
	assert_exit 0 "$OM_SETUP" --abort
	assert_contains "$OUT" "no online migration was in progress; nothing to remove"
}

test_offline_setup_refuses_a_half_done_online_migration() {
	trap om_cleanup EXIT
	om_fresh_db om_offline_guard
	local print offline_out
	om_interrupt TERM event_logs 0
	assert_eq 1 "$OM_RC" "exit status after SIGTERM"
	print=$(om_fingerprint event_logs)

	assert_exit 1 "$OM_SETUP"
	offline_out=$OUT
	assert_contains "$OUT" "01_range_partitions.sql"
	# nothing changed: still half done, and resumable
	assert_eq r "$(om_relkind event_logs)"
	assert_eq "$print" "$(om_fingerprint event_logs)"
	assert_eq copying "$(sql "SELECT phase FROM partition_demo.online_migrations WHERE table_name = 'event_logs'")"
	assert_eq 4 "$(sql "SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'event_logs'::regclass
		AND tgname LIKE 'online\\_%'")"
	assert_exit 0 "$OM_SETUP" --online --table event_logs
	assert_contains "$OUT" "resuming the online migration started"
	# the offline setup goes on with the other three
	assert_exit 0 "$OM_SETUP"
	assert_contains "$OUT" "continuing an earlier setup: 3 of 6 scripts already applied"
	assert_eq "p p p p" "$(sql "SELECT string_agg(relkind::text, ' ') FROM pg_catalog.pg_class
		WHERE relname IN ('event_logs', 'users_distributed', 'orders_by_region', 'sales_data')")"
	assert_eq "$OM_NO_STATE" "$(om_state)"

	# the refusal pointed at the ways out
	assert_contains "$offline_out" "online migration of event_logs is in progress"
	assert_contains "$offline_out" "--online"
	assert_contains "$offline_out" "--abort"
}

run_test online_migration_while_others_write test_online_migration_while_others_write
run_test online_result_equals_offline test_online_result_equals_offline
run_test sigint_in_the_middle_of_the_copy_then_resume test_sigint_in_the_middle_of_the_copy_then_resume
run_test sigint_during_the_seed_begins_no_migration test_sigint_during_the_seed_begins_no_migration
run_test kill_9_in_the_middle_of_the_copy_then_abort test_kill_9_in_the_middle_of_the_copy_then_abort
run_test kill_9_in_the_middle_of_the_copy_then_resume test_kill_9_in_the_middle_of_the_copy_then_resume
run_test server_restart_in_the_middle_of_the_copy_then_resume test_server_restart_in_the_middle_of_the_copy_then_resume
run_test id_drawn_during_the_swap_is_not_handed_out_again test_id_drawn_during_the_swap_is_not_handed_out_again
run_test lock_holder_at_prepare_bounded_retries test_lock_holder_at_prepare_bounded_retries
run_test lock_holder_at_swap_bounded_retries_then_resume test_lock_holder_at_swap_bounded_retries_then_resume
run_test lock_released_while_attempts_remain test_lock_released_while_attempts_remain
run_test online_copy_behind_access_exclusive_is_bounded_then_resumes \
	test_online_copy_behind_access_exclusive_is_bounded_then_resumes
run_test truncate_refused_while_migration_is_half_done test_truncate_refused_while_migration_is_half_done
run_test online_usage_errors test_online_usage_errors
run_test offline_setup_refuses_a_half_done_online_migration test_offline_setup_refuses_a_half_done_online_migration
