-- =============================================================================
-- scripts/00_setup_base_tables.sql -- the four tables as they start life:
-- plain (non-partitioned) tables, NO "PARTITION BY" anywhere.
-- =============================================================================
-- This simulates production tables that existed long before anyone thought of
-- partitioning. 00_initial_seed_data.sql fills them; 01..04 then migrate each
-- one to a partitioned table and keep the plain one as <table>_old.
--
-- Columns, types, defaults, keys and indexes are exactly those of the spec.
-- Default names matter: the migrations rename event_logs_pkey,
-- event_logs_id_seq, users_distributed_username_key, ... to *_old_*.
--
-- Run by bin/setup-database inside one transaction; by hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/00_setup_base_tables.sql
-- Refuses if a table or sequence of these names exists already, the
-- project's (start over with bin/setup-database --reset) or not (rename it).
-- =============================================================================

-- Everything this file creates is recorded as the project's (register_created()
-- at the end): bin/setup-database --reset drops exactly that.
SELECT partition_demo.track_begin();

-- A serial column whose sequence name is taken silently gets another one;
-- 01..04 would then take over (and move) the sequence of that name.
SELECT partition_demo.assert_names_free(
    ARRAY['event_logs', 'event_logs_id_seq', 'users_distributed', 'users_distributed_id_seq',
          'orders_by_region', 'orders_by_region_id_seq', 'sales_data', 'sales_data_id_seq'],
    'create the base tables');

-- Range-partitioning candidate: append-only time series.
CREATE TABLE event_logs (
    id          BIGSERIAL PRIMARY KEY,
    event_type  VARCHAR(50) NOT NULL,
    user_id     INTEGER     NOT NULL,
    event_data  JSONB,
    ip_address  INET,
    created_at  TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_event_logs_created_at ON event_logs (created_at);
CREATE INDEX idx_event_logs_event_type ON event_logs (event_type);
CREATE INDEX idx_event_logs_user_id    ON event_logs (user_id);

-- Hash-partitioning candidate: users spread evenly by id.
CREATE TABLE users_distributed (
    id                 SERIAL PRIMARY KEY,
    username           VARCHAR(50)  NOT NULL UNIQUE,
    email              VARCHAR(100) NOT NULL,
    country_code       VARCHAR(2),
    registration_date  DATE        DEFAULT CURRENT_DATE,
    status             VARCHAR(20) DEFAULT 'active'
);

-- Redundant with the UNIQUE index on username, but part of the spec's design;
-- the partitioned table keeps an index of the same purpose.
CREATE INDEX idx_users_distributed_username ON users_distributed (username);
CREATE INDEX idx_users_distributed_email    ON users_distributed (email);

-- List-partitioning candidate: orders isolated by region.
CREATE TABLE orders_by_region (
    id            BIGSERIAL PRIMARY KEY,
    order_number  VARCHAR(50)   NOT NULL,
    user_id       INTEGER       NOT NULL,
    product_id    INTEGER       NOT NULL,
    region        VARCHAR(20)   NOT NULL,
    order_total   DECIMAL(10,2) NOT NULL,
    order_status  VARCHAR(20)   DEFAULT 'pending',
    created_at    TIMESTAMP     DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_orders_by_region_user_id ON orders_by_region (user_id);
CREATE INDEX idx_orders_by_region_status  ON orders_by_region (order_status);
CREATE INDEX idx_orders_by_region_region  ON orders_by_region (region);

-- Composite-partitioning candidate: range by quarter, then list by category.
CREATE TABLE sales_data (
    id                BIGSERIAL PRIMARY KEY,
    sale_date         DATE          NOT NULL,
    product_category  VARCHAR(50)   NOT NULL,
    product_id        INTEGER       NOT NULL,
    quantity          INTEGER       NOT NULL,
    unit_price        DECIMAL(10,2) NOT NULL,
    total_amount      DECIMAL(10,2) NOT NULL,
    store_id          INTEGER
);

CREATE INDEX idx_sales_data_sale_date  ON sales_data (sale_date);
CREATE INDEX idx_sales_data_category   ON sales_data (product_category);
CREATE INDEX idx_sales_data_product_id ON sales_data (product_id);

SELECT partition_demo.register_created('00_setup_base_tables.sql');
