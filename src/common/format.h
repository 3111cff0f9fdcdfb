/*
 * format.h: numbers as the programs print them for people: counts with
 * thousands separators, sizes in 1024-based units with PostgreSQL's names
 * for them (kB, MB, ...).
 */
#ifndef FORMAT_H
#define FORMAT_H

#include <stddef.h>

/* Formats a count with thousands separators ("1,234,567") into buf. */
void		format_count(long long count, char *buf, size_t len);

/* Formats a byte count like "1.5 MB" into buf ("512 bytes" below 1 kB). */
void		format_bytes(long long bytes, char *buf, size_t len);

#endif
