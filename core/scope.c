/*
 * scope.c: what a console user may know (SPEC §12), as tincayctl users
 * add and the console's users page write it: communes "*" or codes of the
 * config's communes, areas "*" or hamlet codes (CODE.T3 in a city), each
 * list between ';' in the config's spelling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

/*
 * --communes arg (NULL: "*"): "*", or codes of the config's communes
 * between ';' (any case), kept in the config's spelling into out. NULL,
 * or why not.
 */
const char *
scope_communes(const struct config *conf, const char *arg, char *out,
    size_t outlen)
{
	const struct commune	*cm;
	char			*copy, *tok, *save = NULL;
	size_t			 o = 0;
	const char		*why = NULL;

	if (arg == NULL || strcmp(arg, "*") == 0) {
		util_strlcpy(out, "*", outlen);
		return NULL;
	}
	if (conf->ncommunes == 0)
		return "--communes: the config has no communes (leave it out "
		    "or give *)";
	out[0] = '\0';
	copy = xstrdup(arg);
	for (tok = strtok_r(copy, ";", &save); tok != NULL && why == NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if ((cm = config_commune(conf, tok)) == NULL)
			why = "--communes: not a configured commune's code "
			    "(use * or codes like TINHCHAU;TINHAN)";
		else if ((o += (size_t)snprintf(out + o, outlen - o, "%s%s",
		    o ? ";" : "", cm->code)) >= outlen)
			why = "--communes: too many";
	}
	free(copy);
	if (why == NULL && out[0] == '\0')
		why = "--communes: empty (use * or codes)";
	return why;
}

/* Whether code is in list ("*" or codes between ';'). */
int
scope_in(const char *list, const char *code)
{
	size_t	 n = strlen(code);
	const char *p;

	if (strcmp(list, "*") == 0)
		return 1;
	for (p = list; (p = strstr(p, code)) != NULL; p += n)
		if ((p == list || p[-1] == ';') && (p[n] == ';' ||
		    p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * --areas arg (NULL: "*"): "*", or area codes of the config between ';'
 * (any case); in a city each written CODE.T3, of one of communes, kept in
 * the config's spelling into out. NULL, or why not.
 */
const char *
scope_areas(const struct config *conf, const char *communes,
    const char *arg, char *out, size_t outlen)
{
	const struct config	*in;
	const struct commune	*cm;
	char			*copy, *tok, *dot, *save = NULL;
	size_t			 a, o = 0;
	const char		*why = NULL;

	if (arg == NULL || strcmp(arg, "*") == 0) {
		util_strlcpy(out, "*", outlen);
		return NULL;
	}
	out[0] = '\0';
	copy = xstrdup(arg);
	for (tok = strtok_r(copy, ";", &save); tok != NULL && why == NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		in = conf;
		cm = NULL;
		if (conf->ncommunes > 0) {
			if ((dot = strchr(tok, '.')) == NULL) {
				why = "--areas: in a city each is written "
				    "CODE.T3 (a commune's code, a dot, its "
				    "area's)";
				break;
			}
			*dot = '\0';
			if ((cm = config_commune(conf, tok)) == NULL) {
				why = "--areas: not a configured commune's "
				    "code before the dot (CODE.T3)";
				break;
			}
			if (!scope_in(communes, cm->code)) {
				why = "--areas: a commune that --communes "
				    "leaves out";
				break;
			}
			in = cm->cf;
			tok = dot + 1;
		}
		for (a = 0; a < in->nareas; a++)
			if (strcasecmp(in->areas[a].code, tok) == 0)
				break;
		if (a == in->nareas)
			why = "--areas: not a configured area code (use * or "
			    "codes like T1;T3)";
		else if ((o += (size_t)snprintf(out + o, outlen - o,
		    "%s%s%s%s", o ? ";" : "", cm != NULL ? cm->code : "",
		    cm != NULL ? "." : "", in->areas[a].code)) >= outlen)
			why = "--areas: too many";
	}
	free(copy);
	if (why == NULL && out[0] == '\0')
		why = "--areas: empty (use * or codes)";
	return why;
}
