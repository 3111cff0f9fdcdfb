-- =============================================================================
-- scripts/03_list_partitions.sql -- migrate orders_by_region (plain) to a
-- table LIST-partitioned on region.
-- =============================================================================
-- Steps (one transaction: all or nothing):
--   0. guard + lock     refuse if orders_by_region is missing or already
--                       partitioned
--   1. create           orders_by_region_partitioned (no keys yet)
--   2. partitions       orders_north_america, orders_europe,
--                       orders_asia_pacific, orders_other (DEFAULT)
--   3. migrate          INSERT ... SELECT with explicit columns; ids preserved
--   4. keys, indexes    primary key and indexes on the parent, built after
--                       the copy (cascade to every partition)
--   5. verify           same row count and content checksum, or roll back
--   6. renames          orders_by_region -> orders_by_region_old (with its
--                       pkey and indexes), then
--                       orders_by_region_partitioned -> orders_by_region
--   7. sequences        the live table keeps its sequence (moved to the new
--                       column), the plain _old one gets a new one
--
-- bin/setup-database wraps this file in BEGIN ... COMMIT. By hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/03_list_partitions.sql
-- =============================================================================

-- -----------------------------------------------------------------------------
-- 0. Guard: only a plain orders_by_region can be migrated, and no leftover of
--    an earlier attempt may be in the way.
-- -----------------------------------------------------------------------------
-- @online: guard
-- Everything this file creates is recorded as the project's (see the end of [swap]).
SELECT partition_demo.track_begin();

-- refused unless orders_by_region is the project's plain table, and every name
-- this file creates is free (see partition_demo.assert_migratable())
SELECT partition_demo.assert_migratable('orders_by_region',
    ARRAY['orders_by_region_partitioned', 'orders_by_region_old', 'orders_by_region_partitioned_id_seq',
          'orders_by_region_old_id_seq', 'orders_north_america', 'orders_europe',
          'orders_asia_pacific', 'orders_other']);

-- EXCLUSIVE: readers go on reading orders_by_region during the copy, writers
-- wait. A row written after the copy would otherwise stay behind in
-- orders_by_region_old at the rename. A waiting INSERT resolves the name
-- again after COMMIT and lands in the new partitioned table.
-- Every lock wait from here on is bounded (SQLSTATE 55P03 when it expires):
-- bin/setup-database sets lock_timeout for the file's transaction
-- (--lock-timeout) and runs the file again, with backoff; run by hand, the
-- wait is 2 s unless the session has a lock_timeout of its own.
-- @online: lock
SELECT partition_demo.bound_lock_waits();
LOCK TABLE orders_by_region IN EXCLUSIVE MODE;

-- -----------------------------------------------------------------------------
-- 1. The partitioned table; the primary key (step 4) must contain the partition key.
-- -----------------------------------------------------------------------------
-- @online: create
CREATE TABLE orders_by_region_partitioned (
    id            BIGSERIAL,
    order_number  VARCHAR(50)   NOT NULL,
    user_id       INTEGER       NOT NULL,
    product_id    INTEGER       NOT NULL,
    region        VARCHAR(20)   NOT NULL,
    order_total   DECIMAL(10,2) NOT NULL,
    order_status  VARCHAR(20)   DEFAULT 'pending',
    created_at    TIMESTAMP     DEFAULT CURRENT_TIMESTAMP
) PARTITION BY LIST (region);

-- -----------------------------------------------------------------------------
-- 2. One partition per geographic region. Regions that no list names (the
--    seed's BR, ZA, AE, ~4%) go to DEFAULT orders_other instead of failing.
-- -----------------------------------------------------------------------------
CREATE TABLE orders_north_america PARTITION OF orders_by_region_partitioned
    FOR VALUES IN ('US', 'CA', 'MX');

CREATE TABLE orders_europe PARTITION OF orders_by_region_partitioned
    FOR VALUES IN ('UK', 'DE', 'FR', 'IT', 'ES');

CREATE TABLE orders_asia_pacific PARTITION OF orders_by_region_partitioned
    FOR VALUES IN ('JP', 'CN', 'AU', 'IN', 'SG');

CREATE TABLE orders_other PARTITION OF orders_by_region_partitioned DEFAULT;

-- -----------------------------------------------------------------------------
-- 3. Copy every row, ids included, with explicit column lists (docs/spec-notes.md §6).
-- -----------------------------------------------------------------------------
-- @online: copy
-- @bench: copy begin
INSERT INTO orders_by_region_partitioned (id, order_number, user_id, product_id, region,
                                          order_total, order_status, created_at)
SELECT id, order_number, user_id, product_id, region,
       order_total, order_status, created_at
FROM orders_by_region;
-- @bench: copy end

-- -----------------------------------------------------------------------------
-- 4. Primary key and indexes, built AFTER the copy (the fast path): one
--    sorted build per partition instead of maintaining every index row
--    by row during the copy (make bench measures both orders). Still in
--    this transaction and before the verification: nobody ever sees the
--    table without them, and a duplicate key fails the migration here.
--    Indexes on the parent (cascade to all partitions, docs/spec-notes.md §7). The
--    region index is kept for parity with the plain table: it still helps
--    within orders_other and within multi-region partitions.
-- -----------------------------------------------------------------------------
-- @online: keys
-- @bench: keys begin
ALTER TABLE orders_by_region_partitioned ADD PRIMARY KEY (id, region);
CREATE INDEX idx_orders_by_region_partitioned_user_id ON orders_by_region_partitioned (user_id);
CREATE INDEX idx_orders_by_region_partitioned_status  ON orders_by_region_partitioned (order_status);
CREATE INDEX idx_orders_by_region_partitioned_region  ON orders_by_region_partitioned (region);
-- @bench: keys end

-- -----------------------------------------------------------------------------
-- 5. Verify: same row count and checksum over all columns, or roll back.
-- -----------------------------------------------------------------------------
-- @online: verify
SELECT partition_demo.assert_same_rows('orders_by_region', 'orders_by_region_partitioned');

-- -----------------------------------------------------------------------------
-- 6. Renames (docs/spec-notes.md §5): old objects to *_old names first, then the new
--    table's objects to the canonical names.
-- -----------------------------------------------------------------------------
-- @online: swap
ALTER TABLE orders_by_region RENAME TO orders_by_region_old;
ALTER TABLE orders_by_region_old RENAME CONSTRAINT orders_by_region_pkey TO orders_by_region_old_pkey;
ALTER INDEX idx_orders_by_region_user_id RENAME TO idx_orders_by_region_old_user_id;
ALTER INDEX idx_orders_by_region_status  RENAME TO idx_orders_by_region_old_status;
ALTER INDEX idx_orders_by_region_region  RENAME TO idx_orders_by_region_old_region;

ALTER TABLE orders_by_region_partitioned RENAME TO orders_by_region;
ALTER TABLE orders_by_region RENAME CONSTRAINT orders_by_region_partitioned_pkey TO orders_by_region_pkey;
ALTER INDEX idx_orders_by_region_partitioned_user_id RENAME TO idx_orders_by_region_user_id;
ALTER INDEX idx_orders_by_region_partitioned_status  RENAME TO idx_orders_by_region_status;
ALTER INDEX idx_orders_by_region_partitioned_region  RENAME TO idx_orders_by_region_region;

-- -----------------------------------------------------------------------------
-- 7. Sequences. The live table keeps the very sequence that has always fed
--    it, orders_by_region_id_seq: a writer may hold ids drawn from it before the swap
--    and insert them after (bin/load-data draws its ids in a statement of
--    their own, and a nextval() waiting on this transaction's locks draws from
--    the sequence it resolved before, by OID, after the COMMIT). A sequence of
--    the new table's own would hand those ids out a second time. So the new
--    BIGSERIAL's sequence is dropped, the old one moves to the new column
--    (OWNED BY) and is only ever moved forward, past max(id) (docs/spec-notes.md §4).
--    The plain orders_by_region_old gets a sequence of its own, past its max(id).
-- -----------------------------------------------------------------------------
ALTER TABLE orders_by_region ALTER COLUMN id SET DEFAULT nextval('orders_by_region_id_seq'::regclass);
ALTER SEQUENCE orders_by_region_id_seq OWNED BY orders_by_region.id;
-- (online, this runs long after the guard: the name is checked again)
SELECT partition_demo.assert_ours('orders_by_region_partitioned_id_seq', 'drop');
DROP SEQUENCE orders_by_region_partitioned_id_seq;
SELECT partition_demo.sync_sequence('orders_by_region_id_seq', 'orders_by_region', 'id', 'orders_by_region_id_seq')
       AS orders_by_region_id_seq_last_value;

CREATE SEQUENCE orders_by_region_old_id_seq AS bigint OWNED BY orders_by_region_old.id;
ALTER TABLE orders_by_region_old ALTER COLUMN id SET DEFAULT nextval('orders_by_region_old_id_seq'::regclass);
SELECT partition_demo.sync_sequence('orders_by_region_old_id_seq', 'orders_by_region_old', 'id')
       AS orders_by_region_old_id_seq_last_value;

-- The tables and sequences created above are the project's: recorded by
-- OID, so that bin/setup-database --reset drops them, and only them.
SELECT partition_demo.register_created('03_list_partitions.sql');

-- @online: finish
-- Autovacuum never analyzes a partitioned parent itself, only its leaves.
ANALYZE orders_by_region;

DO $$
BEGIN
    RAISE NOTICE 'orders_by_region is now list-partitioned by region (% partitions); the plain table is kept as orders_by_region_old',
        (SELECT count(*) FROM pg_catalog.pg_partition_tree('orders_by_region') WHERE isleaf);
END
$$;
