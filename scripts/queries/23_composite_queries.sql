-- =============================================================================
-- scripts/queries/23_composite_queries.sql -- partition pruning on sales_data,
-- RANGE-partitioned by quarter on sale_date (sales_2024_q1, sales_2024_q2 and
-- sales_default), each quarter LIST-partitioned on product_category
-- (_electronics: electronics, computers; _clothing: clothing, shoes,
-- accessories; _other: DEFAULT). Pruning works on both levels at once.
-- =============================================================================
-- Annotation format: see the header of 20_range_queries.sql.
-- =============================================================================

-- @query: quarter_and_category
-- @table: sales_data
-- @shows: a quarter and a category prune both levels: one leaf of seven is scanned
-- @expect: sales_2024_q1_electronics
-- @pruning: plan time
SELECT product_category, count(*) AS sales, sum(total_amount) AS revenue
  FROM sales_data
 WHERE sale_date >= '2024-01-01' AND sale_date < '2024-04-01'
   AND product_category IN ('electronics', 'computers')
 GROUP BY product_category
 ORDER BY product_category;

-- @plain: quarter_and_category
SELECT product_category, count(*) AS sales, sum(total_amount) AS revenue
  FROM sales_data_old
 WHERE sale_date >= '2024-01-01' AND sale_date < '2024-04-01'
   AND product_category IN ('electronics', 'computers')
 GROUP BY product_category
 ORDER BY product_category;

-- @query: one_quarter
-- @table: sales_data
-- @shows: a date range inside one quarter prunes the first level: that quarter's three category leaves
-- @expect: sales_2024_q2_electronics, sales_2024_q2_clothing, sales_2024_q2_other
-- @pruning: plan time
SELECT count(*), sum(total_amount)
  FROM sales_data
 WHERE sale_date >= '2024-04-01' AND sale_date < '2024-07-01';

-- @plain: one_quarter
SELECT count(*), sum(total_amount)
  FROM sales_data_old
 WHERE sale_date >= '2024-04-01' AND sale_date < '2024-07-01';

-- @query: one_category
-- @table: sales_data
-- @shows: a category alone prunes the second level: its leaf in every quarter, plus sales_default
-- @expect: sales_2024_q1_clothing, sales_2024_q2_clothing, sales_default
-- @pruning: plan time
SELECT count(*), sum(total_amount)
  FROM sales_data
 WHERE product_category = 'shoes';

-- @plain: one_category
SELECT count(*), sum(total_amount)
  FROM sales_data_old
 WHERE product_category = 'shoes';

-- @query: outside_the_quarters
-- @table: sales_data
-- @shows: a date outside both quarters can only be in the top-level DEFAULT
-- @expect: sales_default
-- @pruning: plan time
SELECT count(*), sum(total_amount)
  FROM sales_data
 WHERE sale_date >= '2023-10-01' AND sale_date < '2024-01-01';

-- @plain: outside_the_quarters
SELECT count(*), sum(total_amount)
  FROM sales_data_old
 WHERE sale_date >= '2023-10-01' AND sale_date < '2024-01-01';

-- @query: store_cannot_prune
-- @table: sales_data
-- @shows: the contrast: a filter on store_id, in neither partition key, scans all seven leaves
-- @expect: all
-- @pruning: none
SELECT count(*), sum(total_amount)
  FROM sales_data
 WHERE store_id = 7;

-- @plain: store_cannot_prune
SELECT count(*), sum(total_amount)
  FROM sales_data_old
 WHERE store_id = 7;

-- @query: month_and_category_generic_plan
-- @table: sales_data
-- @shows: with a generic plan both levels are pruned at executor startup, from the parameters' values
-- @expect: sales_2024_q2_other
-- @pruning: run time
-- @param $1: 2024-05-01
-- @param $2: books
-- @plan: generic
SELECT count(*), sum(total_amount)
  FROM sales_data
 WHERE sale_date >= $1::date AND sale_date < $1::date + 31
   AND product_category = $2;

-- @plain: month_and_category_generic_plan
SELECT count(*), sum(total_amount)
  FROM sales_data_old
 WHERE sale_date >= $1::date AND sale_date < $1::date + 31
   AND product_category = $2;
