/* format.c: counts and sizes for people (see format.h). */
#include "common/format.h"

#include <stdio.h>

void
format_bytes(long long bytes, char *buf, size_t len)
{
	static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB"};
	double		value = (double) bytes;
	int			unit = 0;

	while (value >= 1024 && unit < 4)
	{
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, len, "%lld bytes", bytes);
	else
		snprintf(buf, len, "%.1f %s", value, units[unit]);
}

void
format_count(long long count, char *buf, size_t len)
{
	char		digits[32];
	int			n = snprintf(digits, sizeof(digits), "%lld", count < 0 ? -count : count);
	size_t		out = 0;

	if (count < 0 && out + 1 < len)
		buf[out++] = '-';
	for (int i = 0; i < n && out + 1 < len; i++)
	{
		buf[out++] = digits[i];
		if ((n - i - 1) % 3 == 0 && i != n - 1 && out + 1 < len)
			buf[out++] = ',';
	}
	buf[out] = '\0';
}
