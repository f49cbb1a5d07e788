/* Test harness: run chatsockd on a free port and talk to it as clients do. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

#define IAC	255
#define SB	250
#define SE	240
#define WILL	251
#define DONT	254

struct daemon td;

static void	 print_escaped(const char *what, const void *buf, size_t len);
static void	 print_log_tail(void);
static int	 rm_entry(const char *, const struct stat *, int, struct FTW *);
static char	*config_text(const struct daemon *d, const char *json);
static void	 daemon_exec(const char *bin, const char *config);
static int	 tc_fill(struct tclient *c, int timeout_ms);
static size_t	 iac_strip(const unsigned char *in, size_t len, char *out,
		     size_t *map);
static void	 tc_consume(struct tclient *c, size_t n, const char *text,
		     size_t textlen);
static int	 tc_expect_any(struct tclient *c, const char *s, size_t slen,
		     int timeout_ms, int raw);
static char	*tc_gather(struct tclient *c, int ms, size_t *n);
static void	 run_child(const char *const argv[], int in[2], int out[2],
		     int err[2]);
static void	 run_feed(int fd, const char *input);
static void	 run_collect(int fds[2], pid_t pid, long deadline,
		     struct run_result *r);
static void	 run_reap(pid_t pid, long deadline, struct run_result *r);

/* Harness defaults; a key the test gives replaces the default. */
static const char *defaults[][2] = {
	{ "host", "\"127.0.0.1\"" },
	{ "port", "0" },
	{ "adminSocket", "\"@DIR@/admin.sock\"" },
	{ "accountsFile", "\"@DIR@/accounts\"" },
	{ "shutdownGrace", "0" },
	{ "connectionTimeout", "false" },
	{ "floodRate", "0" },
	{ "rooms", "{\"general\": {\"description\": \"General chat\"}, "
	    "\"random\": {\"description\": \"Random talk\"}}" },
};

/* The last daemon started, for diagnostics. */
static struct daemon *current;

/*
 * How much longer every wait may take: CHATSOCK_TEST_SLOW (default 1), set
 * by `make check-valgrind` where the daemon runs under valgrind.
 */
int
t_slow(void)
{
	const char *s = getenv("CHATSOCK_TEST_SLOW");
	int n = s != NULL ? atoi(s) : 1;

	return (n < 1 ? 1 : n > 100 ? 100 : n);
}

/* Monotonic milliseconds. */
long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

/* Print bytes with non-printable ones escaped, for failure messages. */
static void
print_escaped(const char *what, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i, from = len > 4000 ? len - 4000 : 0;

	fprintf(stderr, "%s (%zu bytes%s): \"", what, len,
	    from ? ", last 4000" : "");
	for (i = from; i < len; i++) {
		if (p[i] == '\n')
			fputs("\\n\n  ", stderr);
		else if (p[i] == '\\')
			fputs("\\\\", stderr);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(stderr, "\\x%02x", p[i]);
		else
			fputc(p[i], stderr);
	}
	fputs("\"\n", stderr);
}

/* Show the end of the daemon's stderr. */
static void
print_log_tail(void)
{
	char *text;
	size_t len;

	if (current == NULL || current->log[0] == '\0')
		return;
	if ((text = read_file(current->log)) == NULL)
		return;
	len = strlen(text);
	fprintf(stderr, "--- daemon stderr (%s), last part:\n%s\n---\n",
	    current->log, len > 3000 ? text + len - 3000 : text);
	free(text);
}

/* A fresh private directory. */
char *
test_mkdtemp(void)
{
	char *dir;
	const char *tmp = getenv("TMPDIR");

	if (asprintf(&dir, "%s/chatsock-test.XXXXXX", tmp ? tmp : "/tmp") < 0)
		ck_abort_msg("asprintf");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	return (dir);
}

/* Write text to path, failing the test on error. */
void
write_file(const char *path, const char *text)
{
	FILE *f;

	ck_assert_msg((f = fopen(path, "w")) != NULL, "%s: %s", path,
	    strerror(errno));
	fputs(text, f);
	ck_assert_msg(fclose(f) == 0, "%s: %s", path, strerror(errno));
}

/* The whole file as a string, NULL if it cannot be read. */
char *
read_file(const char *path)
{
	FILE *f;
	char *text = NULL;
	size_t size = 0;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return (text);
}

/* The config file: a full one with @DIR@ replaced, or defaults plus json. */
static char *
config_text(const struct daemon *d, const char *json)
{
	char *out, *p, key[64];
	const char *s;
	size_t size, i;
	FILE *f;

	f = open_memstream(&out, &size);
	if (json[strspn(json, " \t\n")] != '{') {
		fputs("{\n", f);
		for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
			snprintf(key, sizeof key, "\"%s\"", defaults[i][0]);
			if (strstr(json, key) == NULL)
				fprintf(f, "  %s: %s,\n", key, defaults[i][1]);
		}
		fprintf(f, "  %s\n}\n", *json ? json : "\"usernameLimit\": 10");
	} else
		fputs(json, f);
	fclose(f);

	/* Replace @DIR@. */
	while ((p = strstr(out, "@DIR@")) != NULL) {
		*p = '\0';
		s = p + 5;
		if (asprintf(&p, "%s%s%s", out, d->dir, s) < 0)
			ck_abort_msg("asprintf");
		free(out);
		out = p;
	}
	return (out);
}

/*
 * In the forked child: exec the daemon, through CHATSOCKD_WRAPPER if set
 * (e.g. "valgrind --error-exitcode=99"), which sh parses with its quoting.
 */
static void
daemon_exec(const char *bin, const char *config)
{
	const char *wrapper = getenv("CHATSOCKD_WRAPPER");
	char *cmd;

	if (wrapper == NULL || *wrapper == '\0') {
		execl(bin, "chatsockd", "-c", config, (char *)NULL);
		return;
	}
	if (asprintf(&cmd, "exec %s \"$0\" -c \"$1\"", wrapper) < 0)
		return;
	execl("/bin/sh", "sh", "-c", cmd, bin, config, (char *)NULL);
	free(cmd);
}

/* Start chatsockd with its own dir and port; see helpers.h. */
void
daemon_start(struct daemon *d, const char *json)
{
	const char *addr, *bin;
	char portfile[T_PATH + 8], *text, *colon;
	pid_t parent = getpid(), pid;
	int fd, status;
	long deadline;

	memset(d, 0, sizeof *d);
	current = d;
	if ((addr = getenv("CHATSOCK_TEST_ADDR")) != NULL && *addr != '\0') {
		colon = strrchr(addr, ':');
		ck_assert_msg(colon != NULL, "CHATSOCK_TEST_ADDR is host:port");
		snprintf(d->host, sizeof d->host, "%.*s", (int)(colon - addr),
		    addr);
		d->port = atoi(colon + 1);
		return;
	}
	if ((bin = getenv("CHATSOCKD")) == NULL)
		bin = "./chatsockd";

	text = test_mkdtemp();
	snprintf(d->dir, sizeof d->dir, "%s", text);
	free(text);
	snprintf(d->config, sizeof d->config, "%s/chatsock.json", d->dir);
	snprintf(d->admin, sizeof d->admin, "%s/admin.sock", d->dir);
	snprintf(d->log, sizeof d->log, "%s/stderr.log", d->dir);
	snprintf(portfile, sizeof portfile, "%s/port", d->dir);
	snprintf(d->host, sizeof d->host, "127.0.0.1");
	text = config_text(d, json);
	write_file(d->config, text);
	free(text);

	ck_assert_msg((pid = fork()) != -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Die with the test process, even if it fails in _exit(). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, STDIN_FILENO);
		close(fd);
		setenv("CHATSOCK_PORT_FILE", portfile, 1);
		daemon_exec(bin, d->config);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	d->pid = pid;

	/* The port file appears (renamed into place) once it listens. */
	deadline = now_ms() + 10000L * t_slow();
	for (;;) {
		if ((text = read_file(portfile)) != NULL) {
			/* The telnet port, then the SSH port if it listens. */
			d->port = atoi(text);
			if ((colon = strchr(text, '\n')) != NULL)
				d->ssh_port = atoi(colon + 1);
			free(text);
			/* telnet: false writes 0 on the first line. */
			if (d->port > 0 || d->ssh_port > 0)
				return;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			d->pid = 0;
			print_log_tail();
			ck_abort_msg("chatsockd exited (status 0x%x) before "
			    "listening", status);
		}
		if (now_ms() > deadline) {
			print_log_tail();
			ck_abort_msg("chatsockd wrote no port file in %d s",
			    10 * t_slow());
		}
		usleep(10000);
	}
}

/* nftw callback: remove one entry. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return (0);
}

/* Remove dir and everything below it, best effort. */
void
rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Stop the daemon with SIGTERM and assert it exits with status 0. */
void
daemon_stop(struct daemon *d)
{
	int status = 0;
	long deadline;
	pid_t r;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		deadline = now_ms() + 10000L * t_slow();
		while ((r = waitpid(d->pid, &status, WNOHANG)) == 0 &&
		    now_ms() < deadline)
			usleep(10000);
		if (r == 0) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			print_log_tail();
			d->pid = 0;
			ck_abort_msg("chatsockd did not exit within 10 s of "
			    "SIGTERM");
		}
		d->pid = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			print_log_tail();
			if (WIFSIGNALED(status))
				ck_abort_msg("chatsockd killed by signal %d",
				    WTERMSIG(status));
			ck_abort_msg("chatsockd exited with status %d (leak "
			    "or error, see its stderr above)",
			    WEXITSTATUS(status));
		}
	}
	if (d->dir[0] != '\0') {
		rm_tree(d->dir);
		d->dir[0] = '\0';
	}
}

/* Checked teardown of every daemon tcase. */
void
daemon_teardown(void)
{
	daemon_stop(&td);
}

/* Connect to the daemon (TCP_NODELAY). */
struct tclient *
tc_connect(struct daemon *d, const char *label)
{
	return (tc_connect_from(d, NULL, label, 0));
}

/* Connect from src with a small receive buffer if asked; see helpers.h. */
struct tclient *
tc_connect_from(struct daemon *d, const char *src, const char *label,
    int rcvbuf)
{
	struct tclient *c;
	struct sockaddr_in sin;
	int one = 1;

	c = calloc(1, sizeof *c);
	ck_assert(c != NULL);
	snprintf(c->label, sizeof c->label, "%s", label);
	c->buf = malloc(1);	/* never NULL: memcpy(x, NULL, 0) is UB */
	ck_assert(c->buf != NULL);
	ck_assert((c->fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (rcvbuf > 0)
		ck_assert(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof rcvbuf) == 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	if (src != NULL) {
		ck_assert(inet_pton(AF_INET, src, &sin.sin_addr) == 1);
		ck_assert_msg(bind(c->fd, (struct sockaddr *)&sin,
		    sizeof sin) == 0, "bind %s: %s", src, strerror(errno));
	}
	sin.sin_port = htons(d->port);
	ck_assert_msg(inet_pton(AF_INET, d->host, &sin.sin_addr) == 1,
	    "bad host %s", d->host);
	ck_assert_msg(connect(c->fd, (struct sockaddr *)&sin, sizeof sin) == 0,
	    "%s: connect to %s:%d: %s", label, d->host, d->port,
	    strerror(errno));
	return (c);
}

/* A client that moves its bytes through ops. */
struct tclient *
tc_new_ops(const char *label, const struct tc_ops *ops, void *arg)
{
	struct tclient *c;

	c = calloc(1, sizeof *c);
	ck_assert(c != NULL);
	snprintf(c->label, sizeof c->label, "%s", label);
	c->buf = malloc(1);
	ck_assert(c->buf != NULL);
	c->fd = -1;
	c->ops = ops;
	c->arg = arg;
	return (c);
}

/* Close the connection and free the client. */
void
tc_close(struct tclient *c)
{
	if (c == NULL)
		return;
	if (c->ops != NULL)
		c->ops->close(c);
	if (c->fd != -1)
		close(c->fd);
	free(c->buf);
	free(c->last);
	free(c);
}

/* Send bytes as they are. */
int
tc_send_raw(struct tclient *c, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	if (c->ops != NULL)
		return (c->ops->send(c, buf, len));
	while (len > 0) {
		if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: send: %s\n", c->label,
			    strerror(errno));
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

/* Send a formatted line ending in "\n". */
int
tc_send_line(struct tclient *c, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return (-1);
	line[n] = '\n';		/* over the NUL: send n + 1 bytes */
	r = tc_send_raw(c, line, n + 1);
	free(line);
	return (r);
}

/*
 * Wait up to timeout_ms for data and append it to the buffer; 1 if data came,
 * 0 on timeout, -1 if the peer closed.
 */
static int
tc_fill(struct tclient *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	unsigned char tmp[65536];
	ssize_t n, i;

	if (c->closed)
		return (-1);
	if (c->ops != NULL) {
		if ((n = c->ops->recv(c, tmp, sizeof tmp,
		    timeout_ms < 0 ? 0 : timeout_ms)) == 0)
			return (0);
		if (n < 0) {
			c->closed = 1;
			return (-1);
		}
	} else if (poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms) <= 0)
		return (0);
	else
		n = recv(c->fd, tmp, sizeof tmp, 0);
	if (n <= 0) {
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return (0);
		c->closed = 1;
		return (-1);
	}
	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	c->buf = realloc(c->buf, c->len + n);
	ck_assert(c->buf != NULL);
	memcpy(c->buf + c->len, tmp, n);
	c->len += n;
	for (i = 0; i < n; i++)
		c->nesc += (tmp[i] == 0x1b);
	return (1);
}

/*
 * Copy in to out without telnet IAC sequences; map[i] is the offset in in
 * just after out[i]. A sequence cut at the end stops the copy.
 */
static size_t
iac_strip(const unsigned char *in, size_t len, char *out, size_t *map)
{
	size_t i = 0, o = 0, j;

	while (i < len) {
		if (in[i] != IAC) {
			out[o] = in[i++];
			map[o++] = i;
			continue;
		}
		if (i + 1 >= len)
			break;
		if (in[i + 1] == IAC) {			/* escaped 0xff */
			i += 2;
			out[o] = (char)IAC;
			map[o++] = i;
		} else if (in[i + 1] >= WILL && in[i + 1] <= DONT) {
			if (i + 2 >= len)
				break;
			i += 3;
		} else if (in[i + 1] == SB) {
			for (j = i + 2; j + 1 < len; j++)
				if (in[j] == IAC && in[j + 1] == SE)
					break;
			if (j + 1 >= len)
				break;
			i = j + 2;
		} else
			i += 2;
	}
	out[o] = '\0';
	return (o);
}

/* Consume n raw bytes, remembering text as what was consumed. */
static void
tc_consume(struct tclient *c, size_t n, const char *text, size_t textlen)
{
	free(c->last);
	c->last = malloc(textlen + 1);
	ck_assert(c->last != NULL);
	memcpy(c->last, text, textlen);
	c->last[textlen] = '\0';
	c->lastlen = textlen;
	c->off += n;
	c->consumed += n;
}

/* Search s in the IAC-stripped (raw: the raw) unconsumed bytes until timeout. */
static int
tc_expect_any(struct tclient *c, const char *s, size_t slen, int timeout_ms,
    int raw)
{
	long deadline = now_ms() + (long)timeout_ms * t_slow();
	size_t *map = NULL, n, len;
	char *text = NULL, *hit;
	const unsigned char *p;
	int r = 0;

	for (;;) {
		p = c->buf + c->off;
		len = c->len - c->off;
		free(text);
		free(map);
		text = malloc(len + 1);
		map = malloc((len + 1) * sizeof *map);
		ck_assert(text != NULL && map != NULL);
		if (raw) {
			memcpy(text, p, len);
			n = len;
		} else
			n = iac_strip(p, len, text, map);
		if ((hit = memmem(text, n, s, slen)) != NULL) {
			n = hit - text + slen;
			tc_consume(c, raw ? n : map[n - 1], text, n);
			free(text);
			free(map);
			return (0);
		}
		if (r == -1 || now_ms() >= deadline)
			break;
		r = tc_fill(c, (int)(deadline - now_ms()));
	}
	fprintf(stderr, "%s: %s after %d ms\n", c->label, r == -1 ?
	    "connection closed" : "timed out", timeout_ms);
	print_escaped("  expected", s, slen);
	print_escaped("  received", text, n);
	print_log_tail();
	free(text);
	free(map);
	return (-1);
}

/* Wait for s in the IAC-stripped stream and consume through it. */
int
tc_expect(struct tclient *c, const char *s, int timeout_ms)
{
	return (tc_expect_any(c, s, strlen(s), timeout_ms, 0));
}

/* tc_expect of a formatted string with T_WAIT. */
int
tc_expectf(struct tclient *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return (-1);
	r = tc_expect(c, s, T_WAIT);
	free(s);
	return (r);
}

/* Wait for raw bytes (IAC and ESC included) and consume through them. */
int
tc_expect_raw(struct tclient *c, const void *s, size_t len, int timeout_ms)
{
	return (tc_expect_any(c, s, len, timeout_ms, 1));
}

/* Wait until the server closes the connection. */
int
tc_expect_closed(struct tclient *c, int timeout_ms)
{
	long deadline = now_ms() + (long)timeout_ms * t_slow();

	while (now_ms() < deadline) {
		if (tc_fill(c, (int)(deadline - now_ms())) == -1) {
			c->off = c->len;
			return (0);
		}
	}
	fprintf(stderr, "%s: still connected after %d ms\n", c->label,
	    timeout_ms);
	print_escaped("  unread", c->buf + c->off, c->len - c->off);
	return (-1);
}

/* Gather for ms; return the IAC-stripped unconsumed text (malloc'd). */
static char *
tc_gather(struct tclient *c, int ms, size_t *n)
{
	long deadline = now_ms() + ms;
	size_t len, *map;
	char *text;

	while (now_ms() < deadline && tc_fill(c, (int)(deadline -
	    now_ms())) != -1)
		;
	len = c->len - c->off;
	text = malloc(len + 1);
	map = malloc((len + 1) * sizeof *map);
	ck_assert(text != NULL && map != NULL);
	*n = iac_strip(c->buf + c->off, len, text, map);
	free(map);
	return (text);
}

/* Assert nothing is pending and nothing but IAC arrives within ms. */
int
tc_no_data(struct tclient *c, int ms)
{
	size_t n;
	char *text = tc_gather(c, ms, &n);
	int r = 0;

	if (n > 0 || c->closed) {
		fprintf(stderr, "%s: expected nothing%s\n", c->label,
		    c->closed ? ", connection closed" : "");
		print_escaped("  received", text, n);
		r = -1;
	}
	tc_consume(c, c->len - c->off, text, n);
	free(text);
	return (r);
}

/* Assert s does not arrive within ms; what arrived is consumed. */
int
tc_expect_not(struct tclient *c, const char *s, int ms)
{
	size_t n;
	char *text = tc_gather(c, ms, &n);
	int r = 0;

	if (memmem(text, n, s, strlen(s)) != NULL) {
		fprintf(stderr, "%s: received what it should not\n", c->label);
		print_escaped("  unwanted", s, strlen(s));
		print_escaped("  received", text, n);
		r = -1;
	}
	tc_consume(c, c->len - c->off, text, n);
	free(text);
	return (r);
}

/* Consume until nothing arrives for ms. */
size_t
tc_drain(struct tclient *c, int ms)
{
	size_t n;

	while (tc_fill(c, ms) == 1)
		;
	n = c->len - c->off;
	tc_consume(c, n, (char *)c->buf + c->off, n);
	return (n);
}

/* Answer the username prompt with name and wait for the palette prompt. */
int
tc_login(struct tclient *c, const char *name)
{
	if (tc_expect(c, MSG_NAME_PROMPT, T_WAIT) == -1 ||
	    tc_send_line(c, "%s", name) == -1 ||
	    tc_expectf(c, MSG_NAME_OK, name) == -1 ||
	    tc_expect(c, MSG_PROMPT, T_WAIT) == -1)
		return (-1);
	snprintf(c->label, sizeof c->label, "%s", name);
	return (0);
}

/* A client of td logged in as name. */
struct tclient *
tc_user(const char *name)
{
	struct tclient *c = tc_connect(&td, name);

	ck_assert_msg(tc_login(c, name) == 0, "%s could not log in", name);
	return (c);
}

/* Join a room and wait for the room prompt. */
void
tc_join(struct tclient *c, const char *room, const char *password)
{
	if (password != NULL)
		SEND(c, ":join %s %s", room, password);
	else
		SEND(c, ":join %s", room);
	EXPECT(c, MSG_JOINED, room);
	EXPECT(c, MSG_PROMPT_ROOM, room, c->label);
}

/* Enter the chat view of where. */
void
tc_chat(struct tclient *c, const char *where)
{
	SEND(c, ":chat");
	EXPECT(c, MSG_CHAT_ENTER, where);
}

/* A user in the chat view of room. */
struct tclient *
tc_chatter(const char *name, const char *room)
{
	struct tclient *c = tc_user(name);

	tc_join(c, room, NULL);
	tc_chat(c, room);
	return (c);
}

/* The first complete line of text that holds word, or NULL. */
char *
line_with(const char *text, const char *word)
{
	const char *start, *end;

	for (start = text; (end = strstr(start, "\r\n")) != NULL;
	    start = end + 2) {
		if (memmem(start, end - start, word, strlen(word)) != NULL)
			return (strndup(start, end - start));
	}
	return (NULL);
}

/* A tcase running each test against its own daemon. */
TCase *
tcase_daemon(const char *name, void (*setup)(void))
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, T_TCASE);
	tcase_add_checked_fixture(tc, setup, daemon_teardown);
	return (tc);
}

/* Run s in fork mode (tests _exit on failure; the daemon dies with them). */
int
run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/* In the forked child: the pipes on fds 0, 1 and 2, then exec argv. */
static void
run_child(const char *const argv[], int in[2], int out[2], int err[2])
{
	/* Die with the test process, even if it fails in _exit(). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(in[0], STDIN_FILENO);
	dup2(out[1], STDOUT_FILENO);
	dup2(err[1], STDERR_FILENO);
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Write input to the child's stdin and close it, so that it sees EOF. */
static void
run_feed(int fd, const char *input)
{
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);

	if (input != NULL && write(fd, input, strlen(input)) < 0)
		fprintf(stderr, "write to child: %s\n", strerror(errno));
	close(fd);
	signal(SIGPIPE, old);
}

/* Read the child's stdout and stderr until both close or the deadline. */
static void
run_collect(int fds[2], pid_t pid, long deadline, struct run_result *r)
{
	struct pollfd pfd[2];
	char **buf[2] = { &r->out, &r->err }, tmp[4096];
	size_t len[2] = { 0, 0 };
	ssize_t n;
	long left;
	int i, rc;

	for (i = 0; i < 2; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		left = deadline - now_ms();
		rc = poll(pfd, 2, left > 0 ? (int)left : 0);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0) {
			kill(pid, SIGKILL);
			r->timed_out = 1;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((n = read(pfd[i].fd, tmp, sizeof tmp)) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			*buf[i] = realloc(*buf[i], len[i] + n + 1);
			ck_assert(*buf[i] != NULL);
			memcpy(*buf[i] + len[i], tmp, n);
			len[i] += n;
			(*buf[i])[len[i]] = '\0';
		}
	}
	for (i = 0; i < 2; i++) {
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	}
}

/* Wait for the child until the deadline, then kill it; note how it ended. */
static void
run_reap(pid_t pid, long deadline, struct run_result *r)
{
	int st = 0;
	pid_t w;

	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(10000);
	if (w == 0) {
		kill(pid, SIGKILL);
		r->timed_out = 1;
		waitpid(pid, &st, 0);
	}
	if (WIFEXITED(st)) {
		r->status = WEXITSTATUS(st);
		r->signal = 0;
	} else {
		r->status = -1;
		r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
}

/* Run a program with input and its output captured; see helpers.h. */
int
run_program(const char *const argv[], const char *input,
    struct run_result *r)
{
	int in[2], out[2], err[2], fds[2];
	long deadline = now_ms() + (long)T_RUN * t_slow();
	pid_t pid;

	memset(r, 0, sizeof *r);
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	ck_assert(r->out != NULL && r->err != NULL);
	if (pipe2(in, O_CLOEXEC) != 0)
		return (-1);
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
	    (pid = fork()) == -1) {
		fprintf(stderr, "run %s: %s\n", argv[0], strerror(errno));
		return (-1);
	}
	if (pid == 0)
		run_child(argv, in, out, err);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	run_feed(in[1], input);
	fds[0] = out[0];
	fds[1] = err[0];
	run_collect(fds, pid, deadline, r);
	run_reap(pid, deadline, r);
	return (0);
}

/* Free what run_program() captured. */
void
run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
