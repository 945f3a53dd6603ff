/*
 * test_owner.c: the rule of owner.c (root becomes the database's owner
 * unless that is root; anyone else opens as itself), and that nothing
 * changes for a database of one's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/core.h"

static void
test_decide(void **state)
{
	assert_int_equal(owner_decide(0, 0), OWNER_KEEP);
	assert_int_equal(owner_decide(0, 998), OWNER_DROP);
	assert_int_equal(owner_decide(1000, 998), OWNER_KEEP);
	assert_int_equal(owner_decide(1000, 1000), OWNER_KEEP);
	assert_int_equal(owner_decide(1000, 0), OWNER_KEEP);
}

/* Our own file, a missing one in our own directory, a bare name. */
static void
test_own(void **state)
{
	char	 dir[] = "/tmp/tincay-owner-XXXXXX", path[128], err[256];
	uid_t	 uid = geteuid();
	FILE	*fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	err[0] = '\0';
	assert_int_equal(owner_become(path, err, sizeof(err)), 0);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	assert_int_equal(owner_become(path, err, sizeof(err)), 0);
	assert_int_equal(owner_become("t-missing.db", err, sizeof(err)), 0);
	assert_int_equal(owner_become("/nonexistent/dir/t.db", err,
	    sizeof(err)), 0);
	assert_int_equal(geteuid(), uid);
	assert_string_equal(err, "");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
