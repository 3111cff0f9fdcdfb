/*
 * query_text_style.h: the colours of demonstrate-queries' text report
 * (query_report_text.c, query_plan_text.c): ANSI codes when colour is on
 * (log_color_enabled(stdout)), else empty strings, so that the printing code
 * is the same either way.
 */
#ifndef QUERY_TEXT_STYLE_H
#define QUERY_TEXT_STYLE_H

#include <stdbool.h>

typedef struct QueryTextStyle
{
	bool		color;
	const char *bold;
	const char *dim;
	const char *red;
	const char *green;
	const char *yellow;
	const char *cyan;
	const char *reset;
} QueryTextStyle;

const QueryTextStyle *query_text_style(bool color);

#endif
