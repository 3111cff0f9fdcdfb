# shellcheck shell=bash
# test_reader_probe.sh - the bench's reader (tests/lib/reader_probe.sh): a
# query's time includes its wait for a lock, errors are reported with their
# SQLSTATE, :r is a fresh number before each query, bad query files are
# refused, and the probe stops when told. Nothing here asserts how fast a
# query is: the one bound below is a lower bound the lock holder enforces.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/reader_probe.sh
source "$ROOT_DIR/tests/lib/reader_probe.sh"

fresh_database reader_probe

# rp_probe_start QUERIES: the probe in the background, output in $PROBE_DIR
rp_probe_start() {
	PROBE_DIR=$(mktemp -d)
	printf '%b' "$1" >"$PROBE_DIR/queries"
	reader_probe "$PROBE_DIR/queries" "$PROBE_DIR/stop" >"$PROBE_DIR/raw" 2>"$PROBE_DIR/err" &
	PROBE_PID=$!
}

# rp_probe_stop: the stop file, then the probe must end (within 60 s)
rp_probe_stop() {
	local i
	touch "$PROBE_DIR/stop"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$PROBE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PROBE_PID" 2>/dev/null; then
		kill "$PROBE_PID"
		fail "reader_probe did not stop within 60 s of its stop file"
	fi
	wait "$PROBE_PID" || fail "reader_probe exited $?: $(cat "$PROBE_DIR/err")"
}

# until the probe has finished N queries
rp_probe_wait_for() {
	local n=$1 i
	for ((i = 0; i < 600; i++)); do
		[[ $(grep -c '^@end ' "$PROBE_DIR/raw" || true) -ge $n ]] && return 0
		sleep 0.1
	done
	fail "reader_probe did not run $n queries in 60 s: $(cat "$PROBE_DIR/err")"
}

test_reader_probe_time_includes_the_lock_wait() {
	sql "CREATE TABLE probe_t (id int PRIMARY KEY) PARTITION BY RANGE (id);
	     CREATE TABLE probe_t_p1 PARTITION OF probe_t FOR VALUES FROM (1) TO (501);
	     CREATE TABLE probe_t_p2 PARTITION OF probe_t FOR VALUES FROM (501) TO (1001);
	     INSERT INTO probe_t SELECT generate_series(1, 1000)"
	rp_probe_start 'p1\tSELECT count(*) FROM probe_t WHERE id = 1 + :r % 500\np2\tSELECT count(*) FROM probe_t WHERE id = 501 + :r % 500\n'
	rp_probe_wait_for 4
	# holds p1 from before the probe's query on it waits until 0.5 s after
	# it was seen waiting: that query cannot have taken less than 500 ms
	sql "BEGIN;
	     LOCK TABLE probe_t_p1 IN ACCESS EXCLUSIVE MODE;
	     DO \$\$
	     BEGIN
	         FOR i IN 1 .. 3000 LOOP
	             EXIT WHEN EXISTS (SELECT FROM pg_locks WHERE relation = 'probe_t_p1'::regclass AND NOT granted);
	             PERFORM pg_sleep(0.01);
	         END LOOP;
	         IF NOT EXISTS (SELECT FROM pg_locks WHERE relation = 'probe_t_p1'::regclass AND NOT granted) THEN
	             RAISE 'the probe never waited for probe_t_p1';
	         END IF;
	         PERFORM pg_sleep(0.5);
	     END
	     \$\$;
	     COMMIT" >/dev/null
	rp_probe_wait_for 20
	rp_probe_stop

	local times max_p1
	times=$(reader_probe_times "$PROBE_DIR/raw")
	max_p1=$(awk -F'\t' '$1 == "p1" && $2 > m { m = $2 } END { print m + 0 }' <<<"$times")
	awk -v m="$max_p1" 'BEGIN { exit !(m >= 500) }' ||
		fail "the query that waited 500 ms for the lock reports $max_p1 ms"
	assert_eq 0 "$(awk -F'\t' '$3 != 0' <<<"$times" | wc -l)" "no query failed"
	assert_eq "" "$(awk -F'\t' '$2 !~ /^[0-9]+\.[0-9]+$/' <<<"$times")" "every query has its time"
	[[ $(grep -c $'^p2\t' <<<"$times") -ge 5 ]] || fail "the queries run in turn: p2 ran too"
	rm -rf "$PROBE_DIR"
}

test_reader_probe_reports_errors_with_their_sqlstate() {
	rp_probe_start 'missing\tSELECT * FROM no_such_table\nfine\tSELECT 1;\n'
	rp_probe_wait_for 6
	rp_probe_stop
	local times
	times=$(reader_probe_times "$PROBE_DIR/raw")
	assert_eq "" "$(grep $'^missing\t' <<<"$times" | grep -v $'\t1\t42P01$')" \
		"every query on the missing table failed with 42P01"
	assert_eq "" "$(grep $'^fine\t' <<<"$times" | grep -v $'\t0\t00000$')" "every other query succeeded"
	[[ $(grep -c $'^missing\t[0-9.]*\t1\t' <<<"$times") -ge 3 ]] || fail "failed queries reported: $times"
	assert_contains "$(cat "$PROBE_DIR/err")" 'relation "no_such_table" does not exist'
	rm -rf "$PROBE_DIR"
}

test_reader_probe_draws_a_new_r_before_each_query() {
	rp_probe_start 'r\tSELECT :r\n'
	rp_probe_wait_for 10
	rp_probe_stop
	local values
	values=$(grep -A1 '^@probe r$' "$PROBE_DIR/raw" | grep -E '^[0-9]+$' | sort -u)
	[[ $(wc -l <<<"$values") -ge 5 ]] || fail "expected different values of :r, got: $values"
	assert_eq "" "$(awk '$1 >= 2^30' <<<"$values")" "r below 2^30"
	rm -rf "$PROBE_DIR"
}

test_reader_probe_refuses_a_bad_queries_file() {
	local dir
	dir=$(mktemp -d)
	printf '# only a comment\n\n' >"$dir/empty"
	assert_exit 2 reader_probe "$dir/empty" "$dir/stop"
	assert_contains "$OUT" "reader_probe: $dir/empty: no queries"
	printf 'fine\tSELECT 1\nno sql here\n' >"$dir/nosql"
	assert_exit 2 reader_probe "$dir/nosql" "$dir/stop"
	assert_contains "$OUT" 'no statement after the label "no sql here"'
	rm -rf "$dir"
}

run_test reader_probe_time_includes_the_lock_wait test_reader_probe_time_includes_the_lock_wait
run_test reader_probe_reports_errors_with_their_sqlstate test_reader_probe_reports_errors_with_their_sqlstate
run_test reader_probe_draws_a_new_r_before_each_query test_reader_probe_draws_a_new_r_before_each_query
run_test reader_probe_refuses_a_bad_queries_file test_reader_probe_refuses_a_bad_queries_file
