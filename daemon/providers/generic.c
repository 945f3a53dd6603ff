/*
 * generic.c: the generic provider (SPEC §2, §3). Verifies the timestamped
 * HMAC-SHA256 signature on the raw body, decodes the JSON message and
 * answers {"ref","reply"} once the message is committed; sends an SMS as
 * JSON {"to","text","id"} to sms_out.url, signed the same way.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../provider.h"

#define GENERIC_SKEW_S	300
#define GENERIC_MAX_V1	4	/* signatures checked in one header */

/*
 * Check "t=UNIX,v1=HEX[,v1=HEX]" against (body, len). The HMAC covers the
 * timestamp exactly as written, ".", and the body as received. Returns NULL
 * when good, else why not (for the 403 line).
 */
const char *
generic_verify(const char *secret, const char *hdr, const char *body,
    size_t len, int64_t now)
{
	char		 want[65], *copy, *field, *save = NULL, *end;
	char		*v1[GENERIC_MAX_V1], *p;
	const char	*tstr = NULL, *why;
	size_t		 nv1 = 0, i;
	long long	 t;
	int		 ok = 0;

	if (hdr == NULL)
		return "missing signature";
	copy = xstrdup(hdr);
	for (field = strtok_r(copy, ",", &save); field != NULL;
	    field = strtok_r(NULL, ",", &save)) {
		while (*field == ' ')
			field++;
		if (strncmp(field, "t=", 2) == 0)
			tstr = field + 2;
		else if (strncmp(field, "v1=", 3) == 0 && nv1 < GENERIC_MAX_V1)
			v1[nv1++] = field + 3;
	}
	why = "malformed signature header";
	if (tstr == NULL || nv1 == 0 || *tstr < '0' || *tstr > '9')
		goto done;
	t = strtoll(tstr, &end, 10);
	if (*end != '\0' || t < 0)
		goto done;
	why = "stale signature";
	if (t > now + GENERIC_SKEW_S || t < now - GENERIC_SKEW_S)
		goto done;
	why = provider_internal;	/* out of memory: retry */
	if (util_hmac_sha256_stamped_hex(secret, tstr, body, len,
	    want) == 0) {
		why = "bad signature";
		for (i = 0; i < nv1; i++) {
			for (p = v1[i]; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'F')
					*p += 'a' - 'A';
			if (util_ct_equal(v1[i], strlen(v1[i]), want, 64))
				ok = 1;
		}
	}
done:
	free(copy);
	return ok ? NULL : why;
}

/*
 * Whether cJSON would read U+0000 in a JSON text: a raw NUL byte anywhere
 * (even right after a backslash), the escape \u0000, or a \u escape
 * whose four characters are not all hex digits (cJSON takes it as
 * U+0000 rather than refusing it). cJSON ends its strings there, so a
 * message id would match a shorter, stored one and a text would be cut.
 * Every backslash of valid JSON opens an escape inside a string, so
 * stepping over escapes pairwise finds exactly these.
 */
static int
generic_has_nul(const char *buf, size_t len)
{
	size_t	 i, k;

	if (memchr(buf, '\0', len) != NULL)
		return 1;
	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] != 'u') {
			i++;	/* the escaped character */
			continue;
		}
		if (i + 6 > len)
			return 1;
		for (k = i + 2; k < i + 6; k++)
			if (!isxdigit((unsigned char)buf[k]))
				return 1;
		if (memcmp(buf + i + 2, "0000", 4) == 0)
			return 1;
		i += 5;
	}
	return 0;
}

/* Fill in from the JSON object; NULL or why it is malformed. */
static const char *
generic_fields(const struct config *conf, const cJSON *o, struct inbound *in,
    char **text)
{
	static const struct {
		const char	*name, *missing;
	} fields[] = {
		{ "id", "missing field: id" },
		{ "from", "missing field: from" },
		{ "to", "missing field: to" },
		{ "text", "missing field: text" },
	};
	const cJSON	*v[4];
	size_t		 i;

	if (!cJSON_IsObject(o))
		return "body must be a JSON object";
	for (i = 0; i < 4; i++) {
		v[i] = cJSON_GetObjectItemCaseSensitive(o, fields[i].name);
		if (v[i] == NULL)
			return fields[i].missing;
		if (!cJSON_IsString(v[i]))
			return "fields id, from, to, text must be strings";
	}
	if (v[0]->valuestring[0] == '\0' ||
	    strlen(v[0]->valuestring) >= sizeof(in->ext_id))
		return "id must be 1..127 characters";
	util_strlcpy(in->ext_id, v[0]->valuestring, sizeof(in->ext_id));
	if (phone_e164(v[1]->valuestring, strlen(v[1]->valuestring),
	    conf->country_code, in->from) == -1)
		return "from is not a phone number";
	if (strlen(v[2]->valuestring) >= sizeof(in->to))
		return "to is too long";
	util_strlcpy(in->to, v[2]->valuestring, sizeof(in->to));
	in->textlen = strlen(v[3]->valuestring);
	*text = xstrndup(v[3]->valuestring, in->textlen);
	in->text = *text;
	return NULL;
}

/*
 * Decode (body, len) into in. On success *text holds the message text,
 * malloc'd, which in->text borrows; the caller frees *text. On failure
 * returns why, and *text is NULL.
 */
const char *
generic_decode(const struct config *conf, const char *body, size_t len,
    struct inbound *in, char **text)
{
	const char	*why, *end = NULL;
	cJSON		*o;
	uint64_t	 fails;

	memset(in, 0, sizeof(*in));
	in->provider = "generic";
	*text = NULL;
	fails = util_cjson_alloc_failures();
	if (body == NULL)
		body = "";
	if ((o = cJSON_ParseWithLengthOpts(body, len, &end, 0)) == NULL)
		return util_cjson_alloc_failures() != fails ?
		    provider_internal : "malformed JSON";
	/* One object and nothing after it but white space. */
	for (; end < body + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\r' &&
		    *end != '\n') {
			cJSON_Delete(o);
			return "malformed JSON: bytes after the object";
		}
	if (generic_has_nul(body, len)) {
		cJSON_Delete(o);
		return "JSON holds U+0000";
	}
	/* {"id":"abc","id":"new"}: which id is it? */
	if (util_json_dup_key(o) != NULL) {
		cJSON_Delete(o);
		return "malformed JSON: a key appears twice";
	}
	why = generic_fields(conf, o, in, text);
	cJSON_Delete(o);
	if (why != NULL) {
		free(*text);
		*text = NULL;
	}
	return why;
}

static const char *
generic_endpoint_verify(struct provider_call *c)
{
	return generic_verify(c->conf->generic.secret,
	    c->header(c, "X-Tincay-Signature"), c->body, c->len, c->now);
}

static const char *
generic_endpoint_decode(struct provider_call *c)
{
	return generic_decode(c->conf, c->body, c->len, &c->in, &c->text);
}

/* {"ref": "A7K2" or null, "reply": "..." or null}. */
static char *
generic_reply(struct provider_call *c, const char **ctype)
{
	cJSON	*r;
	char	*reply;

	if ((r = cJSON_CreateObject()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (c->out.ref[0])
		cJSON_AddStringToObject(r, "ref", c->out.ref);
	else
		cJSON_AddNullToObject(r, "ref");
	if (c->out.reply[0])
		cJSON_AddStringToObject(r, "reply", c->out.reply);
	else
		cJSON_AddNullToObject(r, "reply");
	if ((reply = cJSON_PrintUnformatted(r)) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_Delete(r);
	*ctype = "application/json";
	return reply;
}

/* sms_out.via generic: JSON {"to","text","id"} to sms_out.url, signed. */
static int
generic_send(const struct config *conf, const struct provider_sms *sms,
    struct provider_send *r, char *err, size_t errlen)
{
	char	*to, *text, *id;

	to = util_json_string(sms->to);
	text = util_json_string(sms->text);
	id = util_json_string(sms->key);
	provider_send_json(r, conf->sms_out.url, xasprintf("{\"to\":%s,"
	    "\"text\":%s,\"id\":%s}", to, text, id), conf->webhook_secret,
	    sms->key);
	free(to);
	free(text);
	free(id);
	return 0;
}

const struct provider provider_generic = {
	.name = "generic",
	.endpoints = {
		{ "/sms/generic", PROVIDER_JSON, PROVIDER_RAW,
		    generic_endpoint_verify, generic_endpoint_decode,
		    generic_reply },
	},
	.build_send = generic_send,
};
