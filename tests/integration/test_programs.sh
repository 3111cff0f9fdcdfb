# shellcheck shell=bash
# test_programs.sh - what every program answers the same way: --version,
# getopt's errors under the program's own name, a bad number in one format,
# the connection settings line of --help, libpq's multi-line errors, and
# `make db-status`.
# Sourced by tests/integration/run.sh.

PROGRAMS=(setup-database load-data demonstrate-queries repartition show-config)

test_every_program_answers_version() {
	local program version
	version=$(sed -n 's/^#define DB_PARTITIONING_VERSION "\(.*\)"$/\1/p' "$ROOT_DIR/src/common/program.h")
	[[ -n $version ]] || fail "no DB_PARTITIONING_VERSION in src/common/program.h"
	for program in "${PROGRAMS[@]}"; do
		assert_exit 0 "$BIN_DIR/$program" --version
		[[ $STDOUT =~ ^"$program (db-partitioning) $version, libpq "[0-9]+\.[0-9]+$ ]] ||
			fail "$program --version printed: $STDOUT"
		assert_eq "" "$STDERR" "$program --version writes nothing on stderr"
		assert_exit 0 "$BIN_DIR/$program" -V
		assert_contains "$STDOUT" "$program (db-partitioning) $version"
		assert_exit 0 "$BIN_DIR/$program" --help
		assert_contains "$STDOUT" "-V, --version"
	done
}

test_getopt_errors_name_the_program_not_its_path() {
	local program
	for program in "${PROGRAMS[@]}"; do
		assert_exit 2 "$BIN_DIR/$program" --no-such-option
		assert_contains "$STDERR" "$program: unrecognized option '--no-such-option'"
		assert_not_contains "$STDERR" "$BIN_DIR"
	done
}

test_every_program_reports_a_bad_number_in_one_format() {
	# options and arguments alike, out of range or no number at all: one line, nothing on stdout
	local cases=(
		'setup-database|--seed-rows 0|invalid value "0" for option --seed-rows: must be an integer between 1 and 50000000'
		'setup-database|--online --attempts 1001|invalid value "1001" for option --attempts: must be an integer between 1 and 1000'
		'load-data|--rows x|invalid value "x" for option --rows: must be an integer between 1 and 4611686018427387903'
		'load-data|100 0|invalid value "0" for duration_sec: must be an integer between 1 and 315360000'
		'demonstrate-queries|--runs 101|invalid value "101" for option --runs: must be an integer between 1 and 100'
		'repartition|--lock-timeout 9 add|invalid value "9" for option --lock-timeout: must be an integer between 10 and 60000'
	)
	local entry program args message
	for entry in "${cases[@]}"; do
		IFS='|' read -r program args message <<<"$entry"
		# shellcheck disable=SC2086 # the arguments are words
		assert_exit 2 env POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=1 "$BIN_DIR/$program" $args
		assert_eq "$program: error: $message" "$STDERR" "$program $args"
		assert_eq "" "$STDOUT" "$program $args writes nothing on stdout"
	done
}

test_help_names_the_connection_settings() {
	local program
	for program in setup-database load-data demonstrate-queries repartition; do
		assert_exit 0 "$BIN_DIR/$program" --help
		assert_contains "$STDOUT" "Connection settings come from .env and the environment"
	done
}

test_libpq_detail_lines_are_not_indented() {
	# libpq's "connection refused" message has a second line starting with a tab
	assert_exit 1 env POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=1 "$BIN_DIR/load-data" 10 1
	assert_contains "$STDERR" "load-data: detail: Is the server running on that host"
	assert_not_contains "$STDERR" $'\t'
}

test_show_config_aligns_multibyte_values() {
	assert_exit 0 env POSTGRES_DB='größe_datenbank' POSTGRES_USER='ünïcødé' "$BIN_DIR/show-config"
	local LC_ALL=C.UTF-8 line prefix columns=()
	while IFS= read -r line; do
		[[ $line == POSTGRES_* || $line == SIMULATOR_* ]] || continue
		prefix=${line% (*}
		columns+=("${#prefix}")
	done <<<"$STDOUT"
	[[ ${#columns[@]} -ge 6 ]] || fail "show-config printed too few rows: $STDOUT"
	assert_eq "${columns[0]}" "$(printf '%s\n' "${columns[@]}" | sort -u)" \
		"the source column starts at the same character on every row"
}

test_make_db_status_exits_0_and_the_script_3_when_stopped() {
	local dir=$TMPDIR/no-embedded-server
	# the sanitizer build of make test is up to date: nothing is rebuilt
	assert_exit 0 env EMBEDDED_DB_DIR="$dir" make -s -C "$ROOT_DIR" SANITIZE=1 db-status
	assert_contains "$STDOUT" "embedded PostgreSQL: not created yet"
	assert_not_contains "$OUT" "Error"
	assert_exit 3 env EMBEDDED_DB_DIR="$dir" SHOW_CONFIG="$BIN_DIR/show-config" \
		bash "$ROOT_DIR/tools/embedded-db.sh" status
}

run_test every_program_answers_version test_every_program_answers_version
run_test getopt_errors_name_the_program_not_its_path test_getopt_errors_name_the_program_not_its_path
run_test every_program_reports_a_bad_number_in_one_format test_every_program_reports_a_bad_number_in_one_format
run_test help_names_the_connection_settings test_help_names_the_connection_settings
run_test libpq_detail_lines_are_not_indented test_libpq_detail_lines_are_not_indented
run_test show_config_aligns_multibyte_values test_show_config_aligns_multibyte_values
run_test make_db_status_exits_0_and_the_script_3_when_stopped test_make_db_status_exits_0_and_the_script_3_when_stopped
