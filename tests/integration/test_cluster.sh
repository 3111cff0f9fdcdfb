# shellcheck shell=bash
# test_cluster.sh - the test cluster itself: the ground every other test stands on.
# Sourced by tests/integration/run.sh (see tests/lib/testlib.sh).

fresh_database cluster_check

test_server_answers_as_configured() {
	local row
	row=$(sql 'SELECT current_user, current_database()')
	assert_eq "postgres|cluster_check" "$row" "connected as the configured user to the fresh database"
	assert_eq "$POSTGRES_USER|$POSTGRES_DB" "$row" "POSTGRES_* describe the same connection as PG*"
	assert_eq "1" "$(sql "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = 'partitiondb_test'")" \
		"the cluster has the database partitiondb_test"
	assert_eq "" "$(sql 'SHOW listen_addresses')" "the test cluster listens on no TCP address"
	assert_eq "0" "$(sql "SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = 'public'::regnamespace")" \
		"the fresh database is empty"
}

test_password_is_required() {
	assert_exit 0 psql -XAtqw -c 'SELECT 1'
	assert_eq "1" "$OUT" "the right password is accepted"

	assert_exit 2 env PGPASSWORD="wrong-$POSTGRES_PASSWORD" psql -XAtqw -c 'SELECT 1'
	assert_contains "$OUT" 'password authentication failed for user "postgres"'

	assert_exit 2 env -u PGPASSWORD PGPASSFILE=/nonexistent psql -XAtqw -c 'SELECT 1'
	assert_contains "$OUT" "no password supplied"
}

run_test server_answers_as_configured test_server_answers_as_configured
run_test password_is_required test_password_is_required
