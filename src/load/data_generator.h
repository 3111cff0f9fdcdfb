/*
 * data_generator.h: random rows for the four demo tables, with the spec's
 * mix (30% event_logs, 25% users_distributed, 25% orders_by_region, 20%
 * sales_data) and value distributions that match the seed in
 * scripts/00_initial_seed_data.sql: most dates inside the partitions that
 * setup creates, a small share in each DEFAULT partition.
 *
 * Deterministic for a given seed (xoshiro256**), so a load can be repeated.
 * Values come out as text, ready to be passed as query parameters.
 */
#ifndef DATA_GENERATOR_H
#define DATA_GENERATOR_H

#include <stdint.h>
#include <stddef.h>

#include "tables/demo_tables.h"

/* Half-open range of seconds since the epoch (UTC): [from, to). */
typedef struct TimeRange
{
	int64_t		from;
	int64_t		to;
} TimeRange;

/* Where generated dates fall; data_generator_default_ranges() gives setup's. */
typedef struct DataRanges
{
	TimeRange	event_covered;	/* months with their own partition */
	TimeRange	event_outside;	/* lands in event_logs_default */
	double		event_outside_share;
	TimeRange	sale_covered;	/* quarters with their own partition */
	TimeRange	sale_outside;	/* lands in sales_default */
	double		sale_outside_share;
} DataRanges;

typedef struct EventLogRow
{
	char		event_type[16];
	char		user_id[12];
	char		event_data[128];
	char		ip_address[16];
	char		created_at[20];
} EventLogRow;

typedef struct UserRow
{
	char		username[51];
	char		email[101];
	char		country_code[3];
	char		registration_date[11];
	char		status[12];
} UserRow;

typedef struct OrderRow
{
	char		order_number[51];
	char		user_id[12];
	char		product_id[12];
	char		region[4];
	char		order_total[24];
	char		order_status[12];
	char		created_at[20];
} OrderRow;

typedef struct SaleRow
{
	char		sale_date[11];
	char		product_category[16];
	char		product_id[12];
	char		quantity[12];
	char		unit_price[24];
	char		total_amount[24];
	char		store_id[12];	/* "" stands for NULL */
} SaleRow;

typedef struct DataGenerator DataGenerator;

/*
 * A generator seeded with seed.  unique_tag (up to 24 characters of [a-z0-9],
 * for example derived from the process id and start time) goes into every
 * username and order number, so that concurrent generators never collide.
 */
DataGenerator *data_generator_new(uint64_t seed, const char *unique_tag);
void		data_generator_free(DataGenerator *gen);

DataRanges	data_generator_default_ranges(void);
void		data_generator_set_ranges(DataGenerator *gen, const DataRanges *ranges);

/* Which table the next row goes to, by the spec's weights. */
DemoTable	data_generator_pick_table(DataGenerator *gen);

void		data_generator_event_log(DataGenerator *gen, EventLogRow *row);
void		data_generator_user(DataGenerator *gen, UserRow *row);
void		data_generator_order(DataGenerator *gen, OrderRow *row);
void		data_generator_sale(DataGenerator *gen, SaleRow *row);

/* The spec's helpers. */
int64_t		data_generator_random_int(DataGenerator *gen, int64_t min, int64_t max);	/* inclusive */
double		data_generator_random_double(DataGenerator *gen);	/* [0, 1) */
const char *data_generator_random_element(DataGenerator *gen, const char *const *items, size_t count);
int64_t		data_generator_random_date(DataGenerator *gen, TimeRange range);
void		data_generator_random_price(DataGenerator *gen, int min_cents, int max_cents,
										char *buf, size_t len);

/* Picks an index by relative weights (all >= 0, sum > 0). */
size_t		data_generator_random_weighted(DataGenerator *gen, const double *weights, size_t count);

/* Formats seconds since the epoch as "YYYY-MM-DD HH:MM:SS" (UTC). */
void		data_generator_format_timestamp(int64_t seconds, char *buf, size_t len);

/* Seconds since the epoch of a UTC calendar date. */
int64_t		data_generator_epoch(int year, int month, int day);

#endif
