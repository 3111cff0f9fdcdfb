-- =============================================================================
-- scripts/repartition/10_add_new_partition.sql -- add the next monthly
-- partition of event_logs, after the last one, even when event_logs_default
-- already holds rows of that month, however many.
-- =============================================================================
-- PostgreSQL refuses to create or attach a partition while DEFAULT holds rows
-- of its range ("updated partition constraint for default partition ... would
-- be violated by some row", SQLSTATE 23514; docs/spec-notes.md §9). So the
-- month is not carved out of DEFAULT in place: DEFAULT is REPLACED by two
-- tables built beside it, the new month and a new DEFAULT without it, and the
-- swap only changes the catalog:
--
--   guard    event_logs is range-partitioned with event_logs_default as its
--            DEFAULT, created by the project with every partition
--            (partition_demo.assert_ours); no online scenario in progress
--   lock     (offline only) EXCLUSIVE on event_logs and every partition:
--            writers wait, readers go on; rows and checksums per partition
--   create   the plan: the month after the highest upper bound, e.g.
--            event_logs_2024_04 for [2024-04-01, 2024-05-01); two tables
--            shaped like partitions (columns, defaults, the parent's indexes):
--            the month, with a CHECK equal to its bound, and
--            event_logs_default_next, with a CHECK "outside" each run of
--            ranges the partitions will cover; recorded as the plan
--            (partition_demo.online_plan: DEFAULT's rows go to the month or
--            to the new DEFAULT, by the month's bound)
--   copy     (offline only) every row of DEFAULT into one of them
--   verify   (offline only) both together hold exactly DEFAULT's rows
--   swap     DETACH DEFAULT; ATTACH the month and the new DEFAULT (their
--            CHECKs prove the bounds, so neither is scanned); DROP the old
--            DEFAULT; the new one takes its name; a test insert of the month
--            must land in the new partition (then it is deleted)
--   verify   (offline only) event_logs, every partition scanned again, holds
--            exactly the rows it held at the lock
--   finish   ANALYZE the new tables
--
-- bin/repartition add runs it ONLINE: the sections above in the order of
-- scripts/online/00_online_functions.sql (prepare = guard + create + capture
-- triggers on event_logs_default; batched copy; replay of the writes made
-- meanwhile; comparison at one snapshot; the swap in one short transaction
-- under ACCESS EXCLUSIVE on event_logs and DEFAULT, a few milliseconds;
-- docs/repartition.md has the locks).
-- bin/repartition --offline add runs the whole file in one transaction, as
-- does psql:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/10_add_new_partition.sql
-- (after scripts/lib/partition_demo.sql and scripts/online/00_online_functions.sql).
-- Run again, it adds the month after that one.
--
-- Writers that wait. An INSERT queued behind the swap's lock on event_logs
-- routes its row after COMMIT, with the new partitions: an April row lands
-- in the month. A session writing into event_logs_default by name waits for
-- the lock on the old DEFAULT and, PostgreSQL looking the name up again
-- after the wait, writes into the new one.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- @step: 0. Check the layout; nothing is locked yet.
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
    PERFORM partition_demo.range_key_column('event_logs');   -- raises unless RANGE
    -- DEFAULT is dropped after the swap and a test row goes through the
    -- parent: only tables of the project's
    PERFORM partition_demo.assert_ours('event_logs', 'add a partition to');
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_partitioned_table AS p
                    WHERE p.partrelid = 'event_logs'::regclass
                      AND p.partdefid = to_regclass('event_logs_default')) THEN
        RAISE EXCEPTION 'event_logs_default is not the DEFAULT partition of event_logs'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'run bin/setup-database first (or bin/repartition cleanup)';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Offline: lock the parent, then (LOCK TABLE recurses) each of its
--    partitions, in the order of an INSERT through the parent; rows and
--    checksum per partition before any change.
-- @online: lock
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;
SELECT partition_demo.snapshot('before', 'event_logs');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan the month after the highest upper bound (weekly partitions of
--    a split month end at its last day, so this is always a month start) and
--    build the month and the new DEFAULT beside the old one.
-- @online: create
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE add_plan ON COMMIT DROP AS
SELECT format('event_logs_%s', to_char(last.upper_bound, 'YYYY_MM')) AS partition_name,
       last.upper_bound                                         AS range_from,
       last.upper_bound + interval '1 month'                    AS range_to
  FROM (SELECT max(p.range_to) AS upper_bound
          FROM partition_demo.range_partitions('event_logs') AS p) AS last;

DO $$
DECLARE
    p record;
BEGIN
    SELECT * INTO STRICT p FROM pg_temp.add_plan;
    IF p.range_from IS NULL OR p.range_from <> date_trunc('month', p.range_from) THEN
        RAISE EXCEPTION 'cannot find the next month of event_logs (highest upper bound: %)', p.range_from
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'the monthly layout of event_logs is not the one this demo creates; run bin/repartition cleanup';
    END IF;
    PERFORM partition_demo.assert_names_free(ARRAY[p.partition_name, 'event_logs_default_next'],
                                             format('add partition %s to event_logs', p.partition_name));
END
$$;

-- The indexes are built now, with the tables: ATTACH adopts matching indexes
-- instead of building them while it holds its strongest locks.
SELECT partition_demo.create_range_table('event_logs', p.partition_name, p.range_from, p.range_to),
       partition_demo.create_default_table('event_logs', 'event_logs_default_next',
           partition_demo.range_layout('event_logs') || tsrange(p.range_from, p.range_to))
  FROM pg_temp.add_plan AS p;

SELECT partition_demo.online_plan('event_logs', 'add', 'event_logs',
           sources => ARRAY['event_logs_default'::regclass],
           targets => ARRAY[quote_ident(p.partition_name)::regclass, 'event_logs_default_next'::regclass],
           routes  => ARRAY[partition_demo.range_route('event_logs', p.range_from, p.range_to),
                            format('NOT (%s)', partition_demo.range_route('event_logs', p.range_from, p.range_to))],
           details => jsonb_build_object('partition_name', p.partition_name,
                                         'range_from', p.range_from, 'range_to', p.range_to))
  FROM pg_temp.add_plan AS p;

-- -----------------------------------------------------------------------------
-- @step: 3. Offline: every row of DEFAULT into the month or the new DEFAULT.
-- @online: copy
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_copy_all('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 4. Offline: the two hold exactly DEFAULT's rows, by count and checksum.
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_assert_moved('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 5. Swap, catalog only: DEFAULT out, the month and the new DEFAULT in,
--    the old DEFAULT dropped (every row of it is in the two), then a test
--    insert through the parent must land in the new month (the row is
--    deleted again, its id spent, so the data stays as it was).
-- @online: swap
-- -----------------------------------------------------------------------------
SELECT partition_demo.assert_ours('event_logs', 'add a partition to');

ALTER TABLE event_logs DETACH PARTITION event_logs_default;

SELECT partition_demo.attach_range_table('event_logs',
           quote_ident(partition_demo.online_plan_detail('event_logs', 'partition_name'))::regclass,
           partition_demo.online_plan_detail('event_logs', 'range_from')::timestamp,
           partition_demo.online_plan_detail('event_logs', 'range_to')::timestamp);

SELECT partition_demo.attach_default_table('event_logs', 'event_logs_default_next');

DROP TABLE event_logs_default;

SELECT partition_demo.rename_with_indexes('event_logs_default_next', 'event_logs_default');

DO $$
DECLARE
    name text := partition_demo.online_plan_detail('event_logs', 'partition_name');
    day  timestamp := partition_demo.online_plan_detail('event_logs', 'range_from')::timestamp
                      + interval '14 days';
    t    record;
BEGIN
    INSERT INTO event_logs (event_type, user_id, event_data, created_at)
    VALUES ('repartition_test', 0, '{"scenario": "add"}', day)
    RETURNING id, created_at, tableoid::regclass AS landed_in INTO t;

    IF t.landed_in <> quote_ident(name)::regclass THEN
        RAISE EXCEPTION 'test insert dated % landed in %, not in %', t.created_at, t.landed_in, name
            USING ERRCODE = 'internal_error';
    END IF;
    DELETE FROM event_logs AS e WHERE e.id = t.id AND e.created_at = t.created_at;
    RAISE NOTICE 'test insert: a row dated % landed in %, then was removed', t.created_at, t.landed_in;
END
$$;

SELECT partition_demo.online_plan_done('event_logs');
SELECT partition_demo.register_created('repartition/10_add_new_partition.sql');

-- -----------------------------------------------------------------------------
-- @step: 6. Offline: event_logs, every partition scanned again, holds exactly
--    the rows of step 1 (a moved row counts once, wherever it is), or
--    everything is rolled back. Online, the swap compared every row moved,
--    those written meanwhile included (scripts/online/00_online_functions.sql).
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.assert_conserved();

-- -----------------------------------------------------------------------------
-- @online: finish
-- -----------------------------------------------------------------------------
SELECT partition_demo.analyze_new_partitions('event_logs');
