-- bench/sql/load_rows.sql: rows comparable to load-data's, generated in SQL,
-- for the load-data benchmark's baselines (INSERT ... SELECT, COPY, multi-row
-- INSERT).  Same columns, value shapes and mix (30/25/25/20) as the data
-- generator, and random like its values (index inserts at random places cost
-- more than appends: sequential values would flatter the baselines); ids from
-- each table's own sequence; usernames unique.
-- Run once per benchmark database: psql -v ON_ERROR_STOP=1 -1 -f load_rows.sql

CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.event_rows(n int)
RETURNS TABLE (id bigint, event_type varchar, user_id int, event_data jsonb,
               ip_address inet, created_at timestamp)
LANGUAGE sql VOLATILE AS $$
    SELECT nextval(pg_get_serial_sequence('event_logs', 'id')),
           (ARRAY['page_view','click','login','logout','purchase','signup','error'])[1 + floor(random() * 7)::int],
           1 + floor(random() * 100000)::int,
           jsonb_build_object('page', '/products/' || floor(random() * 500), 'duration_ms',
                              floor(random() * 30000), 'source', 'bench'),
           ('10.' || floor(random() * 250) || '.' || floor(random() * 250) || '.'
                  || (1 + floor(random() * 253)))::inet,
           timestamp '2024-01-01' + floor(random() * 7862400) * interval '1 second'
      FROM generate_series(1, n) AS g
$$;

CREATE OR REPLACE FUNCTION bench.user_rows(n int)
RETURNS TABLE (id int, username varchar, email varchar, country_code varchar,
               registration_date date, status varchar)
LANGUAGE sql VOLATILE AS $$
    SELECT nextval(pg_get_serial_sequence('users_distributed', 'id'))::int,
           'bench_' || s.tag || '_' || g,
           'bench_' || s.tag || '_' || g || '@example.com',
           (ARRAY['US','GB','DE','FR','JP','IN','BR','CA'])[1 + floor(random() * 8)::int],
           date '2023-01-01' + floor(random() * 540)::int,
           (ARRAY['active','active','active','inactive','suspended'])[1 + floor(random() * 5)::int]
      FROM generate_series(1, n) AS g,
           (SELECT md5(clock_timestamp()::text || random()::text) AS tag) AS s
$$;

CREATE OR REPLACE FUNCTION bench.order_rows(n int)
RETURNS TABLE (id bigint, order_number varchar, user_id int, product_id int, region varchar,
               order_total numeric, order_status varchar, created_at timestamp)
LANGUAGE sql VOLATILE AS $$
    SELECT nextval(pg_get_serial_sequence('orders_by_region', 'id')),
           'ORD-BENCH-' || g,
           1 + floor(random() * 100000)::int,
           1 + floor(random() * 5000)::int,
           (ARRAY['US','CA','MX','UK','DE','FR','IT','ES','JP','CN','AU','IN','SG','BR'])[1 + floor(random() * 14)::int],
           round((5 + random() * 1995)::numeric, 2),
           (ARRAY['delivered','shipped','pending','cancelled','returned'])[1 + floor(random() * 5)::int],
           timestamp '2024-01-01' + floor(random() * 15724800) * interval '1 second'
      FROM generate_series(1, n) AS g
$$;

CREATE OR REPLACE FUNCTION bench.sale_rows(n int)
RETURNS TABLE (id bigint, sale_date date, product_category varchar, product_id int,
               quantity int, unit_price numeric, total_amount numeric, store_id int)
LANGUAGE sql VOLATILE AS $$
    SELECT nextval(pg_get_serial_sequence('sales_data', 'id')),
           date '2024-01-01' + floor(random() * 182)::int,
           (ARRAY['electronics','computers','clothing','shoes','accessories','books','home','toys','sports'])[1 + floor(random() * 9)::int],
           1 + floor(random() * 5000)::int,
           q.quantity,
           q.unit_price,
           q.quantity * q.unit_price,
           CASE WHEN random() < 0.05 THEN NULL ELSE 1 + floor(random() * 50)::int END
      FROM generate_series(1, n) AS g,
           LATERAL (SELECT 1 + floor(random() * 10)::int AS quantity,
                           round((1 + random() * 499)::numeric, 2) AS unit_price
                     WHERE g IS NOT NULL) AS q
$$;
