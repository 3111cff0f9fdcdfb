/*
 * repartition: not built yet.  It is specified in ../shared/spec.md and tracked as
 * issue #5; until it lands, this program only says so and exits 2.
 */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	(void) argv;
	fprintf(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
			"Usage: repartition <add|split|detach|migrate|cleanup> (not implemented yet: tracked as issue #5)\n");
	return 2;
}
