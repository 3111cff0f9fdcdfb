# shellcheck shell=bash
# test_repartition_online.sh - the acceptance sequence (add, add, split,
# detach, migrate, cleanup) in each mode, offline and online, while
# bin/load-data inserts (with a ledger) and a churn session
# (tests/lib/partition_churn.sh) updates, moves, inserts and deletes rows in
# the very partitions being moved, through the parent and straight into the
# partitions by name. Both modes must pass the same assertions: every ledger
# row present and unchanged, every churned row in its last recorded state,
# every other row of the setup as it was, no row more, a reader that never
# misses a row (the churn's sentinels), demonstrate-queries exits 0 after
# each step, and the layout, the tables and the triggers are those after
# setup again. Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"
# shellcheck source=tests/lib/partition_churn.sh
source "$ROOT_DIR/tests/lib/partition_churn.sh"

# The scenarios bin/repartition runs online: for those, the online mode
# asserts "mode": "online" in --json. Filled in as scenarios go online.
RP_ONLINE_SCENARIOS=${RP_ONLINE_SCENARIOS-"add split detach migrate cleanup"}

RP_ACCEPTANCE_SEQUENCE=(add add split detach migrate cleanup)

# The scenarios whose blocking form lets a reader miss rows (found by this
# test, against the earlier `add`, which moved the month's rows out of
# DEFAULT under EXCLUSIVE, which readers pass: a reader that had planned
# with the old partitions read DEFAULT after the commit, without the
# month's rows). Both forms of `add` now swap DEFAULT under ACCESS
# EXCLUSIVE: none is tolerated.
RP_READERS_MAY_MISS=${RP_READERS_MAY_MISS-""}

# how many of each kind of change must have taken effect, so that the
# test cannot pass by changing nothing
RP_CHURN_AT_LEAST=10

# the blocking form's option, once bin/repartition has it (until then
# plain bin/repartition is the offline form)
RP_OFFLINE_ARGS=()
if "$REPARTITION" --help 2>/dev/null | grep -q -- '--offline'; then
	RP_OFFLINE_ARGS=(--offline)
fi

# "name:kind" of every relation of the schema, and "table.trigger" of every
# trigger the user can see, but the churn's own
rp_relations() {
	sql "SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname)
		FROM pg_class AS c WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'churn\_log%'"
}
rp_triggers() {
	sql "SELECT string_agg(t.tgrelid::regclass || '.' || t.tgname, ',' ORDER BY 1)
		FROM pg_trigger AS t WHERE NOT t.tgisinternal AND t.tgrelid::regclass::text NOT LIKE 'churn\_log%'"
}

# "N" rows the table must hold: the setup's, less those the churn deleted,
# plus the ledger's and the churn's own inserts still alive
rp_expected_rows() {
	local table=$1 ledger=$2 setup_rows=$3 max_id=$4 ledger_rows
	ledger_rows=$(grep -c "^$table"$'\t' "$ledger" || true)
	sql "WITH last AS (SELECT DISTINCT ON (id) id, op FROM churn_log WHERE tbl = '$table' ORDER BY id, seq DESC)
		SELECT $setup_rows + $ledger_rows
		     - (SELECT count(*) FROM last WHERE op = 'd' AND id <= $max_id)
		     + (SELECT count(*) FROM last WHERE op <> 'd' AND id > $max_id)"
}

# the "mode" member of the --json document $3 of scenario $2 run in mode $1
rp_assert_mode() {
	local mode=$1 scenario=$2 json=$3 ran
	ran=$(rp_json_field "$json" '{mode}')
	if [[ $mode == online && " $RP_ONLINE_SCENARIOS " == *" $scenario "* ]]; then
		assert_eq online "$ran" "$scenario ran online"
	elif [[ $mode == offline && ${#RP_OFFLINE_ARGS[@]} -gt 0 ]]; then
		assert_eq offline "$ran" "$scenario ran offline"
	fi
}

# Whether a churn statement may fail in a deadlock (SQLSTATE 40P01). The
# blocking form takes EXCLUSIVE on event_logs, then upgrades to ACCESS
# EXCLUSIVE for DETACH: a writer that holds ACCESS SHARE (its statement
# read the table before writing it, or its transaction did) and then asks
# for ROW EXCLUSIVE closes a cycle, and the deadlock detector aborts one of
# the two, often the writer. Online, no scenario may make a writer fail:
# allowed only while one of the sequence's scenarios still runs offline.
rp_deadlocks_allowed() {
	local s
	[[ $1 == offline ]] && return 0
	for s in "${RP_ACCEPTANCE_SEQUENCE[@]}"; do
		[[ " $RP_ONLINE_SCENARIOS " == *" $s "* ]] || return 0
	done
	return 1
}

# The reads of DIR/reader.unseen that no rule tolerates, each with the step
# it ran in: the last one of RP_STEP_STARTS (epochs) before it. Prints the
# tolerated ones on stderr.
rp_reader_misses_not_tolerated() {
	local mode=$1 dir=$2 line t k step
	while IFS= read -r line; do
		t=${line##*|}
		step=""
		for k in "${!RP_STEP_STARTS[@]}"; do
			if [[ $(awk -v a="${RP_STEP_STARTS[k]}" -v b="$t" 'BEGIN { print (a <= b) }') == 1 ]]; then
				step=${RP_STEP_NAMES[k]}
			fi
		done
		if [[ -n $step && " $RP_READERS_MAY_MISS " == *" $step "* &&
			($mode == offline || " $RP_ONLINE_SCENARIOS " != *" $step "*) ]]; then
			echo "# tolerated (known, blocking $step): a read saw $line" >&2
		else
			echo "${step:-before the first step}: $line"
		fi
	done <"$dir/reader.unseen"
}

# "field=N" of a churn report line
rp_field() {
	local line=" $1 " name=$2
	line=${line#* "$name"=}
	echo "${line%% *}"
}

rp_acceptance_under_churn() {
	local mode=$1 dir loader s started ended stats check failures reads misses args=()
	RP_STEP_NAMES=() RP_STEP_STARTS=()
	[[ $mode == offline ]] && args=("${RP_OFFLINE_ARGS[@]}")
	rp_fresh_db "rp_churn_$mode"
	dir=$(mktemp -d)
	"$BIN_DIR/load-data" 50 --ledger "$dir/ledger" --progress 0 >"$dir/load.out" 2>"$dir/load.err" &
	loader=$!
	churn_start "$dir" "$RP_SETUP_MAX_EVENT_ID" "$RP_SETUP_MAX_USER_ID" 0.01
	churn_reader_start "$dir" "$RP_SETUP_MAX_EVENT_ID" "$RP_SETUP_MAX_USER_ID"
	# a failing assertion ends the test: stop both writers with it
	trap 'touch "$dir/stop"; kill -INT "$loader" 2>/dev/null || true' EXIT

	for s in "${RP_ACCEPTANCE_SEQUENCE[@]}"; do
		# the churn is running when each step starts
		churn_wait_progress 25
		started=$(sql "SELECT extract(epoch FROM clock_timestamp())")
		RP_STEP_NAMES+=("$s") RP_STEP_STARTS+=("$started")
		assert_exit 0 "$REPARTITION" "${args[@]}" --json "$s"
		ended=$(sql "SELECT extract(epoch FROM clock_timestamp())")
		rp_assert_mode "$mode" "$s" "$STDOUT"
		echo "# $mode $s: $(rp_json_field "$STDOUT" '{duration_ms,total}') ms, attempts $(rp_json_field "$STDOUT" '{attempts}')" \
			"(retried on: $(rp_json_field "$STDOUT" '{retried_on}')), identical $(rp_json_field "$STDOUT" '{integrity,identical}')," \
			"churn changes committed meanwhile: $(sql "SELECT count(*) FROM churn_log WHERE at BETWEEN to_timestamp($started) AND to_timestamp($ended)")"
		# a finished scenario leaves no trigger of its own (online: no capture;
		# the hash backup that migrate keeps refuses writes until cleanup)
		assert_eq "" "$(sql "SELECT string_agg(tgrelid::regclass || '.' || tgname, ', ') FROM pg_trigger
			WHERE NOT tgisinternal AND tgname NOT LIKE 'users\_distributed\_username\_%'
			  AND NOT (tgname = 'backup_refuses_writes'
			           AND tgrelid IN (SELECT relid FROM pg_partition_tree(to_regclass('users_distributed_hash'))))
			  AND tgrelid::regclass::text NOT LIKE 'churn\_log%'")" "triggers left after $s"
		assert_exit 0 "$BIN_DIR/demonstrate-queries"
	done
	churn_wait_progress 25
	churn_stop "$dir"
	kill -0 "$loader" 2>/dev/null || fail "load-data stopped before the end: $(tail -n 5 "$dir/load.err")"
	kill -INT "$loader"
	wait "$loader" || fail "load-data did not exit 0 after SIGINT: $(tail -n 5 "$dir/load.err")"
	trap - EXIT

	# what the churn did, and what failed (and why)
	stats=$(churn_stats)
	stats+=" $(churn_rolled_back "$dir")"
	failures=$(churn_failures "$dir")
	echo "# churn: $stats; failed statements: $failures"
	if [[ $(rp_field "$failures" unexpected) != 0 ]]; then
		grep -v -e 'does not exist' -e 'violates partition constraint' -e 'deadlock detected' -e 'is being built by an online' -e 'is the copy of .* kept by' \
			-e 'current transaction is aborted' "$dir/churn.err" | grep -A3 'ERROR:' | head -n 40 >&2
		fail "churn statements failed for another reason than a gone table, a table being built, the kept hash backup, a partition's constraint or a deadlock: $failures"
	fi
	if ! rp_deadlocks_allowed "$mode" && [[ $(rp_field "$failures" deadlock) != 0 ]]; then
		grep -A4 'deadlock detected' "$dir/churn.err" | head -n 20 >&2
		fail "writers failed in deadlocks with scenarios that run online: $failures"
	fi
	local k
	for k in moves into_default out_of_default between_months into_split_month direct inserts own_deletes users rolled_back; do
		[[ $(rp_field "$stats" "$k") -ge $RP_CHURN_AT_LEAST ]] ||
			fail "the churn's $k took effect fewer than $RP_CHURN_AT_LEAST times: $stats"
	done
	[[ $(rp_field "$failures" gone) -ge 1 ]] || fail "no direct write met a partition that did not exist: $failures"
	[[ $(rp_field "$failures" constraint) -ge 1 ]] || fail "no direct write met a partition's constraint: $failures"

	# readers saw every row at every moment
	reads=$(churn_reader_check "$dir")
	echo "# reader: $reads"
	[[ $(rp_field "$reads" reads) -ge $RP_CHURN_AT_LEAST ]] || fail "the reader read too little: $reads"
	misses=$(rp_reader_misses_not_tolerated "$mode" "$dir")
	assert_eq "" "$misses" "reads that missed rows (or saw them twice), expected $(cat "$dir/reader.expected")"
	assert_eq 0 "$(rp_field "$reads" errors)" "reads that failed: $(grep -A2 'ERROR:' "$dir/reader.err" | head -n 10)"

	# every change in its last state, every other row as after setup, no row more
	check=$(churn_check)
	echo "# churn_check: $check"
	[[ $(rp_field "$check" changed) -ge $RP_CHURN_AT_LEAST ]] || fail "the churn changed too little: $check"
	assert_eq 0 "$(rp_field "$check" stale)" "churned rows not in their last state: $check"
	assert_eq 0 "$(rp_field "$check" names)" "usernames registered: $check"
	assert_eq "untouched_changed=0" "$(churn_untouched_check rp_template)" "the setup's rows the churn did not touch"
	assert_exit 0 "$BIN_DIR/load-data" --verify "$dir/ledger"
	assert_contains "$OUT" " 0 missing"
	[[ $(grep -c $'^event_logs\t' "$dir/ledger") -ge $RP_CHURN_AT_LEAST ]] || fail "load-data wrote too little"
	assert_eq "$(rp_expected_rows event_logs "$dir/ledger" "$(PGDATABASE=rp_template sql 'SELECT count(*) FROM event_logs')" "$RP_SETUP_MAX_EVENT_ID")" \
		"$(sql 'SELECT count(*) FROM event_logs')" "rows of event_logs"
	assert_eq "$(rp_expected_rows users_distributed "$dir/ledger" "$(PGDATABASE=rp_template sql 'SELECT count(*) FROM users_distributed')" "$RP_SETUP_MAX_USER_ID")" \
		"$(sql 'SELECT count(*) FROM users_distributed')" "rows of users_distributed"

	# back to the post-setup layout: partitions, tables, indexes, triggers
	assert_eq "$(PGDATABASE=rp_template rp_layout event_logs)" "$(rp_layout event_logs)" "the layout of event_logs"
	assert_eq "$(PGDATABASE=rp_template rp_layout users_distributed)" "$(rp_layout users_distributed)" "the layout of users_distributed"
	assert_eq "$(PGDATABASE=rp_template rp_relations)" "$(rp_relations)" "the relations of the schema"
	assert_eq "$(PGDATABASE=rp_template rp_triggers)" "$(rp_triggers)" "the triggers"
	rm -rf "$dir"
}

test_acceptance_sequence_offline_under_churn() {
	rp_acceptance_under_churn offline
}

test_acceptance_sequence_online_under_churn() {
	rp_acceptance_under_churn online
}

# The check itself can fail: changes lost behind the churn's back (a row
# deleted, a column changed, a row doubled into the archive, a deleted row
# back) are each counted stale, and an untouched row changed is seen too.
test_churn_check_sees_lost_changes() {
	rp_fresh_db rp_churn_check
	local dir check u d
	dir=$(mktemp -d)
	churn_start "$dir" "$RP_SETUP_MAX_EVENT_ID" "$RP_SETUP_MAX_USER_ID"
	churn_wait_progress 200
	churn_stop "$dir"
	check=$(churn_check)
	assert_eq 0 "$(rp_field "$check" stale)" "before the sabotage: $check"
	assert_eq "untouched_changed=0" "$(churn_untouched_check rp_template)"

	# the last state of one updated event row, lost: the row deleted
	u=$(sql "SELECT id FROM churn_log AS l WHERE tbl = 'event_logs' AND op = 'u'
		AND seq = (SELECT max(seq) FROM churn_log AS m WHERE m.tbl = l.tbl AND m.id = l.id) LIMIT 1")
	sql "DELETE FROM event_logs WHERE id = $u"
	assert_eq "1 1" "$(check=$(churn_check) && echo "$(rp_field "$check" stale) $(rp_field "$check" missing)")"
	# one column of another one, changed back behind its back (created_at only:
	# the row stays, in another partition)
	u=$(sql "SELECT id FROM churn_log AS l WHERE tbl = 'event_logs' AND op IN ('u', 'i')
		AND seq = (SELECT max(seq) FROM churn_log AS m WHERE m.tbl = l.tbl AND m.id = l.id)
		AND id IN (SELECT id FROM event_logs) ORDER BY seq LIMIT 1")
	sql "UPDATE event_logs SET created_at = created_at + interval '1 second' WHERE id = $u"
	assert_eq "2 1" "$(check=$(churn_check) && echo "$(rp_field "$check" stale) $(rp_field "$check" wrong)")"
	# a user whose last change was recorded, changed in status only
	u=$(sql "SELECT id FROM churn_log AS l WHERE tbl = 'users_distributed' AND op IN ('u', 'i')
		AND seq = (SELECT max(seq) FROM churn_log AS m WHERE m.tbl = l.tbl AND m.id = l.id)
		AND id IN (SELECT id FROM users_distributed) LIMIT 1")
	sql "UPDATE users_distributed SET status = 'sabotage' WHERE id = $u"
	assert_eq "3 2" "$(check=$(churn_check) && echo "$(rp_field "$check" stale) $(rp_field "$check" wrong)")"
	# a deleted row that comes back (an event deleted last, re-inserted as it was in the setup)
	d=$(sql "SELECT id FROM churn_log AS l WHERE tbl = 'event_logs' AND op = 'd' AND id <= $RP_SETUP_MAX_EVENT_ID
		AND seq = (SELECT max(seq) FROM churn_log AS m WHERE m.tbl = l.tbl AND m.id = l.id) LIMIT 1")
	[[ -n $d ]] || fail "the churn deleted no row of the setup"
	sql "INSERT INTO event_logs (id, event_type, user_id, created_at) VALUES ($d, 'back', 1, '2024-02-02')"
	assert_eq "4 1" "$(check=$(churn_check) && echo "$(rp_field "$check" stale) $(rp_field "$check" resurrected)")"
	# a copy of a churned row in the archive (event_logs_archive is looked in while it exists)
	u=$(sql "SELECT id FROM churn_log AS l WHERE tbl = 'event_logs' AND op IN ('u', 'i')
		AND seq = (SELECT max(seq) FROM churn_log AS m WHERE m.tbl = l.tbl AND m.id = l.id)
		AND id IN (SELECT id FROM event_logs) ORDER BY seq DESC LIMIT 1")
	sql "CREATE TABLE event_logs_archive AS SELECT e.*, now() AS archived_at, 'x'::text AS source_partition
		FROM event_logs AS e WHERE id = $u"
	assert_eq "5 1" "$(check=$(churn_check) && echo "$(rp_field "$check" stale) $(rp_field "$check" doubled)")"
	sql "DROP TABLE event_logs_archive"

	# a row the churn never touched, changed: seen by churn_untouched_check
	u=$(sql "SELECT min(id) FROM event_logs WHERE id NOT IN (SELECT id FROM churn_log WHERE tbl = 'event_logs')")
	sql "UPDATE event_logs SET event_data = '{\"sabotage\": 1}' WHERE id = $u"
	assert_eq "untouched_changed=1" "$(churn_untouched_check rp_template)"
	rm -rf "$dir"
}

run_test churn_check_sees_lost_changes test_churn_check_sees_lost_changes
run_test acceptance_sequence_offline_under_churn test_acceptance_sequence_offline_under_churn
run_test acceptance_sequence_online_under_churn test_acceptance_sequence_online_under_churn
