/*
 * replay.c: main() for a fuzz target built without libFuzzer. Feeds every
 * file of the directories (or files) named on the command line, default
 * tests/fuzz/corpus/<target>, to LLVMFuzzerTestOneInput, each in a child
 * process so that a crash fails that input only; prints a summary.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"

#define REPLAY_CORPUS	"tests/fuzz/corpus/"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct replay {
	unsigned	 passed;
	unsigned	 failed;
};

static int	 replay_read(const char *, uint8_t **, size_t *);
static void	 replay_file(struct replay *, const char *);
static void	 replay_path(struct replay *, const char *);
static char	*replay_default(const char *);

/* The whole file, in a buffer of exactly its size (ASan sees overreads). */
static int
replay_read(const char *path, uint8_t **out, size_t *len)
{
	FILE		*f;
	uint8_t		*buf = NULL, *nbuf;
	size_t		 n = 0, cap = 0, got;
	uint8_t		 chunk[4096];

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n + got > cap) {
			cap = (n + got) * 2;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nbuf;
		}
		memcpy(buf + n, chunk, got);
		n += got;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = malloc(n ? n : 1);
	if (*out == NULL) {
		free(buf);
		return -1;
	}
	if (n > 0)
		memcpy(*out, buf, n);
	free(buf);
	*len = n;
	return 0;
}

static void
replay_file(struct replay *r, const char *path)
{
	uint8_t	*data;
	size_t	 len;
	pid_t	 pid;
	int	 status;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "replay: fork: %s\n", strerror(errno));
		r->failed++;
		return;
	}
	if (pid == 0) {
		if (replay_read(path, &data, &len) == -1) {
			fprintf(stderr, "replay: %s: %s\n", path,
			    strerror(errno));
			exit(2);
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r->passed++;
	else {
		r->failed++;
		fprintf(stderr, "replay: FAILED %s (%s %d)\n", path,
		    status != -1 && WIFSIGNALED(status) ? "signal" : "exit",
		    status == -1 ? -1 : WIFSIGNALED(status) ?
		    WTERMSIG(status) : WEXITSTATUS(status));
	}
}

/* A file is one input; a directory, each regular file in it (sorted). */
static void
replay_path(struct replay *r, const char *path)
{
	struct dirent	**ents;
	struct stat	 st;
	char		*p;
	int		 i, n;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(r, path);
		return;
	}
	if ((n = scandir(path, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(p, &st) == 0 &&
		    S_ISREG(st.st_mode))
			replay_file(r, p);
		free(p);
		free(ents[i]);
	}
	free(ents);
}

/* tests/fuzz/corpus/<name>, name from argv[0] less "-replay". */
static char *
replay_default(const char *argv0)
{
	const char	*base = strrchr(argv0, '/');
	char		*name, *dir;
	size_t		 n;

	base = base == NULL ? argv0 : base + 1;
	name = xstrdup(base);
	n = strlen(name);
	if (n > 7 && strcmp(name + n - 7, "-replay") == 0)
		name[n - 7] = '\0';
	dir = xasprintf("%s%s", REPLAY_CORPUS, name);
	free(name);
	return dir;
}

int
main(int argc, char *argv[])
{
	struct replay	 r = { 0, 0 };
	char		*dir;
	int		 i;

	if (argc < 2) {
		dir = replay_default(argv[0]);
		replay_path(&r, dir);
		free(dir);
	}
	for (i = 1; i < argc; i++)
		replay_path(&r, argv[i]);
	printf("%u passed, %u failed\n", r.passed, r.failed);
	return r.failed > 0 || r.passed == 0;
}
