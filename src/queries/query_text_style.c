/* query_text_style.c: the text report's colours (see query_text_style.h). */
#include "queries/query_text_style.h"

const QueryTextStyle *
query_text_style(bool color)
{
	static const QueryTextStyle ansi = {
		.color = true,
		.bold = "\033[1m",
		.dim = "\033[2m",
		.red = "\033[31m",
		.green = "\033[32m",
		.yellow = "\033[33m",
		.cyan = "\033[36m",
		.reset = "\033[0m",
	};
	static const QueryTextStyle none = {
		.color = false,
		.bold = "", .dim = "", .red = "", .green = "", .yellow = "", .cyan = "", .reset = "",
	};

	return color ? &ansi : &none;
}
