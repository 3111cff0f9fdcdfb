# shellcheck shell=bash
# test_schema.sh - where the project's tables live (POSTGRES_SCHEMA): a
# database owner "app" with a schema "app" (the pattern the PostgreSQL
# documentation recommends, default search_path "$user", public), a schema
# with a hostile name, and the refusals when the schema is missing, not
# writable or not the one the project was set up in.  Deletes and username
# changes are run from plain psql sessions, whatever their search_path.
# Sourced by tests/integration/run.sh.

SC_APP_PASSWORD=app-$$-pw

# sc_app_database DB: role app (LOGIN, password) owning database DB and, in
# it, schema app; the programs and psql connect as app from here on
sc_app_database() {
	local db=$1
	psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
		-c "DO \$\$ BEGIN
			    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
			        CREATE ROLE app LOGIN;
			    END IF;
			END \$\$" \
		-c "ALTER ROLE app PASSWORD '$SC_APP_PASSWORD'" \
		-c "CREATE DATABASE \"$db\" OWNER app" >/dev/null
	export POSTGRES_DB=$db PGDATABASE=$db
	export POSTGRES_USER=app PGUSER=app POSTGRES_PASSWORD=$SC_APP_PASSWORD PGPASSWORD=$SC_APP_PASSWORD
	sql "CREATE SCHEMA app"
	assert_eq 'app|"$user", public' "$(sql "SELECT current_user || '|' || current_setting('search_path')")"
}

# sc_username_changes SCHEMA: from a plain psql session as app (default
# search_path), a DELETE and a username change on users_distributed, then
# the same with an unrelated search_path and qualified names; each checked
# against the username registry
sc_username_changes() {
	local schema=$1 tag=$2 victim renamed
	victim=$(sql "SELECT min(id) FROM users_distributed")
	renamed=$(sql "SELECT min(id) + 1 FROM users_distributed")
	sql "DELETE FROM users_distributed WHERE id = $victim"
	sql "UPDATE users_distributed SET username = 'renamed_$tag' WHERE id = $renamed"
	assert_eq "0|1" "$(sql "SELECT (SELECT count(*) FROM \"$schema\".users_distributed WHERE id = $victim) || '|' ||
		(SELECT count(*) FROM \"$schema\".users_distributed_usernames WHERE username = 'renamed_$tag' AND user_id = $renamed)")"
	# a session whose search_path holds nothing of ours, qualified names
	psql -XAtq -v ON_ERROR_STOP=1 -c "SET search_path = pg_catalog" \
		-c "DELETE FROM \"$schema\".users_distributed WHERE id = $renamed" \
		-c "INSERT INTO \"$schema\".users_distributed (username, email) VALUES ('renamed_$tag', 'x@example.com')" \
		-c "UPDATE \"$schema\".users_distributed SET username = 'again_$tag' WHERE username = 'renamed_$tag'" >/dev/null
	# the registry holds exactly the live names
	assert_eq 0 "$(sql "SELECT count(*) FROM (
		SELECT username, id FROM \"$schema\".users_distributed
		EXCEPT SELECT username, user_id FROM \"$schema\".users_distributed_usernames) a")"
	assert_eq "$(sql "SELECT count(*) FROM \"$schema\".users_distributed")" \
		"$(sql "SELECT count(*) FROM \"$schema\".users_distributed_usernames")"
}

# the schemas holding tables of the current database (not the system ones)
sc_table_schemas() {
	sql "SELECT coalesce(string_agg(DISTINCT n.nspname, ',' ORDER BY n.nspname), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'partition_demo')
		  AND n.nspname NOT LIKE 'pg\\_temp%'"
}

test_schema_named_after_the_owner_default_setting() {
	# the defect as reported: POSTGRES_SCHEMA not set, so the tables go to the
	# default schema public (shown), not to the first schema of app's search_path
	sc_app_database schema_app_default
	unset POSTGRES_SCHEMA
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 300
	sc_username_changes public default_before
	assert_contains "$OUT" 'tables in schema "public"'
	assert_eq public "$(sc_table_schemas)"
	assert_exit 0 "$BIN_DIR/repartition" migrate
	sc_username_changes public default_migrated
	assert_exit 0 "$BIN_DIR/repartition" cleanup
	sc_username_changes public default_cleaned
}

test_schema_named_after_the_owner_chosen() {
	sc_app_database schema_app
	export POSTGRES_SCHEMA=app
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 300
	sc_username_changes app before
	assert_contains "$OUT" 'tables in schema "app"'
	assert_exit 0 "$BIN_DIR/show-config"
	assert_contains "$STDOUT" "POSTGRES_SCHEMA        app                      (environment)"
	assert_eq app "$(sc_table_schemas)"
	assert_exit 0 "$BIN_DIR/repartition" migrate
	assert_eq r "$(sql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'app.users_distributed'::regclass")"
	sc_username_changes app migrated
	assert_exit 0 "$BIN_DIR/repartition" cleanup
	assert_eq h "$(sql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'app.users_distributed'::regclass")"
	sc_username_changes app cleaned
	assert_eq app "$(sc_table_schemas)"
	# a duplicate is still refused, from a session with the default search_path
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO users_distributed (username, email)
		SELECT username, 'dup@example.com' FROM users_distributed LIMIT 1"
	assert_contains "$OUT" "duplicate username"
	# reset as app, owner of the schema but no superuser
	assert_exit 0 "$BIN_DIR/setup-database" --reset --seed-rows 200
	assert_eq 200 "$(sql "SELECT count(*) FROM app.users_distributed_old")"
}

SC_ODD_SCHEMA='My "Odd" Schema'

test_schema_with_a_hostile_name() {
	fresh_database schema_hostile
	local q=${SC_ODD_SCHEMA//\"/\"\"}
	sql "CREATE SCHEMA \"$q\""
	# psql sessions of this database find the tables without qualification
	sql "ALTER DATABASE schema_hostile SET search_path = \"$q\", public"
	export POSTGRES_SCHEMA=$SC_ODD_SCHEMA
	assert_exit 0 "$BIN_DIR/setup-database" --seed-rows 400
	assert_contains "$OUT" "tables in schema \"$q\""
	assert_eq "$SC_ODD_SCHEMA" "$(sc_table_schemas)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" "nothing in public"

	local committed
	assert_exit 0 "$BIN_DIR/load-data" --max --batch 50 --rows 400 --progress 0 --json
	committed=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["committed_rows"])' <<<"$STDOUT")
	((committed >= 400)) || fail "load-data committed $committed rows"
	assert_eq "$((4 * 400 + committed))" "$(sql "SELECT (SELECT count(*) FROM \"$q\".event_logs)
		+ (SELECT count(*) FROM \"$q\".users_distributed) + (SELECT count(*) FROM \"$q\".orders_by_region)
		+ (SELECT count(*) FROM \"$q\".sales_data)")" "every committed row is in the schema's tables"
	assert_exit 0 "$BIN_DIR/demonstrate-queries" --runs 1 --json
	assert_eq 0 "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["mismatched"])' <<<"$STDOUT")"
	assert_exit 0 "$BIN_DIR/repartition" add
	assert_eq 1 "$(sql "SELECT count(*) FROM pg_class WHERE oid = to_regclass('\"$q\".event_logs_2024_04')")"
	assert_exit 0 "$BIN_DIR/repartition" migrate
	sc_username_changes "$q" odd_migrated
	assert_exit 0 "$BIN_DIR/repartition" cleanup
	sc_username_changes "$q" odd_cleaned
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" "still nothing in public"

	# online, from the plain tables, in the same schema
	assert_exit 0 "$BIN_DIR/setup-database" --reset --online --seed-rows 400
	assert_contains "$OUT" "swapped in"
	assert_eq "event_logs:p|orders_by_region:p|sales_data:p|users_distributed:p" \
		"$(sql "SELECT string_agg(c.relname || ':' || c.relkind::text, '|' ORDER BY c.relname) FROM pg_class c
			WHERE c.relnamespace = to_regnamespace('\"$q\"')
			  AND c.relname IN ('event_logs', 'users_distributed', 'orders_by_region', 'sales_data')")"
	sc_username_changes "$q" odd_online
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")"
}

test_schema_missing_not_writable_or_not_the_one_set_up_is_refused() {
	fresh_database schema_refusals
	assert_exit 1 env POSTGRES_SCHEMA=nowhere "$BIN_DIR/setup-database"
	assert_contains "$OUT" 'schema "nowhere" (POSTGRES_SCHEMA) does not exist'
	assert_exit 1 env POSTGRES_SCHEMA=nowhere "$BIN_DIR/load-data" --rows 1
	assert_contains "$OUT" 'schema "nowhere" (POSTGRES_SCHEMA) does not exist'
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'partition_demo'")" "nothing created"
	assert_exit 2 env POSTGRES_SCHEMA= "$BIN_DIR/setup-database"
	assert_contains "$OUT" "invalid POSTGRES_SCHEMA (from environment): must not be empty"
	assert_exit 2 env POSTGRES_SCHEMA=partition_demo "$BIN_DIR/setup-database"
	assert_contains "$OUT" 'invalid POSTGRES_SCHEMA "partition_demo"'

	# a schema app may use but not create in
	sql "DO \$\$ BEGIN
		    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN; END IF;
		END \$\$;
		ALTER ROLE app PASSWORD '$SC_APP_PASSWORD';
		CREATE SCHEMA read_only; GRANT USAGE ON SCHEMA read_only TO app;
		GRANT CREATE ON DATABASE schema_refusals TO app"
	assert_exit 1 env POSTGRES_USER=app POSTGRES_PASSWORD="$SC_APP_PASSWORD" POSTGRES_SCHEMA=read_only \
		"$BIN_DIR/setup-database" --seed-rows 100
	assert_contains "$OUT" 'no permission to create tables in schema "read_only"'
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'read_only'::regnamespace")"

	# set up in one schema, then asked to work in another
	sql "CREATE SCHEMA first; CREATE SCHEMA second"
	assert_exit 0 env POSTGRES_SCHEMA=first "$BIN_DIR/setup-database" --seed-rows 100
	assert_exit 1 env POSTGRES_SCHEMA=second "$BIN_DIR/setup-database"
	assert_contains "$OUT" 'set up in schema "first"'
	assert_exit 1 env POSTGRES_SCHEMA=second "$BIN_DIR/repartition" add
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'second'::regnamespace")"
	# --reset moves it
	assert_exit 0 env POSTGRES_SCHEMA=second "$BIN_DIR/setup-database" --reset --seed-rows 100
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'first'::regnamespace")"
	assert_eq 100 "$(sql "SELECT count(*) FROM second.event_logs")"
}

run_test schema_named_after_the_owner_default_setting test_schema_named_after_the_owner_default_setting
run_test schema_named_after_the_owner_chosen test_schema_named_after_the_owner_chosen
run_test schema_with_a_hostile_name test_schema_with_a_hostile_name
run_test schema_missing_not_writable_or_not_the_one_set_up_is_refused test_schema_missing_not_writable_or_not_the_one_set_up_is_refused
