/* data_generator.c: random demo rows (see data_generator.h). */
#include "load/data_generator.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

struct DataGenerator
{
	uint64_t	state[4];		/* xoshiro256** */
	char		tag[25];
	uint64_t	serial;			/* per-generator counter for unique names */
	DataRanges	ranges;
};

/* The spec's mix of tables. */
static const double table_weights[DEMO_TABLE_COUNT] = {30, 25, 25, 20};

static const char *const event_types[] = {
	"page_view", "click", "login", "logout", "purchase", "signup", "error",
};
static const double event_type_weights[] = {40, 25, 10, 8, 7, 5, 5};

static const char *const pages[] = {
	"/", "/products", "/cart", "/checkout", "/search", "/account", "/help",
};

static const char *const countries[] = {
	"US", "GB", "DE", "FR", "JP", "IN", "BR", "CA", "AU", "ES", "IT", "NL",
};
static const double country_weights[] = {30, 10, 9, 8, 8, 8, 6, 6, 5, 4, 4, 2};

static const char *const user_statuses[] = {"active", "inactive", "suspended"};
static const double user_status_weights[] = {85, 12, 3};

static const char *const email_domains[] = {"example.com", "example.org", "example.net"};

/* Regions of the LIST partitions, plus a few that only orders_other takes. */
static const char *const regions[] = {
	"US", "CA", "MX",
	"UK", "DE", "FR", "IT", "ES",
	"JP", "CN", "AU", "IN", "SG",
	"BR", "ZA", "AE",
};
static const double region_weights[] = {
	22, 6, 4,
	9, 9, 7, 5, 4,
	8, 8, 5, 6, 3,
	1.4, 1.3, 1.3,
};

static const char *const order_statuses[] = {
	"delivered", "shipped", "pending", "cancelled", "returned",
};
static const double order_status_weights[] = {45, 20, 20, 10, 5};

/* Categories of the composite table's LIST level; the last four go to *_other. */
static const char *const categories[] = {
	"electronics", "computers", "clothing", "shoes", "accessories",
	"books", "home", "toys", "sports",
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
next_u64(DataGenerator *gen)
{
	uint64_t   *s = gen->state;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

int64_t
data_generator_epoch(int year, int month, int day)
{
	struct tm	tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day};

	return (int64_t) timegm(&tm);
}

DataRanges
data_generator_default_ranges(void)
{
	DataRanges	ranges = {
		/* event_logs_2024_01 .. _03, and April-June in event_logs_default */
		.event_covered = {data_generator_epoch(2024, 1, 1), data_generator_epoch(2024, 4, 1)},
		.event_outside = {data_generator_epoch(2024, 4, 1), data_generator_epoch(2024, 7, 1)},
		.event_outside_share = 0.05,
		/* sales_2024_q1 and _q2, and Q3 2024 in sales_default */
		.sale_covered = {data_generator_epoch(2024, 1, 1), data_generator_epoch(2024, 7, 1)},
		.sale_outside = {data_generator_epoch(2024, 7, 1), data_generator_epoch(2024, 10, 1)},
		.sale_outside_share = 0.03,
	};

	return ranges;
}

DataGenerator *
data_generator_new(uint64_t seed, const char *unique_tag)
{
	DataGenerator *gen = calloc(1, sizeof(DataGenerator));
	size_t		out = 0;

	if (!gen)
		return NULL;
	for (int i = 0; i < 4; i++)
		gen->state[i] = splitmix64(&seed);
	/* keep only [a-z0-9] so the tag is safe in names and short enough */
	for (const char *p = unique_tag ? unique_tag : ""; *p && out < sizeof(gen->tag) - 1; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			gen->tag[out++] = *p;
	gen->ranges = data_generator_default_ranges();
	return gen;
}

void
data_generator_free(DataGenerator *gen)
{
	free(gen);
}

void
data_generator_set_ranges(DataGenerator *gen, const DataRanges *ranges)
{
	gen->ranges = *ranges;
}

double
data_generator_random_double(DataGenerator *gen)
{
	/* the top 53 bits make a uniform double in [0, 1) */
	return (double) (next_u64(gen) >> 11) * 0x1.0p-53;
}

int64_t
data_generator_random_int(DataGenerator *gen, int64_t min, int64_t max)
{
	uint64_t	span = (uint64_t) (max - min) + 1;
	uint64_t	limit,
				x;

	if (max <= min)
		return min;
	if (span == 0)				/* the whole 64-bit range */
		return (int64_t) next_u64(gen);
	/* reject the top sliver so that every value is equally likely */
	limit = UINT64_MAX - UINT64_MAX % span;
	do
		x = next_u64(gen);
	while (x >= limit);
	return min + (int64_t) (x % span);
}

const char *
data_generator_random_element(DataGenerator *gen, const char *const *items, size_t count)
{
	return items[data_generator_random_int(gen, 0, (int64_t) count - 1)];
}

size_t
data_generator_random_weighted(DataGenerator *gen, const double *weights, size_t count)
{
	double		total = 0,
				draw;

	for (size_t i = 0; i < count; i++)
		total += weights[i];
	draw = data_generator_random_double(gen) * total;
	for (size_t i = 0; i < count; i++)
	{
		if (draw < weights[i])
			return i;
		draw -= weights[i];
	}
	return count - 1;			/* rounding at the very top */
}

int64_t
data_generator_random_date(DataGenerator *gen, TimeRange range)
{
	return data_generator_random_int(gen, range.from, range.to - 1);
}

/* Formats a non-negative amount of cents as "123.45". */
static void
format_cents(int64_t cents, char *buf, size_t len)
{
	snprintf(buf, len, "%lld.%02lld", (long long) (cents / 100), (long long) (cents % 100));
}

void
data_generator_random_price(DataGenerator *gen, int min_cents, int max_cents, char *buf, size_t len)
{
	format_cents(data_generator_random_int(gen, min_cents, max_cents), buf, len);
}

void
data_generator_format_timestamp(int64_t seconds, char *buf, size_t len)
{
	time_t		t = (time_t) seconds;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

DemoTable
data_generator_pick_table(DataGenerator *gen)
{
	return (DemoTable) data_generator_random_weighted(gen, table_weights, DEMO_TABLE_COUNT);
}

/* A date in the covered range, or with the given share in the outside range. */
static int64_t
covered_or_outside(DataGenerator *gen, TimeRange covered, TimeRange outside, double outside_share)
{
	bool		out = data_generator_random_double(gen) < outside_share;

	return data_generator_random_date(gen, out ? outside : covered);
}

void
data_generator_event_log(DataGenerator *gen, EventLogRow *row)
{
	const DataRanges *r = &gen->ranges;
	size_t		type = data_generator_random_weighted(gen, event_type_weights, COUNT_OF(event_types));

	snprintf(row->event_type, sizeof(row->event_type), "%s", event_types[type]);
	snprintf(row->user_id, sizeof(row->user_id), "%lld",
			 (long long) data_generator_random_int(gen, 1, 100000));
	snprintf(row->event_data, sizeof(row->event_data),
			 "{\"page\": \"%s\", \"duration_ms\": %lld, \"source\": \"load-data\"}",
			 data_generator_random_element(gen, pages, COUNT_OF(pages)),
			 (long long) data_generator_random_int(gen, 5, 30000));
	snprintf(row->ip_address, sizeof(row->ip_address), "%lld.%lld.%lld.%lld",
			 (long long) data_generator_random_int(gen, 1, 223),
			 (long long) data_generator_random_int(gen, 0, 255),
			 (long long) data_generator_random_int(gen, 0, 255),
			 (long long) data_generator_random_int(gen, 1, 254));
	data_generator_format_timestamp(covered_or_outside(gen, r->event_covered, r->event_outside,
													   r->event_outside_share),
									row->created_at, sizeof(row->created_at));
}

void
data_generator_user(DataGenerator *gen, UserRow *row)
{
	size_t		country = data_generator_random_weighted(gen, country_weights, COUNT_OF(countries));
	size_t		status = data_generator_random_weighted(gen, user_status_weights,
														COUNT_OF(user_statuses));
	TimeRange	registered = {data_generator_epoch(2023, 1, 1), data_generator_epoch(2024, 7, 1)};

	/* "u_" + tag (<= 24) + "_" + counter (<= 20 digits) fits in 50 characters */
	snprintf(row->username, sizeof(row->username), "u_%s_%llu", gen->tag,
			 (unsigned long long) ++gen->serial);
	snprintf(row->email, sizeof(row->email), "%s@%s", row->username,
			 data_generator_random_element(gen, email_domains, COUNT_OF(email_domains)));
	snprintf(row->country_code, sizeof(row->country_code), "%s", countries[country]);
	data_generator_format_timestamp(data_generator_random_date(gen, registered),
									row->registration_date, sizeof(row->registration_date));
	snprintf(row->status, sizeof(row->status), "%s", user_statuses[status]);
}

void
data_generator_order(DataGenerator *gen, OrderRow *row)
{
	size_t		region = data_generator_random_weighted(gen, region_weights, COUNT_OF(regions));
	size_t		status = data_generator_random_weighted(gen, order_status_weights,
														COUNT_OF(order_statuses));
	TimeRange	placed = {data_generator_epoch(2024, 1, 1), data_generator_epoch(2024, 7, 1)};

	snprintf(row->order_number, sizeof(row->order_number), "ORD-%s-%llu", gen->tag,
			 (unsigned long long) ++gen->serial);
	snprintf(row->user_id, sizeof(row->user_id), "%lld",
			 (long long) data_generator_random_int(gen, 1, 100000));
	snprintf(row->product_id, sizeof(row->product_id), "%lld",
			 (long long) data_generator_random_int(gen, 1, 5000));
	snprintf(row->region, sizeof(row->region), "%s", regions[region]);
	data_generator_random_price(gen, 500, 200000, row->order_total, sizeof(row->order_total));
	snprintf(row->order_status, sizeof(row->order_status), "%s", order_statuses[status]);
	data_generator_format_timestamp(data_generator_random_date(gen, placed), row->created_at,
									sizeof(row->created_at));
}

void
data_generator_sale(DataGenerator *gen, SaleRow *row)
{
	const DataRanges *r = &gen->ranges;
	int64_t		quantity = data_generator_random_int(gen, 1, 10);
	int64_t		unit_cents = data_generator_random_int(gen, 100, 50000);
	int64_t		total_cents = quantity * unit_cents;
	char		timestamp[20];

	data_generator_format_timestamp(covered_or_outside(gen, r->sale_covered, r->sale_outside,
													   r->sale_outside_share),
									timestamp, sizeof(timestamp));
	snprintf(row->sale_date, sizeof(row->sale_date), "%.10s", timestamp);
	snprintf(row->product_category, sizeof(row->product_category), "%s",
			 data_generator_random_element(gen, categories, COUNT_OF(categories)));
	snprintf(row->product_id, sizeof(row->product_id), "%lld",
			 (long long) data_generator_random_int(gen, 1, 5000));
	snprintf(row->quantity, sizeof(row->quantity), "%lld", (long long) quantity);
	format_cents(unit_cents, row->unit_price, sizeof(row->unit_price));
	format_cents(total_cents, row->total_amount, sizeof(row->total_amount));
	/* about one sale in twenty has no store (online) */
	if (data_generator_random_double(gen) < 0.05)
		row->store_id[0] = '\0';
	else
		snprintf(row->store_id, sizeof(row->store_id), "%lld",
				 (long long) data_generator_random_int(gen, 1, 50));
}
