/*
 * json_out.h: the members of the programs' --json documents (json-c), one
 * short call each.
 *
 * A NULL string is written as null.  A number written with a fixed count of
 * decimals keeps them in the document ("0.250"), as the text output shows it.
 */
#ifndef JSON_OUT_H
#define JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

void		json_out_string(json_object *object, const char *key, const char *value);
void		json_out_int(json_object *object, const char *key, int value);
void		json_out_int64(json_object *object, const char *key, long long value);
void		json_out_bool(json_object *object, const char *key, bool value);

/* value as a JSON number written with decimals digits after the point */
json_object *json_out_number(double value, int decimals);

/* ["a", "b", ...] of count strings */
json_object *json_out_strings(char *const *strings, size_t count);

#endif
