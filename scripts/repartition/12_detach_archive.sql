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
-- event_logs_archive holds every column of event_logs plus
--   archived_at       when the row was archived (the transaction's start)
--   source_partition  the partition it came from
-- with PRIMARY KEY (id, created_at), like event_logs: a row can never be
-- archived twice. bin/repartition cleanup moves the rows back.
--
-- Steps (one transaction: all or nothing):
--   0. lock + guard    EXCLUSIVE on event_logs and every partition of it
--                      (writers wait, also those writing straight into a
--                      partition; readers go on) and on the archive if it
--                      exists; the project must have created each of them
--                      (partition_demo.assert_ours): a table of someone
--                      else's named event_logs_archive never gets our rows,
--                      and only our partitions are dropped
--   1. snapshot        rows and checksum of event_logs and the archive
--   2. plan            the oldest month and its partition(s)
--   3. archive table   created on first use
--   4. copy + verify   copy each partition into the archive; the archive
--                      must have grown by exactly the partitions' rows (count
--                      and checksum over the columns of event_logs)
--   5. detach + drop   only now, the verified partitions (ACCESS EXCLUSIVE)
--   6. verify          event_logs + event_logs_archive, scanned again, hold
--                      exactly the rows of step 1
-- Nothing is dropped unless the archive holds every row: a failed check
-- raises, and the whole transaction is rolled back.
--
-- Afterwards (docs/spec-notes.md §11) new rows dated in the archived month go to
-- event_logs_default; the month can only be re-created after moving them out
-- of DEFAULT, which is what cleanup does. A DELETE or UPDATE on event_logs
-- no longer reaches the archived rows (they are in another table), and
-- cleanup moves them back as they are: run such a write against
-- event_logs_archive too, before cleanup, to make it stick.
--
-- Locks: as in 11_split_partition.sql, EXCLUSIVE on the parent, its
-- partitions and the archive for the copy (readers go on; a session writing
-- into the month or the archive by name waits too, or its rows would be
-- dropped with the month), ACCESS EXCLUSIVE only for the detach and drop.
-- DETACH ... CONCURRENTLY would spare readers, but it cannot run inside a
-- transaction block and is refused while a DEFAULT partition exists.
--
-- bin/repartition detach runs it in one transaction; by hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/12_detach_archive.sql
-- =============================================================================

-- Every lock wait is bounded (SQLSTATE 55P03 when it expires): bin/repartition
-- sets lock_timeout for this transaction (--lock-timeout, default 2 s) and runs
-- the file again, with backoff; run by hand, the wait is 2 s unless the session
-- has a lock_timeout of its own.
SELECT pg_catalog.set_config('lock_timeout', '2s', true)
 WHERE pg_catalog.current_setting('lock_timeout') = '0';

-- Tables this scenario creates are recorded as the project's at its end
-- (bin/setup-database --reset drops those, and only those).
SELECT partition_demo.track_begin();

-- -----------------------------------------------------------------------------
-- @step: 0. Locks (the parent, then - LOCK TABLE recurses - each of its partitions,
--    then the archive), and the layout check.
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;

DO $$
DECLARE
    archive regclass;
BEGIN
    PERFORM partition_demo.range_key_column('event_logs');   -- raises unless RANGE
    PERFORM partition_demo.assert_ours('event_logs', 'archive a month of');
    -- checked before it is locked: a table of someone else's is not even locked
    archive := partition_demo.assert_ours(to_regclass('event_logs_archive'), 'archive rows into');
    IF archive IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', archive);
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Rows and checksum before any change; the archive's over the columns of
--    event_logs, so that both add up to one total.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('before', 'event_logs');
SELECT partition_demo.snapshot('before', 'event_logs_archive', 'event_logs', 'event_logs');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: the partitions of the oldest month, unless it is the only month.
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
    END LOOP;

    SELECT format('%s (%s)', to_char(min(d.month_start), 'YYYY-MM'),
                  string_agg(d.partition_name, ', ' ORDER BY d.range_from))
      INTO summary FROM pg_temp.detach_plan AS d;
    RAISE NOTICE 'archiving the oldest month of event_logs: %', summary;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. The archive table, on first use: the columns of event_logs (explicit,
--    as in 01_range_partitions.sql, without defaults: archived rows keep their
--    values) plus the metadata columns.
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.detach_plan) THEN
        RETURN;
    END IF;
    IF to_regclass('event_logs_archive') IS NOT NULL THEN
        -- step 0 checked the archive there was; this one may have been
        -- created since, by someone else
        PERFORM partition_demo.assert_ours(to_regclass('event_logs_archive'), 'archive rows into');
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
    );
    CREATE INDEX idx_event_logs_archive_created_at ON event_logs_archive (created_at);
    COMMENT ON TABLE event_logs_archive IS
        'rows of event_logs months archived by scripts/repartition/12_detach_archive.sql (cleanup moves them back)';
    RAISE NOTICE 'created event_logs_archive';
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 4. Copy and verify. The archive's fingerprint must have grown by exactly
--    the partitions' fingerprint (checksums are sums: they add up). The
--    partitions and the archive's old rows are not scanned again: measure()
--    remembers them from step 1, and nobody can have written since (step 0
--    locked them).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    parts    regclass[];
    p        record;
    archive0 record;
    archive1 record;
    source   record;
BEGIN
    SELECT array_agg(d.partition ORDER BY d.range_from) INTO parts FROM pg_temp.detach_plan AS d;
    IF parts IS NULL THEN
        RETURN;
    END IF;

    SELECT * INTO STRICT archive0 FROM partition_demo.measure_sum(ARRAY['event_logs_archive'::regclass], 'event_logs');
    SELECT * INTO STRICT source FROM partition_demo.measure_sum(parts, 'event_logs');

    FOR p IN SELECT * FROM pg_temp.detach_plan ORDER BY range_from LOOP
        EXECUTE format(
            'INSERT INTO event_logs_archive
                    (id, event_type, user_id, event_data, ip_address, created_at,
                     archived_at, source_partition)
             SELECT e.id, e.event_type, e.user_id, e.event_data, e.ip_address, e.created_at,
                    now(), $1
               FROM ONLY %s AS e',
            p.partition)
        USING p.partition_name;
    END LOOP;

    SELECT * INTO STRICT archive1 FROM partition_demo.measure_sum(ARRAY['event_logs_archive'::regclass], 'event_logs');
    PERFORM partition_demo.assert_same_fingerprint(
        format('event_logs_archive gained exactly the rows of %s', array_to_string(parts, ', ')),
        source.row_count, source.checksum,
        archive1.row_count - archive0.row_count, archive1.checksum - archive0.checksum);
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 5. Detach and drop the archived partitions (ACCESS EXCLUSIVE on event_logs
--    until COMMIT: readers wait from here on; this part is catalog work only).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM pg_temp.detach_plan ORDER BY range_from LOOP
        EXECUTE format('ALTER TABLE event_logs DETACH PARTITION %s', p.partition);
        EXECUTE format('DROP TABLE %s', p.partition);
        RAISE NOTICE 'detached and dropped % (its rows are in event_logs_archive)', p.partition_name;
    END LOOP;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 6. Verify: event_logs + event_logs_archive, scanned again, hold exactly
--    the rows of step 1.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.snapshot('after', 'event_logs_archive', 'event_logs', 'event_logs');
SELECT partition_demo.assert_conserved();

SELECT partition_demo.register_created('repartition/12_detach_archive.sql');
