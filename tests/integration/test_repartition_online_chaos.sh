# shellcheck shell=bash
# test_repartition_online_chaos.sh - the online scenarios add, split, detach
# and cleanup (after split, add, detach and migrate)
# interrupted at RANDOM moments, while bin/load-data inserts (with a ledger),
# a churn session (tests/lib/partition_churn.sh) updates, moves, inserts and
# deletes rows in the very partitions being moved, and a reader counts rows
# nobody touches. Each round draws: where to strike (during prepare, during
# the copy, during replay/comparison, during the swap, or after a plain
# random delay), how (kill -9 of bin/repartition, SIGINT, or a restart of
# the server), and what to do next (run the scenario again, which must
# resume and finish, or --abort and run it from scratch). A swap may also
# meet a writer holding a lock on the source for a second or two.
#
# After the strike, at once: the layout is the one before or the one after
# the scenario (nothing in between), event_logs serves (a read and a write
# through the parent), every committed ledger row and every churned row is
# in its last state. At the end, against what is known independently: every
# ledger row present and unchanged (load-data --verify), every churned row in
# its last state (churn_check), the setup's other rows as they were, the row
# count, every row in the partition its key says, none of the engine's
# bookkeeping, triggers or CHECKs left, the layout of one clean run, a
# reader that never missed a row.
#
# The choices come from CHAOS_SEED (printed; set it to replay a failure),
# CHAOS_ROUNDS rounds per scenario (default 3), --batch CHAOS_BATCH (20).
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"
# shellcheck source=tests/lib/partition_churn.sh
source "$ROOT_DIR/tests/lib/partition_churn.sh"

CHAOS_SEED=${CHAOS_SEED:-$(((RANDOM << 15 | RANDOM) % 1000000007))}
CHAOS_ROUNDS=${CHAOS_ROUNDS:-3}
CHAOS_BATCH=${CHAOS_BATCH:-20}
# The churn's operations to leave out (CHURN_SKIP_OPS of partition_churn.sh).
# Operation 21, an insert by name into event_logs_2024_04, once found that
# an online add's target took writes it would not keep (pinned by
# online_add_write_by_name_into_the_month_being_built below; the targets now
# refuse them); nothing is left out by default.
CHAOS_CHURN_SKIP_OPS=${CHAOS_CHURN_SKIP_OPS-}
CHAOS_POINTS=(prepare copy replay swap delay)
CHAOS_STRIKES=(kill9 sigint restart)
CHAOS_NEXT=(resume abort)

# chaos_rand N: CHAOS_R in [0, N), from a generator of our own (the same
# sequence for the same seed whatever the bash, the forks, the background jobs)
chaos_rand() {
	CHAOS_STATE=$(((CHAOS_STATE * 1103515245 + 12345) % 2147483648))
	CHAOS_R=$(((CHAOS_STATE >> 8) % $1))
}

# the statements of bin/repartition that mark each point (pg_stat_activity.query)
chaos_point_condition() {
	local f
	case $1 in
	prepare) f="online_begin_prepare|create_range_table|create_default_table|add_outside_check|online_plan|online_start|assert_names_free" ;;
	copy) f="online_copy_batch" ;;
	replay) f="online_drop_changed|online_keys_built|validate_check|online_replay|online_verify_snapshot" ;;
	swap) f="online_lock_and_verify|detach_partition|attach_range_table|drop_detached|drop_check|online_plan_done|online_finish" ;;
	esac
	# calls: not the names in the sections' comments, nor the functions'
	# definitions, which the program loads first
	echo "query ~ 'partition_demo\\.($f)\\(' AND query !~ 'CREATE OR REPLACE FUNCTION'"
}

# chaos_wait_for_point POINT: returns once a session of bin/repartition runs
# a statement of POINT (polled by the server, every 2 ms), or once the
# program's session is gone after it was seen, or after 60 s
chaos_wait_for_point() {
	PGAPPNAME=chaos_watch psql -XAtq -v ON_ERROR_STOP=1 -c "DO \$\$
		DECLARE
		    seen boolean := false;
		    deadline timestamptz := clock_timestamp() + interval '60 s';
		BEGIN
		    WHILE clock_timestamp() < deadline LOOP
		        PERFORM pg_stat_clear_snapshot();
		        IF EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		                     AND application_name = 'repartition' AND ($(chaos_point_condition "$1"))) THEN
		            RAISE NOTICE 'chaos: reached';
		            RETURN;
		        END IF;
		        IF EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		                     AND application_name = 'repartition') THEN
		            seen := true;
		        ELSIF seen THEN
		            RAISE NOTICE 'chaos: the run ended first';
		            RETURN;
		        END IF;
		        PERFORM pg_sleep(0.002);
		    END LOOP;
		    RAISE NOTICE 'chaos: not reached in 60 s';
		END \$\$" 2>&1 | sed -n 's/.*NOTICE:  chaos: //p'
}

chaos_wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ $(sql "$1") == t ]] && return 0
		sleep 0.1
	done
	fail "waited 60 s in vain for $2"
}

# chaos_wait_exit PID SECONDS: CHAOS_RC its status; fails if it keeps running
chaos_wait_exit() {
	local pid=$1 i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "bin/repartition still runs $2 s after the strike"
	CHAOS_RC=0
	wait "$pid" || CHAOS_RC=$?
}

# the source the scenario empties, and a day of its range (for writes by name)
chaos_source() {
	case $1 in add) echo "event_logs_default 2024-04-15" ;; split) echo "event_logs_2024_03 2024-03-15" ;;
	detach) echo "event_logs_2024_01 2024-01-15" ;; cleanup) echo "event_logs_default 2024-05-15" ;; esac
}

# what a scenario needs done before it: cleanup undoes the others
chaos_before() {
	local s
	if [[ $1 == cleanup ]]; then
		for s in split add detach migrate; do
			assert_exit 0 "$REPARTITION" "$s"
		done
	fi
}

chaos_assert_nothing_of_the_engine() {
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")" "bookkeeping left"
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_plans")" "plan left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid IN (SELECT relid FROM pg_partition_tree('event_logs')
		                 UNION ALL SELECT relid FROM pg_partition_tree(to_regclass('event_logs_archive')))")" \
		"CHECKs left on partitions"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE (relname ~ '^event_logs_(default_next|2024_0[34]|2024_03_w[1-5]|archive_.*)$'
		       OR relname ~ '^users_distributed_(hash_next|next_p[0-3])$') AND relkind IN ('r', 'p')
		  AND oid NOT IN (SELECT relid FROM pg_partition_tree('event_logs')
		                  UNION ALL SELECT relid FROM pg_partition_tree(to_regclass('event_logs_archive')))")" \
		"tables built and left beside"
}

# the churn, its reader, both again after a restart (their psql ends with the
# server): segment N in $dir/churnN
chaos_churn_start() {
	local dir=$1
	CHAOS_SEGMENT=$((CHAOS_SEGMENT + 1))
	mkdir -p "$dir/churn$CHAOS_SEGMENT"
	churn_start "$dir/churn$CHAOS_SEGMENT" "$RP_SETUP_MAX_EVENT_ID" "$RP_SETUP_MAX_USER_ID" 0.01
	churn_reader_start "$dir/churn$CHAOS_SEGMENT" "$RP_SETUP_MAX_EVENT_ID" "$RP_SETUP_MAX_USER_ID"
}

chaos_churn_stop() {
	churn_stop "$1/churn$CHAOS_SEGMENT" || true
}

# what the churn and the reader met, over every segment: failures other than
# a gone table or a partition's constraint (no deadlock: online), reads that
# missed a row or failed
chaos_check_churn_segments() {
	local dir=$1 s failures reads
	for ((s = 1; s <= CHAOS_SEGMENT; s++)); do
		failures=$(churn_failures "$dir/churn$s")
		reads=$(churn_reader_check "$dir/churn$s")
		echo "# churn segment $s: failed statements: $failures; reader: $reads"
		if [[ $failures != *" deadlock=0 "* || $failures != *" unexpected=0" ]]; then
			grep -v -e 'does not exist' -e 'violates partition constraint' \
				-e 'current transaction is aborted' "$dir/churn$s/churn.err" | grep -A3 'ERROR:' | head -n 30 >&2 || true
			fail "churn statements failed for another reason than a gone table or a partition's constraint: $failures"
		fi
		assert_eq "" "$(cat "$dir/churn$s/reader.unseen")" \
			"reads that missed rows (or saw them twice), expected $(cat "$dir/churn$s/reader.expected")"
		assert_contains "$reads" " errors=0" "reads that failed: $(grep -A2 'ERROR:' "$dir/churn$s/reader.err" | head -n 10 || true)"
	done
}

# the rows committed so far are there, in their last state: the ledger's
# complete lines, the churn's log (read with the rows in one snapshot)
chaos_assert_complete_now() {
	local dir=$1 what=$2 check
	head -n "$(wc -l <"$dir/ledger")" "$dir/ledger" >"$dir/ledger.now"
	assert_exit 0 "$BIN_DIR/load-data" --verify "$dir/ledger.now"
	assert_contains "$OUT" " 0 missing" "$what: ledger rows"
	check=$(churn_check)
	assert_contains "$check" " stale=0 " "$what: churned rows not in their last state ($check)"
	if [[ -s $dir/mine ]]; then
		assert_eq 0 "$(sql "SELECT count(*) FROM unnest('{$(paste -sd, "$dir/mine")}'::bigint[]) AS m(id)
			WHERE NOT EXISTS (SELECT FROM $(rp_events) AS e WHERE e.id = m.id)")" "$what: the test's own writes"
	fi
}

# a read and a write through event_logs, at once (bounded waits)
chaos_assert_serving() {
	local dir=$1 day=$2 id
	assert_exit 0 psql -XAtq -v ON_ERROR_STOP=1 -c "SET lock_timeout = '5s'" \
		-c "SELECT count(*) FROM (SELECT FROM event_logs WHERE created_at >= '$day' LIMIT 10) AS x"
	assert_eq 10 "$STDOUT" "a read through event_logs"
	assert_exit 0 psql -XAtq -v ON_ERROR_STOP=1 -c "SET lock_timeout = '5s'" \
		-c "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('chaos_serving', 1, '$day') RETURNING id"
	id=$STDOUT
	[[ $id =~ ^[0-9]+$ ]] || fail "a write through event_logs: $OUT"
	echo "$id" >>"$dir/mine"
}

# chaos_holder DIR SOURCE DAY SECONDS: a writer of the source by name that
# keeps its transaction (and ROW EXCLUSIVE) open SECONDS, in the background;
# the row's id goes to DIR/mine once committed
chaos_holder() {
	local dir=$1 source=$2 day=$3 seconds=$4
	(
		PGAPPNAME=chaos_holder psql -XAtq -v ON_ERROR_STOP=1 \
			-c "BEGIN" \
			-c "INSERT INTO $source (event_type, user_id, created_at) VALUES ('chaos_held', 1, '$day') RETURNING id" \
			-c "SELECT pg_sleep($seconds)" -c "COMMIT" >"$dir/holder.out" 2>"$dir/holder.err" &&
			head -n 1 "$dir/holder.out" >>"$dir/mine"
	) &
	CHAOS_HOLDER=$!
}

# chaos_strike HOW PID DIR: kill -9, SIGINT, or a restart of the server
chaos_strike() {
	local how=$1 pid=$2 dir=$3
	case $how in
	kill9) kill -9 "$pid" 2>/dev/null || true ;;
	sigint) kill -INT "$pid" 2>/dev/null || true ;;
	restart)
		test_cluster_restart >/dev/null || fail "the server did not restart"
		# the churn's and the reader's psql ended with the server; load-data reconnects
		wait "$CHURN_PID" 2>/dev/null || true
		wait "$CHURN_READER_PID" 2>/dev/null || true
		CHURN_READER_PID=""
		chaos_churn_start "$dir"
		;;
	esac
}

# one round: a fresh copy of the setup, writers, the scenario struck at a
# random point, then resumed or aborted and run again; checked at the end
chaos_round() {
	local scenario=$1 round=$2 ref_layout=$3 dir loader pid point strike next delay holder_s=0 outcome
	local before_layout source day phase layout check
	read -r source day <<<"$(chaos_source "$scenario")"
	chaos_rand ${#CHAOS_POINTS[@]} && point=${CHAOS_POINTS[CHAOS_R]}
	chaos_rand ${#CHAOS_STRIKES[@]} && strike=${CHAOS_STRIKES[CHAOS_R]}
	chaos_rand ${#CHAOS_NEXT[@]} && next=${CHAOS_NEXT[CHAOS_R]}
	case $point in
	prepare | swap) chaos_rand 20 ;;
	copy) chaos_rand 1500 ;;
	replay) chaos_rand 60 ;;
	delay) chaos_rand 2500 ;;
	esac
	delay=$CHAOS_R
	if [[ $point == swap ]]; then
		chaos_rand 2
		if ((CHAOS_R == 1)); then
			chaos_rand 3
			holder_s=$((CHAOS_R + 1))
		fi
	fi
	echo "# $scenario round $round (CHAOS_SEED=$CHAOS_SEED): strike=$strike point=$point delay=${delay}ms holder=${holder_s}s then=$next"

	rp_fresh_db "chaos_${scenario}_$round"
	chaos_before "$scenario"
	before_layout=$(rp_layout event_logs)
	dir=$(mktemp -d)
	: >"$dir/mine"
	CHAOS_SEGMENT=0
	"$BIN_DIR/load-data" 30 --ledger "$dir/ledger" --progress 0 >"$dir/load.out" 2>"$dir/load.err" &
	loader=$!
	chaos_churn_start "$dir"
	trap 'touch "$dir/churn$CHAOS_SEGMENT/stop"; kill -INT "$loader" 2>/dev/null || true' EXIT
	churn_wait_progress 10

	"$REPARTITION" --batch "$CHAOS_BATCH" --attempts 100 "$scenario" >"$dir/run.out" 2>"$dir/run.err" &
	pid=$!
	if [[ $point == delay ]]; then
		outcome="after ${delay} ms"
	else
		if [[ $point == swap && $holder_s -gt 0 ]]; then
			outcome=$(chaos_wait_for_point copy)
			chaos_holder "$dir" "$source" "$day" "$holder_s"
		fi
		outcome=$(chaos_wait_for_point "$point")
	fi
	sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
	# what the program was doing when struck
	phase=$(sql "SELECT coalesce(string_agg(state || ': ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60), '; '), 'no session')
		FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'repartition'")
	chaos_strike "$strike" "$pid" "$dir"
	chaos_wait_exit "$pid" 90
	echo "#   point $outcome; struck while: $phase; exit status $CHAOS_RC;" \
		"bookkeeping: $(sql "SELECT coalesce(string_agg(operation || ' ' || phase, ','), 'none') FROM partition_demo.online_migrations")"
	echo "#   its last lines: $(tail -n 3 "$dir/run.err" | tr '\n' '|')"
	if [[ -n $CHAOS_HOLDER ]]; then
		wait "$CHAOS_HOLDER" 2>/dev/null || true
	fi
	CHAOS_HOLDER=""
	chaos_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'repartition')" "the struck run's session to end"

	# at once: one layout or the other, serving, every committed row there
	layout=$(rp_layout event_logs)
	if [[ $layout == "$ref_layout" ]]; then
		echo "#   the scenario had swapped in before the strike"
		assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")" "bookkeeping after the swap"
	else
		assert_eq "$before_layout" "$layout" "the layout after the strike (neither before nor after)"
		[[ $CHAOS_RC != 0 ]] || fail "bin/repartition exited 0 but did not swap: $(tail -n 5 "$dir/run.err")"
	fi
	chaos_assert_serving "$dir" "$day"
	chaos_assert_complete_now "$dir" "after the strike"

	# resume, or abort and start again; either must finish
	if [[ $next == abort ]]; then
		assert_exit 0 "$REPARTITION" --abort
		echo "#   --abort: $(grep -e 'removed' -e 'nothing to remove' <<<"$OUT" | head -n 1)"
		assert_eq "$layout" "$(rp_layout event_logs)" "--abort changed the layout"
		chaos_assert_nothing_of_the_engine
		chaos_assert_complete_now "$dir" "after --abort"
	fi
	if [[ $layout == "$ref_layout" ]]; then
		[[ $next == resume ]] && assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")"
	else
		TEST_CMD_TIMEOUT=180 assert_exit 0 "$REPARTITION" --batch "$CHAOS_BATCH" --attempts 100 "$scenario"
		assert_contains "$OUT" "swapped in"
		echo "#   the run again: $(grep -o -e 'resuming the online migration started[^,]*, [a-z]*' <<<"$OUT" || echo "from the start")"
	fi
	churn_wait_progress 10

	chaos_churn_stop "$dir"
	kill -0 "$loader" 2>/dev/null || fail "load-data stopped: $(tail -n 5 "$dir/load.err")"
	kill -INT "$loader"
	wait "$loader" || fail "load-data did not exit 0 after SIGINT: $(tail -n 5 "$dir/load.err")"
	trap - EXIT

	# against what is known independently of the program
	chaos_check_churn_segments "$dir"
	check=$(churn_check)
	echo "#   churn_check: $check"
	assert_contains "$check" " stale=0 " "churned rows not in their last state"
	assert_eq "untouched_changed=0" "$(churn_untouched_check rp_template)" "the setup's rows the churn did not touch"
	assert_exit 0 "$BIN_DIR/load-data" --verify "$dir/ledger"
	assert_contains "$OUT" " 0 missing"
	[[ $(grep -c $'^event_logs\t' "$dir/ledger") -ge 5 ]] || fail "load-data wrote too little into event_logs"
	chaos_assert_complete_now "$dir" "at the end"
	assert_eq "$(sql "WITH last AS (SELECT DISTINCT ON (id) id, op FROM churn_log WHERE tbl = 'event_logs' ORDER BY id, seq DESC)
		SELECT $(PGDATABASE=rp_template sql 'SELECT count(*) FROM event_logs')
		     + $(grep -c $'^event_logs\t' "$dir/ledger") + $(grep -c . "$dir/mine")
		     - (SELECT count(*) FROM last WHERE op = 'd' AND id <= $RP_SETUP_MAX_EVENT_ID)
		     + (SELECT count(*) FROM last WHERE op <> 'd' AND id > $RP_SETUP_MAX_EVENT_ID)")" \
		"$(sql "SELECT count(*) FROM $(rp_events) AS t")" "rows of event_logs (and its archive): no row lost, none more"
	rp_assert_rows_in_place "$scenario"
	chaos_assert_nothing_of_the_engine
	assert_eq "$ref_layout" "$(rp_layout event_logs)" "the layout of one clean run"
	if [[ $scenario == cleanup ]]; then
		assert_eq "$(PGDATABASE=rp_template rp_layout users_distributed)" "$(rp_layout users_distributed)" \
			"users_distributed hash-partitioned again"
		assert_contains "$check" " names=0" "usernames registered as the users hold them"
	fi
	assert_exit 0 "$BIN_DIR/demonstrate-queries"
	rm -rf "$dir"
}

chaos_scenario() {
	local scenario=$1 ref round
	case $scenario in add) CHAOS_STATE=$CHAOS_SEED ;; split) CHAOS_STATE=$((CHAOS_SEED + 7919)) ;;
	detach) CHAOS_STATE=$((CHAOS_SEED + 15838)) ;; cleanup) CHAOS_STATE=$((CHAOS_SEED + 23757)) ;; esac
	CHAOS_HOLDER=""
	CHURN_SKIP_OPS=$CHAOS_CHURN_SKIP_OPS
	echo "# CHAOS_SEED=$CHAOS_SEED (replay: CHAOS_SEED=$CHAOS_SEED CHAOS_CHURN_SKIP_OPS='$CHAOS_CHURN_SKIP_OPS' CHAOS_ROUNDS=$CHAOS_ROUNDS CHAOS_BATCH=$CHAOS_BATCH TEST_FILTER=online_chaos_$scenario)"
	# the layout one clean run gives, on a copy of the setup nobody writes to
	rp_fresh_db "chaos_${scenario}_ref"
	chaos_before "$scenario"
	assert_exit 0 "$REPARTITION" "$scenario"
	ref=$(rp_layout event_logs)
	for ((round = 1; round <= CHAOS_ROUNDS; round++)); do
		chaos_round "$scenario" "$round" "$ref"
	done
}

# A write by name into the month an online add builds beside the live
# tables, while its copy is held: either refused, or kept (in event_logs at
# the end, the run finishing on resume). It was once accepted, invisible
# through event_logs, every resume then failed its comparison and --abort
# dropped it; the targets now refuse it.
test_online_add_write_by_name_into_the_month_being_built() {
	local dir pid id
	rp_fresh_db chaos_add_by_name
	dir=$(mktemp -d)
	LOCK_TIMEOUT_MS=120000 "$REPARTITION" --batch 20 add >"$dir/out" 2>"$dir/err" &
	pid=$!
	rp_pause_online_copy chaos_pause
	assert_eq "" "$(sql "SELECT string_agg(relid::regclass::text, ',') FROM pg_partition_tree('event_logs')
		WHERE relid::regclass::text = 'event_logs_2024_04'")" "the month is not a partition yet"
	RC=0
	id=$(sql "INSERT INTO event_logs_2024_04 (event_type, user_id, created_at)
		VALUES ('chaos_by_name', 1, '2024-04-10') RETURNING id" 2>"$dir/insert.err") || RC=$?
	rp_resume_online_copy chaos_pause
	chaos_wait_exit "$pid" 120
	if [[ $RC != 0 ]]; then
		echo "# the write by name was refused: $(cat "$dir/insert.err")"
		assert_eq 0 "$CHAOS_RC" "the add after the refused write: $(tail -n 5 "$dir/err")"
	else
		echo "# the write by name was accepted (id $id); the run exited $CHAOS_RC: $(grep -m1 'error' "$dir/err" || true)"
		if [[ $CHAOS_RC != 0 ]]; then
			assert_exit 0 "$REPARTITION" add
		fi
		assert_eq 1 "$(sql "SELECT count(*) FROM event_logs WHERE id = $id")" \
			"the committed row written by name, in event_logs after the add"
	fi
	chaos_assert_nothing_of_the_engine
	rm -rf "$dir"
}

test_online_chaos_add() { chaos_scenario add; }
test_online_chaos_split() { chaos_scenario split; }
test_online_chaos_detach() { chaos_scenario detach; }
test_online_chaos_cleanup() { chaos_scenario cleanup; }

echo "# online chaos: CHAOS_SEED=$CHAOS_SEED"
run_test online_add_write_by_name_into_the_month_being_built test_online_add_write_by_name_into_the_month_being_built
run_test online_chaos_add test_online_chaos_add
run_test online_chaos_split test_online_chaos_split
run_test online_chaos_detach test_online_chaos_detach
run_test online_chaos_cleanup test_online_chaos_cleanup
