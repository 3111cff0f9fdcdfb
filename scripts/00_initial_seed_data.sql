-- =============================================================================
-- scripts/00_initial_seed_data.sql -- seed the four plain tables BEFORE they
-- are partitioned (the "production data that already exists").
-- =============================================================================
-- Rows per table: the setting partition_demo.seed_rows (default 5000; any
-- positive integer, bin/setup-database allows up to 50,000,000).
-- bin/setup-database sets it with set_config(); by hand (one transaction):
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/00_initial_seed_data.sql
--     PGOPTIONS='-c partition_demo.seed_rows=200000' psql -v ON_ERROR_STOP=1 -1 -f ...
-- (or SET partition_demo.seed_rows = 200000 earlier in the same session).
--
-- All data is generated in SQL: INSERT ... SELECT over generate_series per
-- table, run by partition_demo.seed_in_chunks() over generate_series($1, $2)
-- in chunks of 200,000 rows, so that a large seed reports its progress (a
-- NOTICE after each chunk reaches the client at once); no row-by-row loop
-- (1,000,000 rows per table: about 45 s on two cores, most of it maintaining
-- the tables' indexes).
-- setseed() makes the data repeatable for a given row count.
--
-- Random draws: every random() is drawn ONCE per row in the subquery "d"
-- (PostgreSQL never flattens a subquery whose output calls a volatile
-- function, so each d.r_* is a fixed value per row). Expressions then only
-- read d.r_*. Writing random() inside a CASE instead would draw a new number
-- for every WHEN branch tested and silently skew the weights.
--
-- Weighted choices: each INSERT lists (choice, value, weight) in a small
-- "weights" table. "bounds" cuts [0, 1) into one slice per value, as wide as
-- its share of the weights, and records each slice's lower bound; "pick" is a
-- single row holding, per choice, the values and their lower bounds as two
-- arrays in the same ascending order. A row whose draw is r then takes
--     values[width_bucket(r, lower_bounds)]
-- (width_bucket returns the position of the last lower bound <= r), one
-- array lookup instead of a per-row search. Weights need not sum to 100, must
-- be > 0, and the order of the slices does not change the distribution.
-- "pick" is one row by construction (an aggregate without GROUP BY), so
-- joining it can never repeat or drop a generated row.
--
-- Where the rows land after 01..04 (docs/spec-notes.md §8: fill the defined partitions,
-- leave a deliberate, visible minority in each DEFAULT):
--   event_logs       ~95% Jan-Mar 2024 (event_logs_2024_01/02/03),
--                    ~5% Apr-Jun 2024 (event_logs_default)
--   users_distributed sequential ids -> even spread over 4 hash partitions
--   orders_by_region 96% in the 13 listed regions, ~4% BR/ZA/AE (orders_other)
--   sales_data       ~97% Q1-Q2 2024, ~3% Q4 2023 / Q3 2024 (sales_default);
--                    books/home/toys/sports land in the *_other leaves
-- =============================================================================

SELECT setseed(0.42);

-- Validate the row count once, with a clear message, before any work.
DO $$
DECLARE
    raw   text := nullif(btrim(current_setting('partition_demo.seed_rows', true)), '');
    valid boolean;
BEGIN
    -- CASE, not OR: the cast may only run on a string that passed the regex
    valid := CASE WHEN raw IS NULL THEN true
                  WHEN raw !~ '^[0-9]{1,10}$' THEN false
                  ELSE raw::bigint BETWEEN 1 AND 2147483647 END;
    IF NOT valid THEN
        RAISE EXCEPTION 'invalid partition_demo.seed_rows: %', quote_literal(raw)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'use a whole number from 1 to 2147483647, e.g. SET partition_demo.seed_rows = 100000';
    END IF;
    RAISE NOTICE 'seeding % rows per table', coalesce(raw::integer, 5000);
END
$$;

-- -----------------------------------------------------------------------------
-- event_logs
-- -----------------------------------------------------------------------------
CALL partition_demo.seed_in_chunks('event_logs', $insert$
WITH settings AS (
    SELECT coalesce(nullif(btrim(current_setting('partition_demo.seed_rows', true)), '')::integer,
                    5000) AS seed_rows
),
weights (choice, value, weight) AS (
    VALUES ('event_type', 'page_view', 45),
           ('event_type', 'click',     25),
           ('event_type', 'login',     10),
           ('event_type', 'logout',     7),
           ('event_type', 'purchase',   6),
           ('event_type', 'signup',     4),
           ('event_type', 'error',      3)
),
bounds AS (
    SELECT choice, value,
           (sum(weight) OVER w - weight)::float8 / sum(weight) OVER (PARTITION BY choice)
               AS lower_bound
    FROM weights
    WINDOW w AS (PARTITION BY choice ORDER BY value)
),
pick AS MATERIALIZED (              -- one row, computed once
    SELECT array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'event_type') AS event_types,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'event_type') AS event_type_bounds
    FROM bounds
)
INSERT INTO event_logs (event_type, user_id, event_data, ip_address, created_at)
SELECT et.value,
       1 + floor(d.r_user * s.seed_rows)::integer,
       CASE et.value
           WHEN 'page_view' THEN jsonb_build_object(
               'page', pg.path,
               'duration_ms', 50 + floor(d.r_a * 5000)::integer)
           WHEN 'click' THEN jsonb_build_object(
               'page', pg.path,
               'element', (ARRAY['button#add-to-cart', 'a.nav-link', 'button#checkout',
                                 'img.product-thumb'])[1 + floor(d.r_a * 4)::integer])
           WHEN 'login' THEN jsonb_build_object(
               'method', CASE WHEN d.r_a < 0.8 THEN 'password' ELSE 'oauth' END,
               'success', d.r_b >= 0.05)
           WHEN 'logout' THEN jsonb_build_object(
               'session_minutes', 1 + floor(d.r_a * 120)::integer)
           WHEN 'purchase' THEN jsonb_build_object(
               'order_id', 100000 + floor(d.r_a * 900000)::integer,
               'amount', round((5 + d.r_b * 495)::numeric, 2),
               'currency', 'USD')
           WHEN 'signup' THEN jsonb_build_object(
               'source', (ARRAY['organic', 'ads', 'referral', 'social'])[1 + floor(d.r_a * 4)::integer])
           WHEN 'error' THEN jsonb_build_object(
               'status', (ARRAY[400, 403, 404, 500, 503])[1 + floor(d.r_a * 5)::integer],
               'path', pg.path)
       END,
       -- unicast-looking IPv4 1.0.0.0 .. 223.255.255.255 (223 * 2^24 addresses)
       inet '1.0.0.0' + floor(d.r_ip * 3741319168)::bigint,
       -- Jan 1 .. Mar 31 2024 and Apr 1 .. Jun 30 2024 are both 91 days long
       date_trunc('second',
                  CASE WHEN d.r_period < 0.95 THEN timestamp '2024-01-01'
                       ELSE timestamp '2024-04-01' END
                  + d.r_time * interval '91 days')
FROM settings AS s
CROSS JOIN pick AS p
CROSS JOIN LATERAL (
    SELECT g.i,
           random() AS r_period, random() AS r_time, random() AS r_type,
           random() AS r_user,   random() AS r_ip,   random() AS r_page,
           random() AS r_a,      random() AS r_b
    FROM generate_series($1, $2) AS g(i)
) AS d
CROSS JOIN LATERAL (
    SELECT p.event_types[width_bucket(d.r_type, p.event_type_bounds)] AS value
) AS et
CROSS JOIN LATERAL (
    SELECT CASE WHEN d.r_page < 0.6
                THEN '/products/' || (1 + floor(d.r_page * 1000)::integer)
                ELSE (ARRAY['/', '/cart', '/checkout', '/account', '/search'])
                         [1 + floor(d.r_b * 5)::integer]
           END AS path
) AS pg
$insert$);

-- -----------------------------------------------------------------------------
-- users_distributed: ids come from the SERIAL (sequential, hence an even hash
-- spread later); usernames are unique by construction.
-- -----------------------------------------------------------------------------
CALL partition_demo.seed_in_chunks('users_distributed', $insert$
WITH settings AS (
    SELECT coalesce(nullif(btrim(current_setting('partition_demo.seed_rows', true)), '')::integer,
                    5000) AS seed_rows
),
weights (choice, value, weight) AS (
    VALUES ('country', 'US', 30), ('country', 'GB', 10), ('country', 'DE',  9),
           ('country', 'FR',  7), ('country', 'JP',  7), ('country', 'IN',  8),
           ('country', 'BR',  6), ('country', 'CA',  6), ('country', 'AU',  4),
           ('country', 'ES',  3), ('country', 'IT',  3), ('country', 'MX',  3),
           ('country', 'NL',  2), ('country', 'SE',  2),
           ('domain', 'example.com', 70), ('domain', 'example.org', 20),
           ('domain', 'example.net', 10),
           ('status', 'active', 85), ('status', 'inactive', 12), ('status', 'suspended', 3)
),
bounds AS (
    SELECT choice, value,
           (sum(weight) OVER w - weight)::float8 / sum(weight) OVER (PARTITION BY choice)
               AS lower_bound
    FROM weights
    WINDOW w AS (PARTITION BY choice ORDER BY value)
),
pick AS MATERIALIZED (              -- one row, computed once
    SELECT array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'country') AS countries,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'country') AS country_bounds,
           array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'domain') AS domains,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'domain') AS domain_bounds,
           array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'status') AS statuses,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'status') AS status_bounds
    FROM bounds
)
INSERT INTO users_distributed (username, email, country_code, registration_date, status)
SELECT u.username,
       u.username || '@' || p.domains[width_bucket(d.r_domain, p.domain_bounds)],
       p.countries[width_bucket(d.r_country, p.country_bounds)],
       -- 2023-01-01 .. 2024-06-30 is 547 days
       date '2023-01-01' + floor(d.r_date * 547)::integer,
       p.statuses[width_bucket(d.r_status, p.status_bounds)]
FROM settings AS s
CROSS JOIN pick AS p
CROSS JOIN LATERAL (
    SELECT g.i,
           random() AS r_country, random() AS r_domain, random() AS r_status,
           random() AS r_date
    FROM generate_series($1, $2) AS g(i)
) AS d
-- user_0000001 ...: 7 digits, more only beyond 9,999,999 rows (lpad alone
-- would cut longer numbers and create duplicates)
CROSS JOIN LATERAL (
    SELECT 'user_' || lpad(d.i::text, greatest(7, length(d.i::text)), '0') AS username
) AS u
$insert$);

-- -----------------------------------------------------------------------------
-- orders_by_region: 13 listed regions (96%) plus BR/ZA/AE (4%), which no list
-- partition names and which therefore land in orders_other (DEFAULT).
-- -----------------------------------------------------------------------------
CALL partition_demo.seed_in_chunks('orders_by_region', $insert$
WITH settings AS (
    SELECT coalesce(nullif(btrim(current_setting('partition_demo.seed_rows', true)), '')::integer,
                    5000) AS seed_rows
),
weights (choice, value, weight) AS (
    VALUES ('region', 'US', 22), ('region', 'CA',  6), ('region', 'MX',  4),   -- north america
           ('region', 'UK',  9), ('region', 'DE',  9), ('region', 'FR',  7),   -- europe
           ('region', 'IT',  5), ('region', 'ES',  4),
           ('region', 'JP',  8), ('region', 'CN',  8), ('region', 'AU',  5),   -- asia pacific
           ('region', 'IN',  6), ('region', 'SG',  3),
           ('region', 'BR',  2), ('region', 'ZA',  1), ('region', 'AE',  1),   -- no partition: DEFAULT
           ('status', 'delivered', 55), ('status', 'shipped',  18),
           ('status', 'pending',   15), ('status', 'cancelled', 7),
           ('status', 'returned',   5)
),
bounds AS (
    SELECT choice, value,
           (sum(weight) OVER w - weight)::float8 / sum(weight) OVER (PARTITION BY choice)
               AS lower_bound
    FROM weights
    WINDOW w AS (PARTITION BY choice ORDER BY value)
),
pick AS MATERIALIZED (              -- one row, computed once
    SELECT array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'region') AS regions,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'region') AS region_bounds,
           array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'status') AS statuses,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'status') AS status_bounds
    FROM bounds
)
INSERT INTO orders_by_region (order_number, user_id, product_id, region, order_total,
                              order_status, created_at)
SELECT 'ORD-' || to_char(t.created_at, 'YYYYMMDD') || '-'
           || lpad(d.i::text, greatest(7, length(d.i::text)), '0'),
       1 + floor(d.r_user * s.seed_rows)::integer,
       1 + floor(d.r_product * 10000)::integer,
       p.regions[width_bucket(d.r_region, p.region_bounds)],
       -- 5.00 .. 2000.00, skewed towards small baskets
       round((5 + 1995 * d.r_total * d.r_total)::numeric, 2),
       p.statuses[width_bucket(d.r_status, p.status_bounds)],
       t.created_at
FROM settings AS s
CROSS JOIN pick AS p
CROSS JOIN LATERAL (
    SELECT g.i,
           random() AS r_region, random() AS r_status, random() AS r_time,
           random() AS r_user,   random() AS r_product, random() AS r_total
    FROM generate_series($1, $2) AS g(i)
) AS d
-- 2024-01-01 .. 2024-06-30 23:59:59 (182 days)
CROSS JOIN LATERAL (
    SELECT date_trunc('second', timestamp '2024-01-01' + d.r_time * interval '182 days') AS created_at
) AS t
$insert$);

-- -----------------------------------------------------------------------------
-- sales_data: ~97% in Q1/Q2 2024 (the quarters 04 partitions), ~1.5% each in
-- Q4 2023 and Q3 2024, which fall into the top-level DEFAULT sales_default.
-- -----------------------------------------------------------------------------
CALL partition_demo.seed_in_chunks('sales_data', $insert$
WITH settings AS (
    SELECT coalesce(nullif(btrim(current_setting('partition_demo.seed_rows', true)), '')::integer,
                    5000) AS seed_rows
),
weights (choice, value, weight) AS (
    VALUES ('category', 'electronics', 15), ('category', 'computers',   10),  -- *_electronics
           ('category', 'clothing',    18), ('category', 'shoes',       10),  -- *_clothing
           ('category', 'accessories',  9),
           ('category', 'books',       12), ('category', 'home',        12),  -- *_other
           ('category', 'toys',         7), ('category', 'sports',       7)
),
bounds AS (
    SELECT choice, value,
           (sum(weight) OVER w - weight)::float8 / sum(weight) OVER (PARTITION BY choice)
               AS lower_bound
    FROM weights
    WINDOW w AS (PARTITION BY choice ORDER BY value)
),
pick AS MATERIALIZED (              -- one row, computed once
    SELECT array_agg(value ORDER BY lower_bound) FILTER (WHERE choice = 'category') AS categories,
           array_agg(lower_bound ORDER BY lower_bound) FILTER (WHERE choice = 'category') AS category_bounds
    FROM bounds
)
INSERT INTO sales_data (sale_date, product_category, product_id, quantity, unit_price,
                        total_amount, store_id)
SELECT CASE WHEN d.r_period < 0.97                               -- 2024-01-01 .. 06-30
            THEN date '2024-01-01' + floor(d.r_day * 182)::integer
            WHEN d.r_period < 0.985                              -- 2023-10-01 .. 12-31
            THEN date '2023-10-01' + floor(d.r_day * 92)::integer
            ELSE date '2024-07-01' + floor(d.r_day * 92)::integer  -- 2024-07-01 .. 09-30
       END,
       p.categories[width_bucket(d.r_category, p.category_bounds)],
       1 + floor(d.r_product * 5000)::integer,
       q.quantity,
       pr.unit_price,
       q.quantity * pr.unit_price,
       -- ~2% of sales are online: no store
       CASE WHEN d.r_online < 0.02 THEN NULL
            ELSE 1 + floor(d.r_store * 50)::integer END
FROM settings AS s
CROSS JOIN pick AS p
CROSS JOIN LATERAL (
    SELECT g.i,
           random() AS r_period, random() AS r_day,   random() AS r_category,
           random() AS r_product, random() AS r_qty,  random() AS r_price,
           random() AS r_online, random() AS r_store
    FROM generate_series($1, $2) AS g(i)
) AS d
-- 1 .. 10 items, mostly few
CROSS JOIN LATERAL (SELECT 1 + floor(d.r_qty * d.r_qty * 10)::integer AS quantity) AS q
-- 1.00 .. 500.00
CROSS JOIN LATERAL (SELECT round((1 + d.r_price * 499)::numeric, 2) AS unit_price) AS pr
$insert$);

DO $$
BEGIN
    RAISE NOTICE 'seeded: event_logs %, users_distributed %, orders_by_region %, sales_data % rows',
        (SELECT count(*) FROM event_logs),
        (SELECT count(*) FROM users_distributed),
        (SELECT count(*) FROM orders_by_region),
        (SELECT count(*) FROM sales_data);
END
$$;
