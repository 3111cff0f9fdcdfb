# shellcheck shell=bash
# test_load_ranges.sh - load-data's dates follow the RANGE partitions that
# exist, as the SQL reads their bounds (partition_demo.range_bounds()): the
# month `repartition add` made gets rows, a MINVALUE partition and a session
# DateStyle other than ISO change nothing.  Sourced by tests/integration/run.sh.

test_load_dates_follow_the_partitions_that_exist() {
	fresh_database load_ranges
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 100
	assert_exit 0 "$BIN_DIR/repartition" add
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_04'")" "add made April"
	# no FROM (timestamp) TO (timestamp) bound: not a span of dates, ignored
	sql "CREATE TABLE event_logs_before PARTITION OF event_logs FOR VALUES FROM (MINVALUE) TO ('2024-01-01')" >/dev/null
	local events sales
	events=$(sql "SELECT max(id) FROM event_logs")
	sales=$(sql "SELECT max(id) FROM sales_data")

	assert_exit 0 env PGOPTIONS="-c datestyle=SQL,DMY" "$BIN_DIR/load-data" --max --rows 2000 \
		--default-share 0 --seed 11 --progress 0
	assert_not_contains "$STDERR" "error"
	# every new event in the four months January to April, and April has its
	# share (the built-in ranges, without bounds read, stop at March)
	assert_eq "0 1" "$(sql "SELECT count(*) FILTER (WHERE created_at < '2024-01-01' OR created_at >= '2024-05-01')
		|| ' ' || (count(*) FILTER (WHERE created_at >= '2024-04-01') > 0)::int FROM event_logs WHERE id > $events")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_default WHERE id > $events")" "nothing outside the months"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_before")"
	# sales: the two quarters of the composite table
	assert_eq "0 1" "$(sql "SELECT count(*) FILTER (WHERE sale_date < '2024-01-01' OR sale_date >= '2024-07-01')
		|| ' ' || (count(*) > 0)::int FROM sales_data WHERE id > $sales")"
}

run_test load_dates_follow_the_partitions_that_exist test_load_dates_follow_the_partitions_that_exist
