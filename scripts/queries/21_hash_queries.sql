-- =============================================================================
-- scripts/queries/21_hash_queries.sql -- partition pruning on users_distributed,
-- HASH-partitioned on id into 4 partitions (users_distributed_p0 .. _p3).
-- =============================================================================
-- Hash partitioning prunes only on equality: "id = 42" and "id IN (...)" reach
-- the partitions those values hash to; a range of ids (BETWEEN, <, >) and any
-- other column reach all four. Which partition holds an id is the server's
-- hash, not id % 4: ask it with
--     SELECT tableoid::regclass FROM users_distributed WHERE id = 42;
-- Annotation format: see the header of 20_range_queries.sql.
-- =============================================================================

-- @query: one_id
-- @table: users_distributed
-- @shows: an equality on the hash key scans only the partition the value hashes to
-- @expect: users_distributed_p2
-- @pruning: plan time
SELECT id, username, email, country_code, status
  FROM users_distributed
 WHERE id = 42;

-- @plain: one_id
SELECT id, username, email, country_code, status
  FROM users_distributed_old
 WHERE id = 42;

-- @query: id_list
-- @table: users_distributed
-- @shows: an IN list scans only the partitions its values hash to (here 3 values, 3 partitions)
-- @expect: users_distributed_p0, users_distributed_p1, users_distributed_p2
-- @pruning: plan time
SELECT id, username, status
  FROM users_distributed
 WHERE id IN (1, 3, 42);

-- @plain: id_list
SELECT id, username, status
  FROM users_distributed_old
 WHERE id IN (1, 3, 42);

-- @query: id_range_cannot_prune
-- @table: users_distributed
-- @shows: a range of ids scans every partition: hashing scatters neighbouring ids
-- @expect: all
-- @pruning: none
SELECT count(*)
  FROM users_distributed
 WHERE id BETWEEN 1000 AND 2000;

-- @plain: id_range_cannot_prune
SELECT count(*)
  FROM users_distributed_old
 WHERE id BETWEEN 1000 AND 2000;

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

-- @query: one_id_generic_plan
-- @table: users_distributed
-- @shows: a generic plan prunes the hash partitions at executor startup ("Subplans Removed: 3")
-- @expect: users_distributed_p2
-- @pruning: run time
-- @param $1: 42
-- @plan: generic
SELECT id, username, email
  FROM users_distributed
 WHERE id = $1;

-- @plain: one_id_generic_plan
SELECT id, username, email
  FROM users_distributed_old
 WHERE id = $1;

-- @query: id_array_generic_plan_cannot_prune
-- @table: users_distributed
-- @shows: a limit of PostgreSQL 15: a generic plan with id = ANY($1) prunes nothing on a hash key
-- @expect: all
-- @pruning: none
-- @param $1: {1,3,42}
-- @plan: generic
SELECT id, username
  FROM users_distributed
 WHERE id = ANY ($1::integer[]);

-- @plain: id_array_generic_plan_cannot_prune
SELECT id, username
  FROM users_distributed_old
 WHERE id = ANY ($1::integer[]);
