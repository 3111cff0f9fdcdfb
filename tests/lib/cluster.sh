# shellcheck shell=bash
# cluster.sh - a throwaway PostgreSQL cluster for the integration tests.
#
#   test_cluster_start    create and start it, export the connection settings
#   test_cluster_restart  stop it and start it again (same dir, port, password)
#   test_cluster_stop     stop it and remove everything; safe to call twice;
#                         install it with: trap test_cluster_stop EXIT
#
# The cluster lives in its own `mktemp -d` directory (owned by the server
# user when running as root), listens on a unix socket in that directory
# only (listen_addresses=''), runs with fsync/synchronous_commit/
# full_page_writes off, requires a password (scram-sha-256) and has user
# "postgres" and database "partitiondb_test". After test_cluster_start:
#
#   POSTGRES_HOST (= the socket directory) POSTGRES_PORT POSTGRES_DB
#   POSTGRES_USER POSTGRES_PASSWORD        for the programs under test
#   PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD   the same, for psql
#   TEST_CLUSTER_DIR TEST_CLUSTER_DATADIR TEST_CLUSTER_LOG
#
# TEST_CLUSTER_KEEP_LOG=FILE: copy the server log there when stopping.

# shellcheck source=tools/pg-cluster-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)/tools/pg-cluster-lib.sh" || return 1

TEST_CLUSTER_DIR=""
TEST_CLUSTER_DATADIR=""
TEST_CLUSTER_SOCKDIR=""
TEST_CLUSTER_LOG=""
TEST_CLUSTER_PORT=""
TEST_CLUSTER_SETTINGS=(fsync=off synchronous_commit=off full_page_writes=off)

_test_cluster_random_port() {
	echo $((20000 + (RANDOM * 32768 + RANDOM) % 40001))
}

_test_cluster_random_password() {
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

_test_cluster_export() {
	export POSTGRES_HOST=$TEST_CLUSTER_SOCKDIR
	export POSTGRES_PORT=$TEST_CLUSTER_PORT
	export POSTGRES_DB=partitiondb_test
	export POSTGRES_USER=postgres
	export PGHOST=$POSTGRES_HOST PGPORT=$POSTGRES_PORT PGDATABASE=$POSTGRES_DB
	export PGUSER=$POSTGRES_USER
	# keep the caller's libpq settings from redirecting the tests elsewhere
	unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSFILE PGOPTIONS PGSSLMODE \
		PGREQUIRESSL PGTARGETSESSIONATTRS PGCONNECT_TIMEOUT
	# nor the caller's bound on lock waits from changing what the tests see
	unset LOCK_TIMEOUT_MS
}

test_cluster_start() {
	local pwfile password port attempt
	local PGC_PROG=test-cluster

	if [[ -n $TEST_CLUSTER_DIR ]]; then
		_pgc_error "test cluster already started in $TEST_CLUSTER_DIR"
		return 1
	fi
	_pgc_need_bindir || return 1
	_pgc_need_user || return 1

	TEST_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgtest.XXXXXX") || return 1
	TEST_CLUSTER_DATADIR=$TEST_CLUSTER_DIR/pgdata
	TEST_CLUSTER_LOG=$TEST_CLUSTER_DIR/server.log
	TEST_CLUSTER_SOCKDIR=$TEST_CLUSTER_DIR
	if ! pgc_socket_dir_fits "$TEST_CLUSTER_SOCKDIR" 65535; then
		# $TMPDIR is too deep for a unix socket path: keep the socket in /tmp
		TEST_CLUSTER_SOCKDIR=$(mktemp -d /tmp/pgtest-sock.XXXXXX) || return 1
		pgc_prepare_dir "$TEST_CLUSTER_SOCKDIR" 0700 || return 1
	fi
	pgc_prepare_dir "$TEST_CLUSTER_DIR" 0700 || return 1

	password=$(_test_cluster_random_password)
	pwfile=$TEST_CLUSTER_DIR/pwfile
	(umask 077 && printf '%s' "$password" >"$pwfile") || return 1
	pgc_prepare_pwfile "$pwfile" || return 1
	if ! pgc_init "$TEST_CLUSTER_DATADIR" postgres "$pwfile" --no-sync; then
		rm -f -- "$pwfile"
		return 1
	fi
	rm -f -- "$pwfile"
	pgc_create_database "$TEST_CLUSTER_DATADIR" partitiondb_test postgres || return 1

	for attempt in 1 2 3 4 5; do
		port=$(_test_cluster_random_port)
		if pgc_start "$TEST_CLUSTER_DATADIR" "$port" "" "$TEST_CLUSTER_SOCKDIR" \
			"$TEST_CLUSTER_LOG" "${TEST_CLUSTER_SETTINGS[@]}" 2>"$TEST_CLUSTER_DIR/start.err"; then
			TEST_CLUSTER_PORT=$port
			break
		fi
		if [[ $attempt -eq 5 ]]; then
			cat -- "$TEST_CLUSTER_DIR/start.err" >&2
			return 1
		fi
	done
	rm -f -- "$TEST_CLUSTER_DIR/start.err"

	export POSTGRES_PASSWORD=$password PGPASSWORD=$password
	_test_cluster_export
}

test_cluster_restart() {
	local PGC_PROG=test-cluster
	if [[ -z $TEST_CLUSTER_DIR || -z $TEST_CLUSTER_PORT ]]; then
		_pgc_error "no test cluster to restart"
		return 1
	fi
	pgc_stop "$TEST_CLUSTER_DATADIR" || return 1
	pgc_start "$TEST_CLUSTER_DATADIR" "$TEST_CLUSTER_PORT" "" "$TEST_CLUSTER_SOCKDIR" \
		"$TEST_CLUSTER_LOG" "${TEST_CLUSTER_SETTINGS[@]}"
}

test_cluster_stop() {
	local PGC_PROG=test-cluster rc=0
	[[ -n $TEST_CLUSTER_DIR ]] || return 0
	if [[ -f $TEST_CLUSTER_DATADIR/PG_VERSION ]]; then
		pgc_stop "$TEST_CLUSTER_DATADIR" || rc=1
	fi
	if [[ -n ${TEST_CLUSTER_KEEP_LOG-} && -f $TEST_CLUSTER_LOG ]]; then
		cp -- "$TEST_CLUSTER_LOG" "$TEST_CLUSTER_KEEP_LOG" 2>/dev/null || true
	fi
	if [[ $rc -eq 0 ]]; then
		rm -rf -- "$TEST_CLUSTER_DIR"
		if [[ $TEST_CLUSTER_SOCKDIR != "$TEST_CLUSTER_DIR" ]]; then
			rm -rf -- "$TEST_CLUSTER_SOCKDIR"
		fi
	else
		_pgc_error "left $TEST_CLUSTER_DIR behind (the server would not stop)"
	fi
	TEST_CLUSTER_DIR="" TEST_CLUSTER_DATADIR="" TEST_CLUSTER_PORT=""
	return $rc
}
