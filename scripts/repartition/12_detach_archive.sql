-- =============================================================================
-- scripts/repartition/12_detach_archive.sql -- archive the oldest month of
-- event_logs into event_logs_archive, then detach and drop its partition(s).
-- =============================================================================
-- Which month: the oldest one (the month of the lowest partition bound),
-- whether one monthly partition or the weekly partitions of a split month
-- cover it. The newest month is never archived: run again and again, the file
-- archives January, then February, ..., and finally says there is nothing
-- left to archive.
--
-- event_logs_archive is partitioned like event_logs, by RANGE (created_at):
-- each archived partition becomes a partition of the archive with the same
-- bounds (event_logs_2024_01 -> event_logs_archive_2024_01, a week
-- event_logs_2024_03_w1 -> event_logs_archive_2024_03_w1). Its columns are
-- those of event_logs plus
--   archived_at       when the row was archived (the copy's transaction start)
--   source_partition  the partition it came from
-- and PRIMARY KEY (id, created_at), like event_logs: a row can never be
-- archived twice. bin/repartition cleanup moves the rows back.
--
-- The archive's partitions are built beside the live ones, filled from them
-- while they are attached and readable, and swapped in with catalog work only:
--
--   guard    event_logs range-partitioned, every partition the project's
--            (they are dropped at the end: never a table of someone else's),
--            the archive the project's and partitioned; no online scenario
--            in progress
--   lock     (offline only) EXCLUSIVE on event_logs, every partition and the
--            archive: writers wait, readers go on; rows and checksums of
--            event_logs and the archive together
--   create   the plan (the partitions of the oldest month, temporary table
--            detach_plan; an archive partition's name taken is refused); the
--            archive on first use; one standalone table per partition to
--            archive, shaped like a partition of the archive (columns,
--            defaults, indexes, CHECK = the partition's bound), whose
--            source_partition defaults to the partition's name; the plan
--            recorded (partition_demo.online_plan: each partition's rows go
--            to its table, by its bound)
--   copy     (offline only) each partition's rows into its table
--   verify   (offline only) the tables together hold exactly the month's rows
--   swap     DETACH and DROP the month's partitions, ATTACH their tables to
--            the archive (their CHECKs prove the bounds: nothing is scanned),
--            source_partition's default dropped
--   verify   (offline only) event_logs + event_logs_archive, scanned again,
--            hold exactly the rows they held at the lock
--   finish   ANALYZE the archive's new partitions
--
-- bin/repartition detach runs it ONLINE: the sections in the steps of
-- scripts/online/00_online_functions.sql (capture triggers on the month's
-- partitions; batched copy; replay of the writes made meanwhile; comparison
-- at one snapshot; the swap in one short transaction, ACCESS EXCLUSIVE on
-- event_logs and the month's partitions, SHARE UPDATE EXCLUSIVE on the archive,
-- which its readers and writers pass; docs/repartition.md has the locks).
-- bin/repartition --offline detach runs the whole file in one transaction,
-- as does psql:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/12_detach_archive.sql
-- (after scripts/lib/partition_demo.sql and scripts/online/00_online_functions.sql).
-- Readers see every row at every moment: in event_logs until the swap
-- commits, in event_logs_archive from then on, never in both or neither.
--
-- Afterwards (docs/spec-notes.md §11) new rows dated in the archived month go to
-- event_logs_default; the month can only be re-created after moving them out
-- of DEFAULT, which is what cleanup does. A DELETE or UPDATE on event_logs
-- no longer reaches the archived rows (they are in another table), and
-- cleanup moves them back as they are: run such a write against
-- event_logs_archive too, before cleanup, to make it stick. A write made
-- while the scenario runs, before its swap, reaches them: it is captured and
-- replayed into the archive.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- @step: 0. Check the layout and the archive; nothing is locked yet.
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
DECLARE
    archive regclass;
BEGIN
    PERFORM partition_demo.online_assert_idle('event_logs');
    PERFORM partition_demo.range_key_column('event_logs');   -- raises unless RANGE
    PERFORM partition_demo.assert_ours('event_logs', 'archive a month of');
    -- a table of someone else's named event_logs_archive never gets our rows
    archive := partition_demo.assert_ours(to_regclass('event_logs_archive'), 'archive rows into');
    IF archive IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_partitioned_table AS p
                                            WHERE p.partrelid = archive AND p.partstrat = 'r') THEN
        RAISE EXCEPTION 'event_logs_archive is not partitioned by range (an earlier version made it a plain table)'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'archived partitions become partitions of the archive, attached without a scan',
                  HINT = 'nothing was changed; bin/repartition cleanup moves its rows back and drops it, then detach again';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Offline: lock the parent, then (LOCK TABLE recurses) each of its
--    partitions, then the archive; rows and checksum of both, the archive's
--    over the columns of event_logs, so that both add up to one total.
-- @online: lock
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;

DO $$
BEGIN
    IF to_regclass('event_logs_archive') IS NOT NULL THEN
        LOCK TABLE event_logs_archive IN EXCLUSIVE MODE;
    END IF;
END
$$;

SELECT partition_demo.snapshot('before', 'event_logs');
SELECT partition_demo.snapshot('before', 'event_logs_archive', 'event_logs', 'event_logs');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: the partitions of the oldest month, unless it is the only
--    month, and the archive partition each becomes.
-- @online: create
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE detach_plan ON COMMIT DROP AS
WITH parts AS (
    SELECT p.partition, p.range_from, p.range_to,
           date_trunc('month', p.range_from) AS month_start
      FROM partition_demo.range_partitions('event_logs') AS p
     WHERE NOT p.is_default
),
oldest AS (
    SELECT min(parts.month_start) AS month_start,
           count(DISTINCT parts.month_start) AS months
      FROM parts
)
SELECT parts.partition, c.relname::text AS partition_name,
       CASE WHEN c.relname LIKE 'event\_logs\_%' THEN 'event_logs_archive' || substr(c.relname, 11)
            ELSE 'event_logs_archive_' || c.relname END AS archive_name,
       parts.range_from, parts.range_to, parts.month_start
  FROM parts
  JOIN oldest ON parts.month_start = oldest.month_start
  JOIN pg_catalog.pg_class AS c ON c.oid = parts.partition
 WHERE oldest.months > 1;

DO $$
DECLARE
    p       record;
    summary text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.detach_plan) THEN
        RAISE NOTICE 'nothing left to archive: event_logs has a single month left (%), which stays',
            (SELECT string_agg(q.partition::text, ', ' ORDER BY q.range_from)
               FROM partition_demo.range_partitions('event_logs') AS q WHERE NOT q.is_default);
        RETURN;
    END IF;

    FOR p IN SELECT * FROM pg_temp.detach_plan ORDER BY range_from LOOP
        IF p.range_to > p.month_start + interval '1 month' THEN
            RAISE EXCEPTION '% spans more than one month (% to %)', p.partition, p.range_from, p.range_to
                USING ERRCODE = 'feature_not_supported';
        END IF;
        IF to_regclass('event_logs_archive') IS NOT NULL AND EXISTS (
               SELECT FROM partition_demo.range_partitions(to_regclass('event_logs_archive')) AS a
                WHERE a.range_from < p.range_to AND a.range_to > p.range_from) THEN
            RAISE EXCEPTION 'event_logs_archive already has a partition for the rows of % (% to %)',
                            p.partition, p.range_from, p.range_to
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'nothing was changed; bin/repartition cleanup moves the archived rows back';
        END IF;
    END LOOP;
    PERFORM partition_demo.assert_names_free(
        (SELECT array_agg(d.archive_name ORDER BY d.range_from) FROM pg_temp.detach_plan AS d),
        'archive the oldest month of event_logs');

    SELECT format('%s (%s)', to_char(min(d.month_start), 'YYYY-MM'),
                  string_agg(d.partition_name, ', ' ORDER BY d.range_from))
      INTO summary FROM pg_temp.detach_plan AS d;
    RAISE NOTICE 'archiving the oldest month of event_logs: %', summary;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. The archive on first use (the columns of event_logs, explicit, as
--    in 01_range_partitions.sql, without defaults: archived rows keep their
--    values; plus the metadata columns), then one standalone table per
--    partition to archive, and the plan.
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.detach_plan) OR to_regclass('event_logs_archive') IS NOT NULL THEN
        RETURN;
    END IF;
    CREATE TABLE event_logs_archive (
        id                BIGINT       NOT NULL,
        event_type        VARCHAR(50)  NOT NULL,
        user_id           INTEGER      NOT NULL,
        event_data        JSONB,
        ip_address        INET,
        created_at        TIMESTAMP    NOT NULL,
        archived_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
        source_partition  TEXT         NOT NULL,
        PRIMARY KEY (id, created_at)
    ) PARTITION BY RANGE (created_at);
    CREATE INDEX idx_event_logs_archive_created_at ON event_logs_archive (created_at);
    COMMENT ON TABLE event_logs_archive IS
        'rows of event_logs months archived by scripts/repartition/12_detach_archive.sql (cleanup moves them back)';
    RAISE NOTICE 'created event_logs_archive';
END
$$;

-- The indexes are built now, with the tables: ATTACH adopts matching indexes
-- instead of building them while it holds its locks. source_partition's
-- default names the partition each table takes the rows of, until the swap.
SELECT partition_demo.create_range_table(to_regclass('event_logs_archive'), d.archive_name, d.range_from, d.range_to)
  FROM pg_temp.detach_plan AS d
 ORDER BY d.range_from;

DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT * FROM pg_temp.detach_plan ORDER BY range_from LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN source_partition SET DEFAULT %L',
                       d.archive_name, d.partition_name);
    END LOOP;
END
$$;

SELECT partition_demo.online_plan('event_logs', 'detach', 'event_logs',
           sources => array_agg(d.partition ORDER BY d.range_from),
           targets => array_agg(quote_ident(d.archive_name)::regclass ORDER BY d.range_from),
           routes  => array_agg(partition_demo.range_route('event_logs', d.range_from, d.range_to)
                                ORDER BY d.range_from),
           details => jsonb_build_object(
               'month', to_char(min(d.month_start), 'YYYY-MM'),
               'parts', jsonb_agg(jsonb_build_object('partition', d.partition_name, 'archive', d.archive_name,
                                                     'range_from', d.range_from, 'range_to', d.range_to)
                                  ORDER BY d.range_from)))
  FROM pg_temp.detach_plan AS d
HAVING count(*) > 0;

-- -----------------------------------------------------------------------------
-- @step: 4. Offline: copy each partition's rows into its table.
-- @online: copy
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_copy_all('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 5. Offline: the tables together hold exactly the month's rows (count
--    and checksum over the columns of event_logs; the checksum is a sum, so
--    it adds up).
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_assert_moved('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 6. Swap, catalog only: the archive locked for ATTACH first (SHARE
--    UPDATE EXCLUSIVE: its readers and writers go on), then the month's
--    partitions detached and dropped (every row of them is in the tables;
--    ACCESS EXCLUSIVE on event_logs from the first DETACH to COMMIT), the
--    tables attached to the archive (their CHECKs spare the scan; the archive
--    has no DEFAULT to scan). DETACH ... CONCURRENTLY is no option: it
--    refuses to run in a transaction block and when a DEFAULT partition
--    exists (docs/spec-notes.md §11).
-- @online: swap
-- -----------------------------------------------------------------------------
SELECT partition_demo.assert_ours('event_logs', 'archive a month of');

DO $$
DECLARE
    p record;
BEGIN
    IF partition_demo.online_plan_details('event_logs') IS NULL THEN
        RETURN;
    END IF;
    LOCK TABLE ONLY event_logs_archive IN SHARE UPDATE EXCLUSIVE MODE;
    FOR p IN SELECT * FROM jsonb_to_recordset(partition_demo.online_plan_details('event_logs') -> 'parts')
                        AS x(partition text, archive text, range_from timestamp, range_to timestamp)
              ORDER BY x.range_from LOOP
        PERFORM partition_demo.detach_partition('event_logs', p.partition);
        PERFORM partition_demo.drop_detached('event_logs', p.partition);
        PERFORM partition_demo.attach_range_table(to_regclass('event_logs_archive'), quote_ident(p.archive)::regclass,
                                                  p.range_from, p.range_to);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN source_partition DROP DEFAULT', p.archive);
        RAISE NOTICE 'archived %: its rows are in %, a partition of event_logs_archive', p.partition, p.archive;
    END LOOP;
END
$$;

SELECT partition_demo.online_plan_done('event_logs');
SELECT partition_demo.register_created('repartition/12_detach_archive.sql');

-- -----------------------------------------------------------------------------
-- @step: 7. Offline: event_logs + event_logs_archive, every partition scanned
--    again, hold exactly the rows of step 1, or roll back. Online, the swap
--    compared every row moved, those written meanwhile included.
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.snapshot('after', 'event_logs_archive', 'event_logs', 'event_logs');
SELECT partition_demo.assert_conserved();

-- -----------------------------------------------------------------------------
-- @online: finish
-- -----------------------------------------------------------------------------
SELECT partition_demo.analyze_new_partitions(to_regclass('event_logs_archive'));
