/*
 * setup_summary.h: what setup-database prints at the end: each table's
 * partition tree with exact row counts, and the row count of the plain copy
 * its migration kept.
 */
#ifndef SETUP_SUMMARY_H
#define SETUP_SUMMARY_H

#include <stdbool.h>
#include <libpq-fe.h>

/* The four tables' trees on stdout; false (reported) when a count could not be read. */
bool		setup_print_summary(PGconn *conn);

#endif
