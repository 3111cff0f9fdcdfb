-- =============================================================================
-- scripts/lib/partition_demo.sql -- helper objects shared by all setup scripts
-- =============================================================================
-- Creates (or refreshes) the schema partition_demo with:
--   * partition_demo.applied_scripts     bookkeeping: one row per numbered script
--                                         that committed (written by the runner)
--   * partition_demo.table_columns()     a table's user columns, in attnum order
--   * partition_demo.table_fingerprint() row count + order-independent checksum
--   * partition_demo.assert_same_rows()  fails the migration unless the new table
--                                         holds exactly the rows of the old one
--   * partition_demo.sync_sequence()     moves a sequence past a column's max
-- and, in public, the trigger function that keeps usernames unique across the
-- hash partitions of users_distributed (the trigger itself and its side table
-- are created by 02_hash_partitions.sql).
--
-- Idempotent: only IF NOT EXISTS / CREATE OR REPLACE, so bin/setup-database
-- runs it before every run. By hand (one transaction):
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/lib/partition_demo.sql
-- =============================================================================

-- From the second run on, every IF NOT EXISTS prints "already exists,
-- skipping"; keep this file quiet (SET LOCAL ends with the transaction).
SET LOCAL client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS partition_demo;

COMMENT ON SCHEMA partition_demo IS
    'helpers and bookkeeping of the db-partitioning demo (dropped by scripts/lib/reset.sql)';

-- One row per numbered script, inserted by the runner in the same transaction
-- as the script itself: a row exists exactly when the script's work committed.
CREATE TABLE IF NOT EXISTS partition_demo.applied_scripts (
    script      text        PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms numeric
);

-- -----------------------------------------------------------------------------
-- table_columns(tbl): the non-dropped user columns of tbl, in attnum order.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.table_columns(tbl regclass)
RETURNS text[]
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}'::text[])
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = tbl
      AND a.attnum > 0            -- skip system columns (ctid, xmin, ...)
      AND NOT a.attisdropped
$$;

COMMENT ON FUNCTION partition_demo.table_columns(regclass) IS
    'user columns of a table (not dropped), in attnum order';

-- -----------------------------------------------------------------------------
-- table_fingerprint(tbl, columns): count(*) and a content checksum of tbl over
-- the given columns.
--
-- The checksum is the SUM of a 64-bit hash of each row's text form. A sum does
-- not depend on row order, so it is computed in one streaming pass (no sort, no
-- work_mem spill) even over millions of rows, and a partitioned table (rows in
-- any partition order) gives the same value as the plain table it was copied
-- from. Unlike XOR, a sum also notices duplicated rows. sum(bigint) returns
-- numeric (int128 accumulation internally), so it can neither overflow nor
-- round.
--
-- Column names are quoted with %I and the table is a regclass (printed quoted
-- and schema-qualified as needed by %s): no name is ever pasted unquoted.
-- Both tables must be read in the same session settings (DateStyle etc.),
-- which is always the case inside one migration transaction.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.table_fingerprint(tbl regclass, columns text[])
RETURNS TABLE (row_count bigint, checksum numeric)
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    column_list text;
BEGIN
    IF columns IS NULL OR cardinality(columns) = 0 THEN
        RAISE EXCEPTION 'table_fingerprint(%): no columns given', tbl
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT string_agg(format('t.%I', c.name), ', ' ORDER BY c.ord)
      INTO column_list
      FROM unnest(columns) WITH ORDINALITY AS c(name, ord);

    RETURN QUERY EXECUTE format(
        'SELECT count(*)::bigint,
                coalesce(sum(hashtextextended(ROW(%s)::text, 0)), 0)::numeric
           FROM %s AS t',
        column_list, tbl);
END
$$;

COMMENT ON FUNCTION partition_demo.table_fingerprint(regclass, text[]) IS
    'row count and order-independent checksum (sum of 64-bit row hashes) of a table over the given columns';

-- -----------------------------------------------------------------------------
-- assert_same_rows(source, target): raises unless target holds exactly the rows
-- of source (same count, same checksum) over the SOURCE's columns, matched by
-- name, so a different column order in target does not matter.
-- Returns void: usable as SELECT ... in a script or PERFORM in PL/pgSQL.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.assert_same_rows(source regclass, target regclass)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    cols text[] := partition_demo.table_columns(source);
    s    record;
    t    record;
BEGIN
    SELECT f.row_count, f.checksum INTO STRICT s
      FROM partition_demo.table_fingerprint(source, cols) AS f;
    SELECT f.row_count, f.checksum INTO STRICT t
      FROM partition_demo.table_fingerprint(target, cols) AS f;

    IF s.row_count IS DISTINCT FROM t.row_count
       OR s.checksum IS DISTINCT FROM t.checksum THEN
        RAISE EXCEPTION USING
            ERRCODE = 'data_exception',
            MESSAGE = format('migration check failed: %s does not hold exactly the rows of %s',
                             target, source),
            DETAIL  = format('%s: %s rows, checksum %s; %s: %s rows, checksum %s',
                             source, s.row_count, s.checksum,
                             target, t.row_count, t.checksum),
            HINT    = 'nothing was changed; the transaction is rolled back';
    END IF;

    RAISE NOTICE 'verified: % holds exactly the rows of % (% rows, checksum %)',
        target, source, t.row_count, t.checksum;
END
$$;

COMMENT ON FUNCTION partition_demo.assert_same_rows(regclass, regclass) IS
    'raises data_exception unless target has the same row count and checksum as source (over source''s columns)';

-- -----------------------------------------------------------------------------
-- sync_sequence(seq, tbl, col): after rows were copied with their ids, make
-- nextval(seq) return max(col) + 1 (or 1 if tbl is empty or holds no id >= 1).
-- Returns the value set.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.sync_sequence(seq regclass, tbl regclass, col text)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    max_id bigint;
BEGIN
    EXECUTE format('SELECT max(%I)::bigint FROM %s', col, tbl) INTO max_id;
    -- is_called = true: the next nextval returns max_id + 1;
    -- is_called = false (empty table): the next nextval returns 1 itself.
    RETURN pg_catalog.setval(seq, greatest(max_id, 1), coalesce(max_id >= 1, false));
END
$$;

COMMENT ON FUNCTION partition_demo.sync_sequence(regclass, regclass, text) IS
    'setval(seq) so that the next nextval is max(tbl.col) + 1, or 1 when tbl is empty';

-- -----------------------------------------------------------------------------
-- users_distributed_register_username(): trigger function behind the global
-- username uniqueness of the hash-partitioned users_distributed.
--
-- PostgreSQL cannot build UNIQUE (username) on a table partitioned by HASH (id)
-- (a unique constraint must contain every partition key column), and a unique
-- index per partition is not global. So every username is registered in the
-- side table public.users_distributed_usernames, whose PRIMARY KEY (username)
-- is the global unique index: a duplicate fails there, and two sessions
-- inserting the same new name serialize on that index entry (the second waits
-- for the first to commit or roll back, then fails or proceeds).
--
-- Used as AFTER INSERT OR UPDATE OF username, id OR DELETE ... FOR EACH ROW.
-- Unregistering matches user_id = OLD.id and requires that the live table
-- public.users_distributed no longer holds (OLD.id, OLD.username), so a
-- delete or rename in another table that shares this trigger (a backup or
-- migration copy holding the same users, same ids) can never unregister the
-- name of a live user.
-- Names are schema-qualified: the function does not depend on search_path.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.users_distributed_register_username()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- Unregister the old name: on DELETE, and on an UPDATE that changed the
    -- name or the id (UPDATE OF also fires when SET repeats the same value).
    IF TG_OP = 'DELETE'
       OR (TG_OP = 'UPDATE' AND (NEW.username IS DISTINCT FROM OLD.username
                                 OR NEW.id IS DISTINCT FROM OLD.id)) THEN
        DELETE FROM public.users_distributed_usernames AS n
         WHERE n.username = OLD.username
           AND n.user_id  = OLD.id
           -- A copy of the same user in another table (a backup sharing this
           -- trigger has the same id AND name) must not unregister the live
           -- user: only unregister when the live table no longer holds the
           -- pair. In an AFTER trigger on the live table itself, the deleted
           -- or updated row is already invisible here.
           AND NOT EXISTS (SELECT 1
                             FROM public.users_distributed AS u
                            WHERE u.id = OLD.id
                              AND u.username = OLD.username);
    END IF;

    -- Register the new name. ON CONFLICT DO NOTHING instead of catching
    -- unique_violation in an EXCEPTION block: same result, but no
    -- subtransaction (and subtransaction XID) per row, which matters for
    -- bulk inserts. If another session has inserted the same name and not
    -- committed yet, this waits for it; then either the name is taken
    -- (nothing inserted, error below) or it was rolled back and is ours.
    IF TG_OP = 'INSERT'
       OR (TG_OP = 'UPDATE' AND (NEW.username IS DISTINCT FROM OLD.username
                                 OR NEW.id IS DISTINCT FROM OLD.id)) THEN
        INSERT INTO public.users_distributed_usernames (username, user_id)
        VALUES (NEW.username, NEW.id)
        ON CONFLICT (username) DO NOTHING;

        IF NOT FOUND THEN
            RAISE unique_violation USING
                MESSAGE    = format('duplicate username %L', NEW.username),
                DETAIL     = 'usernames are unique across all partitions of users_distributed (kept in users_distributed_usernames)',
                CONSTRAINT = 'users_distributed_username_key',
                TABLE      = TG_TABLE_NAME,
                SCHEMA     = TG_TABLE_SCHEMA,
                COLUMN     = 'username';
        END IF;
    END IF;

    RETURN NULL;  -- AFTER trigger: the return value is ignored
END
$$;

COMMENT ON FUNCTION public.users_distributed_register_username() IS
    'keeps users_distributed.username globally unique via users_distributed_usernames (see 02_hash_partitions.sql)';

-- -----------------------------------------------------------------------------
-- users_distributed_unregister_truncated(): TRUNCATE fires no row triggers, so
-- after a TRUNCATE of users_distributed every registration whose user is gone
-- is removed here (statement-level AFTER TRUNCATE trigger, created in 02).
-- Checking the live table, rather than emptying the side table, keeps this
-- correct for any table that shares the trigger.  Note: PostgreSQL fires a
-- parent's TRUNCATE trigger only for TRUNCATE of the parent, not of a single
-- partition; truncate a partition and its names stay registered until the
-- next TRUNCATE of the parent.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.users_distributed_unregister_truncated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM public.users_distributed_usernames AS r
     WHERE NOT EXISTS (SELECT 1
                         FROM public.users_distributed AS u
                        WHERE u.id = r.user_id
                          AND u.username = r.username);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION public.users_distributed_unregister_truncated() IS
    'after TRUNCATE users_distributed: unregisters the usernames of users that are gone';
