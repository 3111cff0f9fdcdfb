/* json_out.c: members of --json documents (see json_out.h). */
#include "common/json_out.h"

#include <stdio.h>

void
json_out_string(json_object *object, const char *key, const char *value)
{
	json_object_object_add(object, key, value ? json_object_new_string(value) : NULL);
}

void
json_out_int(json_object *object, const char *key, int value)
{
	json_object_object_add(object, key, json_object_new_int(value));
}

void
json_out_int64(json_object *object, const char *key, long long value)
{
	json_object_object_add(object, key, json_object_new_int64(value));
}

void
json_out_bool(json_object *object, const char *key, bool value)
{
	json_object_object_add(object, key, json_object_new_boolean(value));
}

json_object *
json_out_number(double value, int decimals)
{
	char		text[64];

	snprintf(text, sizeof(text), "%.*f", decimals, value);
	return json_object_new_double_s(value, text);
}

json_object *
json_out_strings(char *const *strings, size_t count)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < count; i++)
		json_object_array_add(array, json_object_new_string(strings[i]));
	return array;
}
