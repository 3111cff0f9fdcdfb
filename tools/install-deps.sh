#!/usr/bin/env bash
# install-deps.sh - what this project needs from the system, and nothing more:
# checks each requirement and installs only the missing ones. Used by
# `make` (check only), `make demo`, `make test`, `make bench` and .ci/run.
#
#   tools/install-deps.sh [--check] build|demo|test|bench|ci
#
#   build   C compiler, make, pkg-config, libpq (headers), json-c (headers)
#   demo    build + the PostgreSQL server binaries (initdb, pg_ctl, postgres)
#   test    demo + cmocka (C unit tests) and psql (the integration tests' client)
#   bench   test + gnuplot (the chart), bc, python3, pg_partman for PostgreSQL 15
#   ci      test + valgrind (installed when possible, never required)
#
# As root it runs apt-get; otherwise sudo apt-get when sudo works without a
# password prompt. Where neither is possible (or with --check), it names the
# missing packages and the command that installs them, and exits 2.
# Nothing is printed and nothing installed when everything is there.
set -euo pipefail

prog=install-deps
check_only=""
if [[ ${1:-} == --check ]]; then
	check_only=1
	shift
fi
profile=${1:-}
case $profile in
build | demo | test | bench | ci) ;;
*)
	echo "usage: tools/install-deps.sh [--check] build|demo|test|bench|ci" >&2
	exit 2
	;;
esac

pc_has() { command -v pkg-config >/dev/null && pkg-config --exists "$1"; }

have_server_bins() {
	local d
	for d in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
		[[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] && return 0
	done
	return 1
}

have_header() {
	local dir
	for dir in /usr/include /usr/local/include "$(pg_config --includedir 2>/dev/null || true)"; do
		[[ -n $dir && -f $dir/$1 ]] && return 0
	done
	return 1
}

# Debian package names of what is missing, in the order they are checked
missing=()
need() { missing+=("$@"); }

check_build() {
	command -v cc >/dev/null || command -v gcc >/dev/null || need gcc libc6-dev
	command -v make >/dev/null || need make
	command -v pkg-config >/dev/null || need pkg-config
	pc_has libpq || have_header libpq-fe.h || need libpq-dev
	pc_has json-c || have_header json-c/json.h || need libjson-c-dev
}
check_demo() {
	check_build
	have_server_bins || need postgresql
}
check_test() {
	check_demo
	pc_has cmocka || have_header cmocka.h || need libcmocka-dev
	command -v psql >/dev/null || need postgresql-client
}
check_bench() {
	check_test
	command -v gnuplot >/dev/null || need gnuplot-nox
	command -v bc >/dev/null || need bc
	command -v python3 >/dev/null || need python3
	[[ -f /usr/share/postgresql/15/extension/pg_partman.control ]] || need postgresql-15-partman
}

case $profile in
build) check_build ;;
demo) check_demo ;;
test | ci) check_test ;;
bench) check_bench ;;
esac

optional=()
if [[ $profile == ci ]] && ! command -v valgrind >/dev/null; then
	optional+=(valgrind)
fi

[[ ${#missing[@]} -eq 0 && ${#optional[@]} -eq 0 ]] && exit 0

# how packages can be installed here: as root, with sudo, or not at all
installer=()
if command -v apt-get >/dev/null; then
	if [[ $EUID -eq 0 ]]; then
		installer=(env DEBIAN_FRONTEND=noninteractive)
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		installer=(sudo env DEBIAN_FRONTEND=noninteractive)
	fi
fi

if [[ ${#missing[@]} -gt 0 && (-n $check_only || ${#installer[@]} -eq 0) ]]; then
	echo "$prog: error: missing packages for \"$profile\": ${missing[*]}" >&2
	if [[ -n $check_only ]]; then
		echo "$prog: hint: \"make demo\", \"make test\" and \"make bench\" install what each needs, or run: sudo apt-get install ${missing[*]}" >&2
	elif command -v apt-get >/dev/null; then
		echo "$prog: hint: not root, and sudo is missing or asks for a password; install them with: sudo apt-get install ${missing[*]}" >&2
	else
		echo "$prog: hint: no apt-get here; install the equivalents of these Debian packages with your package manager" >&2
	fi
	exit 2
fi
[[ -n $check_only || ${#installer[@]} -eq 0 ]] && exit 0

if [[ " ${missing[*]} " == *" postgresql "* ]]; then
	# only the binaries are needed: the package must not create and start a
	# cluster of its own on port 5432
	"${installer[@]}" mkdir -p /etc/postgresql-common/createcluster.d
	echo 'create_main_cluster = false' |
		"${installer[@]}" tee /etc/postgresql-common/createcluster.d/00-db-partitioning.conf >/dev/null
fi

echo "$prog: installing ${missing[*]} ${optional[*]} (apt-get)" >&2
"${installer[@]}" apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
	"${installer[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ ${#optional[@]} -gt 0 ]]; then
	"${installer[@]}" apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null ||
		echo "$prog: warning: could not install ${optional[*]} (optional)" >&2
fi

# what was installed must now be found, or the build would fail later and darker
missing=()
case $profile in
build) check_build ;;
demo) check_demo ;;
test | ci) check_test ;;
bench) check_bench ;;
esac
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "$prog: error: still missing after apt-get: ${missing[*]}" >&2
	exit 1
fi
