/*
 * text_file.h: read a whole text file into memory (the SQL files, the query
 * files).
 */
#ifndef TEXT_FILE_H
#define TEXT_FILE_H

/*
 * Returns the contents of path as a NUL-terminated string the caller frees,
 * or NULL after reporting why the file could not be opened or read.
 */
char	   *text_file_read(const char *path);

#endif
