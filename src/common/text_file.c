/* text_file.c: read a whole text file (see text_file.h). */
#include "common/text_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

char *
text_file_read(const char *path)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *text = NULL;
	long		size;

	if (!fp)
	{
		log_error("could not open file \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
		(text = malloc((size_t) size + 1)) != NULL &&
		fread(text, 1, (size_t) size, fp) == (size_t) size)
		text[size] = '\0';
	else
	{
		log_error("could not read file \"%s\": %s", path, strerror(errno));
		free(text);
		text = NULL;
	}
	fclose(fp);
	return text;
}
