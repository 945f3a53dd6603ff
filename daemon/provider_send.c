/*
 * provider_send.c: an outbound request under construction (struct
 * provider_send), shared by the providers' send builders and the
 * outbox's webhooks: header slots, our signature, freeing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

void
provider_send_free(struct provider_send *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	free(r->url);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->body);
	free(r->userpwd);
	memset(r, 0, sizeof(*r));
}

void
provider_send_header(struct provider_send *r, char *line)
{
	if (r->nheaders < PROVIDER_SEND_HEADERS)
		r->headers[r->nheaders++] = line;
	else
		free(line);
}

void
provider_send_json(struct provider_send *r, const char *url, char *body,
    const char *secret, const char *key)
{
	memset(r, 0, sizeof(*r));
	r->url = xstrdup(url);
	r->body = body;
	r->bodylen = strlen(body);
	provider_send_header(r, xstrdup("Content-Type: application/json"));
	provider_send_sign(r, secret, util_now());
	provider_send_header(r, xasprintf("Idempotency-Key: %s", key));
}

void
provider_send_sign(struct provider_send *r, const char *secret, int64_t now)
{
	char	 stamp[24], hex[65];

	snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	if (util_hmac_sha256_stamped_hex(secret, stamp, r->body ? r->body :
	    "", r->body ? r->bodylen : 0, hex) == 0)
		provider_send_header(r, xasprintf("X-Tincay-Signature: "
		    "t=%s,v1=%s", stamp, hex));
}
