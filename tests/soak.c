/*
 * Soak test: about a thousand clients on one chatsockd over loopback for a
 * bounded time. Most behave: they move between rooms and private
 * conversations in phases and chat; every message they receive is checked.
 * About a tenth misbehave: some never read, some send garbage, some vanish
 * in the middle of a line and come back. At the end the daemon is stopped
 * with SIGTERM and must exit 0 (under ASan that means no leak).
 *
 * Exactness: time runs in phases. A phase first moves some well-behaved
 * clients (":q", ":join ROOM" or ":dm PEER", ":chat") and waits until each
 * has entered its new chat view; only then does anyone send. Each message
 * carries its sender's id and sequence number, so a receiver expects, from
 * every well-behaved sender in the same room, exactly the numbers sent in
 * this phase, each once, in order. The phase ends when every expected
 * delivery has arrived; nothing is in flight when clients move again.
 *
 *	soak [-n clients] [-t seconds] [-r rooms] [-m messages] [-w ms]
 *	     [-b bad%] [-s seed] [-c nodes]
 *
 * With -c N (2 to SOAK_NODES_MAX), a redis-server on a UNIX socket in the
 * run's dir and N daemons as one cluster; client i uses node i % N, so
 * rooms and DMs span nodes and every delivery is still checked exactly
 * once and in order.
 *
 * CHATSOCKD names the daemon (default ./chatsockd). Exit 0 if every check
 * passed, 1 otherwise, 77 if it cannot run here.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "messages.h"

#define SOAK_LINE_MAX	4096	/* longest line a client keeps */
#define SOAK_PHASE_MAX	60	/* seconds a phase may take */
#define SOAK_STALL	10	/* seconds a phase may go without progress */
#define SOAK_STOP_MAX	30	/* seconds the daemon may take to stop */
#define SOAK_ERRORS	20	/* errors printed in full */
#define SOAK_RAMP	50	/* connections started per ramp tick */
#define SOAK_USERLIMIT	10	/* usernameLimit in the config */
#define SOAK_OUTPUT_LIMIT 65536	/* outputLimit: the deaf are dropped */
#define SOAK_DEAF_RCVBUF 4096	/* a small window, so that they are */
#define SOAK_NODES_MAX	8	/* -c: daemons in a cluster */

enum kind {
	GOOD,		/* reads everything, checked */
	DEAF,		/* logs in, enters the view, never reads */
	GARBAGE,	/* sends random bytes, reads and discards */
	VANISH		/* sends half a line and disappears, comes back */
};

struct sclient {
	int			 id;
	enum kind		 kind;
	int			 gi;		/* index among the good, or -1 */
	int			 gen;		/* incarnation of a bad client */
	char			 name[16];
	struct bufferevent	*bev;
	struct event		*timer;
	int			 up;		/* connected */
	int			 eof;		/* the server closed it */

	/* Well-behaved clients only. */
	int			 group;		/* room index, or a DM id */
	int			 target;	/* where it is moving */
	int			 moving;	/* waiting for the view header */
	char			 header[64];	/* the header that ends it */
	uint32_t		 seq;		/* next sequence number */
	int			 to_send;	/* left in this phase */
	int			 saw_shutdown;
	int			 iac;		/* telnet bytes still to skip */
	int			 cr;		/* last byte was CR */
	char			 line[SOAK_LINE_MAX];
	size_t			 len;
};

static struct {
	int		 nclients;
	int		 seconds;
	int		 nrooms;
	int		 per_phase;
	int		 window;
	int		 bad_pct;
	unsigned	 seed;
	int		 nodes;
} opt = { 1000, 20, 10, 2, 1000, 10, 1, 1 };

static struct event_base *base;
static struct sclient	*clients;
static struct sclient	**good;		/* the well-behaved, by gi */
static int		 ngood;
static uint32_t		*expect;	/* [receiver gi * ngood + sender gi] */
static unsigned char	*dm_used;	/* pairs of gi that had a DM */
static struct sockaddr_in daddrs[SOAK_NODES_MAX];
static pid_t		 dpids[SOAK_NODES_MAX];
static int		 dstatus[SOAK_NODES_MAX];
static pid_t		 rpid;		/* redis-server with -c */
static char		 ddir[256];

static int		 ramped;	/* clients started so far */
static int		 phase, phases_done;
static int		 chatting;	/* phase is in its chat part */
static int		 stopping;	/* SIGTERM sent */
static int		 finished;
static int		 waiting;	/* movers not yet in their view */
static long		 phase_start, progress;
static long		 run_start, run_end;
static uint64_t		 sends_left;	/* messages still to send in phase */
static uint64_t		 phase_expected, phase_received;
static uint64_t		 nsent, nchecked, nconnects, nbad_bytes, ndms;
static uint64_t		 nmoves;
static long		 rss_peak_kb;
static int		 nerrors;
static int		 daemon_status = -1;	/* the first bad one, or 0 */
static struct event	*tick;

static void	 usage(void);
static long	 now_ms(void);
static void	 error(const char *fmt, ...) __attribute__((format(printf, 1,
		     2)));
static void	 fatal(const char *fmt, ...) __attribute__((format(printf, 1,
		     2)));
static void	 raise_nofile(void);
static void	 daemon_start(const char *bin);
static void	 daemon_start_one(const char *bin, int n);
static void	 redis_start(void);
static int	 daemons_running(void);
static void	 daemons_kill(int sig);
static long	 daemon_rss(void);
static int	 daemon_log_count(const char *s);
static void	 client_connect(struct sclient *c);
static void	 client_event_cb(struct bufferevent *bev, short what,
		     void *arg);
static void	 client_read_cb(struct bufferevent *bev, void *arg);
static void	 client_timer_cb(evutil_socket_t fd, short what, void *arg);
static void	 client_send(struct sclient *c, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));
static void	 client_gone(struct sclient *c);
static void	 client_later(struct sclient *c, int ms);
static void	 good_bytes(struct sclient *c, const unsigned char *p,
		     size_t n);
static void	 good_line(struct sclient *c, char *line, size_t len);
static void	 good_message(struct sclient *c, const char *line);
static void	 good_say(struct sclient *c);
static void	 bad_act(struct sclient *c);
static void	 ramp_cb(evutil_socket_t fd, short what, void *arg);
static void	 tick_cb(evutil_socket_t fd, short what, void *arg);
static void	 phase_move(void);
static void	 phase_chat(void);
static void	 phase_check(void);
static void	 phase_stuck(void);
static void	 finish(void);
static void	 soak_clean(void);

/* The options, then exit 1. */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: soak [-n clients] [-t seconds] [-r rooms] [-m messages] "
	    "[-w ms] [-b bad%%] [-s seed]\n"
	    "  -n  clients in all (1000)\n"
	    "  -t  seconds of chatting; the last phase is finished (20)\n"
	    "  -r  rooms (10)\n"
	    "  -m  messages each well-behaved client sends per phase (2)\n"
	    "  -w  ms over which a phase's messages are spread (1000)\n"
	    "  -b  percent of misbehaving clients (10)\n"
	    "  -s  random seed (1)\n"
	    "  -c  daemons as one cluster through a redis-server (1)\n"
	    "CHATSOCKD names the daemon (./chatsockd).\n");
	exit(1);
}

/* Monotonic milliseconds. */
static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

/* A failed check: counted, the first few printed. */
static void
error(const char *fmt, ...)
{
	va_list ap;

	if (nerrors++ >= SOAK_ERRORS)
		return;
	va_start(ap, fmt);
	fputs("soak: ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Cannot go on: kill the daemon and fail. */
static void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("soak: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	daemons_kill(SIGKILL);
	if (rpid > 0)
		kill(rpid, SIGKILL);
	exit(1);
}

/* Descriptors for every client here and in the daemon, which inherits it. */
static void
raise_nofile(void)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)opt.nclients + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		fatal("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
			rl.rlim_max = need;	/* works as root */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_cur < 256 + 100) {
		fprintf(stderr, "soak: skipped: RLIMIT_NOFILE is %lu\n",
		    (unsigned long)rl.rlim_cur);
		exit(77);
	}
	fprintf(stderr, "soak: RLIMIT_NOFILE is %lu: %d clients instead of "
	    "%d\n", (unsigned long)rl.rlim_cur, (int)rl.rlim_cur - 256,
	    opt.nclients);
	opt.nclients = (int)rl.rlim_cur - 256;
}

/* The run's dir, Redis for a cluster, then each daemon. */
static void
daemon_start(const char *bin)
{
	char *tmp;
	int n;

	tmp = getenv("TMPDIR");
	snprintf(ddir, sizeof ddir, "%s/chatsock-soak.XXXXXX", tmp ? tmp :
	    "/tmp");
	if (mkdtemp(ddir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	if (opt.nodes > 1)
		redis_start();
	for (n = 0; n < opt.nodes; n++)
		daemon_start_one(bin, n);
}

/* redis-server on DIR/redis.sock, storing nothing; wait for its socket. */
static void
redis_start(void)
{
	char sock[512], log[512];
	struct stat sb;
	long deadline;
	int fd;

	snprintf(sock, sizeof sock, "%s/redis.sock", ddir);
	snprintf(log, sizeof log, "%s/redis.log", ddir);
	if ((rpid = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (rpid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		execlp("redis-server", "redis-server", "--port", "0",
		    "--unixsocket", sock, "--save", "", "--appendonly", "no",
		    "--dir", ddir, "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	deadline = now_ms() + 10000;
	while (stat(sock, &sb) != 0) {
		if (waitpid(rpid, NULL, WNOHANG) == rpid) {
			rpid = 0;
			fprintf(stderr, "soak: skipped: no redis-server for "
			    "-c\n");
			exit(77);
		}
		if (now_ms() > deadline)
			fatal("redis-server did not start within 10 s");
		usleep(10000);
	}
}

/* Write node n's config, start it, learn its port. */
static void
daemon_start_one(const char *bin, int n)
{
	char path[512], port[512], log[512];
	FILE *f;
	long deadline;
	int i, fd, status, p = 0;

	snprintf(path, sizeof path, "%s/chatsock%d.json", ddir, n);
	snprintf(port, sizeof port, "%s/port%d", ddir, n);
	snprintf(log, sizeof log, "%s/stderr%d.log", ddir, n);
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s: %s", path, strerror(errno));
	fprintf(f, "{ \"host\": \"127.0.0.1\", \"port\": 0,\n"
	    "  \"adminSocket\": \"%s/admin%d.sock\",\n"
	    "  \"accountsFile\": \"%s/accounts%d\",\n"
	    "  \"shutdownGrace\": 0, \"connectionTimeout\": false,\n"
	    "  \"usernameLimit\": %d, \"floodRate\": 0,\n"
	    "  \"maxClientsPerAddress\": 0, \"maxClients\": 5000,\n"
	    "  \"outputLimit\": %d,\n", ddir, n, ddir, n, SOAK_USERLIMIT,
	    SOAK_OUTPUT_LIMIT);
	if (opt.nodes > 1)
		fprintf(f, "  \"cluster\": { \"redis\": \"unix:%s/redis.sock\", "
		    "\"node\": \"n%d\" },\n", ddir, n);
	fprintf(f, "  \"rooms\": {");
	for (i = 0; i < opt.nrooms; i++)
		fprintf(f, "%s\"r%d\": {}", i ? ", " : "", i);
	fprintf(f, "} }\n");
	fclose(f);

	if ((dpids[n] = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (dpids[n] == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		setenv("CHATSOCK_PORT_FILE", port, 1);
		execl(bin, "chatsockd", "-c", path, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	deadline = now_ms() + 10000;
	while (p <= 0) {
		if ((f = fopen(port, "r")) != NULL) {
			if (fscanf(f, "%d", &p) != 1)
				p = 0;
			fclose(f);
		}
		if (waitpid(dpids[n], &status, WNOHANG) == dpids[n]) {
			dpids[n] = 0;
			fatal("chatsockd exited before listening (see %s)",
			    log);
		}
		if (now_ms() > deadline)
			fatal("chatsockd did not listen within 10 s");
		usleep(10000);
	}
	memset(&daddrs[n], 0, sizeof daddrs[n]);
	daddrs[n].sin_family = AF_INET;
	daddrs[n].sin_port = htons(p);
	inet_pton(AF_INET, "127.0.0.1", &daddrs[n].sin_addr);
}

/* How many daemons still run. */
static int
daemons_running(void)
{
	int n, running = 0;

	for (n = 0; n < opt.nodes; n++)
		running += dpids[n] > 0;
	return (running);
}

/* Signal every daemon still running. */
static void
daemons_kill(int sig)
{
	int n;

	for (n = 0; n < opt.nodes; n++) {
		if (dpids[n] > 0)
			kill(dpids[n], sig);
	}
}

/* The daemons' peak resident sets (VmHWM) added up, in kB. */
static long
daemon_rss(void)
{
	char path[64], line[256];
	long kb, sum = -1;
	FILE *f;
	int n;

	for (n = 0; n < opt.nodes; n++) {
		snprintf(path, sizeof path, "/proc/%d/status", (int)dpids[n]);
		if (dpids[n] <= 0 || (f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "VmHWM: %ld", &kb) == 1) {
				sum = (sum < 0 ? 0 : sum) + kb;
				break;
			}
		}
		fclose(f);
	}
	return (sum);
}

/* Lines of the daemons' stderr that hold s. */
static int
daemon_log_count(const char *s)
{
	char path[512], line[1024];
	FILE *f;
	int n = 0, i;

	for (i = 0; i < opt.nodes; i++) {
		snprintf(path, sizeof path, "%s/stderr%d.log", ddir, i);
		if ((f = fopen(path, "r")) == NULL)
			return (-1);
		while (fgets(line, sizeof line, f) != NULL)
			n += strstr(line, s) != NULL;
		fclose(f);
	}
	return (n);
}

/* Open a connection; the login is sent once it is up. */
static void
client_connect(struct sclient *c)
{
	int fd, size = SOAK_DEAF_RCVBUF;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket: %s", strerror(errno));
	if (c->kind == DEAF)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	evutil_make_socket_nonblocking(fd);
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatal("bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, client_read_cb, NULL, client_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (c->kind != GOOD)
		snprintf(c->name, sizeof c->name, "x%d_%d", c->id % 1000,
		    c->gen % 10000);
	c->up = c->eof = 0;
	c->iac = c->cr = 0;
	c->len = 0;
	nconnects++;
	if (bufferevent_socket_connect(c->bev,
	    (struct sockaddr *)&daddrs[c->id % opt.nodes],
	    sizeof daddrs[0]) != 0) {
		if (c->kind == GOOD)
			error("%s: connect failed", c->name);
		client_gone(c);
	}
}

/* Queue a formatted text. */
static void
client_send(struct sclient *c, const char *fmt, ...)
{
	va_list ap;

	if (c->bev == NULL)
		return;
	va_start(ap, fmt);
	evbuffer_add_vprintf(bufferevent_get_output(c->bev), fmt, ap);
	va_end(ap);
}

/* Connected, closed or failed. */
static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sclient *c = arg;
	int one = 1, room;

	if (what & BEV_EVENT_CONNECTED) {
		c->up = 1;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof one);
		room = random() % opt.nrooms;
		client_send(c, "%s\n:join r%d\n:chat\n", c->name, room);
		if (c->kind == GOOD) {
			c->target = room;
			snprintf(c->header, sizeof c->header, "--- r%d: ",
			    room);
			return;
		}
		if (c->kind == DEAF)
			bufferevent_disable(bev, EV_READ);
		client_later(c, c->kind == VANISH ? 200 + random() % 1800 :
		    100 + random() % 400);
		return;
	}
	if (c->kind == GOOD && !stopping)
		error("%s: connection %s (%s)", c->name, what & BEV_EVENT_EOF ?
		    "closed by the daemon" : "failed",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	c->eof = 1;
	client_gone(c);
}

/* Forget the connection; a bad client comes back later. */
static void
client_gone(struct sclient *c)
{
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	c->up = 0;
	if (c->kind != GOOD && !stopping) {
		c->gen++;
		client_later(c, 200 + random() % 800);
	}
}

/* Run the client's timer in ms. */
static void
client_later(struct sclient *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (c->timer == NULL)
		c->timer = evtimer_new(base, client_timer_cb, c);
	evtimer_add(c->timer, &tv);
}

/* Data: checked by the good, counted and dropped by the others. */
static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct sclient *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v;

	while (evbuffer_peek(in, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		if (c->kind == GOOD)
			good_bytes(c, v.iov_base, v.iov_len);
		else
			nbad_bytes += v.iov_len;
		evbuffer_drain(in, v.iov_len);
	}
}

/* Skip telnet commands, check every byte is harmless, split CRLF lines. */
static void
good_bytes(struct sclient *c, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->iac > 0) {
			/* IAC verb option: the daemon sends no other kind. */
			c->iac = (c->iac == 2 && p[i] >= 251 && p[i] <= 254);
			continue;
		}
		if (p[i] == 0xff) {
			c->iac = 2;
			continue;
		}
		if (c->cr) {
			c->cr = 0;
			if (p[i] != '\n')
				error("%s: CR without LF", c->name);
			c->line[c->len] = '\0';
			good_line(c, c->line, c->len);
			c->len = 0;
			continue;
		}
		if (p[i] == '\r') {
			c->cr = 1;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f)
			error("%s: received control byte 0x%02x", c->name,
			    p[i]);
		if (c->len > 0 && (unsigned char)c->line[c->len - 1] == 0xc2 &&
		    p[i] >= 0x80 && p[i] <= 0x9f)
			error("%s: received C1 control", c->name);
		if (c->len < SOAK_LINE_MAX - 1)
			c->line[c->len++] = p[i];
		else
			error("%s: a line over %d bytes", c->name,
			    SOAK_LINE_MAX);
	}
}

/* One line for a good client: a chat line, its view header, or other. */
static void
good_line(struct sclient *c, char *line, size_t len)
{
	if (len > SOAK_USERLIMIT + 4 && line[0] == '[' &&
	    line[SOAK_USERLIMIT + 1] == ']' &&
	    line[SOAK_USERLIMIT + 2] == ':' &&
	    line[SOAK_USERLIMIT + 3] == ' ') {
		if (line[1] == 'u')
			good_message(c, line);
		return;
	}
	if (c->moving && strstr(line, c->header) != NULL) {
		c->moving = 0;
		c->group = c->target;
		progress = now_ms();
		if (--waiting == 0 && !chatting)
			phase_chat();
		return;
	}
	if (strstr(line, "*** The server is shutting down") != NULL)
		c->saw_shutdown = 1;
}

/* "[uNNNN     ]: S<id> <seq> ...": the next expected from that sender. */
static void
good_message(struct sclient *c, const char *line)
{
	struct sclient *s;
	char name[32];
	unsigned seq;
	uint32_t *e;
	int id;

	if (sscanf(line + SOAK_USERLIMIT + 4, "S%d %u", &id, &seq) != 2 ||
	    id < 0 || id >= opt.nclients || clients[id].kind != GOOD) {
		error("%s: unparsable message \"%.60s\"", c->name, line);
		return;
	}
	s = &clients[id];
	snprintf(name, sizeof name, "[%-*s]", SOAK_USERLIMIT, s->name);
	if (strncmp(line, name, strlen(name)) != 0)
		error("%s: message of %s under another name: \"%.60s\"",
		    c->name, s->name, line);
	if (!chatting || s->group != c->group) {
		error("%s: message %u of %s arrived outside its room", c->name,
		    seq, s->name);
		return;
	}
	e = &expect[c->gi * ngood + s->gi];
	if (seq != *e) {
		error("%s: from %s got %u, expected %u (lost, repeated or out "
		    "of order)", c->name, s->name, seq, *e);
		if (seq > *e)
			*e = seq;
	}
	(*e)++;
	nchecked++;
	phase_received++;
	progress = now_ms();
	phase_check();
}

/* A good client's timer: say the next message. */
static void
good_say(struct sclient *c)
{
	static const char fill[] = "the quick brown fox jumps over the lazy "
	    "dog while soaking chatsock with a thousand friends";
	int pad = random() % (int)sizeof fill;

	if (!chatting || c->to_send == 0)
		return;
	client_send(c, "S%d %u %.*s\n", c->id, c->seq, pad, fill);
	c->seq++;
	c->to_send--;
	nsent++;
	sends_left--;
	progress = now_ms();
	if (c->to_send > 0)
		client_later(c, random() % (opt.window / opt.per_phase + 1));
	phase_check();
}

/* A bad client's timer: garbage, vanishing, or coming back. */
static void
bad_act(struct sclient *c)
{
	unsigned char junk[512];
	struct linger lg = { 1, 0 };
	int fd, i, n;

	if (stopping)
		return;
	if (c->bev == NULL) {
		client_connect(c);
		return;
	}
	if (!c->up)
		return;
	switch (c->kind) {
	case GARBAGE:
		n = 1 + random() % sizeof junk;
		for (i = 0; i < n; i++)
			junk[i] = random() % 7 == 0 ? '\n' : random();
		bufferevent_write(c->bev, junk, n);
		client_later(c, 100 + random() % 400);
		break;
	case VANISH:
		fd = bufferevent_getfd(c->bev);
		if (write(fd, "half a li", 9) != 9) {
			/* It vanishes anyway. */
		}
		switch (random() % 3) {
		case 0:
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			break;
		case 1:
			shutdown(fd, SHUT_WR);
			break;
		}
		client_gone(c);
		break;
	default:
		client_later(c, 1000);
		break;
	}
}

/* Timer of one client. */
static void
client_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sclient *c = arg;

	(void)fd;
	(void)what;
	if (c->kind == GOOD)
		good_say(c);
	else
		bad_act(c);
}

/* Start connections a batch at a time; the first phase waits for all. */
static void
ramp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;
	struct timeval tv = { 0, 20000 };
	int n;

	(void)fd;
	(void)what;
	for (n = 0; n < SOAK_RAMP && ramped < opt.nclients; n++)
		client_connect(&clients[ramped++]);
	if (ramped < opt.nclients)
		evtimer_add(ev, &tv);
	else
		event_free(ev);
}

/* Move some good clients to another room or into a DM. */
static void
phase_move(void)
{
	struct sclient *c, *p;
	int i, j, room, d;

	phase++;
	phase_start = now_ms();
	chatting = 0;
	waiting = 0;
	for (i = 0; i < ngood; i++) {
		c = good[i];
		if (c->moving || random() % 100 >= 30)
			continue;
		if (random() % 10 == 0) {
			/* A DM with a partner that never had one with c. */
			j = random() % ngood;
			p = good[j];
			d = i < j ? i * ngood + j : j * ngood + i;
			if (j == i || p->moving || dm_used[d])
				continue;
			dm_used[d] = 1;
			ndms++;
			c->target = p->target = opt.nrooms + d;
			client_send(c, ":q\n:dm %s\n:chat\n", p->name);
			client_send(p, ":q\n:dm %s\n:chat\n", c->name);
			snprintf(c->header, sizeof c->header, "--- dm:%s: ",
			    p->name);
			snprintf(p->header, sizeof p->header, "--- dm:%s: ",
			    c->name);
			c->moving = p->moving = 1;
			waiting += 2;
			nmoves += 2;
			continue;
		}
		do
			room = random() % opt.nrooms;
		while (opt.nrooms > 1 && room == c->group);
		if (room == c->group)
			continue;
		c->target = room;
		client_send(c, ":q\n:join r%d\n:chat\n", room);
		snprintf(c->header, sizeof c->header, "--- r%d: ", room);
		c->moving = 1;
		waiting++;
		nmoves++;
	}
	if (waiting == 0)
		phase_chat();
}

/* Everyone is in place: set what each must receive, then talk. */
static void
phase_chat(void)
{
	struct sclient *r, *s;
	int i, j;

	chatting = 1;
	phase_start = now_ms();
	phase_expected = phase_received = 0;
	for (i = 0; i < ngood; i++) {
		r = good[i];
		for (j = 0; j < ngood; j++) {
			s = good[j];
			if (s->group != r->group)
				continue;
			expect[i * ngood + j] = s->seq;
			phase_expected += opt.per_phase;
		}
	}
	sends_left = (uint64_t)ngood * opt.per_phase;
	for (i = 0; i < ngood; i++) {
		good[i]->to_send = opt.per_phase;
		client_later(good[i], random() % (opt.window / opt.per_phase +
		    1));
	}
}

/* The phase is over once all is sent and received. */
static void
phase_check(void)
{
	if (!chatting || sends_left > 0 || phase_received < phase_expected)
		return;
	if (phase_received > phase_expected)
		error("phase %d: %llu deliveries, %llu expected", phase,
		    (unsigned long long)phase_received,
		    (unsigned long long)phase_expected);
	chatting = 0;
	phases_done++;
	if (now_ms() - run_start >= opt.seconds * 1000L)
		finish();
	else
		phase_move();
}

/* A phase took too long: say who is missing what, and stop. */
static void
phase_stuck(void)
{
	struct sclient *r, *s;
	int i, j, shown = 0;

	error("phase %d stuck after %.1f s: %s, %llu of %llu deliveries, "
	    "%llu sends left, %d movers waiting", phase,
	    (now_ms() - phase_start) / 1000.0,
	    chatting ? "chatting" : "moving",
	    (unsigned long long)phase_received,
	    (unsigned long long)phase_expected,
	    (unsigned long long)sends_left, waiting);
	for (i = 0; i < ngood && shown < 5; i++) {
		r = good[i];
		if (!chatting && r->moving) {
			error("%s still waiting for \"%s\"", r->name,
			    r->header);
			shown++;
		}
		for (j = 0; chatting && j < ngood && shown < 5; j++) {
			s = good[j];
			if (s->group == r->group && expect[i * ngood + j] !=
			    s->seq) {
				error("%s has %s up to %u of %u", r->name,
				    s->name, expect[i * ngood + j], s->seq);
				shown++;
			}
		}
	}
	finish();
}

/* Stop sending and ask the daemon to shut down. */
static void
finish(void)
{
	long kb;

	if (stopping)
		return;
	run_end = now_ms();
	if ((kb = daemon_rss()) > rss_peak_kb)
		rss_peak_kb = kb;
	stopping = 1;
	chatting = 0;
	daemons_kill(SIGTERM);
}

/* Once a second: the daemon is alive, the phase progresses, RSS. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	int status, i, n, open = 0;
	long kb;

	(void)fd;
	(void)what;
	(void)arg;
	for (n = 0; n < opt.nodes; n++) {
		if (dpids[n] <= 0 ||
		    waitpid(dpids[n], &status, WNOHANG) != dpids[n])
			continue;
		dstatus[n] = status;
		dpids[n] = 0;
		if (!stopping) {
			error("chatsockd (node %d) died during the run "
			    "(status 0x%x)", n, status);
			stopping = 1;
		}
	}
	if (daemons_running() > 0 && (kb = daemon_rss()) > rss_peak_kb)
		rss_peak_kb = kb;
	if (!stopping && (now_ms() - phase_start > SOAK_PHASE_MAX * 1000L ||
	    now_ms() - progress > SOAK_STALL * 1000L))
		phase_stuck();
	if (!stopping)
		return;
	for (i = 0; i < ngood; i++)
		open += good[i]->bev != NULL;
	if (daemons_running() == 0 && (open == 0 ||
	    now_ms() - run_end > SOAK_STOP_MAX * 1000L))
		finished = 1;
	if (daemons_running() > 0 &&
	    now_ms() - run_end > SOAK_STOP_MAX * 1000L) {
		error("chatsockd did not exit within %d s of SIGTERM",
		    SOAK_STOP_MAX);
		for (n = 0; n < opt.nodes; n++) {
			if (dpids[n] <= 0)
				continue;
			kill(dpids[n], SIGKILL);
			waitpid(dpids[n], &dstatus[n], 0);
			dpids[n] = 0;
		}
		finished = 1;
	}
	if (finished)
		event_base_loopbreak(base);
}

/* A run without errors leaves no files. */
static void
soak_clean(void)
{
	static const char *const files[] = { "chatsock%d.json",
	    "stderr%d.log", "port%d", "accounts%d" };
	char path[512], name[64];
	size_t f;
	int n;

	for (n = 0; n < opt.nodes; n++) {
		for (f = 0; f < sizeof files / sizeof files[0]; f++) {
			snprintf(name, sizeof name, files[f], n);
			snprintf(path, sizeof path, "%s/%s", ddir, name);
			unlink(path);
		}
	}
	snprintf(path, sizeof path, "%s/redis.log", ddir);
	unlink(path);
	rmdir(ddir);
}

/* Options, clients, daemon, the run, the verdict. */
int
main(int argc, char **argv)
{
	struct timeval one = { 1, 0 }, zero = { 0, 0 };
	const char *bin;
	int ch, i, nbad, kinds[4] = { 0 }, shut = 0, drops;
	struct rusage ru;
	double cpu;
	char *end;

	while ((ch = getopt(argc, argv, "b:c:hm:n:r:s:t:w:")) != -1) {
		if (ch == 'h' || ch == '?')
			usage();
		i = (int)strtol(optarg, &end, 10);
		if (*end != '\0' || i < 0)
			usage();
		switch (ch) {
		case 'b': opt.bad_pct = i; break;
		case 'c': opt.nodes = i; break;
		case 'm': opt.per_phase = i; break;
		case 'n': opt.nclients = i; break;
		case 'r': opt.nrooms = i; break;
		case 's': opt.seed = i; break;
		case 't': opt.seconds = i; break;
		case 'w': opt.window = i; break;
		default: usage();
		}
	}
	if (opt.nclients < 2 || opt.nrooms < 1 || opt.per_phase < 1 ||
	    opt.bad_pct > 90 || opt.window < 1 || opt.nodes < 1 ||
	    opt.nodes > SOAK_NODES_MAX)
		usage();
	if ((bin = getenv("CHATSOCKD")) == NULL)
		bin = "./chatsockd";
	srandom(opt.seed);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();

	/* Every tenth (or so) misbehaves, in turn deaf, garbage, vanishing. */
	clients = calloc(opt.nclients, sizeof *clients);
	good = calloc(opt.nclients, sizeof *good);
	nbad = opt.nclients * opt.bad_pct / 100;
	for (i = 0; i < opt.nclients; i++) {
		clients[i].id = i;
		clients[i].gi = -1;
		clients[i].group = -1;
		if (nbad > 0 && i % (opt.nclients / nbad) == 1 &&
		    i / (opt.nclients / nbad) < nbad)
			clients[i].kind = DEAF + (i / (opt.nclients / nbad)) %
			    3;
		else {
			clients[i].kind = GOOD;
			clients[i].gi = ngood;
			good[ngood++] = &clients[i];
			snprintf(clients[i].name, sizeof clients[i].name,
			    "u%04d", i);
		}
		kinds[clients[i].kind]++;
	}
	expect = calloc((size_t)ngood * ngood, sizeof *expect);
	dm_used = calloc((size_t)ngood * ngood, 1);
	if (clients == NULL || good == NULL || expect == NULL ||
	    dm_used == NULL)
		fatal("out of memory");

	for (i = 0; i < SOAK_NODES_MAX; i++)
		dstatus[i] = -1;
	daemon_start(bin);
	base = event_base_new();
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	evtimer_add(tick, &one);
	run_start = phase_start = progress = now_ms();
	evtimer_add(evtimer_new(base, ramp_cb, event_self_cbarg()), &zero);
	/* Phase 0 is the logins: all good clients entering a view. */
	waiting = ngood;
	for (i = 0; i < ngood; i++)
		good[i]->moving = 1;
	event_base_dispatch(base);

	for (i = 0; i < ngood; i++) {
		shut += good[i]->saw_shutdown;
		if (good[i]->bev != NULL && !good[i]->eof)
			error("%s: still connected after the daemon stopped",
			    good[i]->name);
	}
	if (shut < ngood && nerrors == 0)
		error("%d of %d well-behaved clients saw the shutdown notice",
		    shut, ngood);
	daemon_status = 0;
	for (i = 0; i < opt.nodes; i++) {
		if (dstatus[i] == -1 || !WIFEXITED(dstatus[i]) ||
		    WEXITSTATUS(dstatus[i]) != 0) {
			error("chatsockd (node %d) exit status 0x%x (a leak "
			    "under ASan, a crash, or an error: see "
			    "%s/stderr%d.log)", i, dstatus[i], ddir, i);
			if (daemon_status == 0)
				daemon_status = dstatus[i];
		}
	}
	if (rpid > 0) {
		kill(rpid, SIGTERM);
		waitpid(rpid, NULL, 0);
	}
	drops = daemon_log_count("output limit");

	printf("soak: %d clients (%d well-behaved, %d never reading, %d "
	    "sending garbage, %d vanishing), %llu connections\n",
	    opt.nclients, kinds[GOOD], kinds[DEAF], kinds[GARBAGE],
	    kinds[VANISH], (unsigned long long)nconnects);
	printf("soak: %d rooms, %d phases, %llu moves, %llu DMs, %.1f s\n",
	    opt.nrooms, phases_done, (unsigned long long)nmoves,
	    (unsigned long long)ndms, (run_end - run_start) / 1000.0);
	printf("soak: %llu messages sent, %llu deliveries checked (%.0f/s), "
	    "%llu bytes to misbehaving clients, %d dropped for the output "
	    "limit\n", (unsigned long long)nsent,
	    (unsigned long long)nchecked,
	    nchecked * 1000.0 / (run_end - run_start + 1),
	    (unsigned long long)nbad_bytes, drops);
	/* The daemons and Redis are this process's only children. */
	getrusage(RUSAGE_CHILDREN, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("soak: CPU of the daemon%s%s: %.2f s, %.2f us per delivery\n",
	    opt.nodes > 1 ? "s" : "", opt.nodes > 1 ? " and Redis" : "", cpu,
	    nchecked > 0 ? cpu * 1e6 / nchecked : 0.0);
	printf("soak: %d daemon%s%s, peak RSS %ld kB%s, exit status %d, %d "
	    "errors\n", opt.nodes, opt.nodes > 1 ? "s" : "",
	    opt.nodes > 1 ? " through Redis" : "", rss_peak_kb,
	    opt.nodes > 1 ? " (all added)" : "", WIFEXITED(daemon_status) ?
	    WEXITSTATUS(daemon_status) : -1, nerrors);

	for (i = 0; i < opt.nclients; i++) {
		if (clients[i].bev != NULL)
			bufferevent_free(clients[i].bev);
		if (clients[i].timer != NULL)
			event_free(clients[i].timer);
	}
	event_free(tick);
	event_base_free(base);
	if (nerrors == 0)
		soak_clean();
	free(clients);
	free(good);
	free(expect);
	free(dm_used);
	return (nerrors == 0 ? 0 : 1);
}
