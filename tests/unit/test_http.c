/*
 * test_http.c: what http.c sets up for libevent as a whole: an allocation
 * that fails inside libevent ends the process (issue 23: evhttp answered
 * valid messages its HTML 400 when one failed, and a provider drops
 * those), as one of ours does.
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "../../daemon/tincayd.h"

/* In a child: ask libevent for more memory than there is (2^40 bytes in
 * one buffer). Exits 0 if libevent got NULL back and went on. */
static void
child_asks_too_much(int hooked)
{
	struct evbuffer	*b;

	if (hooked)
		http_alloc_init();
	if ((b = evbuffer_new()) == NULL)
		_exit(3);
	if (evbuffer_expand(b, (size_t)1 << 40) == 0)
		_exit(2);		/* it had the memory after all */
	evbuffer_free(b);
	_exit(0);
}

static int
run_child(int hooked)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == 0)
		child_asks_too_much(hooked);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
test_libevent_out_of_memory_is_fatal(void **state)
{
	int	 status;

	/* Without the hooks libevent goes on with a NULL (how evhttp came
	 * to answer 400); the test's own premise. */
	status = run_child(0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		skip();		/* 2^40 bytes were there: nothing to see */
	/* With them, the allocation ends the process, as xmalloc does. */
	status = run_child(1);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libevent_out_of_memory_is_fatal),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
