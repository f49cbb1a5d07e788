/*
 * accounts-bench: how long chatsockd takes to load a large account
 * registry. Writes N names (each with its own fresh ed25519 key, as the
 * registry allows a key only a few names) to an accountsFile in a
 * temporary directory, then times `chatsockd -t` on a config naming it,
 * RUNS times, against the same config with an empty registry.
 *
 *	accounts-bench [-n NAMES] [-r RUNS] [-k]	(CHATSOCKD: the daemon)
 *
 * -k keeps the directory and prints its path.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#define BENCH_NAMES	100000
#define BENCH_RUNS	3
#define BENCH_RUNS_MAX	15

static double	 now_s(void);
static void	 write_registry(const char *path, long n);
static double	 time_check(const char *bin, const char *conf);
static int	 cmp_double(const void *a, const void *b);
static double	 median(const char *bin, const char *conf, int runs);
static void	 usage(void);

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* n lines "ssh-ed25519 BASE64 uNNNNNN REGISTERED SEEN", each a new key. */
static void
write_registry(const char *path, long n)
{
	ssh_key key;
	char *b64;
	double t0 = now_s();
	FILE *f;
	long i;

	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		key = NULL;
		b64 = NULL;
		if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
		    ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
			fprintf(stderr, "accounts-bench: key %ld failed\n", i);
			exit(1);
		}
		fprintf(f, "ssh-ed25519 %s u%06ld 2026-11-29T14:05:00Z %s\n",
		    b64, i, i % 2 == 0 ? "-" : "2026-11-30T09:12:44Z");
		ssh_string_free_char(b64);
		ssh_key_free(key);
	}
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	fprintf(stderr, "accounts-bench: %ld keys made and written in %.2f s\n",
	    n, now_s() - t0);
}

/* Seconds one `bin -t -c conf` takes; exits if it fails. */
static double
time_check(const char *bin, const char *conf)
{
	double t0 = now_s();
	int status, fd;
	pid_t pid;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl(bin, bin, "-t", "-c", conf, (char *)NULL);
		perror(bin);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "accounts-bench: %s -t -c %s failed\n", bin,
		    conf);
		exit(1);
	}
	return (now_s() - t0);
}

/* Order doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* The median of runs timings. */
static double
median(const char *bin, const char *conf, int runs)
{
	double t[BENCH_RUNS_MAX];
	int i;

	for (i = 0; i < runs; i++)
		t[i] = time_check(bin, conf);
	qsort(t, runs, sizeof t[0], cmp_double);
	return (t[runs / 2]);
}

/* Say how to run it and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: accounts-bench [-k] [-n NAMES] [-r RUNS]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/accounts-bench.XXXXXX", path[256], conf[256],
	    empty[256];
	const char *bin = getenv("CHATSOCKD");
	long n = BENCH_NAMES;
	int runs = BENCH_RUNS, keep = 0, ch;
	double full, base;
	struct stat st;
	FILE *f;

	while ((ch = getopt(argc, argv, "kn:r:")) != -1) {
		switch (ch) {
		case 'k':
			keep = 1;
			break;
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (n < 1 || runs < 1 || runs > BENCH_RUNS_MAX || optind != argc)
		usage();
	if (bin == NULL)
		bin = "./chatsockd";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	snprintf(path, sizeof path, "%s/accounts", dir);
	write_registry(path, n);
	if (stat(path, &st) != 0) {
		perror(path);
		return (1);
	}
	snprintf(conf, sizeof conf, "%s/full.json", dir);
	snprintf(empty, sizeof empty, "%s/empty.json", dir);
	if ((f = fopen(conf, "w")) == NULL)
		return (1);
	fprintf(f, "{\"host\": \"127.0.0.1\", \"port\": 0, \"adminSocket\": "
	    "\"%s/admin.sock\", \"accountsFile\": \"%s\"}\n", dir, path);
	fclose(f);
	if ((f = fopen(empty, "w")) == NULL)
		return (1);
	fprintf(f, "{\"host\": \"127.0.0.1\", \"port\": 0, \"adminSocket\": "
	    "\"%s/admin.sock\", \"accountsFile\": \"%s/none\"}\n", dir, dir);
	fclose(f);

	base = median(bin, empty, runs);
	full = median(bin, conf, runs);
	printf("chatsockd -t, empty registry:       %.3f s (median of %d)\n",
	    base, runs);
	printf("chatsockd -t, %ld names (%.1f MB): %.3f s (median of %d)\n",
	    n, st.st_size / 1e6, full, runs);
	printf("load cost: %.3f s, %.2f us per name\n", full - base,
	    (full - base) * 1e6 / n);
	if (keep)
		printf("kept %s\n", dir);
	else {
		unlink(path);
		unlink(conf);
		unlink(empty);
		rmdir(dir);
	}
	return (0);
}
