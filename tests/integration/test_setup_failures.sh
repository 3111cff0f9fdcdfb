# shellcheck shell=bash
# test_setup_failures.sh - what setup-database does with bad input and failures:
# a broken SQL file, a failed verification, --reset, bad configuration, an
# unreachable server.  Sourced by tests/integration/run.sh.

SETUP=$BIN_DIR/setup-database

# A copy of scripts/ that a test may break.
copy_scripts() {
	local dir
	dir=$(mktemp -d)
	cp -r "$ROOT_DIR/scripts" "$dir/"
	echo "$dir/scripts"
}

test_broken_file_leaves_its_table_untouched_and_resumes() {
	fresh_database setup_broken
	local scripts
	scripts=$(copy_scripts)
	# a syntax error in the middle of 03, after its first statements ran
	sed -i '0,/^CREATE INDEX/s//CREATE INDEKS/' "$scripts/03_list_partitions.sql"
	local line
	line=$(grep -n '^CREATE INDEKS' "$scripts/03_list_partitions.sql" | cut -d: -f1)

	assert_exit 1 "$SETUP" --scripts "$scripts"
	assert_contains "$OUT" "03_list_partitions.sql:$line: syntax error at or near \"INDEKS\" (SQLSTATE 42601)"
	assert_contains "$OUT" "files before 03_list_partitions.sql stay applied"
	# 01 and 02 applied, 03 rolled back completely
	assert_eq "00_initial_seed_data.sql,00_setup_base_tables.sql,01_range_partitions.sql,02_hash_partitions.sql" \
		"$(sql "SELECT string_agg(script, ',' ORDER BY script) FROM partition_demo.applied_scripts")"
	assert_eq "event_logs:p|orders_by_region:r|sales_data:r|users_distributed:p" \
		"$(sql "SELECT string_agg(relname || ':' || relkind::text, '|' ORDER BY relname) FROM pg_class
		WHERE relname IN ('event_logs','users_distributed','orders_by_region','sales_data')")"
	assert_eq 5000 "$(sql "SELECT count(*) FROM orders_by_region")"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE 'orders%' AND relname <> 'orders_by_region' AND relkind IN ('r','p')")" \
		"nothing of 03 is left behind"

	# fixed: the next run does 03 and 04 only
	cp "$ROOT_DIR/scripts/03_list_partitions.sql" "$scripts/"
	assert_exit 0 "$SETUP" --scripts "$scripts"
	assert_contains "$OUT" "4 of 6 scripts already applied"
	assert_contains "$OUT" "[1/2] 03_list_partitions.sql"
	assert_contains "$OUT" "[2/2] 04_composite_partitions.sql"
	assert_not_contains "$OUT" "01_range_partitions.sql"
	assert_eq p "$(sql "SELECT relkind FROM pg_class WHERE relname = 'orders_by_region'")"
	rm -rf "$(dirname "$scripts")"
}

test_failed_verification_changes_nothing() {
	fresh_database setup_verify
	local scripts
	scripts=$(copy_scripts)
	# lose one row between the copy and the check: the check must catch it
	sed -i 's/^SELECT partition_demo.assert_same_rows/DELETE FROM event_logs_partitioned WHERE id = 42;\n&/' \
		"$scripts/01_range_partitions.sql"
	grep -q 'WHERE id = 42' "$scripts/01_range_partitions.sql" || fail "could not inject the lost row"

	assert_exit 1 "$SETUP" --scripts "$scripts"
	assert_contains "$OUT" "migration check failed"
	assert_eq r "$(sql "SELECT relkind FROM pg_class WHERE relname = 'event_logs'")" "event_logs is still plain"
	assert_eq 5000 "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs WHERE id = 42")"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('event_logs_partitioned', 'event_logs_old')")"
	rm -rf "$(dirname "$scripts")"
}

test_reset_sets_up_again() {
	fresh_database setup_reset
	assert_exit 0 "$SETUP" --seed-rows 300
	assert_eq 300 "$(sql "SELECT count(*) FROM sales_data")"
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('extra', 1, now())" >/dev/null
	sql "CREATE TABLE not_ours (x int)" >/dev/null
	assert_exit 0 "$SETUP" --reset --seed-rows 200
	assert_contains "$OUT" "[reset]"
	assert_eq 200 "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq 200 "$(sql "SELECT count(*) FROM event_logs_old")"
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'not_ours'")" "reset drops only this project's objects"
	# reset of a half-done setup works too
	sql "DELETE FROM partition_demo.applied_scripts WHERE script LIKE '04%'" >/dev/null
	assert_exit 0 "$SETUP" --reset
	assert_eq 5000 "$(sql "SELECT count(*) FROM sales_data_old")"
}

test_bad_configuration_names_the_key() {
	assert_exit 2 env POSTGRES_PORT=abc "$SETUP"
	assert_contains "$OUT" 'invalid POSTGRES_PORT "abc" (from environment): not a whole number'
	assert_exit 2 env POSTGRES_PORT=70000 "$SETUP"
	assert_contains "$OUT" "must be between 1 and 65535"
	assert_exit 2 env POSTGRES_DB= "$SETUP"
	assert_contains "$OUT" "invalid POSTGRES_DB (from environment): must not be empty"

	local envfile
	envfile=$(mktemp)
	printf 'POSTGRES_HOST=localhost\nPOSTGRES_PORT 5438\n' >"$envfile"
	assert_exit 2 env -u POSTGRES_PORT DOTENV_CONFIG_PATH="$envfile" "$SETUP"
	assert_contains "$OUT" "line 2: expected '=' after the key"
	printf 'SIMULATOR_INTERVAL_MS=-1\n' >"$envfile"
	assert_exit 2 env -u SIMULATOR_INTERVAL_MS DOTENV_CONFIG_PATH="$envfile" "$SETUP"
	assert_contains "$OUT" "SIMULATOR_INTERVAL_MS \"-1\" (from .env)"
	rm -f "$envfile"
}

test_unknown_arguments_are_usage_errors() {
	assert_exit 2 "$SETUP" --bogus
	assert_contains "$OUT" "--help"
	assert_exit 2 "$SETUP" extra
	assert_contains "$OUT" 'unexpected argument "extra"'
	assert_exit 2 "$SETUP" --seed-rows 10x
	assert_contains "$OUT" 'invalid value "10x" for option --seed-rows: must be an integer between 1 and 50000000'
	assert_exit 0 "$SETUP" --help
	assert_contains "$OUT" "--reset"
}

test_unreachable_server_is_one_clear_error_without_password() {
	assert_exit 1 env POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=1 POSTGRES_PASSWORD=Sekr1t-Marker "$SETUP"
	assert_contains "$OUT" "at 127.0.0.1:1"
	assert_contains "$OUT" "make db-up"
	assert_not_contains "$OUT" "Sekr1t-Marker"
	assert_exit 1 env POSTGRES_PASSWORD=Wrong-Sekr1t "$SETUP"
	assert_contains "$OUT" "password authentication failed"
	assert_not_contains "$OUT" "Wrong-Sekr1t"
}

run_test broken_file_leaves_its_table_untouched_and_resumes test_broken_file_leaves_its_table_untouched_and_resumes
run_test failed_verification_changes_nothing test_failed_verification_changes_nothing
run_test reset_sets_up_again test_reset_sets_up_again
run_test bad_configuration_names_the_key test_bad_configuration_names_the_key
run_test unknown_arguments_are_usage_errors test_unknown_arguments_are_usage_errors
run_test unreachable_server_is_one_clear_error_without_password test_unreachable_server_is_one_clear_error_without_password
