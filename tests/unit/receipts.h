/*
 * receipts.h: a provider's receipt endpoint, case by case, for the
 * provider unit tests: each form body through the endpoint's decode must
 * make the receipt the case names, or fail with its reason. Include after
 * cmocka.h and daemon/provider.h.
 */
#ifndef TINCAY_TEST_RECEIPTS_H
#define TINCAY_TEST_RECEIPTS_H

struct receipt_case {
	const char		*body;
	const char		*why;		/* NULL: decoded */
	const char		*key;		/* "provider:id" */
	enum receipt_status	 status;
	const char		*reason;
};

static inline void
receipt_cases(const struct config *conf, const char *path,
    const struct receipt_case *cases, size_t n)
{
	const struct provider_endpoint	*ep;
	struct provider_call		 c;
	const char			*why;
	char				 err[64];
	size_t				 i;

	ep = provider_route(conf, path);
	assert_non_null(ep);
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		c.conf = conf;
		c.form = form_parse(cases[i].body, strlen(cases[i].body), err,
		    sizeof(err));
		assert_non_null(c.form);
		why = ep->decode(&c);
		if (cases[i].why == NULL) {
			if (why != NULL)
				fail_msg("%s case %zu: %s", path, i, why);
			assert_int_equal(c.is_receipt, 1);
			assert_string_equal(c.receipt.key, cases[i].key);
			assert_int_equal(c.receipt.status, cases[i].status);
			assert_string_equal(c.receipt.reason, cases[i].reason);
		} else if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("%s case %zu: got %s, want %s", path, i,
			    why ? why : "(ok)", cases[i].why);
		provider_call_clear(&c);
	}
}

#endif
