-- =============================================================================
-- scripts/repartition/14_cleanup_repartition.sql -- undo the re-partitioning
-- scenarios: back to the layout right after bin/setup-database, with every
-- row, including the rows written since.
-- =============================================================================
-- Target state (as 01_range_partitions.sql and 02_hash_partitions.sql left it):
--   event_logs         RANGE by month: event_logs_2024_01, _02, _03 and
--                      event_logs_default, and no other partition;
--                      event_logs_archive gone, its rows back in event_logs
--   users_distributed  HASH (id) MODULUS 4 (users_distributed_p0 .. _p3) with
--                      the username triggers and the id sequence;
--                      users_distributed_hash / _range gone
-- orders_by_region and sales_data are not touched by any scenario.
--
-- It works from whatever state the scenarios leave, in any order and number
-- of runs: a canonical month may be whole, split into weeks, archived (and
-- have new rows in DEFAULT since, docs/spec-notes.md §11), or both; any number of
-- months may have been added. Where rows go:
--   rows of Jan-Mar 2024   into their month, rebuilt beside the live tables
--                          when it is not in place, from its weekly
--                          partitions, from event_logs_default and from
--                          event_logs_archive
--   any other row          of DEFAULT, of an added month or of the archive:
--                          into a new DEFAULT, built beside the old one
--   users                  every row of the range table, including users
--                          added since migrate (docs/spec-notes.md §13), into
--                          a new hash-partitioned table built beside it (the
--                          copy migrate kept is stale: it is dropped)
-- With nothing to undo, it says so and changes nothing: safe to run twice.
--
-- One move, with the engine of scripts/online/00_online_functions.sql: the
-- SOURCES are every partition of event_logs that goes (DEFAULT, weeks, added
-- months), every partition of the archive, and the range-partitioned
-- users_distributed; the TARGETS are the months to rebuild, a new DEFAULT
-- and the new hash table. Two groups (event_logs' rows, users' rows: their
-- columns differ), each target taking the rows of its route:
--
--   guard    the tables the project's (partition_demo.assert_ours): cleanup
--            drops, empties and writes into tables of the project's only; no
--            online scenario in progress
--   lock     (offline only) EXCLUSIVE on event_logs, the archive,
--            users_distributed and users_distributed_hash, and on every
--            partition of them: writers wait, readers go on; rows and
--            checksums of every table involved
--   create   the plan (which months to rebuild, which partitions go, whether
--            users_distributed goes back to HASH); the months, the new
--            DEFAULT (CHECK outside January to March) and the hash table
--            with its partitions, standalone; the plan recorded
--   copy     (offline only) every source's rows into their targets
--   verify   (offline only) the targets of each group hold exactly the
--            rows of its sources
--   swap     event_logs: DETACH every partition that goes, ATTACH the months
--            and the new DEFAULT (their CHECKs prove the bounds: nothing is
--            scanned), DROP what was detached and the archive, the new
--            DEFAULT takes its name; users_distributed: the username
--            triggers and the sequence move to the hash table, the range
--            table and the stale copy are dropped, the hash table and its
--            partitions take the canonical names
--   verify   (offline only) event_logs + event_logs_archive, and
--            users_distributed, scanned again, hold exactly the rows of the
--            lock
--   finish   ANALYZE the new tables
--
-- bin/repartition cleanup runs it ONLINE: the sections in the steps of the
-- engine (capture triggers on every source; batched copy; replay of the
-- writes made meanwhile; comparison at one snapshot; the swap in one short
-- transaction under ACCESS EXCLUSIVE on event_logs and every source;
-- docs/repartition.md has the locks). bin/repartition --offline cleanup runs the whole file in one
-- transaction, as does psql:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/14_cleanup_repartition.sql
-- (after scripts/lib/partition_demo.sql and scripts/online/00_online_functions.sql).
--
-- The archive's rows come back as they are: a DELETE or UPDATE on event_logs
-- between detach and cleanup did not reach them (they were in another
-- table). Apply such a write to event_logs_archive as well before cleanup.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- @step: 0. Check the tables; nothing is locked yet. Only what this project
--    created is dropped or written to: a partition of event_logs or
--    users_distributed, an archive or a users_distributed_hash / _range of
--    someone else's stops the cleanup before any change.
-- @online: guard
-- -----------------------------------------------------------------------------
-- Every lock wait is bounded (SQLSTATE 55P03 when it expires): bin/repartition
-- sets lock_timeout for each transaction (--lock-timeout) and tries again,
-- with backoff; run by hand, the wait is 2 s unless the session has one.
SELECT partition_demo.bound_lock_waits();

-- Tables this scenario creates are recorded as the project's at its end
-- (bin/setup-database --reset drops those, and only those).
SELECT partition_demo.track_begin();

DO $$
BEGIN
    PERFORM partition_demo.online_assert_idle('event_logs');
    PERFORM partition_demo.online_assert_idle('users_distributed');
    PERFORM partition_demo.range_key_column('event_logs');   -- raises unless RANGE
    PERFORM partition_demo.assert_ours('event_logs', 'restore');
    PERFORM partition_demo.assert_ours('users_distributed', 'restore');
    PERFORM partition_demo.assert_ours(to_regclass('event_logs_archive'), 'move the rows back out of and drop');
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_hash'), 'drop');
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_range'), 'drop');
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Offline: locks, always in this order (event_logs, then
--    users_distributed), each parent before its children (LOCK TABLE recurses
--    into the partitions), then the archive and the stale copy; rows and
--    checksum before any change (the archive's over the columns of
--    event_logs, so that both add up to one total).
-- @online: lock
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;
LOCK TABLE users_distributed IN EXCLUSIVE MODE;

DO $$
BEGIN
    IF to_regclass('event_logs_archive') IS NOT NULL THEN
        LOCK TABLE event_logs_archive IN EXCLUSIVE MODE;
    END IF;
    IF to_regclass('users_distributed_hash') IS NOT NULL THEN
        LOCK TABLE users_distributed_hash IN EXCLUSIVE MODE;
    END IF;
END
$$;

SELECT partition_demo.snapshot('before', 'event_logs');
SELECT partition_demo.snapshot('before', 'event_logs_archive', 'event_logs', 'event_logs');
SELECT partition_demo.snapshot('before', 'users_distributed');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan for event_logs.
--    cleanup_months: the three months of setup, and whether each is in place
--    (a partition of that name with exactly that month's bounds).
--    cleanup_parts: every other range partition, and the canonical month it
--    lies in (NULL: outside Jan-Mar, e.g. an added month).
-- @online: create
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE cleanup_months ON COMMIT DROP AS
SELECT format('event_logs_%s', to_char(v.month_start, 'YYYY_MM')) AS partition_name,
       v.month_start                                              AS range_from,
       v.month_start + interval '1 month'                         AS range_to,
       EXISTS (SELECT FROM partition_demo.range_partitions('event_logs') AS p
                WHERE p.partition = to_regclass(format('event_logs_%s', to_char(v.month_start, 'YYYY_MM')))
                  AND p.range_from = v.month_start
                  AND p.range_to = v.month_start + interval '1 month') AS in_place
  FROM (VALUES (timestamp '2024-01-01'), (timestamp '2024-02-01'), (timestamp '2024-03-01'))
       AS v(month_start);

CREATE TEMPORARY TABLE cleanup_parts ON COMMIT DROP AS
SELECT p.partition, c.relname::text AS partition_name, p.range_from, p.range_to,
       m.partition_name AS month_name
  FROM partition_demo.range_partitions('event_logs') AS p
  JOIN pg_catalog.pg_class AS c ON c.oid = p.partition
  LEFT JOIN pg_temp.cleanup_months AS m
         ON p.range_from >= m.range_from AND p.range_to <= m.range_to
 WHERE NOT p.is_default
   AND NOT EXISTS (SELECT FROM pg_temp.cleanup_months AS k
                    WHERE k.in_place AND to_regclass(quote_ident(k.partition_name)) = p.partition);

-- the archive's leaves (a plain archive of an earlier version: itself)
CREATE TEMPORARY TABLE cleanup_archive ON COMMIT DROP AS
SELECT t.relid::regclass AS leaf
  FROM pg_catalog.pg_partition_tree(to_regclass('event_logs_archive')) AS t
 WHERE t.isleaf;

DO $$
DECLARE
    bad text;
BEGIN
    -- a partition that straddles a canonical month's bound was not made by
    -- the scenarios: refuse rather than guess
    SELECT string_agg(p.partition_name, ', ') INTO bad
      FROM pg_temp.cleanup_parts AS p
     WHERE p.month_name IS NULL
       AND EXISTS (SELECT FROM pg_temp.cleanup_months AS m
                    WHERE p.range_from < m.range_to AND p.range_to > m.range_from);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot restore event_logs: % overlap(s) a month of setup without lying within it', bad
            USING ERRCODE = 'feature_not_supported';
    END IF;

    IF (SELECT bool_and(m.in_place) FROM pg_temp.cleanup_months AS m)
       AND NOT EXISTS (SELECT FROM pg_temp.cleanup_parts)
       AND to_regclass('event_logs_archive') IS NULL THEN
        RAISE NOTICE 'event_logs: nothing to undo (event_logs_2024_01, _02, _03 and event_logs_default, no archive)';
        RETURN;
    END IF;

    -- the names of the months to rebuild and of the new DEFAULT must be free
    -- (a weekly or added partition never uses them)
    PERFORM partition_demo.assert_names_free(
        (SELECT array_agg(m.partition_name ORDER BY m.range_from) FROM pg_temp.cleanup_months AS m
          WHERE NOT m.in_place) || 'event_logs_default_next'::text,
        'rebuild the months of setup',
        'nothing was changed; it is the project''s own, with other bounds or outside event_logs: '
        'rename or drop it, or run bin/setup-database --reset to start over');
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. Plan for users_distributed: back to HASH when it is
--    range-partitioned (after migrate), else nothing to do but drop stale
--    copies.
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE cleanup_users ON COMMIT DROP AS
SELECT p.partstrat = 'r' AS swap_back
  FROM pg_catalog.pg_partitioned_table AS p
 WHERE p.partrelid = 'users_distributed'::regclass
   AND p.partstrat IN ('h', 'r');

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.cleanup_users) THEN
        RAISE EXCEPTION 'users_distributed is neither hash- nor range-partitioned'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'bin/setup-database --reset starts over';
    END IF;
    IF NOT (SELECT u.swap_back FROM pg_temp.cleanup_users AS u) THEN
        RAISE NOTICE 'users_distributed: nothing to undo (hash-partitioned)';
        RETURN;
    END IF;
    -- the sequence goes to the hash table
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_id_seq'), 'make the hash table the owner of');
    PERFORM partition_demo.assert_names_free(
        ARRAY['users_distributed_hash_next', 'users_distributed_next_p0', 'users_distributed_next_p1',
              'users_distributed_next_p2', 'users_distributed_next_p3'],
        'build the hash-partitioned users_distributed again');
    -- the new partitions take the names users_distributed_p0 .. _p3 in the
    -- swap, when the kept copy, whose partitions have them, is dropped: any
    -- other table of such a name must not be there
    PERFORM partition_demo.assert_names_free(
        (SELECT array_agg(n.name ORDER BY n.name)
           FROM unnest(ARRAY['users_distributed_p0', 'users_distributed_p1',
                             'users_distributed_p2', 'users_distributed_p3']) AS n(name)
          WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_inherits AS i
                             WHERE i.inhrelid = to_regclass(n.name)
                               AND i.inhparent = to_regclass('users_distributed_hash'))),
        'rebuild the lost users_distributed_hash');
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 4. The tables beside the live ones: the months to rebuild (like
--    partitions: columns, defaults, the parent's indexes, CHECK = the month's
--    bound), a new DEFAULT (CHECK outside January to March), the hash table
--    and its four partitions (LIKE the live table: its columns and types,
--    id's default included, so ids go on from the same sequence), and the
--    plan. Stale copies next to a live hash table, with nothing else to do,
--    are dropped here.
-- -----------------------------------------------------------------------------
SELECT partition_demo.create_range_table('event_logs', m.partition_name, m.range_from, m.range_to)
  FROM pg_temp.cleanup_months AS m
 WHERE NOT m.in_place
 ORDER BY m.range_from;

SELECT partition_demo.create_default_table('event_logs', 'event_logs_default_next',
                                           ARRAY[tsrange('2024-01-01', '2024-04-01')])
 WHERE NOT (SELECT bool_and(m.in_place) FROM pg_temp.cleanup_months AS m)
    OR EXISTS (SELECT FROM pg_temp.cleanup_parts)
    OR to_regclass('event_logs_archive') IS NOT NULL;

DO $$
BEGIN
    IF NOT (SELECT u.swap_back FROM pg_temp.cleanup_users AS u) THEN
        RETURN;
    END IF;
    CREATE TABLE users_distributed_hash_next (
        LIKE users_distributed INCLUDING DEFAULTS,
        CONSTRAINT users_distributed_hash_next_pkey PRIMARY KEY (id)
    ) PARTITION BY HASH (id);
    FOR r IN 0 .. 3 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF users_distributed_hash_next
                            FOR VALUES WITH (MODULUS 4, REMAINDER %s)', 'users_distributed_next_p' || r, r);
    END LOOP;
    CREATE INDEX idx_users_distributed_hash_next_username ON users_distributed_hash_next (username);
    CREATE INDEX idx_users_distributed_hash_next_email    ON users_distributed_hash_next (email);
END
$$;

DO $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT c.partition_name,
                    (SELECT string_agg(p.partition_name, ', ' ORDER BY p.range_from)
                       FROM pg_temp.cleanup_parts AS p WHERE p.month_name = c.partition_name) AS weeks
               FROM pg_temp.cleanup_months AS c WHERE NOT c.in_place ORDER BY c.range_from LOOP
        RAISE NOTICE 'rebuilding % beside event_logs from %', m.partition_name,
            concat_ws(', ', m.weeks, 'the month''s rows of event_logs_default',
                      CASE WHEN to_regclass('event_logs_archive') IS NOT NULL THEN 'event_logs_archive' END);
    END LOOP;
END
$$;

SELECT partition_demo.online_plan('event_logs', 'cleanup', plan.source,
           sources => plan.sources, targets => plan.targets, routes => plan.routes,
           details => plan.details)
  FROM (SELECT CASE WHEN ev.todo THEN 'event_logs'::regclass ELSE 'users_distributed'::regclass END AS source,
               ev.sources || us.sources AS sources,
               ev.targets || us.targets AS targets,
               ev.routes || us.routes AS routes,
               jsonb_build_object(
                   'events', ev.todo,
                   'months', ev.months,
                   'parts', ev.parts,
                   'archive', to_regclass('event_logs_archive') IS NOT NULL,
                   'users', us.todo,
                   'source_groups', array_fill(1, ARRAY[cardinality(ev.sources)])
                                    || array_fill(2, ARRAY[cardinality(us.sources)]),
                   'target_groups', array_fill(1, ARRAY[cardinality(ev.targets)])
                                    || array_fill(2, ARRAY[cardinality(us.targets)])) AS details
          FROM (SELECT d.todo,
                       CASE WHEN d.todo THEN ARRAY['event_logs_default'::regclass]
                                             || coalesce((SELECT array_agg(p.partition ORDER BY p.range_from)
                                                            FROM pg_temp.cleanup_parts AS p), '{}')
                                             || coalesce((SELECT array_agg(a.leaf ORDER BY a.leaf::text)
                                                            FROM pg_temp.cleanup_archive AS a), '{}')
                            ELSE '{}'::regclass[] END AS sources,
                       CASE WHEN d.todo THEN coalesce((SELECT array_agg(quote_ident(m.partition_name)::regclass
                                                                        ORDER BY m.range_from)
                                                         FROM pg_temp.cleanup_months AS m WHERE NOT m.in_place), '{}')
                                             || 'event_logs_default_next'::text::regclass
                            ELSE '{}'::regclass[] END AS targets,
                       CASE WHEN d.todo THEN coalesce((SELECT array_agg(partition_demo.range_route('event_logs',
                                                                            m.range_from, m.range_to)
                                                                        ORDER BY m.range_from)
                                                         FROM pg_temp.cleanup_months AS m WHERE NOT m.in_place), '{}')
                                             || format('NOT (%s)', partition_demo.range_route('event_logs',
                                                           '2024-01-01', '2024-04-01'))
                            ELSE '{}'::text[] END AS routes,
                       coalesce((SELECT jsonb_agg(jsonb_build_object('name', m.partition_name, 'range_from', m.range_from,
                                                                     'range_to', m.range_to) ORDER BY m.range_from)
                                   FROM pg_temp.cleanup_months AS m WHERE NOT m.in_place), '[]') AS months,
                       coalesce((SELECT jsonb_agg(jsonb_build_object('name', p.partition_name, 'month', p.month_name)
                                                  ORDER BY p.range_from)
                                   FROM pg_temp.cleanup_parts AS p), '[]') AS parts
                  FROM (SELECT to_regclass('event_logs_default_next') IS NOT NULL AS todo) AS d) AS ev,
               (SELECT u.swap_back AS todo,
                       CASE WHEN u.swap_back THEN ARRAY['users_distributed'::regclass] ELSE '{}' END AS sources,
                       CASE WHEN u.swap_back THEN ARRAY[to_regclass('users_distributed_hash_next')] ELSE '{}' END AS targets,
                       CASE WHEN u.swap_back THEN ARRAY['true'] ELSE '{}'::text[] END AS routes
                  FROM pg_temp.cleanup_users AS u) AS us) AS plan
 WHERE cardinality(plan.targets) > 0;

-- Stale copies next to a live hash table (the live table is the reference),
-- when nothing else is to be done; otherwise the swap drops them.
DO $$
BEGIN
    IF partition_demo.online_plan_details('event_logs') IS NULL THEN
        PERFORM partition_demo.drop_stale_user_copies();
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 5. Offline: every source's rows into the targets of its group.
-- @online: copy
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_copy_all('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 6. Offline: in each group, the targets together hold exactly the
--    rows of the sources (count and checksum; the checksum is a sum, so it
--    adds up).
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_assert_moved('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 7. Swap, catalog only (ACCESS EXCLUSIVE on event_logs from the first
--    DETACH, on users_distributed from the DROP TRIGGER, until COMMIT).
--    event_logs: every partition that goes out, the months and the new
--    DEFAULT in (their CHECKs spare every scan), the old ones and the
--    archive dropped (every row of them is in the new tables), the new
--    DEFAULT renamed. users_distributed: triggers and sequence first (so that
--    dropping the range table cannot take the sequence along), the range
--    table and the stale copy dropped, the hash table renamed with its
--    partitions, constraint and indexes.
-- @online: swap
-- -----------------------------------------------------------------------------
SELECT partition_demo.assert_ours('event_logs', 'restore');

DO $$
DECLARE
    plan jsonb := partition_demo.online_plan_details('event_logs');
    p    record;
BEGIN
    IF plan IS NULL OR NOT (plan ->> 'events')::boolean THEN
        RETURN;
    END IF;
    ALTER TABLE event_logs DETACH PARTITION event_logs_default;
    FOR p IN SELECT * FROM jsonb_to_recordset(plan -> 'parts') AS x(name text, month text) LOOP
        PERFORM partition_demo.detach_partition('event_logs', p.name);
    END LOOP;
    FOR p IN SELECT * FROM jsonb_to_recordset(plan -> 'months') AS x(name text, range_from timestamp, range_to timestamp)
              ORDER BY x.range_from LOOP
        PERFORM partition_demo.attach_range_table('event_logs', quote_ident(p.name)::regclass, p.range_from, p.range_to);
    END LOOP;
    PERFORM partition_demo.attach_default_table('event_logs', 'event_logs_default_next');
    DROP TABLE event_logs_default;
    FOR p IN SELECT * FROM jsonb_to_recordset(plan -> 'parts') AS x(name text, month text) LOOP
        PERFORM partition_demo.drop_detached('event_logs', p.name);
        RAISE NOTICE 'removed partition %: its rows are in %', p.name, coalesce(p.month, 'event_logs_default');
    END LOOP;
    IF (plan ->> 'archive')::boolean THEN
        DROP TABLE event_logs_archive;
        RAISE NOTICE 'dropped event_logs_archive (its rows are back in event_logs)';
    END IF;
    PERFORM partition_demo.rename_with_indexes('event_logs_default_next', 'event_logs_default');
    RAISE NOTICE 'event_logs has its months of setup again (rebuilt: %)',
        coalesce((SELECT string_agg(x.name, ', ') FROM jsonb_to_recordset(plan -> 'months') AS x(name text)), 'none');
END
$$;

DO $$
BEGIN
    IF partition_demo.online_plan_details('event_logs') IS NULL THEN
        RETURN;
    END IF;
    IF NOT (partition_demo.online_plan_details('event_logs') ->> 'users')::boolean THEN
        PERFORM partition_demo.drop_stale_user_copies();
        RETURN;
    END IF;
    DROP TRIGGER users_distributed_username_unique ON users_distributed;
    DROP TRIGGER users_distributed_username_truncate ON users_distributed;
    CREATE TRIGGER users_distributed_username_unique
        AFTER INSERT OR UPDATE OF username, id OR DELETE ON users_distributed_hash_next
        FOR EACH ROW EXECUTE FUNCTION partition_demo.users_distributed_register_username();
    CREATE TRIGGER users_distributed_username_truncate
        AFTER TRUNCATE ON users_distributed_hash_next
        FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.users_distributed_unregister_truncated();
    ALTER SEQUENCE users_distributed_id_seq OWNED BY users_distributed_hash_next.id;

    DROP TABLE users_distributed;
    PERFORM partition_demo.drop_stale_user_copies();

    ALTER TABLE users_distributed_hash_next RENAME TO users_distributed;
    ALTER TABLE users_distributed RENAME CONSTRAINT users_distributed_hash_next_pkey TO users_distributed_pkey;
    ALTER INDEX idx_users_distributed_hash_next_username RENAME TO idx_users_distributed_username;
    ALTER INDEX idx_users_distributed_hash_next_email    RENAME TO idx_users_distributed_email;
    FOR r IN 0 .. 3 LOOP
        PERFORM partition_demo.rename_with_indexes(quote_ident('users_distributed_next_p' || r)::regclass,
                                                   'users_distributed_p' || r);
    END LOOP;
    RAISE NOTICE 'users_distributed is hash-partitioned again; dropped the range table';
END
$$;

SELECT partition_demo.online_plan_done('event_logs');
SELECT partition_demo.register_created('repartition/14_cleanup_repartition.sql');

-- -----------------------------------------------------------------------------
-- @step: 8. Offline: no row lost, added or changed (every table scanned again),
--    or everything is rolled back. Online, the swap compared every row moved,
--    those written meanwhile included.
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.snapshot('after', 'event_logs_archive', 'event_logs', 'event_logs');
SELECT partition_demo.snapshot('after', 'users_distributed');
SELECT partition_demo.assert_conserved();

-- -----------------------------------------------------------------------------
-- @online: finish
-- -----------------------------------------------------------------------------
SELECT partition_demo.analyze_new_partitions('event_logs');
SELECT partition_demo.analyze_new_partitions('users_distributed');
