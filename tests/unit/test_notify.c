/*
 * test_notify.c: notify.c against a unix datagram socket of the test's
 * own, by path and in the abstract namespace: READY, RELOADING with its
 * MONOTONIC_USEC, STOPPING, WATCHDOG; nothing when NOTIFY_SOCKET is unset;
 * the watchdog interval only for our own pid.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/tincayd.h"

static char	 dir[64];
static char	 path[128];

/* A bound datagram socket: at path, or abstract when abstract is set. */
static int
sock_bind(const char *name, int abstract)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	size_t			 n = strlen(name);
	int			 fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(n + 1 < sizeof(sun.sun_path));
	memcpy(sun.sun_path + (abstract ? 1 : 0), name, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

/* The next datagram, without waiting; "" if there is none. */
static void
sock_read(int fd, char *buf, size_t len)
{
	ssize_t	 n;

	n = recv(fd, buf, len - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/tincay-notify-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

static void
test_path(void **state)
{
	char		 buf[256];
	int		 fd = sock_bind(path, 0);

	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_ready(), 0);
	sock_read(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	assert_int_equal(notify_stopping(), 0);
	sock_read(fd, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");
	assert_int_equal(notify_watchdog(), 0);
	sock_read(fd, buf, sizeof(buf));
	assert_string_equal(buf, "WATCHDOG=1");
	close(fd);
}

static void
test_reloading(void **state)
{
	struct timespec	 ts;
	char		 buf[256];
	uint64_t	 before, after, got;
	int		 fd = sock_bind(path, 0);

	setenv("NOTIFY_SOCKET", path, 1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	before = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	assert_int_equal(notify_reloading(), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	after = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	sock_read(fd, buf, sizeof(buf));
	assert_true(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	assert_int_equal(sscanf(buf + 27, "%" SCNu64, &got), 1);
	assert_true(got >= before && got <= after);
	close(fd);
}

static void
test_abstract(void **state)
{
	char		 name[64], env[80], buf[256];
	int		 fd;

	snprintf(name, sizeof(name), "tincay-notify-%ld", (long)getpid());
	fd = sock_bind(name, 1);
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(notify_ready(), 0);
	sock_read(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	close(fd);
}

static void
test_unset(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready(), 0);
	assert_int_equal(notify_reloading(), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_ready(), 0);
	/* Nobody listening there: a failure, reported, not fatal. */
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_ready(), -1);
}

static void
test_watchdog_usec(void **state)
{
	char	 pid[32];

	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "12x", 1);
	assert_int_equal(notify_watchdog_usec(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reloading, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_abstract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_usec, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
