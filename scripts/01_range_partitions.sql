-- =============================================================================
-- scripts/01_range_partitions.sql -- migrate event_logs (plain) to a table
-- RANGE-partitioned by month on created_at.
-- =============================================================================
-- Steps (one transaction: all or nothing):
--   0. guard + lock     refuse if event_logs is missing or already partitioned
--   1. create           event_logs_partitioned (no keys yet)
--   2. partitions       event_logs_2024_01, _02, _03 and event_logs_default
--   3. migrate          INSERT ... SELECT with explicit columns; ids preserved
--   4. keys, indexes    primary key and indexes on the parent, built after
--                       the copy (cascade to every partition)
--   5. verify           same row count and content checksum, or roll back
--   6. renames          event_logs -> event_logs_old (with its pkey and indexes),
--                       then event_logs_partitioned -> event_logs
--                       (with canonical pkey and index names)
--   7. sequences        the live table keeps its sequence (moved to the new
--                       column), the plain _old one gets a new one
--
-- bin/setup-database wraps this file in BEGIN ... COMMIT. By hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/01_range_partitions.sql
-- It must run in ONE transaction: run statement by statement, a failure would
-- leave the renames half done (docs/spec-notes.md §3).
-- =============================================================================

-- -----------------------------------------------------------------------------
-- 0. Guard: only a plain event_logs can be migrated, and no leftover of an
--    earlier attempt may be in the way.
-- -----------------------------------------------------------------------------
-- @online: guard
-- Everything this file creates is recorded as the project's (see the end of [swap]).
SELECT partition_demo.track_begin();

-- refused unless event_logs is the project's plain table, and every name
-- this file creates is free (see partition_demo.assert_migratable())
SELECT partition_demo.assert_migratable('event_logs',
    ARRAY['event_logs_partitioned', 'event_logs_old', 'event_logs_partitioned_id_seq',
          'event_logs_old_id_seq', 'event_logs_2024_01', 'event_logs_2024_02',
          'event_logs_2024_03', 'event_logs_default']);

-- EXCLUSIVE: readers go on reading event_logs during the copy, writers wait.
-- A row written after the copy would otherwise stay behind in event_logs_old
-- at the rename and be lost to the live table. (Tested: an INSERT that waited
-- on this lock resolves the name again after COMMIT and lands in the new
-- partitioned event_logs, with an id from its sequence.)
-- Every lock wait from here on is bounded (SQLSTATE 55P03 when it expires):
-- bin/setup-database sets lock_timeout for the file's transaction
-- (--lock-timeout) and runs the file again, with backoff; run by hand, the
-- wait is 2 s unless the session has a lock_timeout of its own.
-- @online: lock
SELECT partition_demo.bound_lock_waits();
LOCK TABLE event_logs IN EXCLUSIVE MODE;

-- -----------------------------------------------------------------------------
-- 1. The partitioned table. The primary key (step 4) must contain the partition key
--    (created_at); id alone stays unique in practice through the sequence.
-- -----------------------------------------------------------------------------
-- @online: create
CREATE TABLE event_logs_partitioned (
    id          BIGSERIAL,
    event_type  VARCHAR(50) NOT NULL,
    user_id     INTEGER     NOT NULL,
    event_data  JSONB,
    ip_address  INET,
    created_at  TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP
) PARTITION BY RANGE (created_at);

-- -----------------------------------------------------------------------------
-- 2. Monthly partitions (upper bounds are exclusive) and a DEFAULT for rows
--    outside them. The seed deliberately puts ~5% (April-June) in DEFAULT;
--    before a partition for such a month can be added, its rows must be moved
--    out of DEFAULT (scripts/repartition/10_add_new_partition.sql).
-- -----------------------------------------------------------------------------
CREATE TABLE event_logs_2024_01 PARTITION OF event_logs_partitioned
    FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');

CREATE TABLE event_logs_2024_02 PARTITION OF event_logs_partitioned
    FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');

CREATE TABLE event_logs_2024_03 PARTITION OF event_logs_partitioned
    FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');

CREATE TABLE event_logs_default PARTITION OF event_logs_partitioned DEFAULT;

-- -----------------------------------------------------------------------------
-- 3. Copy every row, ids included; explicit column lists so that column order
--    can never silently mismatch (docs/spec-notes.md §6). Rows route to partitions.
-- -----------------------------------------------------------------------------
-- @online: copy
-- @bench: copy begin
INSERT INTO event_logs_partitioned (id, event_type, user_id, event_data, ip_address, created_at)
SELECT id, event_type, user_id, event_data, ip_address, created_at
FROM event_logs;
-- @bench: copy end

-- -----------------------------------------------------------------------------
-- 4. Primary key and indexes, built AFTER the copy (the fast path): one
--    sorted build per partition instead of maintaining every index row
--    by row during the copy (make bench measures both orders). Still in
--    this transaction and before the verification: nobody ever sees the
--    table without them, and a duplicate key fails the migration here.
--    Indexes on the parent: PostgreSQL (11+) creates the matching index on
--    every partition, and on every partition created or attached later
--    (docs/spec-notes.md §7). Same set as on the plain table; the temporary names
--    become the canonical ones in step 6.
-- -----------------------------------------------------------------------------
-- @online: keys
-- @bench: keys begin
ALTER TABLE event_logs_partitioned ADD PRIMARY KEY (id, created_at);
CREATE INDEX idx_event_logs_partitioned_created_at ON event_logs_partitioned (created_at);
CREATE INDEX idx_event_logs_partitioned_event_type ON event_logs_partitioned (event_type);
CREATE INDEX idx_event_logs_partitioned_user_id    ON event_logs_partitioned (user_id);
-- @bench: keys end

-- -----------------------------------------------------------------------------
-- 5. Verify: same row count and checksum over all columns, or the whole
--    transaction is rolled back and event_logs stays as it was.
-- -----------------------------------------------------------------------------
-- @online: verify
SELECT partition_demo.assert_same_rows('event_logs', 'event_logs_partitioned');

-- -----------------------------------------------------------------------------
-- 6. Renames. RENAME TABLE does not rename indexes, constraints or sequences
--    (docs/spec-notes.md §5), so each is renamed explicitly: first the old table's
--    objects to *_old names (freeing the canonical names), then the new
--    table's objects to the canonical names. Renaming a constraint renames
--    its index too. Defaults reference sequences by OID: renames are safe.
-- -----------------------------------------------------------------------------
-- @online: swap
ALTER TABLE event_logs RENAME TO event_logs_old;
ALTER TABLE event_logs_old RENAME CONSTRAINT event_logs_pkey TO event_logs_old_pkey;
ALTER INDEX idx_event_logs_created_at RENAME TO idx_event_logs_old_created_at;
ALTER INDEX idx_event_logs_event_type RENAME TO idx_event_logs_old_event_type;
ALTER INDEX idx_event_logs_user_id    RENAME TO idx_event_logs_old_user_id;

ALTER TABLE event_logs_partitioned RENAME TO event_logs;
ALTER TABLE event_logs RENAME CONSTRAINT event_logs_partitioned_pkey TO event_logs_pkey;
ALTER INDEX idx_event_logs_partitioned_created_at RENAME TO idx_event_logs_created_at;
ALTER INDEX idx_event_logs_partitioned_event_type RENAME TO idx_event_logs_event_type;
ALTER INDEX idx_event_logs_partitioned_user_id    RENAME TO idx_event_logs_user_id;

-- -----------------------------------------------------------------------------
-- 7. Sequences. The live table keeps the very sequence that has always fed
--    it, event_logs_id_seq: a writer may hold ids drawn from it before the swap
--    and insert them after (bin/load-data draws its ids in a statement of
--    their own, and a nextval() waiting on this transaction's locks draws from
--    the sequence it resolved before, by OID, after the COMMIT). A sequence of
--    the new table's own would hand those ids out a second time. So the new
--    BIGSERIAL's sequence is dropped, the old one moves to the new column
--    (OWNED BY) and is only ever moved forward, past max(id) (docs/spec-notes.md §4).
--    The plain event_logs_old gets a sequence of its own, past its max(id).
-- -----------------------------------------------------------------------------
ALTER TABLE event_logs ALTER COLUMN id SET DEFAULT nextval('event_logs_id_seq'::regclass);
ALTER SEQUENCE event_logs_id_seq OWNED BY event_logs.id;
-- (online, this runs long after the guard: the name is checked again)
SELECT partition_demo.assert_ours('event_logs_partitioned_id_seq', 'drop');
DROP SEQUENCE event_logs_partitioned_id_seq;
SELECT partition_demo.sync_sequence('event_logs_id_seq', 'event_logs', 'id', 'event_logs_id_seq')
       AS event_logs_id_seq_last_value;

CREATE SEQUENCE event_logs_old_id_seq AS bigint OWNED BY event_logs_old.id;
ALTER TABLE event_logs_old ALTER COLUMN id SET DEFAULT nextval('event_logs_old_id_seq'::regclass);
SELECT partition_demo.sync_sequence('event_logs_old_id_seq', 'event_logs_old', 'id')
       AS event_logs_old_id_seq_last_value;

-- The tables and sequences created above are the project's: recorded by
-- OID, so that bin/setup-database --reset drops them, and only them.
SELECT partition_demo.register_created('01_range_partitions.sql');

-- @online: finish
-- Autovacuum never analyzes a partitioned parent itself, only its leaves;
-- without parent statistics, plans over the whole table are guesses.
ANALYZE event_logs;

DO $$
BEGIN
    RAISE NOTICE 'event_logs is now range-partitioned by month (% partitions); the plain table is kept as event_logs_old',
        (SELECT count(*) FROM pg_catalog.pg_partition_tree('event_logs') WHERE isleaf);
END
$$;
