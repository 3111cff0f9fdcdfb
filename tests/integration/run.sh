#!/usr/bin/env bash
# run.sh - the integration test runner.
#
# Starts a throwaway PostgreSQL cluster (tests/lib/cluster.sh), sources every
# tests/integration/test_*.sh in name order (each defines test functions and
# calls run_test for them), prints "N passed, N failed" and exits 1 if any
# test failed, 0 otherwise. The cluster and its directory are removed on exit.
#
# Environment:
#   BIN_DIR          the programs under test (default: <root>/bin), exported
#   TEST_FILTER      regex: run only the tests whose name matches
#   TEST_CMD_TIMEOUT seconds before assert_exit kills a program (default 300)
#   TESTLIB_LOG_DIR  logs of each test and of the server (postgres.log),
#                    default tests/out/integration/
# The tests run with TMPDIR set to a directory of their own, removed at the
# end, so whatever they mktemp goes away with it.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P) || exit 1
export ROOT_DIR=$ROOT
export BIN_DIR=${BIN_DIR:-$ROOT/bin}
case $BIN_DIR in
/*) ;;
*) BIN_DIR=$(cd "$BIN_DIR" 2>/dev/null && pwd -P) || {
	echo "run.sh: error: BIN_DIR does not exist: ${BIN_DIR}" >&2
	exit 2
} ;;
esac

TESTLIB_LOG_DIR=${TESTLIB_LOG_DIR:-$ROOT/tests/out/integration}
mkdir -p -- "$TESTLIB_LOG_DIR" || exit 1
rm -f -- "$TESTLIB_LOG_DIR"/*.log
export TEST_CLUSTER_KEEP_LOG=$TESTLIB_LOG_DIR/postgres.log

# shellcheck source=tests/lib/testlib.sh
source "$ROOT/tests/lib/testlib.sh" || exit 1
# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh" || exit 1

TESTS_TMPDIR=""
runner_cleanup() {
	test_cluster_stop
	if [[ -n $TESTS_TMPDIR ]]; then
		rm -rf -- "$TESTS_TMPDIR"
	fi
}
trap runner_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! test_cluster_start; then
	echo "run.sh: error: could not start the test cluster" >&2
	exit 1
fi
# after the cluster: its directory must stay reachable for the server user
TESTS_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/itest.XXXXXX") || exit 1
export TMPDIR=$TESTS_TMPDIR

echo "# test cluster: PostgreSQL $(sql 'SHOW server_version'), socket $PGHOST, port $PGPORT"
echo "# programs under test: $BIN_DIR"

# the programs read .env from the working directory: run them from the root,
# with every POSTGRES_* setting exported so that a developer's .env is moot
cd "$ROOT" || exit 1

shopt -s nullglob
files=("$ROOT"/tests/integration/test_*.sh)
shopt -u nullglob
if [[ ${#files[@]} -eq 0 ]]; then
	echo "run.sh: error: no tests/integration/test_*.sh files" >&2
	exit 1
fi

for file in "${files[@]}"; do
	echo "# ${file#"$ROOT"/}"
	# shellcheck source=/dev/null
	source "$file"
	rc=$?
	if [[ $rc -ne 0 ]]; then
		_testlib_record_fail "${file##*/} (the file itself ended with status $rc)"
	fi
	cd "$ROOT" || exit 1
done

if [[ $((TESTLIB_PASSED + TESTLIB_FAILED)) -eq 0 ]]; then
	echo "run.sh: error: no test ran${TEST_FILTER:+ (TEST_FILTER=$TEST_FILTER)}" >&2
	testlib_summary
	exit 1
fi
testlib_summary
