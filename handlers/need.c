/*
 * need.c: need to know across a city's communes (SPEC §6a, §11). A
 * contact acts on the cases of its own commune only: a report or a text
 * of the review list of another commune is, to it, one it may not see,
 * and its NHAN, XONG, DUYET or BO is answered as a stranger's. A
 * city-level contact ("*") acts on a commune's case when that commune
 * calls on its role for such a case. A config without communes has one
 * commune: these rules then never refuse.
 */
#include <string.h>

#include "handlers.h"

/* The city's own level: "*", or "" (what came before its communes). */
static int
need_city_level(const char *commune)
{
	return commune[0] == '\0' || strcmp(commune, "*") == 0;
}

/* Whether the sender's commune may see commune's cases: 1 its own, 0
 * another's, 2 a city-level contact on a commune's case (its role
 * decides). */
static int
need_commune(const struct intake *it, const char *commune)
{
	const char	*mine = it->contact.commune;

	if (it->city == NULL || strcmp(mine, commune) == 0 ||
	    (need_city_level(mine) && need_city_level(commune)))
		return 1;
	return need_city_level(mine) ? 2 : 0;
}

static int
need_named(const struct strlist *roles, const char *role)
{
	size_t	 i;

	for (i = 0; i < roles->n; i++)
		if (strcmp(roles->v[i], role) == 0)
			return 1;
	return 0;
}

int
need_report(const struct intake *it, const struct report_row *row)
{
	const struct config	*cf;
	const char		*role = it->contact.role;
	int			 cat, rc;

	if ((rc = need_commune(it, row->commune)) != 2)
		return rc;
	/* The roles its commune alerts for its category, and the city's
	 * escalation roles, to which its escalation climbs (escalate.c). */
	if ((cat = config_category_lookup(row->category)) < 0)
		return 0;
	cf = config_scoped(it->city, row->commune);
	return need_named(&cf->routing[cat], role) ||
	    need_named(&cf->escalation[cat].to, role) ||
	    need_named(&it->city->escalation[cat].to, role);
}

int
need_text(const struct intake *it, const char *commune)
{
	int	 rc;

	if ((rc = need_commune(it, commune)) != 2)
		return rc;
	return need_named(&config_scoped(it->city, commune)->review.to,
	    it->contact.role);
}
