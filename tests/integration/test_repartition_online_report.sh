# shellcheck shell=bash
# test_repartition_online_report.sh - what an ONLINE run of bin/repartition
# reports: a lock held on one of the migration's relations (a source
# partition, a target being built) makes the copy step time out and the
# message names that session and that relation, the run resumes once it is
# gone, rows unchanged; a prepare behind such a lock retries, naming it;
# --json carries each step's time and attempts, rows copied and replayed,
# the swap's hold and the comparisons that ran, checked against numbers
# computed independently here; the text summary says the same.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# orr_json JSON EXPR: a value of the document, by python3 (True/False as true/false)
orr_json() {
	python3 -c 'import json,sys
d=json.loads(sys.argv[1])
v=eval(sys.argv[2], {"d": d})
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

# orr_hold RELATION MODE: a session (application_name orr_holder) locks
# RELATION in MODE and stays idle in its transaction until orr_release;
# its pid in ORR_HOLDER_PID
orr_hold() {
	ORR_RELEASE=$(mktemp -u)
	{
		echo "BEGIN;"
		echo "LOCK TABLE $1 IN $2 MODE;"
		while [[ ! -e $ORR_RELEASE ]]; do sleep 0.1; done
		echo "COMMIT;"
	} | PGAPPNAME=orr_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	ORR_HOLDER_JOB=$!
	rp_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'orr_holder'
		AND state = 'idle in transaction')" "the holder to hold its lock on $1"
	ORR_HOLDER_PID=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'orr_holder'")
}

orr_release() {
	touch "$ORR_RELEASE"
	wait "$ORR_HOLDER_JOB"
}

# A lock held on a relation of the migration while its copy runs: the copy
# (bounded by LOCK_TIMEOUT_MS, not retried) stops, naming the holder and the
# relation; event_logs unchanged and serving; after the holder commits, the
# next run resumes and completes with every row.
orr_copy_blocked() {
	local scenario=$1 relation=$2 mode=$3 dir pid print layout
	rp_fresh_db "orr_${scenario}_copy_blocked"
	print=$(rp_fingerprint event_logs)
	layout=$(rp_layout event_logs)
	dir=$(mktemp -d)
	LOCK_TIMEOUT_MS=4000 "$REPARTITION" --batch 20 "$scenario" >"$dir/out" 2>"$dir/err" &
	pid=$!
	rp_pause_online_copy
	orr_hold "$relation" "$mode"
	rp_resume_online_copy
	if wait "$pid"; then
		fail "online $scenario went through a lock on $relation: $(tail -5 "$dir/err")"
	fi
	assert_contains "$(<"$dir/err")" "canceling statement due to lock timeout"
	assert_contains "$(<"$dir/err")" "oldest holder of a lock on $relation: pid $ORR_HOLDER_PID, idle in transaction"
	assert_contains "$(<"$dir/err")" "application \"orr_holder\": LOCK TABLE $relation IN $mode MODE"
	assert_contains "$(<"$dir/err")" "then run repartition $scenario again to resume"
	# (readers of event_logs wait for this holder, not for the migration)
	orr_release
	assert_eq "$layout" "$(rp_layout event_logs)" "layout after the failed copy"
	assert_eq "$print" "$(rp_fingerprint event_logs)" "rows after the failed copy"

	assert_exit 0 "$REPARTITION" "$scenario"
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" "swapped in"
	assert_eq "$print" "$(rp_fingerprint event_logs)" "every row after the resumed run"
	rp_assert_rows_in_place "$scenario"
	rm -rf "$dir"
}

test_online_report_add_copy_blocked_by_a_source() {
	orr_copy_blocked add event_logs_default "ACCESS EXCLUSIVE"
}

test_online_report_split_copy_blocked_by_a_target() {
	orr_copy_blocked split event_logs_2024_03_w2 SHARE
}

# A lock on the source before the run: the prepare retries, naming the
# holder and the relation, and goes through once it commits; attempts in
# --json. (SHARE: the trees before are counted; the capture triggers' SHARE
# ROW EXCLUSIVE waits.)
test_online_report_prepare_retries_behind_a_source_lock() {
	local dir pid print
	rp_fresh_db orr_prepare_retries
	print=$(rp_fingerprint event_logs)
	dir=$(mktemp -d)
	orr_hold event_logs_default SHARE
	"$REPARTITION" --json --lock-timeout 200 --attempts 50 add >"$dir/out" 2>"$dir/err" &
	pid=$!
	until grep -q "prepare: lock not granted" "$dir/err"; do
		kill -0 "$pid" 2>/dev/null || fail "repartition ended before its prepare waited: $(tail "$dir/err")"
		sleep 0.1
	done
	sleep 1
	orr_release
	wait "$pid" || fail "online add failed after the holder let go: $(tail -20 "$dir/err")"
	assert_contains "$(<"$dir/err")" "oldest holder of a lock on event_logs_default: pid $ORR_HOLDER_PID"
	assert_contains "$(<"$dir/err")" "application \"orr_holder\""
	[[ $(orr_json "$(<"$dir/out")" 'd["online"]["steps"]["prepare"]["attempts"]') -ge 2 ]] ||
		fail "prepare attempts: $(orr_json "$(<"$dir/out")" 'd["online"]["steps"]["prepare"]')"
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	rm -rf "$dir"
}
run_test online_report_add_copy_blocked_by_a_source test_online_report_add_copy_blocked_by_a_source
run_test online_report_split_copy_blocked_by_a_target test_online_report_split_copy_blocked_by_a_target
run_test online_report_prepare_retries_behind_a_source_lock test_online_report_prepare_retries_behind_a_source_lock

# --json of a quiet online add, against numbers taken here before the run:
# DEFAULT's rows and checksum are what was copied and compared, and what the
# month and the new DEFAULT hold after it; then the text summary of the next
# add says the same.
test_online_report_json_and_text() {
	local out print rows prints_after step
	rp_fresh_db orr_json
	print=$(rp_fingerprint event_logs_default)
	rows=${print%%:*}
	assert_exit 0 "$REPARTITION" --json add
	out=$STDOUT
	assert_eq "online ok" "$(orr_json "$out" 'd["mode"] + " " + d["status"]')"
	assert_eq "$rows" "$(orr_json "$out" 'd["online"]["rows_copied"]')" "rows copied = DEFAULT's rows at prepare"
	assert_eq 0 "$(orr_json "$out" 'd["online"]["changes_replayed"]')" "nothing written meanwhile"
	assert_eq "event_logs_default" "$(orr_json "$out" 'd["online"]["sources"]')"
	assert_eq "event_logs_2024_04 + event_logs_default_next" "$(orr_json "$out" 'd["online"]["targets"]')"
	for step in prepare copy keys replay verify swap; do
		[[ $(orr_json "$out" "d['online']['steps']['$step']['attempts']") -ge 1 ]] || fail "$step: attempts"
		assert_eq true "$(orr_json "$out" "d['online']['steps']['$step']['duration_ms'] >= 0")" "$step: duration"
	done
	assert_eq true "$(orr_json "$out" '0 < d["online"]["writers_held_ms"] <= d["online"]["steps"]["swap"]["duration_ms"]')" \
		"writers held for a part of the swap step"
	assert_eq true "$(orr_json "$out" 'd["duration_ms"]["transaction"] == d["online"]["writers_held_ms"]')"
	assert_eq true "$(orr_json "$out" 'd["integrity"]["identical"]')"
	assert_eq "at_snapshot at_swap" "$(orr_json "$out" '" ".join(g["compared"] for g in d["integrity"]["groups"])')"
	assert_eq "$print $print True" "$(orr_json "$out" '"%s:%s %s:%s %s" % tuple(d["integrity"]["groups"][0][k]
		for k in ("rows_before", "checksum_before", "rows_after", "checksum_after", "identical"))')" \
		"the comparison at one snapshot: DEFAULT's rows and checksum, on both sides"
	assert_eq "0:0 0:0" "$(orr_json "$out" '"%s:%s %s:%s" % tuple(d["integrity"]["groups"][1][k]
		for k in ("rows_before", "checksum_before", "rows_after", "checksum_after"))')" \
		"nothing changed since the comparison"
	prints_after=$(rp_fingerprint event_logs "tableoid IN ('event_logs_2024_04'::regclass, 'event_logs_default'::regclass)")
	assert_eq "$print" "$prints_after" "the month and the new DEFAULT hold DEFAULT's rows"

	# the text summary of the next add (May out of the new DEFAULT)
	print=$(rp_fingerprint event_logs_default)
	assert_exit 0 "$REPARTITION" add
	assert_contains "$STDOUT" "steps: prepare "
	assert_contains "$STDOUT" ", swap "
	assert_contains "$STDOUT" "writers of event_logs held at the swap: "
	rows=$(python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "${print%%:*}")
	assert_contains "$STDOUT" "rows copied: $rows; changes replayed (written meanwhile): 0"
	assert_contains "$STDOUT" "event_logs_default -> event_logs_2024_05 + event_logs_default_next"
	assert_contains "$STDOUT" "rows without a waiting change, at one snapshot: $rows rows, checksum ${print#*:} in both: identical"
	assert_contains "$STDOUT" "rows changed since, under the swap's lock: 0 rows, checksum 0 in both: identical"
}

# --json of an online add under a writer that inserts while the copy runs
# (rows of April on land in DEFAULT): changes replayed, every committed row
# in event_logs, rows copied still DEFAULT's rows at prepare.
test_online_report_json_under_a_writer() {
	local dir run writer rows out
	rp_fresh_db orr_json_writer
	rows=$(sql "SELECT count(*) FROM event_logs_default")
	dir=$(mktemp -d)
	LOCK_TIMEOUT_MS=120000 "$REPARTITION" --batch 20 --json add >"$dir/out" 2>"$dir/err" &
	run=$!
	rp_pause_online_copy
	rp_writer "$dir/ledger" "$dir/errors" "$dir/stop" &
	writer=$!
	rp_wait_for "SELECT count(*) >= 3 FROM partition_demo.online_changes" "changes captured during the copy"
	rp_resume_online_copy
	wait "$run" || fail "online add failed: $(tail -20 "$dir/err")"
	touch "$dir/stop"
	wait "$writer"
	out=$(<"$dir/out")
	assert_eq ok "$(orr_json "$out" 'd["status"]')"
	assert_eq "$rows" "$(orr_json "$out" 'd["online"]["rows_copied"]')" "rows copied = DEFAULT's rows at prepare"
	[[ $(orr_json "$out" 'd["online"]["changes_replayed"]') -gt 0 ]] ||
		fail "changes replayed: $(orr_json "$out" 'd["online"]["changes_replayed"]')"
	assert_eq true "$(orr_json "$out" 'd["integrity"]["identical"]')"
	assert_eq true "$(orr_json "$out" 'all(g["rows_before"] == g["rows_after"] and g["checksum_before"] == g["checksum_after"]
		for g in d["integrity"]["groups"])')"
	assert_eq true "$(orr_json "$out" 'd["online"]["writers_held_ms"] > 0')"
	assert_eq "" "$(cat "$dir/errors")" "no write failed"
	assert_eq 0 "$(rp_ledger_missing "$dir/ledger")" "committed rows missing"
	rp_assert_rows_in_place add
	rm -rf "$dir"
}
run_test online_report_json_and_text test_online_report_json_and_text
run_test online_report_json_under_a_writer test_online_report_json_under_a_writer
