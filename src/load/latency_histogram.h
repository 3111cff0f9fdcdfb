/*
 * latency_histogram.h: fixed-size histogram of latencies for percentiles.
 *
 * Buckets grow geometrically by 5% from 1 microsecond to over an hour, so a
 * percentile is exact to within 5% whatever the run's length, in constant
 * memory (pgbench keeps sums; we also want p50/p99).  Count, sum, min and
 * max are exact.
 */
#ifndef LATENCY_HISTOGRAM_H
#define LATENCY_HISTOGRAM_H

#include <stdint.h>

#define LATENCY_HISTOGRAM_BUCKETS 460

typedef struct LatencyHistogram
{
	uint64_t	buckets[LATENCY_HISTOGRAM_BUCKETS];
	uint64_t	count;
	double		sum_us;
	double		min_us;
	double		max_us;
} LatencyHistogram;

void		latency_histogram_reset(LatencyHistogram *h);
void		latency_histogram_add(LatencyHistogram *h, double microseconds);

/* Adds every sample of other into h. */
void		latency_histogram_merge(LatencyHistogram *h, const LatencyHistogram *other);

/*
 * The latency below which fraction (0..1] of the samples fall, in
 * microseconds: the upper bound of the bucket, clamped to [min, max].
 * 0 when empty.
 */
double		latency_histogram_percentile(const LatencyHistogram *h, double fraction);

double		latency_histogram_mean(const LatencyHistogram *h);

#endif
