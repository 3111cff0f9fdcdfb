-- =============================================================================
-- scripts/lib/partition_demo.sql -- helper objects shared by all setup scripts
-- =============================================================================
-- Creates (or refreshes) the schema partition_demo with:
--   * partition_demo.installation        the one schema where the project's
--                                         tables live (POSTGRES_SCHEMA)
--   * partition_demo.created_objects     bookkeeping: every relation and
--                                         function this project created, by
--                                         OID (track_begin(), register_created())
--   * partition_demo.assert_ours()       refuses to drop or write into a table
--                                         the project did not create;
--                                         assert_names_free() to create one
--                                         whose name is taken
--   * partition_demo.applied_scripts     bookkeeping: one row per numbered script
--                                         that committed (written by the runner)
--   * partition_demo.table_columns()     a table's user columns, in attnum order
--   * partition_demo.table_fingerprint() row count + order-independent checksum
--   * partition_demo.assert_same_rows()  fails the migration unless the new table
--                                         holds exactly the rows of the old one
--   * partition_demo.sync_sequence()     moves a sequence past a column's max
--   * partition_demo.assert_migratable() the guard of the migrations 01..04;
--                                         bound_lock_waits() before their locks
--   * the trigger functions that keep usernames unique across the hash
--     partitions of users_distributed (the triggers and the side table are
--     created by 02_hash_partitions.sql)
--
-- The project's tables live in one schema: the current schema of the session
-- that runs the scripts (bin/setup-database and the other programs set
-- search_path to POSTGRES_SCHEMA, default public). The first run records it
-- in partition_demo.installation; a later run from another schema is refused.
--
-- Idempotent: only IF NOT EXISTS / CREATE OR REPLACE, so bin/setup-database
-- runs it before every run. By hand (one transaction):
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/lib/partition_demo.sql
-- =============================================================================

-- From the second run on, every IF NOT EXISTS prints "already exists,
-- skipping"; keep this file quiet (SET LOCAL ends with the transaction).
SET LOCAL client_min_messages = warning;

-- -----------------------------------------------------------------------------
-- The schema of the tables: it must exist, take new tables, and be the one
-- the project was set up in. And partition_demo must be the project's own.
-- -----------------------------------------------------------------------------
-- (Schemas are shown as SQL identifiers in double quotes.)
DO $$
DECLARE
    target     name := pg_catalog.current_schema();
    recorded   name;
    unrecorded boolean;
BEGIN
    IF target IS NULL THEN
        RAISE EXCEPTION 'no schema to create the tables in: search_path "%" names no schema that exists and that you may use',
                        pg_catalog.current_setting('search_path')
            USING ERRCODE = 'invalid_schema_name',
                  HINT = 'create the schema, or set POSTGRES_SCHEMA (bin/setup-database) or search_path (psql) to one';
    END IF;
    IF target = 'partition_demo' THEN
        RAISE EXCEPTION 'the tables cannot live in schema partition_demo, the project''s helper schema'
            USING ERRCODE = 'invalid_schema_name',
                  HINT = 'set POSTGRES_SCHEMA to another schema (default public)';
    END IF;
    IF NOT pg_catalog.has_schema_privilege(
               (SELECT n.oid FROM pg_catalog.pg_namespace AS n WHERE n.nspname = target), 'CREATE') THEN
        RAISE EXCEPTION 'no permission to create tables in schema %', '"' || replace(target, '"', '""') || '"'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('GRANT CREATE ON SCHEMA %I TO %I, or set POSTGRES_SCHEMA to a schema of your own (CREATE SCHEMA %I AUTHORIZATION %I)',
                                target, current_user, current_user, current_user);
    END IF;
    IF pg_catalog.to_regnamespace('partition_demo') IS NOT NULL THEN
        IF pg_catalog.to_regclass('partition_demo.applied_scripts') IS NULL THEN
            RAISE EXCEPTION 'schema partition_demo exists, but was not created by this project'
                USING ERRCODE = 'duplicate_schema',
                      HINT = 'the project keeps its helpers there and drops it on --reset: rename that schema first';
        END IF;
        -- A record made in the same transaction as the schema lists
        -- applied_scripts; without it, the tables of this database are not
        -- known (an earlier version recognised them by name only), and
        -- starting a record now would leave them out of it for good.
        IF pg_catalog.to_regclass('partition_demo.created_objects') IS NULL THEN
            unrecorded := true;
        ELSE
            unrecorded := NOT EXISTS (SELECT FROM partition_demo.created_objects AS r
                                       WHERE r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                         AND r.objid = 'partition_demo.applied_scripts'::pg_catalog.regclass);
        END IF;
        IF unrecorded THEN
            RAISE EXCEPTION 'partition_demo holds no complete record of the objects this project created'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'it was set up by an earlier version, which recognised its tables by name only '
                               '(or scripts/lib/partition_demo.sql was run without psql -1)',
                      HINT = 'nothing was changed; bin/setup-database --reset lists the statements '
                             'that drop that version''s objects';
        END IF;
        IF pg_catalog.to_regclass('partition_demo.installation') IS NOT NULL THEN
            EXECUTE 'SELECT i.schema_name FROM partition_demo.installation AS i' INTO recorded;
            IF recorded IS DISTINCT FROM target THEN
                RAISE EXCEPTION 'this database''s project is set up in schema %, not in %',
                                '"' || replace(recorded, '"', '""') || '"', '"' || replace(target, '"', '""') || '"'
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          HINT = format('set POSTGRES_SCHEMA=%s, or run bin/setup-database --reset to start over in %s',
                                        recorded, target);
            END IF;
        END IF;
    END IF;
END
$$;

-- What exists before this transaction: whatever is new at its end and was
-- written by it is this project's (see register_created() below). Plain SQL,
-- as partition_demo.track_begin() may not exist yet.
CREATE TEMPORARY TABLE IF NOT EXISTS project_objects_before ON COMMIT DROP AS
SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid FROM pg_catalog.pg_class AS c
UNION ALL
SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc AS p;

CREATE SCHEMA IF NOT EXISTS partition_demo;

COMMENT ON SCHEMA partition_demo IS
    'helpers and bookkeeping of the db-partitioning demo (dropped by scripts/lib/reset.sql; keep your own objects elsewhere)';

-- One row: the schema of the project's tables, fixed at the first run.
CREATE TABLE IF NOT EXISTS partition_demo.installation (
    only_row     boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    schema_name  name        NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO partition_demo.installation (schema_name) VALUES (pg_catalog.current_schema())
ON CONFLICT (only_row) DO NOTHING;

-- Every relation (table, partition, sequence, view) and function that this
-- project created, by OID: a name proves nothing (a user's table may be
-- called event_logs_2023_12), an OID survives renames. Written in the
-- transaction that created the object (register_created()); reset.sql drops
-- exactly these. The name at creation is kept for messages only.
CREATE TABLE IF NOT EXISTS partition_demo.created_objects (
    classid     regclass    NOT NULL CHECK (classid IN ('pg_catalog.pg_class'::regclass,
                                                        'pg_catalog.pg_proc'::regclass)),
    objid       oid         NOT NULL,
    created_by  text        NOT NULL,
    identity    text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (classid, objid)
);

-- -----------------------------------------------------------------------------
-- track_begin(): the first statement of every script that creates objects:
-- remembers which relations and functions exist (temporary table, dropped at
-- commit). Calling it again in the same transaction changes nothing.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.track_begin()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_temp.project_objects_before') IS NULL THEN
        CREATE TEMPORARY TABLE project_objects_before ON COMMIT DROP AS
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid FROM pg_catalog.pg_class AS c
        UNION ALL
        SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc AS p;
    END IF;
END
$$;

COMMENT ON FUNCTION partition_demo.track_begin() IS
    'remembers the relations and functions that exist, for register_created() at the end of the transaction';

-- -----------------------------------------------------------------------------
-- written_by_this_transaction(x): whether x, the xmin of a catalog row, is
-- this transaction or one of its subtransactions. A row this session can see
-- whose writer is still in progress can only be its own (another session's
-- uncommitted rows are invisible). age() places x relative to this
-- transaction's id: <= 0 is this transaction or a younger one, whose full
-- 64-bit id pg_xact_status() then checks.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.written_by_this_transaction(x xid)
RETURNS boolean
LANGUAGE sql
VOLATILE
AS $$
    SELECT pg_catalog.age(x) <= 0
       AND pg_catalog.pg_xact_status(
               (pg_catalog.pg_current_xact_id()::text::bigint - pg_catalog.age(x))::text::xid8) = 'in progress'
$$;

COMMENT ON FUNCTION partition_demo.written_by_this_transaction(xid) IS
    'true when the catalog row with this xmin was written by the current transaction (or a subtransaction of it)';

-- -----------------------------------------------------------------------------
-- register_created(created_by): the last statement of every script that
-- creates objects: records in created_objects each relation (kinds r, p, S,
-- v, m, f; not temporary) and function that did not exist at track_begin()
-- and was created by this transaction (not by a session committing
-- meanwhile). Indexes, constraints, triggers and row types go with their
-- table and are not recorded. Forgets objects that no longer exist. Returns
-- how many it recorded. Raises if track_begin() was not called in this
-- transaction (a script run statement by statement, without psql -1).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.register_created(created_by text)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    recorded integer;
BEGIN
    IF pg_catalog.to_regclass('pg_temp.project_objects_before') IS NULL THEN
        RAISE EXCEPTION 'register_created(%): partition_demo.track_begin() was not called in this transaction', created_by
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'run the script in one transaction: psql -v ON_ERROR_STOP=1 -1 -f ...';
    END IF;

    INSERT INTO partition_demo.created_objects AS r (classid, objid, created_by, identity)
    SELECT o.classid, o.objid, register_created.created_by,
           pg_catalog.pg_describe_object(o.classid, o.objid, 0)
      FROM (SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid, c.xmin AS writer
              FROM pg_catalog.pg_class AS c
             WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f') AND c.relpersistence <> 't'
            UNION ALL
            SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, p.xmin
              FROM pg_catalog.pg_proc AS p) AS o
     WHERE NOT EXISTS (SELECT FROM pg_temp.project_objects_before AS b
                        WHERE b.classid = o.classid AND b.objid = o.objid)
       AND partition_demo.written_by_this_transaction(o.writer)
    ON CONFLICT (classid, objid) DO NOTHING;
    GET DIAGNOSTICS recorded = ROW_COUNT;

    DELETE FROM partition_demo.created_objects AS r
     WHERE (r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND NOT EXISTS (SELECT FROM pg_catalog.pg_class AS c WHERE c.oid = r.objid))
        OR (r.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
            AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc AS p WHERE p.oid = r.objid));
    RETURN recorded;
END
$$;

COMMENT ON FUNCTION partition_demo.register_created(text) IS
    'records the relations and functions this transaction created since track_begin() in created_objects';

-- -----------------------------------------------------------------------------
-- created_by_project(rel): whether the project created rel: its OID is
-- recorded, or this transaction created it since its track_begin() (its
-- register_created() will record it). A name proves nothing.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.created_by_project(rel regclass)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    new_here boolean;
BEGIN
    IF EXISTS (SELECT FROM partition_demo.created_objects AS r
                WHERE r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND r.objid = rel) THEN
        RETURN true;
    END IF;
    IF pg_catalog.to_regclass('pg_temp.project_objects_before') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT NOT EXISTS (SELECT FROM pg_temp.project_objects_before AS b
                                 WHERE b.classid = ''pg_catalog.pg_class''::pg_catalog.regclass
                                   AND b.objid = c.oid)
                    AND partition_demo.written_by_this_transaction(c.xmin)
               FROM pg_catalog.pg_class AS c
              WHERE c.oid = $1'
        INTO new_here USING rel;
    RETURN coalesce(new_here, false);
END
$$;

COMMENT ON FUNCTION partition_demo.created_by_project(regclass) IS
    'true when the relation was created by this project (recorded in created_objects, or new in this transaction)';

-- -----------------------------------------------------------------------------
-- assert_ours(rel, action): the guard in front of every DROP, DELETE,
-- INSERT, ATTACH or DETACH of a relation that a script finds by name. Raises
-- object_not_in_prerequisite_state (55000), naming each one, unless the
-- project created rel and every partition below it (a DROP takes them
-- along, a write through rel may land in any of them). Returns rel; NULL
-- (nothing of that name) passes. action completes "refusing to ... rel".
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.assert_ours(rel regclass, action text)
RETURNS regclass
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    foreign_count integer;
    foreign_names text;
    set_aside     text;
BEGIN
    IF rel IS NULL THEN
        RETURN NULL;
    END IF;

    SELECT count(*),
           string_agg(CASE WHEN c.relispartition AND t.relid <> rel
                           THEN format('%s (a partition of %s)', t.relid, t.parentrelid)
                           ELSE t.relid::text END, ', ' ORDER BY t.level, t.relid::text),
           string_agg(CASE WHEN c.relispartition
                           THEN format('ALTER TABLE %s DETACH PARTITION %s', t.parentrelid, t.relid)
                           ELSE format('ALTER %s %s RENAME TO <another name>',
                                       CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                                      WHEN 'm' THEN 'MATERIALIZED VIEW'
                                                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                                       t.relid) END, '; ' ORDER BY t.level, t.relid::text)
      INTO foreign_count, foreign_names, set_aside
      FROM (SELECT p.relid, p.parentrelid, p.level FROM pg_catalog.pg_partition_tree(rel) AS p
            UNION ALL
            SELECT rel, NULL, 0 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_partition_tree(rel))) AS t
      JOIN pg_catalog.pg_class AS c ON c.oid = t.relid
     WHERE NOT partition_demo.created_by_project(t.relid);

    IF foreign_count > 0 THEN
        RAISE EXCEPTION 'refusing to % %: % not created by this project', action, rel,
                        CASE WHEN foreign_names = rel::text THEN 'it was'
                             WHEN foreign_count = 1 THEN foreign_names || ' was'
                             ELSE foreign_names || ' were' END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'the project records each table it creates in partition_demo.created_objects, by OID, '
                           'and never drops, empties, attaches, detaches or writes into any other',
                  HINT = 'nothing was changed; set it aside, then run again: ' || set_aside;
    END IF;
    RETURN rel;
END
$$;

COMMENT ON FUNCTION partition_demo.assert_ours(regclass, text) IS
    'raises unless the project created the relation and every partition below it; NULL passes';

-- -----------------------------------------------------------------------------
-- assert_names_free(names, action, leftover_hint): before a script creates
-- tables or sequences of these names: raises duplicate_table (42P07) if one
-- exists, saying whether it is the project's (a leftover: leftover_hint) or
-- not (then it is to be set aside, never dropped). PostgreSQL would refuse
-- a CREATE of a taken name too, but a serial column's sequence silently
-- gets another name, and the later statements that use the name would then
-- touch the other object.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.assert_names_free(
    names text[], action text,
    leftover_hint text DEFAULT 'nothing was changed; it is the project''s own: drop it, or run bin/setup-database --reset to start over')
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    foreign_rels text[];
    ours_rels    text[];
    kind         text;
BEGIN
    SELECT array_agg(t.rel::text ORDER BY t.ord) FILTER (WHERE NOT partition_demo.created_by_project(t.rel)),
           array_agg(t.rel::text ORDER BY t.ord) FILTER (WHERE partition_demo.created_by_project(t.rel))
      INTO foreign_rels, ours_rels
      FROM (SELECT pg_catalog.to_regclass(quote_ident(n.name)) AS rel, n.ord
              FROM unnest(names) WITH ORDINALITY AS n(name, ord)) AS t
     WHERE t.rel IS NOT NULL;

    IF foreign_rels IS NOT NULL THEN
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END INTO kind
          FROM pg_catalog.pg_class AS c WHERE c.oid = foreign_rels[1]::regclass;
        RAISE EXCEPTION 'cannot %: % already, not created by this project', action,
                        array_to_string(foreign_rels, ', ')
                        || CASE WHEN cardinality(foreign_rels) = 1 THEN ' exists' ELSE ' exist' END
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'the project creates these names itself, and never drops, empties or writes into '
                           'what it did not create',
                  HINT = format('nothing was changed; rename it (ALTER %s %s RENAME TO <another name>) '
                                'or move it to another schema, then run again', kind, foreign_rels[1]);
    END IF;
    IF ours_rels IS NOT NULL THEN
        RAISE EXCEPTION 'cannot %: % already', action,
                        array_to_string(ours_rels, ', ')
                        || CASE WHEN cardinality(ours_rels) = 1 THEN ' exists' ELSE ' exist' END
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'a leftover of this project''s (recorded in partition_demo.created_objects)',
                  HINT = leftover_hint;
    END IF;
END
$$;

COMMENT ON FUNCTION partition_demo.assert_names_free(text[], text, text) IS
    'raises duplicate_table if a relation of one of these names exists, saying whether it is the project''s';

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
-- table_fingerprint(tbl, columns [, ids, inside]): count(*) and a content
-- checksum of tbl over the given columns; with ids, only of the rows whose id
-- is (inside, the default) or is not (inside = false) among them: the online
-- migration compares rows with and without waiting changes apart. Inside:
-- few ids, looked up by index; outside: one pass with a hash anti-join.
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
-- The two-argument form of earlier versions would make calls ambiguous.
DROP FUNCTION IF EXISTS partition_demo.table_fingerprint(regclass, text[]);

CREATE OR REPLACE FUNCTION partition_demo.table_fingerprint(tbl regclass, columns text[],
                                                            ids bigint[] DEFAULT NULL,
                                                            inside boolean DEFAULT true)
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
           FROM %s AS t %s',
        column_list, tbl,
        CASE WHEN ids IS NULL THEN ''
             WHEN inside THEN 'WHERE t.id = ANY ($1)'
             ELSE 'WHERE NOT EXISTS (SELECT FROM unnest($1) AS x(id) WHERE x.id = t.id)' END)
        USING ids;
END
$$;

COMMENT ON FUNCTION partition_demo.table_fingerprint(regclass, text[], bigint[], boolean) IS
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
-- sync_sequence(seq, tbl, col [, after]): after rows were copied with their
-- ids, make nextval(seq) return max(col) + 1, or more: every value the
-- sequence "after" has handed out is skipped too, since a writer may hold
-- such an id and insert it later. With after = seq the sequence only ever
-- moves forward. Returns the last value set (nextval starts at 1 when there
-- is nothing yet).
-- -----------------------------------------------------------------------------
-- The three-argument form of earlier versions would make calls ambiguous.
DROP FUNCTION IF EXISTS partition_demo.sync_sequence(regclass, regclass, text);

CREATE OR REPLACE FUNCTION partition_demo.sync_sequence(seq regclass, tbl regclass, col text,
                                                        after regclass DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    max_id  bigint;
    handed  bigint;
BEGIN
    EXECUTE format('SELECT max(%I)::bigint FROM %s', col, tbl) INTO max_id;
    IF after IS NOT NULL THEN
        -- last_value counts as handed out only once nextval has returned it
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value END FROM %s', after)
            INTO handed;
        max_id := greatest(max_id, handed);
    END IF;
    -- is_called = true: the next nextval returns max_id + 1;
    -- is_called = false (nothing yet): the next nextval returns 1 itself.
    RETURN pg_catalog.setval(seq, greatest(max_id, 1), coalesce(max_id >= 1, false));
END
$$;

COMMENT ON FUNCTION partition_demo.sync_sequence(regclass, regclass, text, regclass) IS
    'setval(seq) so that the next nextval is past max(tbl.col) and past every value sequence "after" handed out, or 1 when there is none';

-- -----------------------------------------------------------------------------
-- online_in_progress(table_name): whether bin/setup-database --online has
-- started and not finished migrating the table (scripts/online/). The guards
-- of 01..04 ask, to point at --online/--abort instead of --reset.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_in_progress(table_name text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    found boolean := false;
BEGIN
    IF to_regclass('partition_demo.online_migrations') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM partition_demo.online_migrations AS o
                                 WHERE o.table_name = $1)'
            INTO found USING table_name;
    END IF;
    RETURN found;
END
$$;

COMMENT ON FUNCTION partition_demo.online_in_progress(text) IS
    'true while an online migration of the table (bin/setup-database --online) is started and not swapped';

-- -----------------------------------------------------------------------------
-- assert_migratable(tbl, new_names): the guard at the top of 01..04 (their
-- step 0, also run by --online): raises unless tbl is a plain table of the
-- project's, with no online migration of it in progress, whose serial
-- sequence <tbl>_id_seq (if any) is the project's too, and unless none of
-- new_names, every table and sequence the file creates, is taken. The
-- table is renamed and copied and its sequence handed to the partitioned
-- table and moved forward: only the project's own. A serial column whose
-- sequence name is taken silently gets another one, and the DROP SEQUENCE
-- of the file's sequences step would then drop the other.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.assert_migratable(tbl text, new_names text[])
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    kind "char";
BEGIN
    SELECT c.relkind INTO kind
      FROM pg_catalog.pg_class AS c
     WHERE c.oid = to_regclass(tbl);

    IF kind IS NULL THEN
        RAISE EXCEPTION '% does not exist; nothing to partition', tbl
            USING ERRCODE = 'undefined_table',
                  HINT = 'run 00_setup_base_tables.sql and 00_initial_seed_data.sql first';
    ELSIF kind = 'p' THEN
        RAISE EXCEPTION '% is already partitioned; nothing to do', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'to start over, run bin/setup-database --reset';
    ELSIF kind <> 'r' THEN
        RAISE EXCEPTION '% is not a plain table (relkind %)', tbl, kind
            USING ERRCODE = 'wrong_object_type';
    END IF;

    IF partition_demo.online_in_progress(tbl) THEN
        RAISE EXCEPTION 'an online migration of % is in progress', tbl
            USING ERRCODE = 'object_in_use',
                  HINT = 'resume it with bin/setup-database --online, or remove it with bin/setup-database --abort';
    END IF;

    PERFORM partition_demo.assert_ours(to_regclass(tbl), 'partition');
    PERFORM partition_demo.assert_ours(to_regclass(tbl || '_id_seq'), 'make the partitioned table the owner of');
    PERFORM partition_demo.assert_names_free(
        new_names,
        'partition ' || tbl,
        'nothing was changed; it is the project''s own, a leftover of an earlier migration: '
        'to start over, run bin/setup-database --reset');
END
$$;

COMMENT ON FUNCTION partition_demo.assert_migratable(text, text[]) IS
    'the guard of 01..04: raises unless tbl is the project''s plain table, not being migrated online, and new_names are free';

-- -----------------------------------------------------------------------------
-- bound_lock_waits(): before the first lock a migration file takes: a
-- session without a lock_timeout of its own (a file run by hand with psql)
-- gets 2 s for the rest of the transaction, so that a wait behind a long
-- transaction ends with SQLSTATE 55P03 instead of lasting as long as it
-- does. bin/setup-database sets its own (--lock-timeout) and retries.
-- (reset.sql has the same statement written out: it runs where these
-- helpers may not exist yet, or be an earlier version's.)
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.bound_lock_waits()
RETURNS void
LANGUAGE sql
VOLATILE
AS $$
    SELECT pg_catalog.set_config('lock_timeout', '2s', true)
     WHERE pg_catalog.current_setting('lock_timeout') = '0';
$$;

COMMENT ON FUNCTION partition_demo.bound_lock_waits() IS
    'lock_timeout 2 s for the current transaction, unless the session has one';

-- -----------------------------------------------------------------------------
-- users_distributed_register_username(): trigger function behind the global
-- username uniqueness of the hash-partitioned users_distributed.
--
-- PostgreSQL cannot build UNIQUE (username) on a table partitioned by HASH (id)
-- (a unique constraint must contain every partition key column), and a unique
-- index per partition is not global. So every username is registered in the
-- side table users_distributed_usernames, whose PRIMARY KEY (username)
-- is the global unique index: a duplicate fails there, and two sessions
-- inserting the same new name serialize on that index entry (the second waits
-- for the first to commit or roll back, then fails or proceeds).
--
-- Used as AFTER INSERT OR UPDATE OF username, id OR DELETE ... FOR EACH ROW.
-- Unregistering matches user_id = OLD.id and requires that the live table
-- users_distributed no longer holds (OLD.id, OLD.username), so a
-- delete or rename in another table that shares this trigger (a backup or
-- migration copy holding the same users, same ids) can never unregister the
-- name of a live user.
-- The tables are found in the project's schema whatever the caller's
-- search_path: both trigger functions get search_path = that schema (and
-- pg_temp last, so that no temporary table can stand in), set below.
-- -----------------------------------------------------------------------------
-- Earlier versions kept them in public, where a schema of the user's own
-- name ("$user", first in the default search_path) made them miss the tables.
CREATE OR REPLACE FUNCTION partition_demo.users_distributed_register_username()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- Unregister the old name: on DELETE, and on an UPDATE that changed the
    -- name or the id (UPDATE OF also fires when SET repeats the same value).
    IF TG_OP = 'DELETE'
       OR (TG_OP = 'UPDATE' AND (NEW.username IS DISTINCT FROM OLD.username
                                 OR NEW.id IS DISTINCT FROM OLD.id)) THEN
        DELETE FROM users_distributed_usernames AS n
         WHERE n.username = OLD.username
           AND n.user_id  = OLD.id
           -- A copy of the same user in another table (a backup sharing this
           -- trigger has the same id AND name) must not unregister the live
           -- user: only unregister when the live table no longer holds the
           -- pair. In an AFTER trigger on the live table itself, the deleted
           -- or updated row is already invisible here. Not while an online
           -- migration replays rows into the partitioned table (the setting
           -- is set by partition_demo.online_replay_ids() for its statements
           -- only): the live table is then the plain one, which holds every
           -- unchanged pair, and the side table belongs to the partitioned one.
           AND (current_setting('partition_demo.online_replay', true) = 'on'
                OR NOT EXISTS (SELECT 1
                                 FROM users_distributed AS u
                                WHERE u.id = OLD.id
                                  AND u.username = OLD.username));
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
        INSERT INTO users_distributed_usernames (username, user_id)
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

COMMENT ON FUNCTION partition_demo.users_distributed_register_username() IS
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
CREATE OR REPLACE FUNCTION partition_demo.users_distributed_unregister_truncated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM users_distributed_usernames AS r
     WHERE NOT EXISTS (SELECT 1
                         FROM users_distributed AS u
                        WHERE u.id = r.user_id
                          AND u.username = r.username);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION partition_demo.users_distributed_unregister_truncated() IS
    'after TRUNCATE users_distributed: unregisters the usernames of users that are gone';

-- Both find users_distributed and its side table in the project's schema.
-- (CREATE OR REPLACE above has just removed any SET of an earlier run.)
DO $$
DECLARE
    path text := format('%I, pg_temp', (SELECT i.schema_name FROM partition_demo.installation AS i));
BEGIN
    EXECUTE format('ALTER FUNCTION partition_demo.users_distributed_register_username() SET search_path = %s', path);
    EXECUTE format('ALTER FUNCTION partition_demo.users_distributed_unregister_truncated() SET search_path = %s', path);
END
$$;

-- =============================================================================
-- Helpers of the re-partitioning scenarios (scripts/repartition/10..14):
--   assert_same_fingerprint()  raises unless two (rows, checksum) pairs match
--   range_key_column(), range_bounds(), range_partitions()   a range-
--                              partitioned table's key and its partitions'
--                              bounds, from the catalog (range_bounds() for
--                              load-data too)
--   create_range_table(), attach_range_table()   build a partition-to-be as
--                              a standalone table, then attach it
--   measure(), measure_sum()   rows and checksum, remembered per transaction
--   snapshot(), assert_conserved()   the before/after check of a scenario
-- =============================================================================

-- -----------------------------------------------------------------------------
-- assert_same_fingerprint(what, expected..., actual...): raises data_exception
-- (SQLSTATE 22000) unless both fingerprints are equal, else says so.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.assert_same_fingerprint(
    what text,
    expected_rows bigint, expected_checksum numeric,
    actual_rows bigint, actual_checksum numeric)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF expected_rows IS DISTINCT FROM actual_rows
       OR expected_checksum IS DISTINCT FROM actual_checksum THEN
        RAISE EXCEPTION USING
            ERRCODE = 'data_exception',
            MESSAGE = format('verification failed: %s', what),
            DETAIL  = format('expected %s rows, checksum %s; found %s rows, checksum %s',
                             expected_rows, expected_checksum, actual_rows, actual_checksum),
            HINT    = 'nothing was changed; the transaction is rolled back';
    END IF;
    RAISE NOTICE 'verified: % (% rows, checksum %)', what, actual_rows, actual_checksum;
END
$$;

COMMENT ON FUNCTION partition_demo.assert_same_fingerprint(text, bigint, numeric, bigint, numeric) IS
    'raises data_exception unless the expected and actual row counts and checksums are equal';

-- -----------------------------------------------------------------------------
-- range_key_column(parent): the partition key column of a table partitioned
-- by RANGE on one plain column (event_logs: created_at), from the catalog.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.range_key_column(parent regclass)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    key_column text;
BEGIN
    SELECT a.attname INTO key_column
      FROM pg_catalog.pg_partitioned_table AS p
      JOIN pg_catalog.pg_attribute AS a
        ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
     WHERE p.partrelid = parent
       AND p.partstrat = 'r'
       AND p.partnatts = 1;
    IF key_column IS NULL THEN
        RAISE EXCEPTION '% is not partitioned by RANGE on a single column', parent
            USING ERRCODE = 'wrong_object_type';
    END IF;
    RETURN key_column;
END
$$;

COMMENT ON FUNCTION partition_demo.range_key_column(regclass) IS
    'the single partition key column of a RANGE-partitioned table (raises otherwise)';

-- -----------------------------------------------------------------------------
-- range_bounds(parent): the direct partitions of parent with their bounds as
-- the catalog has them (pg_inherits, pg_class.relpartbound) and, for a bound
-- FROM ('...') TO ('...') on one column, its two values as timestamps; NULL
-- for DEFAULT and any other bound (MINVALUE/MAXVALUE, several columns). The
-- one reader of range bounds: range_partitions() below, and load-data, whose
-- generated dates follow the partitions that exist (src/tables/partition_bounds).
-- The bounds are parsed from pg_get_expr(), whose text depends on DateStyle:
-- the function pins ISO so that the text round-trips whatever the session's.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.range_bounds(parent regclass)
RETURNS TABLE (partition regclass, bound text, range_from timestamp, range_to timestamp)
LANGUAGE sql
STABLE
SET datestyle = 'ISO, YMD'
AS $$
    -- FOR VALUES FROM ('2024-01-01 00:00:00') TO ('2024-02-01 00:00:00')
    SELECT c.oid::regclass, b.bound, m.bounds[1]::timestamp, m.bounds[2]::timestamp
      FROM pg_catalog.pg_inherits AS i
      JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
     CROSS JOIN LATERAL pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS b(bound)
      LEFT JOIN LATERAL pg_catalog.regexp_match(
                    b.bound, '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$') AS m(bounds) ON true
     WHERE i.inhparent = parent
$$;

COMMENT ON FUNCTION partition_demo.range_bounds(regclass) IS
    'direct partitions of a table with their bounds, FROM (x) TO (y) read as timestamps (NULL otherwise)';

-- -----------------------------------------------------------------------------
-- range_partitions(parent): the direct partitions of a table RANGE-partitioned
-- on a timestamp, with their bounds (range_bounds()); the DEFAULT partition
-- has NULL bounds, any other bound than FROM (timestamp) TO (timestamp) is
-- an error.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.range_partitions(parent regclass)
RETURNS TABLE (partition regclass, range_from timestamp, range_to timestamp, is_default boolean)
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM partition_demo.range_bounds(parent) AS b LOOP
        partition := r.partition;
        range_from := r.range_from;
        range_to := r.range_to;
        is_default := r.bound = 'DEFAULT';
        IF range_from IS NULL AND NOT is_default THEN
            RAISE EXCEPTION 'unexpected partition bound of %: %', r.partition, r.bound
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'only bounds FROM (timestamp) TO (timestamp) are supported (no MINVALUE/MAXVALUE)';
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION partition_demo.range_partitions(regclass) IS
    'direct partitions of a timestamp RANGE-partitioned table with their bounds (NULL for DEFAULT)';

-- -----------------------------------------------------------------------------
-- create_range_table(parent, name, range_from, range_to): a standalone table
-- shaped like a future partition of parent: same columns, defaults, NOT NULLs
-- and indexes (LIKE ... INCLUDING ALL copies the parent's index definitions,
-- so ATTACH adopts them instead of building new ones), plus a CHECK constraint
-- <name>_bound that equals the partition bound. Fill it while it is not yet a
-- partition (no lock on the parent needed for that), then attach it with
-- attach_range_table(): thanks to the CHECK, ATTACH does not scan it.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.create_range_table(
    parent regclass, name text, range_from timestamp, range_to timestamp)
RETURNS regclass
LANGUAGE plpgsql
VOLATILE
SET datestyle = 'ISO, YMD'
AS $$
DECLARE
    key_column text := partition_demo.range_key_column(parent);
BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING ALL)', name, parent);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %L AND %I < %L)',
                   name, name || '_bound', key_column, range_from, key_column, range_to);
    RETURN to_regclass(quote_ident(name));
END
$$;

COMMENT ON FUNCTION partition_demo.create_range_table(regclass, text, timestamp, timestamp) IS
    'standalone table like a partition of parent (columns, defaults, indexes) with a CHECK equal to the bound';

-- -----------------------------------------------------------------------------
-- attach_range_table(parent, tbl, range_from, range_to): attaches a table made
-- by create_range_table() and drops its CHECK, now implied by the bound.
-- Locks (PostgreSQL 15): SHARE UPDATE EXCLUSIVE on parent, ACCESS EXCLUSIVE
-- on tbl and on the parent's DEFAULT partition, which ATTACH scans to prove
-- that it holds no row of the new range (SQLSTATE 23514 otherwise).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.attach_range_table(
    parent regclass, tbl regclass, range_from timestamp, range_to timestamp)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET datestyle = 'ISO, YMD'
AS $$
DECLARE
    relname text;
BEGIN
    SELECT c.relname INTO STRICT relname FROM pg_catalog.pg_class AS c WHERE c.oid = tbl;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
                   parent, tbl, range_from, range_to);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tbl, relname || '_bound');
    RAISE NOTICE 'attached % to % for [%, %)', tbl, parent,
        regexp_replace(range_from::text, ' 00:00:00$', ''),
        regexp_replace(range_to::text, ' 00:00:00$', '');
END
$$;

COMMENT ON FUNCTION partition_demo.attach_range_table(regclass, regclass, timestamp, timestamp) IS
    'ATTACH PARTITION of a table made by create_range_table, then drop its now redundant CHECK';

-- -----------------------------------------------------------------------------
-- The pieces of an online re-partitioning (scripts/online/00_online_functions.sql
-- runs it; the scenarios in scripts/repartition/ say what goes where). Every
-- swap there is catalog-only: ATTACH scans neither the new partition nor the
-- DEFAULT when valid CHECK constraints already prove what it would check
-- ("partition constraint ... is implied by existing constraints").
--
--   range_route(parent, from, to)        the condition "key in [from, to)", as SQL
--   range_layout(parent)                 the bounds of the range partitions
--   create_default_table(parent, name, ranges)
--                                        a standalone future DEFAULT, with a
--                                        CHECK "outside" each run of ranges
--   attach_default_table(parent, tbl)    ATTACH ... DEFAULT, then its CHECKs go
--   rename_with_indexes(tbl, new_name)   a table and its indexes, by prefix
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.range_route(parent regclass, range_from timestamp,
                                                      range_to timestamp)
RETURNS text
LANGUAGE sql
STABLE
SET datestyle = 'ISO, YMD'
AS $$
    SELECT format('%1$I >= %2$L::timestamp AND %1$I < %3$L::timestamp',
                  partition_demo.range_key_column(parent), range_from, range_to);
$$;

COMMENT ON FUNCTION partition_demo.range_route(regclass, timestamp, timestamp) IS
    'SQL text of "the range key of parent is in [range_from, range_to)", values quoted';

CREATE OR REPLACE FUNCTION partition_demo.range_layout(parent regclass)
RETURNS tsrange[]
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(array_agg(tsrange(p.range_from, p.range_to) ORDER BY p.range_from), '{}')
      FROM partition_demo.range_partitions(parent) AS p
     WHERE NOT p.is_default;
$$;

COMMENT ON FUNCTION partition_demo.range_layout(regclass) IS
    'the [from, to) bounds of the range partitions of parent (DEFAULT left out), in order';

-- A DEFAULT holds the rows outside every other partition; each maximal run
-- of adjacent ranges gets one CHECK (key < from OR key >= to), which together
-- imply the DEFAULT's partition constraint, so its ATTACH does not scan it.
CREATE OR REPLACE FUNCTION partition_demo.create_default_table(parent regclass, name text,
                                                               ranges tsrange[])
RETURNS regclass
LANGUAGE plpgsql
VOLATILE
SET datestyle = 'ISO, YMD'
AS $$
DECLARE
    key_column text := partition_demo.range_key_column(parent);
    run        record;
    n          integer := 0;
BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING ALL)', name, parent);
    FOR run IN
        SELECT min(lower(r)) AS range_from, max(upper(r)) AS range_to
          FROM (SELECT r, count(*) FILTER (WHERE NOT starts_run) OVER (ORDER BY lower(r)) AS
                       -- counts the runs started so far: a range starts one unless
                       -- it touches the ranges before it
                       grp
                  FROM (SELECT r, lower(r) <= max(upper(r)) OVER (ORDER BY lower(r)
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) IS TRUE
                                   AS starts_run
                          FROM unnest(ranges) AS x(r)) AS a) AS b
         GROUP BY grp
         ORDER BY 1
    LOOP
        n := n + 1;
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I < %L OR %I >= %L)',
                       name, format('%s_outside_%s', name, n), key_column, run.range_from,
                       key_column, run.range_to);
    END LOOP;
    RETURN to_regclass(quote_ident(name));
END
$$;

COMMENT ON FUNCTION partition_demo.create_default_table(regclass, text, tsrange[]) IS
    'standalone table like a DEFAULT partition of parent, with CHECKs outside each run of the given ranges';

CREATE OR REPLACE FUNCTION partition_demo.attach_default_table(parent regclass, tbl regclass)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    c record;
BEGIN
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s DEFAULT', parent, tbl);
    -- the bounds move with every later scenario; the partition constraint is kept
    FOR c IN SELECT k.conname FROM pg_catalog.pg_constraint AS k
              WHERE k.conrelid = tbl AND k.contype = 'c' AND k.conname LIKE '%\_outside\_%' LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c.conname);
    END LOOP;
    RAISE NOTICE 'attached % to % as its DEFAULT', tbl, parent;
END
$$;

COMMENT ON FUNCTION partition_demo.attach_default_table(regclass, regclass) IS
    'ATTACH PARTITION ... DEFAULT of a table made by create_default_table, then drop its CHECKs';

CREATE OR REPLACE FUNCTION partition_demo.rename_with_indexes(tbl regclass, new_name text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    old_name text;
    idx      record;
BEGIN
    SELECT c.relname INTO STRICT old_name FROM pg_catalog.pg_class AS c WHERE c.oid = tbl;
    FOR idx IN SELECT i.indexrelid::regclass AS index, c.relname
                 FROM pg_catalog.pg_index AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.indexrelid
                WHERE i.indrelid = tbl AND left(c.relname, length(old_name)) = old_name LOOP
        EXECUTE format('ALTER INDEX %s RENAME TO %I', idx.index,
                       new_name || substr(idx.relname, length(old_name) + 1));
    END LOOP;
    EXECUTE format('ALTER TABLE %s RENAME TO %I', tbl, new_name);
END
$$;

COMMENT ON FUNCTION partition_demo.rename_with_indexes(regclass, text) IS
    'renames a table and each of its indexes whose name starts with the table''s';

-- -----------------------------------------------------------------------------
-- backup_refuse_writes(backup, live, kept_by): the copy a scenario keeps of a
-- table it replaced (users_distributed_hash after migrate) refuses every
-- write, through itself or through any of its partitions by name (their
-- names are the ones writers used before the swap: users_distributed_p1):
-- such a write would be missing from the live table, silently. A statement
-- trigger on each (a partitioned table's statement trigger fires only for
-- statements naming it), SQLSTATE 55006. backup_accept_writes() removes
-- them, before cleanup brings the backup up to date or drops it.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.backup_refuse_write()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    parent regclass := (SELECT i.inhparent FROM pg_catalog.pg_inherits AS i WHERE i.inhrelid = TG_RELID);
BEGIN
    RAISE EXCEPTION '% is the copy of % kept by %: it takes no writes; write into %',
        TG_TABLE_NAME || CASE WHEN parent IS NULL THEN '' ELSE format(' (a partition of %s)', parent) END,
        TG_ARGV[0], TG_ARGV[1], TG_ARGV[0]
        USING ERRCODE = 'object_in_use',
              HINT = format('bin/repartition cleanup swaps it back (or drops it); until then %s is the live table', TG_ARGV[0]);
END
$$;

COMMENT ON FUNCTION partition_demo.backup_refuse_write() IS
    'statement trigger of a kept backup (users_distributed_hash and its partitions): every write refused';

CREATE OR REPLACE FUNCTION partition_demo.backup_refuse_writes(backup regclass, live text, kept_by text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN SELECT t.relid FROM pg_catalog.pg_partition_tree(backup) AS t
               UNION SELECT backup LOOP
        EXECUTE format('CREATE TRIGGER backup_refuses_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
                            FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.backup_refuse_write(%L, %L)',
                       rel, live, kept_by);
    END LOOP;
END
$$;

COMMENT ON FUNCTION partition_demo.backup_refuse_writes(regclass, text, text) IS
    'makes a kept backup and each of its partitions refuse writes (SQLSTATE 55006)';

CREATE OR REPLACE FUNCTION partition_demo.backup_accept_writes(backup regclass)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN SELECT g.tgrelid::regclass FROM pg_catalog.pg_trigger AS g
                WHERE g.tgname = 'backup_refuses_writes'
                  AND g.tgrelid IN (SELECT t.relid FROM pg_catalog.pg_partition_tree(backup) AS t
                                    UNION SELECT backup) LOOP
        EXECUTE format('DROP TRIGGER backup_refuses_writes ON %s', rel);
    END LOOP;
END
$$;

COMMENT ON FUNCTION partition_demo.backup_accept_writes(regclass) IS
    'removes the triggers of backup_refuse_writes() from a backup and its partitions';

-- online_preparing(): true inside the prepare transaction of an online run
-- (set by online_begin_prepare() in scripts/online/), where a scenario's
-- [create] section must build beside the live tables, never in place.
CREATE OR REPLACE FUNCTION partition_demo.online_preparing()
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(current_setting('partition_demo.online_prepare', true), '') = 'on';
$$;

-- add_outside_check(parent, name, from, to): on parent's DEFAULT partition
-- (if it has one) a CHECK "key outside [from, to)", NOT VALID: ACCESS
-- EXCLUSIVE on DEFAULT for a moment, no scan. Validated later
-- (validate_check, SHARE UPDATE EXCLUSIVE), it lets ATTACH of partitions
-- inside [from, to) skip its scan of DEFAULT.
CREATE OR REPLACE FUNCTION partition_demo.add_outside_check(parent regclass, name text,
                                                            range_from timestamp, range_to timestamp)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET datestyle = 'ISO, YMD'
AS $$
DECLARE
    dflt       regclass;
    key_column text := partition_demo.range_key_column(parent);
BEGIN
    SELECT p.partdefid::regclass INTO dflt FROM pg_catalog.pg_partitioned_table AS p
     WHERE p.partrelid = parent AND p.partdefid <> 0;
    IF dflt IS NULL OR EXISTS (SELECT FROM pg_catalog.pg_constraint AS c
                                WHERE c.conrelid = dflt AND c.conname = name) THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%I < %L OR %I >= %L) NOT VALID',
                   dflt, name, key_column, range_from, key_column, range_to);
END
$$;

-- validate_check(tbl, name) / drop_check(tbl, name): of a constraint made by
-- add_outside_check; nothing when the table or the constraint is not there.
CREATE OR REPLACE FUNCTION partition_demo.validate_check(tbl text, name text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_constraint AS c
                WHERE c.conrelid = to_regclass(quote_ident(tbl)) AND c.conname = name AND NOT c.convalidated) THEN
        EXECUTE format('ALTER TABLE %I VALIDATE CONSTRAINT %I', tbl, name);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION partition_demo.drop_check(tbl text, name text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_constraint AS c
                WHERE c.conrelid = to_regclass(quote_ident(tbl)) AND c.conname = name) THEN
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', tbl, name);
    END IF;
END
$$;

-- detach_partition(parent, name) / drop_detached(parent, name): the two ends
-- of replacing a partition; nothing when name is NULL (nothing planned).
CREATE OR REPLACE FUNCTION partition_demo.detach_partition(parent regclass, name text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF name IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %I', parent, name);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION partition_demo.drop_detached(parent regclass, name text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF name IS NULL THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_inherits AS i
                WHERE i.inhrelid = to_regclass(quote_ident(name)) AND i.inhparent = parent) THEN
        RAISE EXCEPTION 'drop_detached(%, %): % is still a partition of %', parent, name, name, parent
            USING ERRCODE = 'object_in_use';
    END IF;
    RAISE NOTICE 'dropping the detached %', name;
    EXECUTE format('DROP TABLE %I', name);
END
$$;

-- drop_stale_user_copies(): users_distributed_hash (the copy migrate kept)
-- and users_distributed_range, next to a live users_distributed: stale
-- copies, the live table is the reference (cleanup drops them). Only the
-- project's (assert_ours raises otherwise).
CREATE OR REPLACE FUNCTION partition_demo.drop_stale_user_copies()
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    copy regclass;
BEGIN
    FOREACH copy IN ARRAY ARRAY[to_regclass('users_distributed_hash'), to_regclass('users_distributed_range')] LOOP
        CONTINUE WHEN copy IS NULL;
        PERFORM partition_demo.assert_ours(copy, 'drop');
        RAISE NOTICE 'dropping the stale copy %', copy;
        EXECUTE format('DROP TABLE %s', copy);
    END LOOP;
END
$$;

-- analyze_new_partitions(parent): ANALYZE every leaf of parent that has never
-- been analyzed (the partitions a scenario just attached).
CREATE OR REPLACE FUNCTION partition_demo.analyze_new_partitions(parent regclass)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    leaf regclass;
BEGIN
    FOR leaf IN SELECT t.relid FROM pg_catalog.pg_partition_tree(parent) AS t
                  JOIN pg_catalog.pg_stat_user_tables AS s ON s.relid = t.relid
                 WHERE t.isleaf AND s.last_analyze IS NULL AND s.last_autoanalyze IS NULL LOOP
        EXECUTE format('ANALYZE %s', leaf);
    END LOOP;
END
$$;

-- -----------------------------------------------------------------------------
-- measure(rel, columns_of, reuse): row count and checksum of the rows stored
-- in rel itself (a leaf partition or a plain table), over the columns of
-- columns_of (default: rel), by table_fingerprint's formula.
--
-- Remembered for the current transaction in the temporary table
-- repartition_measure (dropped at commit). With reuse (the default), a
-- relation that this transaction has not written to since it was measured is
-- not scanned again: the checks between a scenario's 'before' snapshot and
-- its swap compare a copy, scanned, with its source, remembered. "Not
-- written to" is read from the transaction's own statistics counters
-- (pg_stat_get_xact_tuples_inserted/updated/deleted), which only grow, plus
-- the relation's file node (TRUNCATE changes it). That is only sound because
-- every scenario holds every relation it measures against writers (EXCLUSIVE,
-- partitions included) from before its 'before' snapshot; and the counters
-- miss writes made with track_counts off. So snapshot() never reuses: the
-- 'before' and 'after' figures are always scanned, the final check measures
-- what is really there. With track_counts off nothing is reused at all.
-- -----------------------------------------------------------------------------
-- The two-argument form of earlier versions would make calls ambiguous.
DROP FUNCTION IF EXISTS partition_demo.measure(regclass, regclass);

CREATE OR REPLACE FUNCTION partition_demo.measure(rel regclass, columns_of regclass DEFAULT NULL,
                                                  reuse boolean DEFAULT true)
RETURNS TABLE (row_count bigint, checksum numeric)
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    -- v_ prefix: plain names would clash with the memo table's columns
    v_cols     text;
    v_writes   bigint := pg_catalog.pg_stat_get_xact_tuples_inserted(rel)
                       + pg_catalog.pg_stat_get_xact_tuples_updated(rel)
                       + pg_catalog.pg_stat_get_xact_tuples_deleted(rel);
    v_filenode oid := pg_catalog.pg_relation_filenode(rel);
    v_reuse    boolean := reuse AND current_setting('track_counts')::boolean;
BEGIN
    IF to_regclass('pg_temp.repartition_measure') IS NULL THEN
        CREATE TEMPORARY TABLE repartition_measure (
            relid      oid     NOT NULL,
            cols       text    NOT NULL,
            filenode   oid     NOT NULL,
            writes     bigint  NOT NULL,
            row_count  bigint  NOT NULL,
            checksum   numeric NOT NULL,
            PRIMARY KEY (relid, cols)
        ) ON COMMIT DROP;
    END IF;

    SELECT string_agg(format('t.%I', c.name), ', ' ORDER BY c.ord) INTO v_cols
      FROM unnest(partition_demo.table_columns(coalesce(columns_of, rel))) WITH ORDINALITY AS c(name, ord);

    IF v_reuse THEN
        RETURN QUERY
            SELECT m.row_count, m.checksum
              FROM pg_temp.repartition_measure AS m
             WHERE m.relid = rel AND m.cols = v_cols
               AND m.filenode = v_filenode AND m.writes = v_writes;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;

    EXECUTE format(
        'SELECT count(*)::bigint, coalesce(sum(hashtextextended(ROW(%s)::text, 0)), 0)::numeric
           FROM ONLY %s AS t',
        v_cols, rel)
    INTO row_count, checksum;

    INSERT INTO pg_temp.repartition_measure AS m (relid, cols, filenode, writes, row_count, checksum)
    VALUES (rel, v_cols, v_filenode, v_writes, measure.row_count, measure.checksum)
    ON CONFLICT (relid, cols) DO UPDATE
       SET filenode = excluded.filenode, writes = excluded.writes,
           row_count = excluded.row_count, checksum = excluded.checksum;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION partition_demo.measure(regclass, regclass, boolean) IS
    'rows and checksum of one leaf or plain table; with reuse, not rescanned within a transaction until written to';

-- -----------------------------------------------------------------------------
-- measure_sum(tables, columns_of): measure() of several tables together; a
-- partitioned table counts as all its leaves. The checksum is a sum, so the
-- fingerprints of disjoint row sets add up: the weeks of a split month must
-- sum to the month, an archive must grow by exactly the archived partition.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.measure_sum(tables regclass[], columns_of regclass)
RETURNS TABLE (row_count bigint, checksum numeric)
LANGUAGE sql
VOLATILE
AS $$
    SELECT coalesce(sum(m.row_count), 0)::bigint, coalesce(sum(m.checksum), 0)::numeric
      FROM unnest(tables) AS t(tbl)
     CROSS JOIN LATERAL (SELECT p.relid FROM pg_catalog.pg_partition_tree(t.tbl) AS p WHERE p.isleaf
                         UNION
                         SELECT t.tbl WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_partition_tree(t.tbl))) AS leaf
     CROSS JOIN LATERAL partition_demo.measure(leaf.relid, columns_of) AS m
$$;

COMMENT ON FUNCTION partition_demo.measure_sum(regclass[], regclass) IS
    'measure() of several tables (partitioned ones as all their leaves), added up';

-- -----------------------------------------------------------------------------
-- snapshot(phase, table_name, columns_of, grp): rows and checksum of each
-- leaf of table_name, scanned now (measure() without reuse, over the columns
-- of columns_of, default the table itself), into the temporary table
-- repartition_snapshot, dropped at commit. A scenario takes a 'before' snapshot right after its locks and an
-- 'after' one at its end; assert_conserved() then proves that every group of
-- tables holds the same rows as before, and bin/repartition prints both as
-- the data-integrity lines. A table that does not exist is recorded with no
-- partition and 0 rows.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.snapshot(
    phase text, table_name text, columns_of regclass DEFAULT NULL, grp text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    tbl regclass := to_regclass(table_name);
BEGIN
    IF to_regclass('pg_temp.repartition_snapshot') IS NULL THEN
        CREATE TEMPORARY TABLE repartition_snapshot (
            seq            bigint  GENERATED ALWAYS AS IDENTITY,
            phase          text    NOT NULL,
            grp            text    NOT NULL,
            table_name     text    NOT NULL,
            partition_name text,             -- NULL: the table does not exist
            row_count      bigint  NOT NULL,
            checksum       numeric NOT NULL
        ) ON COMMIT DROP;
    END IF;

    IF tbl IS NULL THEN
        INSERT INTO pg_temp.repartition_snapshot (phase, grp, table_name, partition_name, row_count, checksum)
        VALUES (phase, coalesce(grp, table_name), table_name, NULL, 0, 0);
        RETURN;
    END IF;

    INSERT INTO pg_temp.repartition_snapshot (phase, grp, table_name, partition_name, row_count, checksum)
    SELECT snapshot.phase, coalesce(grp, table_name), table_name, leaf.relid::text, m.row_count, m.checksum
      FROM (SELECT p.relid FROM pg_catalog.pg_partition_tree(tbl) AS p WHERE p.isleaf
            UNION
            SELECT tbl WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_partition_tree(tbl))) AS leaf
     CROSS JOIN LATERAL partition_demo.measure(leaf.relid, coalesce(columns_of, tbl), reuse => false) AS m
     ORDER BY leaf.relid::text;
END
$$;

COMMENT ON FUNCTION partition_demo.snapshot(text, text, regclass, text) IS
    'records rows and checksum per leaf of a table into pg_temp.repartition_snapshot (dropped at commit)';

-- -----------------------------------------------------------------------------
-- assert_conserved(): for every group of the snapshots, the 'after' rows and
-- checksum must equal the 'before' ones (a row may move between the tables of
-- a group, e.g. from event_logs to event_logs_archive, but none may appear,
-- vanish or change). Raises data_exception otherwise, which rolls the whole
-- scenario back.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.assert_conserved()
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT s.grp,
               sum(s.row_count) FILTER (WHERE s.phase = 'before') AS rows_before,
               sum(s.checksum)  FILTER (WHERE s.phase = 'before') AS sum_before,
               sum(s.row_count) FILTER (WHERE s.phase = 'after')  AS rows_after,
               sum(s.checksum)  FILTER (WHERE s.phase = 'after')  AS sum_after,
               string_agg(DISTINCT s.table_name, ' + ') AS tables
          FROM pg_temp.repartition_snapshot AS s
         GROUP BY s.grp
         ORDER BY s.grp
    LOOP
        PERFORM partition_demo.assert_same_fingerprint(
            format('no row lost, added or changed in %s', g.tables),
            g.rows_before::bigint, g.sum_before, g.rows_after::bigint, g.sum_after);
    END LOOP;
END
$$;

COMMENT ON FUNCTION partition_demo.assert_conserved() IS
    'raises data_exception unless each snapshot group has the same rows and checksum after as before';


-- -----------------------------------------------------------------------------
-- seed_in_chunks(tbl, insert_sql): runs insert_sql, an INSERT ... SELECT over
-- generate_series($1, $2), for rows 1 .. partition_demo.seed_rows (default
-- 5000) in chunks of 200,000, with a progress NOTICE (rows, percent, rows/s)
-- after each chunk of a seed larger than one chunk: a NOTICE reaches the
-- client at once, so a long seed shows its progress. Used by
-- 00_initial_seed_data.sql; a PROCEDURE, so it can be CALLed in the runner's
-- transaction (it does no transaction control).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE PROCEDURE partition_demo.seed_in_chunks(tbl text, insert_sql text)
LANGUAGE plpgsql
AS $$
DECLARE
    total   integer := coalesce(nullif(btrim(current_setting('partition_demo.seed_rows', true)), ''),
                                '5000')::integer;
    chunk   constant integer := 200000;
    lo      integer := 1;
    hi      integer;
    started timestamptz := clock_timestamp();
BEGIN
    WHILE lo <= total LOOP
        hi := least(lo + chunk - 1, total);
        EXECUTE insert_sql USING lo, hi;
        IF total > chunk THEN
            RAISE NOTICE '%: % of % rows (%), % rows/s', tbl, hi, total, (hi * 100 / total) || '%',
                round(hi / greatest(extract(epoch FROM clock_timestamp() - started), 0.001));
        END IF;
        lo := hi + 1;
    END LOOP;
END
$$;

COMMENT ON PROCEDURE partition_demo.seed_in_chunks(text, text) IS
    'runs a seed INSERT over generate_series($1, $2) in chunks of 200,000 rows, with progress notices';


-- -----------------------------------------------------------------------------
-- The ledger of bin/load-data (--ledger FILE, --verify FILE).
--
-- database_identity: one row, a random id given to this database the first
-- time this file runs in it (setup-database runs it first thing). A ledger's
-- header carries it, so that a ledger is only ever appended to, or verified
-- against, the database it was written on (or a copy of that one). It goes
-- with the schema: after setup-database --reset the database has a new one,
-- and the old ledgers, whose ids may now be other rows, no longer match.
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS partition_demo.database_identity (
    database_id uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    one_row     boolean     NOT NULL DEFAULT true UNIQUE CHECK (one_row)
);

INSERT INTO partition_demo.database_identity DEFAULT VALUES ON CONFLICT (one_row) DO NOTHING;

-- -----------------------------------------------------------------------------
-- ledger_identity(): what a ledger header says about this database: the id
-- above, the cluster's system identifier (NULL where pg_control_system() is
-- not granted, as on some managed services), the database's OID and name.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.ledger_identity(
    OUT database_id uuid, OUT system_identifier text, OUT database_oid oid, OUT database_name name)
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    SELECT i.database_id INTO database_id FROM partition_demo.database_identity AS i;
    SELECT d.oid, d.datname INTO database_oid, database_name
      FROM pg_catalog.pg_database AS d WHERE d.datname = pg_catalog.current_database();
    BEGIN
        SELECT c.system_identifier::text INTO system_identifier FROM pg_catalog.pg_control_system() AS c;
    EXCEPTION WHEN insufficient_privilege THEN
        system_identifier := NULL;
    END;
END
$$;

COMMENT ON FUNCTION partition_demo.ledger_identity() IS
    'the identity of this database in a load-data ledger header: id, system identifier, OID, name';

-- -----------------------------------------------------------------------------
-- row_checksum(row): the content checksum of a ledger line: md5 of the row as
-- jsonb text. jsonb orders the keys itself, so the column order of the table
-- does not matter (a migrated table may list them differently), and renders
-- timestamps, dates and numbers the same whatever DateStyle says; the callers
-- below fix the few settings it still depends on (TimeZone for timestamptz,
-- IntervalStyle, extra_float_digits, bytea_output).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.row_checksum(r anyelement)
RETURNS text
LANGUAGE sql
STABLE
AS $$ SELECT pg_catalog.md5(pg_catalog.to_jsonb(r)::text) $$;

COMMENT ON FUNCTION partition_demo.row_checksum(anyelement) IS
    'content checksum of a row for the load-data ledger: md5 of its jsonb text';

-- -----------------------------------------------------------------------------
-- ledger_checksums(event_ids, event_times, user_ids, order_ids, order_regions,
--                  sale_ids, sale_dates, sale_categories):
-- the checksum of each row of a load-data batch, called by load-data in the
-- batch's own transaction, just before its COMMIT (in the same round trip):
-- the content as committed. Returns the table's position (0 event_logs,
-- 1 users_distributed, 2 orders_by_region, 3 sales_data), the row's position
-- in its array (1-based) and the checksum; raises when a row is not found.
--
-- Each row is looked up by its id and its partition key as written (the
-- times, regions, dates and categories), so that only its own partition is
-- searched, however many there are; by id alone if that finds nothing (a
-- trigger that changed the key). The tables are resolved through the
-- caller's search_path, like load-data's COPY statements.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.ledger_row_not_found(tbl text, row_id bigint)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'ledger_checksums: % id % not found in the transaction that wrote it', tbl, row_id
        USING ERRCODE = 'data_exception';
END
$$;

COMMENT ON FUNCTION partition_demo.ledger_row_not_found(text, bigint) IS
    'raises: a row of a load-data batch could not be read back for its checksum';

CREATE OR REPLACE FUNCTION partition_demo.ledger_checksums(
    event_ids bigint[], event_times timestamp[], user_ids bigint[],
    order_ids bigint[], order_regions text[],
    sale_ids bigint[], sale_dates date[], sale_categories text[])
RETURNS TABLE (table_index integer, row_position bigint, checksum text)
LANGUAGE plpgsql
STABLE
SET plan_cache_mode = force_generic_plan
SET TimeZone = 'UTC' SET IntervalStyle = 'postgres' SET extra_float_digits = 1 SET bytea_output = 'hex'
AS $$
BEGIN
    RETURN QUERY
        SELECT 0, k.n, coalesce(
                   (SELECT partition_demo.row_checksum(t) FROM event_logs AS t
                     WHERE t.id = k.id AND t.created_at = k.created_at),
                   (SELECT partition_demo.row_checksum(t) FROM event_logs AS t WHERE t.id = k.id),
                   partition_demo.ledger_row_not_found('event_logs', k.id))
          FROM unnest(event_ids, event_times) WITH ORDINALITY AS k(id, created_at, n)
        UNION ALL
        SELECT 1, k.n, coalesce(
                   (SELECT partition_demo.row_checksum(t) FROM users_distributed AS t WHERE t.id = k.id),
                   partition_demo.ledger_row_not_found('users_distributed', k.id))
          FROM unnest(user_ids) WITH ORDINALITY AS k(id, n)
        UNION ALL
        SELECT 2, k.n, coalesce(
                   (SELECT partition_demo.row_checksum(t) FROM orders_by_region AS t
                     WHERE t.id = k.id AND t.region = k.region),
                   (SELECT partition_demo.row_checksum(t) FROM orders_by_region AS t WHERE t.id = k.id),
                   partition_demo.ledger_row_not_found('orders_by_region', k.id))
          FROM unnest(order_ids, order_regions) WITH ORDINALITY AS k(id, region, n)
        UNION ALL
        SELECT 3, k.n, coalesce(
                   (SELECT partition_demo.row_checksum(t) FROM sales_data AS t
                     WHERE t.id = k.id AND t.sale_date = k.sale_date
                       AND t.product_category = k.product_category),
                   (SELECT partition_demo.row_checksum(t) FROM sales_data AS t WHERE t.id = k.id),
                   partition_demo.ledger_row_not_found('sales_data', k.id))
          FROM unnest(sale_ids, sale_dates, sale_categories) WITH ORDINALITY
               AS k(id, sale_date, product_category, n);
END
$$;

COMMENT ON FUNCTION partition_demo.ledger_checksums(bigint[], timestamp[], bigint[], bigint[], text[],
                                                    bigint[], date[], text[]) IS
    'content checksums of the rows of one load-data batch, in its transaction, for the ledger';

-- -----------------------------------------------------------------------------
-- ledger_check(tbl, ids, checksums): the rows of a ledger (ids and the
-- checksums it recorded) that are not in tbl now ('missing') or whose content
-- differs ('changed'), in id order; load-data --verify calls it in chunks.
-- A row of event_logs that bin/repartition detach archived is looked for in
-- event_logs_archive too (the project's own), read back as an event_logs row:
-- the archive's columns of its own are not the row's content.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.ledger_check(tbl regclass, ids bigint[], checksums text[])
RETURNS TABLE (id bigint, problem text)
LANGUAGE plpgsql
STABLE
SET TimeZone = 'UTC' SET IntervalStyle = 'postgres' SET extra_float_digits = 1 SET bytea_output = 'hex'
AS $$
DECLARE
    archive  regclass := pg_catalog.to_regclass('event_logs_archive');
    archived text := 'NULL::text';
BEGIN
    IF cardinality(ids) IS DISTINCT FROM cardinality(checksums) THEN
        RAISE EXCEPTION 'ledger_check(%): % ids but % checksums', tbl, cardinality(ids), cardinality(checksums)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF tbl = pg_catalog.to_regclass('event_logs') AND archive IS NOT NULL
       AND partition_demo.created_by_project(archive) THEN
        archived := format('(SELECT partition_demo.row_checksum(jsonb_populate_record(NULL::%s, to_jsonb(a)))
                               FROM %s AS a WHERE a.id = k.id OFFSET 0)', tbl, archive);
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT k.id, CASE WHEN c.sum IS NULL THEN ''missing'' ELSE ''changed'' END
           FROM unnest($1, $2) AS k(id, sum)
           LEFT JOIN LATERAL (SELECT coalesce((SELECT partition_demo.row_checksum(t) FROM %s AS t
                                                WHERE t.id = k.id OFFSET 0), %s)) AS c(sum) ON true
          WHERE c.sum IS DISTINCT FROM k.sum
          ORDER BY k.id', tbl, archived)
        USING ids, checksums;
END
$$;

COMMENT ON FUNCTION partition_demo.ledger_check(regclass, bigint[], text[]) IS
    'the rows of a load-data ledger chunk that are missing from a table or whose content changed';

-- Last: record what this file created (the first run: the schema's tables
-- and every function; later runs: functions new in this version).
SELECT partition_demo.register_created('lib/partition_demo.sql');
