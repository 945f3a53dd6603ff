/*
 * fuzz_form.c: libFuzzer target for form.c. Any input is decoded; a
 * decoded form has no NUL inside its keys and values and the lengths
 * agree; encoding every field and decoding again gives the same fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/tincayd.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	*f, *g;
	struct form_buf	 b = { NULL, 0, 0 };
	char		 err[128];
	size_t		 i;

	err[0] = '\0';
	f = form_parse((const char *)data, size, err, sizeof(err));
	if (f == NULL) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(f->n <= size);
	for (i = 0; i < f->n; i++) {
		FUZZ_CHECK(strlen(f->v[i].key) == f->v[i].keylen);
		FUZZ_CHECK(strlen(f->v[i].val) == f->v[i].vallen);
		FUZZ_CHECK(f->v[i].keylen + f->v[i].vallen <= size);
		form_add(&b, f->v[i].key, f->v[i].val);
	}
	g = form_parse(b.buf, b.len, err, sizeof(err));
	FUZZ_CHECK(g != NULL);
	/* Even an empty key and value encode to a field ("="). */
	FUZZ_CHECK(g->n == f->n);
	for (i = 0; i < f->n; i++) {
		FUZZ_CHECK(strcmp(f->v[i].key, g->v[i].key) == 0);
		FUZZ_CHECK(strcmp(f->v[i].val, g->v[i].val) == 0);
	}
	if (f->n > 0)
		FUZZ_CHECK(form_get(f, f->v[0].key) == &f->v[0]);
	form_free(g);
	form_free(f);
	free(b.buf);
	return 0;
}
