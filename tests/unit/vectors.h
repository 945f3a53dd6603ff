/*
 * vectors.h: reading the reference vectors (tests/vectors/) that the
 * unit tests replay. Tests run from the repository root. Include after
 * cmocka.h, cjson/cJSON.h and core/core.h.
 */
#ifndef TINCAY_TEST_VECTORS_H
#define TINCAY_TEST_VECTORS_H

#include <stdio.h>

/* The whole file, NUL-terminated, malloc'd; the test fails if it can't. */
static inline char *
vectors_read(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s (run from the repo root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The file parsed as JSON; the test fails if it can't. */
static inline cJSON *
vectors_json(const char *path)
{
	char	*buf = vectors_read(path);
	cJSON	*j = cJSON_Parse(buf);

	free(buf);
	assert_non_null(j);
	return j;
}

#endif
