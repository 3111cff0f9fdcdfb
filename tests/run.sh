#!/usr/bin/env bash
# Runs the unit tests (cmocka, no server) built in BUILD_DIR, the shell checks
# tests/unit/test_*.sh (no server either: the documentation's links) and the
# integration tests (real throwaway PostgreSQL cluster), and ends with one line
# "N passed, N failed" over all.  Usage: tests/run.sh BUILD_DIR [unit|integration]
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:?usage: tests/run.sh BUILD_DIR [unit|integration]}
only=${2:-all}
passed=0
failed=0

if [[ $only == all || $only == unit ]]; then
	echo "== unit tests"
	for test_binary in "$root/$build_dir"/tests/test_*; do
		[[ -x $test_binary && ! -d $test_binary ]] || continue
		log=$(mktemp)
		# from the project root: some tests read the project's own scripts
		(cd "$root" && "$test_binary") >"$log" 2>&1
		status=$?
		ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log")
		bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log")
		ok=${ok:-0} bad=${bad:-0}
		# a crash or a sanitizer report fails the binary even if cmocka counted passes
		if ((status != 0 && bad == 0)); then bad=1; fi
		passed=$((passed + ok)) failed=$((failed + bad))
		if ((status == 0)); then
			echo "ok   $(basename "$test_binary") ($ok tests)"
		else
			echo "FAIL $(basename "$test_binary") (exit $status)"
			tail -n 40 "$log"
		fi
		rm -f "$log"
	done
	# shell checks that need no server either (the documentation's links): one test each
	for check in "$root"/tests/unit/test_*.sh; do
		[[ -f $check ]] || continue
		log=$(mktemp)
		bash "$check" >"$log" 2>&1
		status=$?
		if ((status == 0)); then
			passed=$((passed + 1))
			echo "ok   $(basename "$check") ($(tail -n 1 "$log"))"
		else
			failed=$((failed + 1))
			echo "FAIL $(basename "$check") (exit $status)"
			tail -n 40 "$log"
		fi
		rm -f "$log"
	done
fi

if [[ $only == all || $only == integration ]]; then
	echo "== integration tests"
	log=$(mktemp)
	BIN_DIR="$root/$build_dir/bin" bash "$root/tests/integration/run.sh" 2>&1 | tee "$log"
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [[ -z $summary ]]; then
		echo "FAIL integration runner ended without a summary"
		failed=$((failed + 1))
	else
		passed=$((passed + ${summary%% passed*}))
		rest=${summary#*passed, }
		failed=$((failed + ${rest%% failed*}))
	fi
fi

echo
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
