-- =============================================================================
-- scripts/lib/reset.sql -- drop every object of the db-partitioning demo, and
-- only those, so that bin/setup-database can start from scratch.
-- =============================================================================
-- "This project's objects" are those recorded in partition_demo.created_objects
-- by the transaction that created them (partition_demo.register_created()):
-- the four tables, their partitions, _old copies and sequences, the username
-- side table, whatever the re-partitioning scenarios made (months, weeks,
-- archive, range tables, the kept hash table), the helper functions, and the
-- partition_demo schema with its bookkeeping. They are found by OID, not by
-- name: a table of the user's called event_logs_2023_12 stays, one of ours
-- renamed to anything goes.
--
-- Nothing is dropped with CASCADE. An object of someone else's that depends
-- on one of ours (a view, a foreign key, an inheriting table, a function
-- using a row type) stops the reset with PostgreSQL's own list of them, and
-- so does a table attached as a partition of ours or a sequence owned by one
-- of our columns (which DROP would otherwise take along silently). Either
-- everything of ours goes or, in one transaction, nothing does.
--
-- A database set up by an earlier version, which kept no such record, is
-- refused: the hint lists the DROP statements for that version's objects,
-- generated from the catalog, for a person to check and run.
--
-- Works from any state: after a full setup, a failed or half-done one (every
-- script and every step of an online migration records what it created in
-- its own transaction), after any scenarios, or when nothing exists. Safe to
-- run twice. By hand (one transaction):
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/lib/reset.sql
-- =============================================================================

-- Every DROP below waits for the sessions using the table: bounded
-- (SQLSTATE 55P03 when it expires, and nothing is dropped). bin/setup-database
-- sets lock_timeout for this transaction (--lock-timeout) and runs the file
-- again, with backoff; run by hand, the wait is 2 s unless the session has a
-- lock_timeout of its own (partition_demo.bound_lock_waits(), written out:
-- the helpers may not exist here, or be an earlier version's).
SELECT pg_catalog.set_config('lock_timeout', '2s', true)
 WHERE pg_catalog.current_setting('lock_timeout') = '0';

DO $$
DECLARE
    helper_schema oid := pg_catalog.to_regnamespace('partition_demo');
    blocking      text;
    statement     text;
    relations     bigint;
    functions     bigint;
    detail        text;
    legacy        boolean;
    r             record;
BEGIN
    IF helper_schema IS NULL THEN
        RAISE NOTICE 'nothing to reset: this database has no partition_demo schema';
        RETURN;
    END IF;
    IF pg_catalog.to_regclass('partition_demo.applied_scripts') IS NULL THEN
        RAISE EXCEPTION 'schema partition_demo exists, but was not created by this project'
            USING ERRCODE = 'duplicate_schema',
                  HINT = 'nothing was dropped; the project keeps its helpers there: rename that schema first';
    END IF;
    -- A record made with the schema lists applied_scripts (see the check in
    -- partition_demo.sql): without it, the tables are not known by OID.
    IF pg_catalog.to_regclass('partition_demo.created_objects') IS NULL THEN
        legacy := true;
    ELSE
        legacy := NOT EXISTS (SELECT FROM partition_demo.created_objects AS o
                               WHERE o.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                 AND o.objid = 'partition_demo.applied_scripts'::pg_catalog.regclass);
    END IF;
    IF legacy THEN
        -- The statements that drop what that version created, one a line,
        -- listing only what exists: shown, never run (a name proves
        -- nothing; a person checks). Its objects had fixed names: the four
        -- tables with their _partitioned and _old forms, the scenarios'
        -- archive, hash and range tables, the username side table, the
        -- partitions (only when detached: the others go with their table),
        -- two trigger functions in public, and all of partition_demo.
        WITH base AS (
            SELECT t.name || s.suffix AS name
              FROM unnest(ARRAY['event_logs', 'users_distributed', 'orders_by_region', 'sales_data']) AS t(name)
             CROSS JOIN unnest(ARRAY['', '_partitioned', '_old']) AS s(suffix)
            UNION ALL
            SELECT unnest(ARRAY['event_logs_archive', 'users_distributed_hash', 'users_distributed_range',
                                'users_distributed_usernames', 'event_logs_2024_01', 'event_logs_2024_02',
                                'event_logs_2024_03', 'event_logs_default', 'users_distributed_p0',
                                'users_distributed_p1', 'users_distributed_p2', 'users_distributed_p3',
                                'orders_north_america', 'orders_europe', 'orders_asia_pacific', 'orders_other',
                                'sales_2024_q1', 'sales_2024_q2', 'sales_default', 'sales_2024_q1_electronics',
                                'sales_2024_q1_clothing', 'sales_2024_q1_other', 'sales_2024_q2_electronics',
                                'sales_2024_q2_clothing', 'sales_2024_q2_other'])
        ),
        drops AS (
            SELECT 1 AS step, 'DROP TABLE ' || string_agg(format('%I.%I', n.nspname, c.relname), ', '
                                                  ORDER BY c.relname) AS statement
              FROM base
              JOIN pg_catalog.pg_class AS c ON c.relname = base.name
              JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
             WHERE n.nspname = pg_catalog.current_schema()
               AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition
            HAVING count(*) > 0
            UNION ALL
            -- before partition_demo's tables: some take their row types
            SELECT 2, 'DROP ROUTINE ' || string_agg(format('%I.%I(%s)', n.nspname, p.proname,
                                                           pg_catalog.oidvectortypes(p.proargtypes)), ', '
                                                    ORDER BY n.nspname, p.proname)
              FROM pg_catalog.pg_proc AS p
              JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
             WHERE (p.pronamespace = 'public'::pg_catalog.regnamespace AND p.pronargs = 0
                    AND p.proname IN ('users_distributed_register_username', 'users_distributed_unregister_truncated'))
                OR p.pronamespace = helper_schema
            HAVING count(*) > 0
            UNION ALL
            SELECT 3, 'DROP TABLE ' || string_agg(format('partition_demo.%I', c.relname), ', ' ORDER BY c.relname)
              FROM pg_catalog.pg_class AS c
             WHERE c.relnamespace = helper_schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            HAVING count(*) > 0
            UNION ALL
            SELECT 4, 'DROP SCHEMA partition_demo'
        )
        SELECT string_agg('    ' || d.statement || ';', E'\n' ORDER BY d.step) INTO statement FROM drops AS d;

        RAISE EXCEPTION 'partition_demo holds no complete record of the objects this project created'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'it was set up by an earlier version, which recognised its tables by name only',
                  HINT = 'nothing was dropped; check that each object named below is the project''s, then '
                         'drop them by hand (partitions and owned sequences go with their table, nothing else '
                         'does: no CASCADE), in one transaction (psql -1):' || E'\n' || statement
                         || E'\n' || 'or, on the demo''s embedded server (make db-up) with nothing else of yours '
                         'in it, start over: make db-down && rm -rf data/embedded && make db-up';
    END IF;

    -- ours: recorded and still there (an OID whose object is gone is ignored)
    CREATE TEMPORARY TABLE reset_ours ON COMMIT DROP AS
    SELECT o.classid, o.objid, c.relkind AS kind, c.relnamespace AS nsp
      FROM partition_demo.created_objects AS o
      JOIN pg_catalog.pg_class AS c ON c.oid = o.objid
     WHERE o.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
    UNION ALL
    SELECT o.classid, o.objid, NULL, p.pronamespace
      FROM partition_demo.created_objects AS o
      JOIN pg_catalog.pg_proc AS p ON p.oid = o.objid
     WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass;

    -- the schemas of our tables, for the "kept" notices at the end
    CREATE TEMPORARY TABLE reset_schemas ON COMMIT DROP AS
    SELECT DISTINCT u.nsp FROM pg_temp.reset_ours AS u WHERE u.kind IS NOT NULL AND u.nsp <> helper_schema;

    -- Partitions and inheritance children that are not ours. DROP would take
    -- a partition along without a word.
    SELECT string_agg(format('%s (%s %s)', i.inhrelid::pg_catalog.regclass,
                             CASE WHEN c.relispartition THEN 'a partition of' ELSE 'inheriting from' END,
                             i.inhparent::pg_catalog.regclass), ', ' ORDER BY i.inhrelid::pg_catalog.regclass::text)
      INTO blocking
      FROM pg_catalog.pg_inherits AS i
      JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
     WHERE i.inhparent IN (SELECT u.objid FROM pg_temp.reset_ours AS u WHERE u.kind IS NOT NULL)
       AND i.inhrelid NOT IN (SELECT u.objid FROM pg_temp.reset_ours AS u WHERE u.kind IS NOT NULL);
    IF blocking IS NOT NULL THEN
        RAISE EXCEPTION 'reset stopped: %, not created by this project, would be dropped with it', blocking
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'reset drops only what this project created, and nothing was dropped: detach it first '
                         '(ALTER TABLE <parent> DETACH PARTITION <table>, or ALTER TABLE <table> NO INHERIT <parent>), '
                         'then run it again';
    END IF;

    -- Sequences of someone else's owned by one of our columns: DROP TABLE
    -- takes them along too.
    SELECT string_agg(format('sequence %s (owned by %s.%I)', d.objid::pg_catalog.regclass,
                             d.refobjid::pg_catalog.regclass, a.attname), ', ')
      INTO blocking
      FROM pg_catalog.pg_depend AS d
      JOIN pg_catalog.pg_class AS s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_catalog.pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.deptype = 'a'
       AND d.refobjid IN (SELECT u.objid FROM pg_temp.reset_ours AS u WHERE u.kind IS NOT NULL)
       AND d.objid NOT IN (SELECT u.objid FROM pg_temp.reset_ours AS u WHERE u.kind IS NOT NULL);
    IF blocking IS NOT NULL THEN
        RAISE EXCEPTION 'reset stopped: %, not created by this project, would be dropped with it', blocking
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'reset drops only what this project created, and nothing was dropped: '
                         'ALTER SEQUENCE <sequence> OWNED BY NONE, then run it again';
    END IF;

    SELECT count(*) FILTER (WHERE u.kind IS NOT NULL), count(*) FILTER (WHERE u.kind IS NULL)
      INTO relations, functions
      FROM pg_temp.reset_ours AS u;

    -- The drops, all without CASCADE, in dependency order: views, tables and
    -- sequences outside partition_demo (their indexes, triggers and owned
    -- sequences go with them), then the functions (the triggers that used
    -- them are gone; functions taking row types of the bookkeeping tables
    -- must go before those), then partition_demo's tables and the schema,
    -- which must then be empty. Each list is built when it runs: a partition
    -- or sequence may have gone with its table already.
    BEGIN
        FOR r IN
            SELECT v.step, v.command, v.kinds, v.in_helper_schema
              FROM (VALUES (1, 'DROP VIEW %s', '{v}'::"char"[], false),
                           (2, 'DROP MATERIALIZED VIEW %s', '{m}', false),
                           (3, 'DROP FOREIGN TABLE %s', '{f}', false),
                           (4, 'DROP TABLE %s', '{r,p}', false),
                           (5, 'DROP SEQUENCE %s', '{S}', false),
                           (6, 'DROP ROUTINE %s', NULL, NULL),
                           (7, 'DROP TABLE %s', '{r,p}', true),
                           (8, 'DROP SEQUENCE %s', '{S}', true)) AS v(step, command, kinds, in_helper_schema)
             ORDER BY v.step
        LOOP
            IF r.kinds IS NULL THEN
                SELECT string_agg(u.objid::pg_catalog.regprocedure::text, ', ') INTO statement
                  FROM pg_temp.reset_ours AS u
                 WHERE u.kind IS NULL
                   AND EXISTS (SELECT FROM pg_catalog.pg_proc AS p WHERE p.oid = u.objid);
            ELSE
                SELECT string_agg(u.objid::pg_catalog.regclass::text, ', ') INTO statement
                  FROM pg_temp.reset_ours AS u
                 WHERE u.kind = ANY (r.kinds)
                   AND (u.nsp = helper_schema) = r.in_helper_schema
                   AND EXISTS (SELECT FROM pg_catalog.pg_class AS c WHERE c.oid = u.objid);
            END IF;
            IF statement IS NOT NULL THEN
                EXECUTE format(r.command, statement);
            END IF;
        END LOOP;
        DROP SCHEMA partition_demo;
    EXCEPTION WHEN dependent_objects_still_exist THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'reset stopped: objects not created by this project depend on its objects'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = detail,
                  HINT = 'reset drops only what this project created and never uses CASCADE, and nothing was dropped: '
                         'drop or change the objects listed (or move them out of schema partition_demo), '
                         'then run it again';
    END;

    RAISE NOTICE 'dropped what this project created: % relations and % functions, and schema partition_demo',
        relations, functions;

    -- Tables with the project's names that are not the project's: kept, and said so.
    FOR r IN
        SELECT c.oid::pg_catalog.regclass AS tbl
          FROM pg_catalog.pg_class AS c
         WHERE c.relnamespace IN (SELECT s.nsp FROM pg_temp.reset_schemas AS s)
           AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
           AND c.relname ~ '^(event_logs|users_distributed|orders_|sales_)'
         ORDER BY c.relname
    LOOP
        RAISE NOTICE 'kept %: not created by this project', r.tbl;
    END LOOP;
END
$$;
