-- =============================================================================
-- scripts/04_composite_partitions.sql -- migrate sales_data (plain) to a
-- two-level partitioned table: RANGE by quarter on sale_date, each quarter
-- LIST-partitioned on product_category.
-- =============================================================================
-- Steps (one transaction: all or nothing):
--   0. guard + lock     refuse if sales_data is missing or already partitioned
--   1. create           sales_data_partitioned,
--                       PRIMARY KEY (id, sale_date, product_category)
--   2. partitions       sales_2024_q1, sales_2024_q2 (each BY LIST) and the
--                       top-level DEFAULT sales_default
--   2b. sub-partitions  sales_2024_q{1,2}_electronics, _clothing, _other
--   3. migrate          INSERT ... SELECT with explicit columns; ids preserved
--   4. keys, indexes    primary key and indexes on the parent, built after
--                       the copy (cascade to every partition)
--   5. verify           same row count and content checksum, or roll back
--   6. renames          sales_data -> sales_data_old (with its pkey and indexes),
--                       then sales_data_partitioned -> sales_data
--   7. sequences        the live table keeps its sequence (moved to the new
--                       column), the plain _old one gets a new one
--
-- bin/setup-database wraps this file in BEGIN ... COMMIT. By hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/04_composite_partitions.sql
-- =============================================================================

-- -----------------------------------------------------------------------------
-- 0. Guard: only a plain sales_data can be migrated, and no leftover of an
--    earlier attempt may be in the way.
-- -----------------------------------------------------------------------------
-- @online: guard
-- Everything this file creates is recorded as the project's (see the end of [swap]).
SELECT partition_demo.track_begin();

-- refused unless sales_data is the project's plain table, and every name
-- this file creates is free (see partition_demo.assert_migratable())
SELECT partition_demo.assert_migratable('sales_data',
    ARRAY['sales_data_partitioned', 'sales_data_old', 'sales_data_partitioned_id_seq',
          'sales_data_old_id_seq', 'sales_2024_q1', 'sales_2024_q2',
          'sales_default', 'sales_2024_q1_electronics', 'sales_2024_q1_clothing',
          'sales_2024_q1_other', 'sales_2024_q2_electronics', 'sales_2024_q2_clothing',
          'sales_2024_q2_other']);

-- EXCLUSIVE: readers go on reading sales_data during the copy, writers wait.
-- A row written after the copy would otherwise stay behind in sales_data_old
-- at the rename. A waiting INSERT resolves the name again after COMMIT and
-- lands in the new partitioned table.
-- Every lock wait from here on is bounded (SQLSTATE 55P03 when it expires):
-- bin/setup-database sets lock_timeout for the file's transaction
-- (--lock-timeout) and runs the file again, with backoff; run by hand, the
-- wait is 2 s unless the session has a lock_timeout of its own.
-- @online: lock
SELECT partition_demo.bound_lock_waits();
LOCK TABLE sales_data IN EXCLUSIVE MODE;

-- -----------------------------------------------------------------------------
-- 1. The partitioned table. The primary key (step 4) must contain the partition keys
--    of BOTH levels: sale_date (range) and product_category (list).
-- -----------------------------------------------------------------------------
-- @online: create
CREATE TABLE sales_data_partitioned (
    id                BIGSERIAL,
    sale_date         DATE          NOT NULL,
    product_category  VARCHAR(50)   NOT NULL,
    product_id        INTEGER       NOT NULL,
    quantity          INTEGER       NOT NULL,
    unit_price        DECIMAL(10,2) NOT NULL,
    total_amount      DECIMAL(10,2) NOT NULL,
    store_id          INTEGER
) PARTITION BY RANGE (sale_date);

-- -----------------------------------------------------------------------------
-- 2. First level: one partition per quarter, itself partitioned by category.
--
--    Decision (docs/spec-notes.md §2): the spec defines only Q1 and Q2 2024, so any
--    sale dated outside them would be rejected ("no partition of relation ...
--    found for row") and abort the whole migration. The top level therefore
--    gets a DEFAULT, sales_default: a plain leaf (not sub-partitioned) that
--    holds the seed's deliberate ~3% of Q4 2023 / Q3 2024 sales and any
--    future date until its quarter gets a partition. As with event_logs, rows
--    of a quarter must be moved out of sales_default before that quarter's
--    partition can be created.
-- -----------------------------------------------------------------------------
CREATE TABLE sales_2024_q1 PARTITION OF sales_data_partitioned
    FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')
    PARTITION BY LIST (product_category);

CREATE TABLE sales_2024_q2 PARTITION OF sales_data_partitioned
    FOR VALUES FROM ('2024-04-01') TO ('2024-07-01')
    PARTITION BY LIST (product_category);

CREATE TABLE sales_default PARTITION OF sales_data_partitioned DEFAULT;

-- -----------------------------------------------------------------------------
-- 2b. Second level: categories within each quarter. Categories not listed
--    (books, home, toys, sports, ...) go to the quarter's *_other DEFAULT.
-- -----------------------------------------------------------------------------
CREATE TABLE sales_2024_q1_electronics PARTITION OF sales_2024_q1
    FOR VALUES IN ('electronics', 'computers');

CREATE TABLE sales_2024_q1_clothing PARTITION OF sales_2024_q1
    FOR VALUES IN ('clothing', 'shoes', 'accessories');

CREATE TABLE sales_2024_q1_other PARTITION OF sales_2024_q1 DEFAULT;

CREATE TABLE sales_2024_q2_electronics PARTITION OF sales_2024_q2
    FOR VALUES IN ('electronics', 'computers');

CREATE TABLE sales_2024_q2_clothing PARTITION OF sales_2024_q2
    FOR VALUES IN ('clothing', 'shoes', 'accessories');

CREATE TABLE sales_2024_q2_other PARTITION OF sales_2024_q2 DEFAULT;

-- -----------------------------------------------------------------------------
-- 3. Copy every row, ids included, with explicit column lists (docs/spec-notes.md §6).
--    Each row is routed through both levels to its leaf.
-- -----------------------------------------------------------------------------
-- @online: copy
-- @bench: copy begin
INSERT INTO sales_data_partitioned (id, sale_date, product_category, product_id, quantity,
                                    unit_price, total_amount, store_id)
SELECT id, sale_date, product_category, product_id, quantity,
       unit_price, total_amount, store_id
FROM sales_data;
-- @bench: copy end

-- -----------------------------------------------------------------------------
-- 4. Primary key and indexes, built AFTER the copy (the fast path): one
--    sorted build per partition instead of maintaining every index row
--    by row during the copy (make bench measures both orders). Still in
--    this transaction and before the verification: nobody ever sees the
--    table without them, and a duplicate key fails the migration here.
--    Indexes on the top-level parent: PostgreSQL creates them on both
--    quarters (as partitioned indexes), on every leaf below, and on sales_default
--    (docs/spec-notes.md §7). Same set as on the plain table.
-- -----------------------------------------------------------------------------
-- @online: keys
-- @bench: keys begin
ALTER TABLE sales_data_partitioned ADD PRIMARY KEY (id, sale_date, product_category);
CREATE INDEX idx_sales_data_partitioned_sale_date  ON sales_data_partitioned (sale_date);
CREATE INDEX idx_sales_data_partitioned_category   ON sales_data_partitioned (product_category);
CREATE INDEX idx_sales_data_partitioned_product_id ON sales_data_partitioned (product_id);
-- @bench: keys end

-- -----------------------------------------------------------------------------
-- 5. Verify: same row count and checksum over all columns, or roll back.
-- -----------------------------------------------------------------------------
-- @online: verify
SELECT partition_demo.assert_same_rows('sales_data', 'sales_data_partitioned');

-- -----------------------------------------------------------------------------
-- 6. Renames (docs/spec-notes.md §5): old objects to *_old names first, then the new
--    table's objects to the canonical names.
-- -----------------------------------------------------------------------------
-- @online: swap
ALTER TABLE sales_data RENAME TO sales_data_old;
ALTER TABLE sales_data_old RENAME CONSTRAINT sales_data_pkey TO sales_data_old_pkey;
ALTER INDEX idx_sales_data_sale_date  RENAME TO idx_sales_data_old_sale_date;
ALTER INDEX idx_sales_data_category   RENAME TO idx_sales_data_old_category;
ALTER INDEX idx_sales_data_product_id RENAME TO idx_sales_data_old_product_id;

ALTER TABLE sales_data_partitioned RENAME TO sales_data;
ALTER TABLE sales_data RENAME CONSTRAINT sales_data_partitioned_pkey TO sales_data_pkey;
ALTER INDEX idx_sales_data_partitioned_sale_date  RENAME TO idx_sales_data_sale_date;
ALTER INDEX idx_sales_data_partitioned_category   RENAME TO idx_sales_data_category;
ALTER INDEX idx_sales_data_partitioned_product_id RENAME TO idx_sales_data_product_id;

-- -----------------------------------------------------------------------------
-- 7. Sequences. The live table keeps the very sequence that has always fed
--    it, sales_data_id_seq: a writer may hold ids drawn from it before the swap
--    and insert them after (bin/load-data draws its ids in a statement of
--    their own, and a nextval() waiting on this transaction's locks draws from
--    the sequence it resolved before, by OID, after the COMMIT). A sequence of
--    the new table's own would hand those ids out a second time. So the new
--    BIGSERIAL's sequence is dropped, the old one moves to the new column
--    (OWNED BY) and is only ever moved forward, past max(id) (docs/spec-notes.md §4).
--    The plain sales_data_old gets a sequence of its own, past its max(id).
-- -----------------------------------------------------------------------------
ALTER TABLE sales_data ALTER COLUMN id SET DEFAULT nextval('sales_data_id_seq'::regclass);
ALTER SEQUENCE sales_data_id_seq OWNED BY sales_data.id;
-- (online, this runs long after the guard: the name is checked again)
SELECT partition_demo.assert_ours('sales_data_partitioned_id_seq', 'drop');
DROP SEQUENCE sales_data_partitioned_id_seq;
SELECT partition_demo.sync_sequence('sales_data_id_seq', 'sales_data', 'id', 'sales_data_id_seq')
       AS sales_data_id_seq_last_value;

CREATE SEQUENCE sales_data_old_id_seq AS bigint OWNED BY sales_data_old.id;
ALTER TABLE sales_data_old ALTER COLUMN id SET DEFAULT nextval('sales_data_old_id_seq'::regclass);
SELECT partition_demo.sync_sequence('sales_data_old_id_seq', 'sales_data_old', 'id')
       AS sales_data_old_id_seq_last_value;

-- The tables and sequences created above are the project's: recorded by
-- OID, so that bin/setup-database --reset drops them, and only them.
SELECT partition_demo.register_created('04_composite_partitions.sql');

-- @online: finish
-- Autovacuum never analyzes a partitioned parent itself, only its leaves
-- (here: neither sales_data nor the two quarter parents).
ANALYZE sales_data;

DO $$
BEGIN
    RAISE NOTICE 'sales_data is now partitioned by quarter, then by category (% leaves); the plain table is kept as sales_data_old',
        (SELECT count(*) FROM pg_catalog.pg_partition_tree('sales_data') WHERE isleaf);
END
$$;
