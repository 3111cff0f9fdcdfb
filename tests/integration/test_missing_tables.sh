# shellcheck shell=bash
# test_missing_tables.sh - load-data, demonstrate-queries and repartition
# started before bin/setup-database, against a database that lost a table, or
# one whose setup stopped before the tables were partitioned: each stops at
# once with one error naming what is missing and the hint to run
# bin/setup-database, exit 1, and writes nothing.  Sourced by
# tests/integration/run.sh.

MT_LOAD=$BIN_DIR/load-data
MT_QUERIES=$BIN_DIR/demonstrate-queries
MT_REPARTITION=$BIN_DIR/repartition

# mt_db NAME [TEMPLATE]: (re)creates database NAME, empty or as a copy of
# TEMPLATE, and points the programs and psql at it
mt_db() {
	fresh_database "$1" "${2:-template0}"
}

# a set-up database to copy, made once on first use
mt_template() {
	if [[ $(psql -XAtq -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'mt_template'") != 1 ]]; then
		mt_db mt_template_tmp
		"$BIN_DIR/setup-database" --seed-rows 200 >/dev/null 2>&1 || fail "setup-database for mt_template"
		psql -XAtq -v ON_ERROR_STOP=1 -d postgres \
			-c 'ALTER DATABASE mt_template_tmp RENAME TO mt_template' >/dev/null
	fi
}

# assert_one_error NEEDLE...: the last command (assert_exit) printed exactly one
# error line, containing each NEEDLE, and a hint naming bin/setup-database
assert_one_error() {
	local errors
	errors=$(grep -c ': error: ' <<<"$STDERR" || true)
	assert_eq 1 "$errors" "error lines in: $STDERR"
	for needle in "$@"; do
		assert_contains "$(grep ': error: ' <<<"$STDERR")" "$needle"
	done
	assert_contains "$(grep ': hint: ' <<<"$STDERR")" "bin/setup-database"
}

all_four='"event_logs", "users_distributed", "orders_by_region", "sales_data"'

test_missing_tables_before_setup() {
	mt_db mt_empty
	local ledger
	ledger=$(mktemp -u)
	assert_exit 1 "$MT_LOAD" 10 2 --ledger "$ledger"
	assert_one_error "tables $all_four do not exist"
	assert_not_contains "$OUT" "failed"
	[[ ! -s $ledger ]] || fail "a ledger was written: $(head -3 "$ledger")"
	assert_exit 1 "$MT_LOAD" --max --rows 100
	assert_one_error "tables $all_four do not exist"
	assert_exit 1 "$MT_QUERIES"
	assert_one_error "tables $all_four do not exist"
	assert_exit 1 "$MT_QUERIES" --table sales_data --no-analyze
	assert_one_error 'table "sales_data" does not exist'
	assert_exit 1 "$MT_REPARTITION" add
	assert_one_error 'table "event_logs" does not exist'
	assert_exit 1 "$MT_REPARTITION" migrate
	assert_one_error 'table "users_distributed" does not exist'
	assert_exit 1 "$MT_REPARTITION" cleanup
	assert_one_error 'tables "event_logs", "users_distributed" do not exist'
	# nothing was created on the way: no helpers, no tables
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace <> ALL (ARRAY['pg_catalog'::regnamespace,
		'information_schema'::regnamespace, 'pg_toast'::regnamespace])")" "relations created"
}

test_missing_tables_verify_on_empty_database() {
	mt_db mt_empty
	local ledger
	ledger=$(mktemp)
	printf 'event_logs\t1\n' >"$ledger"
	assert_exit 1 "$MT_LOAD" --verify "$ledger"
	assert_one_error "tables $all_four do not exist"
	assert_not_contains "$STDOUT" "rows checked"
	rm -f "$ledger"
}

test_missing_tables_one_table_dropped() {
	mt_template
	mt_db mt_dropped mt_template
	sql "DROP TABLE sales_data" >/dev/null
	local before
	before=$(sql "SELECT (SELECT count(*) FROM event_logs) || ' ' || (SELECT count(*) FROM users_distributed)
		|| ' ' || (SELECT count(*) FROM orders_by_region)")
	assert_exit 1 "$MT_LOAD" 10 2
	assert_one_error 'table "sales_data" does not exist'
	assert_contains "$STDERR" "search_path"
	assert_exit 1 "$MT_LOAD" --max --rows 1000
	assert_one_error 'table "sales_data" does not exist'
	assert_eq "$before" "$(sql "SELECT (SELECT count(*) FROM event_logs) || ' ' || (SELECT count(*) FROM users_distributed)
		|| ' ' || (SELECT count(*) FROM orders_by_region)")" "rows written into the other tables"
	assert_exit 1 "$MT_QUERIES" --no-analyze
	assert_one_error 'table "sales_data" does not exist'
	assert_not_contains "$STDERR" '"event_logs"'
	# a table the selected queries do not need may be missing
	assert_exit 0 "$MT_QUERIES" --no-analyze --table event_logs
	# repartition needs only the scenario's own tables
	sql "DROP TABLE users_distributed CASCADE" >/dev/null
	assert_exit 1 "$MT_REPARTITION" migrate
	assert_one_error 'table "users_distributed" does not exist'
	assert_exit 1 "$MT_REPARTITION" cleanup
	assert_one_error 'table "users_distributed" does not exist'
	assert_not_contains "$STDERR" '"event_logs"'
	assert_eq "" "$(sql "SELECT string_agg(relname, ' ') FROM pg_class WHERE relname IN ('event_logs_2024_04', 'users_distributed_hash')")" \
		"nothing applied"
}

# the first file of the setup ran, the migrations did not: the tables are plain
test_missing_tables_setup_not_finished() {
	mt_db mt_plain
	psql -XAtq -v ON_ERROR_STOP=1 -1 -f "$ROOT_DIR/scripts/lib/partition_demo.sql" \
		-f "$ROOT_DIR/scripts/00_setup_base_tables.sql" >/dev/null
	assert_exit 1 "$MT_QUERIES" --no-analyze
	assert_one_error "tables $all_four are not partitioned"
	assert_contains "$(grep ': hint: ' <<<"$STDERR")" "continues where it stopped"
	assert_exit 1 "$MT_REPARTITION" split
	assert_one_error 'table "event_logs" is not partitioned'
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname LIKE 'event_logs\_%\_w%'")" "no weekly table"
	# load-data writes into plain tables as well: the online migration's writers do
	assert_exit 0 "$MT_LOAD" --max --rows 40 --progress 0 --json
	assert_eq 40 "$(sql "SELECT (SELECT count(*) FROM event_logs) + (SELECT count(*) FROM users_distributed)
		+ (SELECT count(*) FROM orders_by_region) + (SELECT count(*) FROM sales_data)")"
	# a view in the place of a table is not one
	sql "DROP TABLE sales_data; CREATE VIEW sales_data AS SELECT 1 AS id" >/dev/null
	assert_exit 1 "$MT_LOAD" --max --rows 40
	assert_one_error 'relation "sales_data" (a view) is not a table'
}

run_test missing_tables_before_setup test_missing_tables_before_setup
run_test missing_tables_verify_on_empty_database test_missing_tables_verify_on_empty_database
run_test missing_tables_one_table_dropped test_missing_tables_one_table_dropped
run_test missing_tables_setup_not_finished test_missing_tables_setup_not_finished
