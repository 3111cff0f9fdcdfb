/* latency_histogram.c: geometric-bucket latency histogram (see latency_histogram.h). */
#include "load/latency_histogram.h"

#include <math.h>
#include <string.h>

#define GROWTH 1.05

/* Bucket i holds latencies in [GROWTH^(i-1), GROWTH^i) microseconds; bucket 0 below 1. */
static int
bucket_of(double us)
{
	int			i;

	if (us < 1.0)
		return 0;
	i = 1 + (int) floor(log(us) / log(GROWTH));
	return i < LATENCY_HISTOGRAM_BUCKETS ? i : LATENCY_HISTOGRAM_BUCKETS - 1;
}

void
latency_histogram_reset(LatencyHistogram *h)
{
	memset(h, 0, sizeof(*h));
}

void
latency_histogram_add(LatencyHistogram *h, double us)
{
	if (us < 0)
		us = 0;
	h->buckets[bucket_of(us)]++;
	if (h->count == 0 || us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	h->count++;
	h->sum_us += us;
}

void
latency_histogram_merge(LatencyHistogram *h, const LatencyHistogram *other)
{
	if (other->count == 0)
		return;
	for (int i = 0; i < LATENCY_HISTOGRAM_BUCKETS; i++)
		h->buckets[i] += other->buckets[i];
	if (h->count == 0 || other->min_us < h->min_us)
		h->min_us = other->min_us;
	if (other->max_us > h->max_us)
		h->max_us = other->max_us;
	h->count += other->count;
	h->sum_us += other->sum_us;
}

double
latency_histogram_percentile(const LatencyHistogram *h, double fraction)
{
	uint64_t	rank,
				seen = 0;

	if (h->count == 0)
		return 0;
	rank = (uint64_t) ceil(fraction * (double) h->count);
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < LATENCY_HISTOGRAM_BUCKETS; i++)
	{
		seen += h->buckets[i];
		if (seen >= rank)
		{
			double		upper = pow(GROWTH, i);

			return upper < h->min_us ? h->min_us : upper > h->max_us ? h->max_us : upper;
		}
	}
	return h->max_us;
}

double
latency_histogram_mean(const LatencyHistogram *h)
{
	return h->count ? h->sum_us / (double) h->count : 0;
}
