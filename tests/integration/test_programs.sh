# shellcheck shell=bash
# test_programs.sh - what every program answers the same way: --version,
# getopt's errors under the program's own name, the connection settings line
# of --help, libpq's multi-line errors, and `make db-status`.
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
run_test help_names_the_connection_settings test_help_names_the_connection_settings
run_test libpq_detail_lines_are_not_indented test_libpq_detail_lines_are_not_indented
run_test show_config_aligns_multibyte_values test_show_config_aligns_multibyte_values
run_test make_db_status_exits_0_and_the_script_3_when_stopped test_make_db_status_exits_0_and_the_script_3_when_stopped
