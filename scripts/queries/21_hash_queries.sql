-- =============================================================================
-- scripts/queries/21_hash_queries.sql -- partition pruning on users_distributed,
-- HASH-partitioned on id into 4 partitions (users_distributed_p0 .. _p3), and
-- after bin/repartition migrate RANGE-partitioned on id (layout range_by_id).
-- =============================================================================
-- Hash partitioning prunes only on equality: "id = 42" and "id IN (...)" reach
-- the partitions those values hash to; a range of ids (BETWEEN, <, >) and any
-- other column reach all four. Which partition holds an id is the server's
-- hash, not id % 4: ask it with
--     SELECT tableoid::regclass FROM users_distributed WHERE id = 42;
--
-- bin/repartition migrate makes the table RANGE-partitioned on id: four ranges
-- of equal width w from MINVALUE (w is a quarter of the ids there were,
-- rounded up: 1,300 for setup's 5,000 users), users_distributed_r1 .. _r4, and
-- users_distributed_rmax from 4w to MAXVALUE. The hash table stays as
-- users_distributed_hash until bin/repartition cleanup, and every query runs
-- on it too (@previous), so the two layouts are measured side by side on the
-- same rows (those of the moment of migrate; load written since goes to the
-- range table only). The range_by_id expectations hold for any w above 100,
-- that is for at least 400 users when migrate ran: ids 1 to 100 all lie in r1.
--
-- What the range layout gains: neighbouring ids share a partition, so a range
-- of ids, and a list of close ids, read one partition where the hash layout
-- read all four or three. What it costs: every new id is the highest yet, so
-- every insert goes to the last range that covers it, r4 until it holds ids up
-- to 4w, then users_distributed_rmax, which grows without bound (the hash
-- layout spreads inserts over all four: compare the two partition trees at
-- the end after some load); and a query that cannot prune now reads five
-- partitions instead of four (username_cannot_prune, side by side).
-- Annotation format: see the header of 20_range_queries.sql.
-- =============================================================================

-- @layout: range_by_id
-- @table: users_distributed
-- @shows: bin/repartition migrate made it RANGE (id): r1 .. r4 of equal width, rmax above them; close ids share a partition, and every new id, the highest yet, lands in the last range that covers it (r4 until it is full, then rmax)
-- @previous_table: users_distributed_hash
SELECT coalesce((SELECT pg_catalog.pg_get_partkeydef(p.partrelid) = 'RANGE (id)'
                   FROM pg_catalog.pg_partitioned_table AS p
                  WHERE p.partrelid = 'users_distributed'::regclass), false);

-- @query: one_id
-- @table: users_distributed
-- @shows: an equality on the hash key scans only the partition the value hashes to
-- @expect: users_distributed_p2
-- @pruning: plan time
-- @expect range_by_id: users_distributed_r1
-- @shows range_by_id: an equality on the range key scans only the range that holds the value
SELECT id, username, email, country_code, status
  FROM users_distributed
 WHERE id = 42;

-- @plain: one_id
SELECT id, username, email, country_code, status
  FROM users_distributed_old
 WHERE id = 42;

-- @previous: one_id
SELECT id, username, email, country_code, status
  FROM users_distributed_hash
 WHERE id = 42;

-- @query: id_list
-- @table: users_distributed
-- @shows: an IN list scans only the partitions its values hash to (here 3 values, 3 partitions)
-- @expect: users_distributed_p0, users_distributed_p1, users_distributed_p2
-- @pruning: plan time
-- @expect range_by_id: users_distributed_r1
-- @shows range_by_id: an IN list of close ids scans the one range that holds them all, where hashing spread them over three partitions
SELECT id, username, status
  FROM users_distributed
 WHERE id IN (1, 3, 42);

-- @plain: id_list
SELECT id, username, status
  FROM users_distributed_old
 WHERE id IN (1, 3, 42);

-- @previous: id_list
SELECT id, username, status
  FROM users_distributed_hash
 WHERE id IN (1, 3, 42);

-- @query: id_range
-- @table: users_distributed
-- @shows: a range of ids scans every partition: hashing scatters neighbouring ids
-- @expect: all
-- @pruning: none
-- @expect range_by_id: users_distributed_r1
-- @pruning range_by_id: plan time
-- @shows range_by_id: a range of ids scans only the range it overlaps: neighbouring ids share a partition
SELECT count(*)
  FROM users_distributed
 WHERE id BETWEEN 1 AND 100;

-- @plain: id_range
SELECT count(*)
  FROM users_distributed_old
 WHERE id BETWEEN 1 AND 100;

-- @previous: id_range
SELECT count(*)
  FROM users_distributed_hash
 WHERE id BETWEEN 1 AND 100;

-- @query: id_range_generic_plan
-- @table: users_distributed
-- @shows: with a generic plan a range of ids still prunes nothing on a hash key, at plan time or at run time
-- @expect: all
-- @pruning: none
-- @param $1: 1
-- @param $2: 100
-- @plan: generic
-- @expect range_by_id: users_distributed_r1
-- @pruning range_by_id: run time
-- @shows range_by_id: with a generic plan the range key is pruned at executor startup: one range kept, four removed
SELECT count(*)
  FROM users_distributed
 WHERE id BETWEEN $1 AND $2;

-- @plain: id_range_generic_plan
SELECT count(*)
  FROM users_distributed_old
 WHERE id BETWEEN $1 AND $2;

-- @previous: id_range_generic_plan
SELECT count(*)
  FROM users_distributed_hash
 WHERE id BETWEEN $1 AND $2;

-- @query: username_cannot_prune
-- @table: users_distributed
-- @shows: the contrast: a look-up by username, not the key, probes the index of every partition
-- @expect: all
-- @pruning: none
SELECT id, email
  FROM users_distributed
 WHERE username = 'user_0000042';

-- @plain: username_cannot_prune
SELECT id, email
  FROM users_distributed_old
 WHERE username = 'user_0000042';

-- @previous: username_cannot_prune
SELECT id, email
  FROM users_distributed_hash
 WHERE username = 'user_0000042';

-- @query: one_id_generic_plan
-- @table: users_distributed
-- @shows: a generic plan prunes the hash partitions at executor startup ("Subplans Removed: 3")
-- @expect: users_distributed_p2
-- @pruning: run time
-- @param $1: 42
-- @plan: generic
-- @expect range_by_id: users_distributed_r1
-- @shows range_by_id: a generic plan prunes the ranges at executor startup ("Subplans Removed: 4")
SELECT id, username, email
  FROM users_distributed
 WHERE id = $1;

-- @plain: one_id_generic_plan
SELECT id, username, email
  FROM users_distributed_old
 WHERE id = $1;

-- @previous: one_id_generic_plan
SELECT id, username, email
  FROM users_distributed_hash
 WHERE id = $1;

-- @query: id_array_generic_plan_cannot_prune
-- @table: users_distributed
-- @shows: a limit of PostgreSQL 15 to 18: a generic plan with id = ANY($1) prunes nothing on a hash key
-- @expect: all
-- @pruning: none
-- @param $1: {1,3,42}
-- @plan: generic
-- @shows range_by_id: a limit of PostgreSQL 15 to 18: a generic plan with id = ANY($1) prunes nothing on a range key either
SELECT id, username
  FROM users_distributed
 WHERE id = ANY ($1::integer[]);

-- @plain: id_array_generic_plan_cannot_prune
SELECT id, username
  FROM users_distributed_old
 WHERE id = ANY ($1::integer[]);

-- @previous: id_array_generic_plan_cannot_prune
SELECT id, username
  FROM users_distributed_hash
 WHERE id = ANY ($1::integer[]);
