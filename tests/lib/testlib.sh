# shellcheck shell=bash
# testlib.sh - a tiny test framework for the integration tests (bash).
#
#   run_test NAME FUNCTION   run FUNCTION in a subshell with `set -eEuo
#                            pipefail`, its stdout+stderr (and stdin from
#                            /dev/null) going to $TESTLIB_LOG_DIR/NAME.log;
#                            print "ok NAME", or "FAIL NAME" and the last 40
#                            lines of the log. Never fails itself.
#   testlib_summary          print "N passed, N failed" as the last line;
#                            return 1 if anything failed
#
# Inside a test (all fail the test at once when they fail):
#   assert_eq EXPECTED ACTUAL [MSG]
#   assert_contains HAYSTACK NEEDLE [MSG]
#   assert_not_contains HAYSTACK NEEDLE [MSG]
#   assert_exit CODE CMD...  run CMD, check its exit status; leaves its output
#                            in $OUT (stdout, then stderr), $STDOUT, $STDERR
#                            and its status in $RC. An executable CMD is
#                            killed after $TEST_CMD_TIMEOUT seconds (300).
#   fail MSG
#   sql "SELECT ..." [psql args]   psql -XAtq -v ON_ERROR_STOP=1 -c; prints
#                            the result (fields separated by "|")
#   fresh_database NAME      (re)create database NAME on the test cluster and
#                            export POSTGRES_DB and PGDATABASE to it; call it
#                            at the top of a test file (a failure there is
#                            counted as a failed test) or inside a test
#
# Notes for test authors: a test fails on the first failing command, but as
# in any bash, not inside `if`/`while` conditions or left of `&&`/`||`, and
# `local x=$(cmd)` hides cmd's status (write `local x; x=$(cmd)`).
# TEST_FILTER=REGEX runs only the tests whose name matches.

TESTLIB_PASSED=0
TESTLIB_FAILED=0
TESTLIB_FAILED_NAMES=()
TESTLIB_IN_TEST=""
: "${TESTLIB_LOG_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/out}"

_testlib_record_fail() {
	TESTLIB_FAILED=$((TESTLIB_FAILED + 1))
	TESTLIB_FAILED_NAMES+=("$1")
	printf 'FAIL %s\n' "$1"
}

# _testlib_fail LINE...: report an assertion failure; ends the test
_testlib_fail() {
	local line
	printf 'assertion failed: %s\n' "$1" >&2
	shift
	for line in "$@"; do
		printf '  %s\n' "$line" >&2
	done
	if [[ -n $TESTLIB_IN_TEST ]]; then
		exit 1
	fi
	return 1
}

# print at most the first 2000 characters of a value, for failure messages
_testlib_show() {
	local v=$1
	if [[ ${#v} -gt 2000 ]]; then
		printf '%s... [%d more characters]' "${v:0:2000}" $((${#v} - 2000))
	else
		printf '%s' "$v"
	fi
}

run_test() {
	local name=$1 fn=$2 log rc errexit=""
	if [[ -n ${TEST_FILTER-} && ! $name =~ $TEST_FILTER ]]; then
		return 0
	fi
	if ! declare -F -- "$fn" >/dev/null; then
		_testlib_record_fail "$name"
		printf '    run_test: no function named %s\n' "$fn"
		return 0
	fi
	mkdir -p -- "$TESTLIB_LOG_DIR"
	log=$TESTLIB_LOG_DIR/${name//[^A-Za-z0-9_.-]/_}.log

	[[ $- == *e* ]] && errexit=1
	set +e
	(
		set -eEuo pipefail
		# shellcheck disable=SC2030  # meant: only the test's subshell is "in a test"
		TESTLIB_IN_TEST=1
		trap 'printf "test failed: status %s from: %s (%s:%s)\n" "$?" "$BASH_COMMAND" "${BASH_SOURCE[0]:-?}" "$LINENO" >&2' ERR
		"$fn"
	) >"$log" 2>&1 </dev/null
	rc=$?
	[[ -n $errexit ]] && set -e

	if [[ $rc -eq 0 ]]; then
		TESTLIB_PASSED=$((TESTLIB_PASSED + 1))
		printf 'ok %s\n' "$name"
	else
		_testlib_record_fail "$name"
		tail -n 40 -- "$log" | sed 's/^/    /'
		printf '    (exit status %s; full log: %s)\n' "$rc" "$log"
	fi
	return 0
}

testlib_summary() {
	if [[ $TESTLIB_FAILED -gt 0 ]]; then
		printf 'failed: %s\n' "${TESTLIB_FAILED_NAMES[*]}"
	fi
	printf '%d passed, %d failed\n' "$TESTLIB_PASSED" "$TESTLIB_FAILED"
	[[ $TESTLIB_FAILED -eq 0 ]]
}

fail() {
	_testlib_fail "${1:-failed}"
}

assert_eq() {
	[[ $1 == "$2" ]] && return 0
	_testlib_fail "${3:-values differ}" \
		"expected: '$(_testlib_show "$1")'" \
		"actual:   '$(_testlib_show "$2")'"
}

assert_contains() {
	[[ $1 == *"$2"* ]] && return 0
	_testlib_fail "${3:-text does not contain the expected part}" \
		"looked for: '$2'" \
		"in:         '$(_testlib_show "$1")'"
}

assert_not_contains() {
	[[ $1 != *"$2"* ]] && return 0
	_testlib_fail "${3:-text contains what it must not}" \
		"found: '$2'" \
		"in:    '$(_testlib_show "$1")'"
}

assert_exit() {
	local want=$1 tmp
	shift
	if [[ $# -eq 0 ]]; then
		_testlib_fail "assert_exit: no command given"
		return 1
	fi
	tmp=$(mktemp -d) || return 1
	RC=0
	if [[ $(type -t -- "$1") == file ]]; then
		timeout --foreground -k 10 "${TEST_CMD_TIMEOUT:-300}" "$@" \
			>"$tmp/out" 2>"$tmp/err" </dev/null || RC=$?
	else
		"$@" >"$tmp/out" 2>"$tmp/err" </dev/null || RC=$?
	fi
	STDOUT=$(<"$tmp/out")
	STDERR=$(<"$tmp/err")
	rm -rf -- "$tmp"
	OUT=$STDOUT
	[[ -n $STDOUT && -n $STDERR ]] && OUT+=$'\n'
	OUT+=$STDERR
	[[ $RC -eq $want ]] && return 0
	local why="exit status $RC, expected $want"
	[[ $RC -eq 124 ]] && why+=" (124: timed out after ${TEST_CMD_TIMEOUT:-300}s?)"
	_testlib_fail "$why: $*" \
		"output (last 40 lines):" \
		"$(tail -n 40 <<<"$OUT" | sed 's/^/  /')"
}

sql() {
	if [[ $# -lt 1 ]]; then
		_testlib_fail "sql: no query given"
		return 1
	fi
	local query=$1
	shift
	psql -XAtq -v ON_ERROR_STOP=1 "$@" -c "$query"
}

# fresh_database NAME [TEMPLATE]: (re)creates database NAME, empty or as a
# copy of TEMPLATE, and points the programs and psql at it
fresh_database() {
	local name=$1 q out template=${2:-} create
	q=${name//\"/\"\"}
	create="CREATE DATABASE \"$q\""
	[[ -n $template ]] && create+=" TEMPLATE \"${template//\"/\"\"}\""
	if ! out=$(psql -XAtq -v ON_ERROR_STOP=1 -d postgres \
		-c "DROP DATABASE IF EXISTS \"$q\" WITH (FORCE)" \
		-c "$create" 2>&1); then
		# shellcheck disable=SC2031
		if [[ -n $TESTLIB_IN_TEST ]]; then
			_testlib_fail "fresh_database $name" "$out"
		fi
		_testlib_record_fail "fresh_database $name"
		printf '%s\n' "$out" | sed 's/^/    /'
		return 1
	fi
	export POSTGRES_DB=$name PGDATABASE=$name
}
