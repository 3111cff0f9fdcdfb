-- =============================================================================
-- scripts/queries/22_list_queries.sql -- partition pruning on orders_by_region,
-- LIST-partitioned on region: orders_north_america (US, CA, MX), orders_europe
-- (UK, DE, FR, IT, ES), orders_asia_pacific (JP, CN, AU, IN, SG) and
-- orders_other (DEFAULT: every other region).
-- =============================================================================
-- Annotation format: see the header of 20_range_queries.sql.
-- =============================================================================

-- @query: one_region
-- @table: orders_by_region
-- @shows: one region value scans only the partition whose list holds it
-- @expect: orders_europe
-- @pruning: plan time
SELECT order_status, count(*) AS orders, sum(order_total) AS revenue
  FROM orders_by_region
 WHERE region = 'DE'
 GROUP BY order_status
 ORDER BY order_status;

-- @plain: one_region
SELECT order_status, count(*) AS orders, sum(order_total) AS revenue
  FROM orders_by_region_old
 WHERE region = 'DE'
 GROUP BY order_status
 ORDER BY order_status;

-- @query: region_list
-- @table: orders_by_region
-- @shows: a list of regions from two lists scans those two partitions
-- @expect: orders_north_america, orders_asia_pacific
-- @pruning: plan time
SELECT region, count(*) AS orders, sum(order_total) AS revenue
  FROM orders_by_region
 WHERE region IN ('US', 'MX', 'JP')
 GROUP BY region
 ORDER BY region;

-- @plain: region_list
SELECT region, count(*) AS orders, sum(order_total) AS revenue
  FROM orders_by_region_old
 WHERE region IN ('US', 'MX', 'JP')
 GROUP BY region
 ORDER BY region;

-- @query: unlisted_region
-- @table: orders_by_region
-- @shows: a region that no list names can only be in DEFAULT, so only DEFAULT is scanned
-- @expect: orders_other
-- @pruning: plan time
SELECT count(*), sum(order_total)
  FROM orders_by_region
 WHERE region = 'BR';

-- @plain: unlisted_region
SELECT count(*), sum(order_total)
  FROM orders_by_region_old
 WHERE region = 'BR';

-- @query: status_cannot_prune
-- @table: orders_by_region
-- @shows: the contrast: a filter on order_status, not the partition key, scans every partition
-- @expect: all
-- @pruning: none
SELECT count(*), sum(order_total)
  FROM orders_by_region
 WHERE order_status = 'pending';

-- @plain: status_cannot_prune
SELECT count(*), sum(order_total)
  FROM orders_by_region_old
 WHERE order_status = 'pending';

-- @query: one_region_generic_plan
-- @table: orders_by_region
-- @shows: with a generic plan the region is a parameter; the executor keeps one partition and removes the rest
-- @expect: orders_europe
-- @pruning: run time
-- @param $1: FR
-- @plan: generic
SELECT count(*), sum(order_total)
  FROM orders_by_region
 WHERE region = $1;

-- @plain: one_region_generic_plan
SELECT count(*), sum(order_total)
  FROM orders_by_region_old
 WHERE region = $1;
