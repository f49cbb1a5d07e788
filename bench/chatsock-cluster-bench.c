/*
 * chatsock-cluster-bench: what running chatsockd as a cluster through Redis
 * costs and gives. It starts redis-server (on a UNIX socket in a temporary
 * directory) and the nodes itself on free loopback ports and measures, in
 * one run:
 *
 * fan-out	one room, the same users on one plain node and spread over two
 *		nodes: deliveries per second, latency (cross-node apart), and
 *		the CPU of every server process (nodes, Redis) per delivery,
 *		flat out and paced;
 * idle		idle users over three nodes: RSS per user above the empty
 *		nodes' and set-up time, one forked load generator per 15,000
 *		users (each process holds at most RLIMIT_NOFILE descriptors);
 * recovery	Redis killed (-9) and started again on the same socket: time
 *		from its first answer to a line crossing nodes again.
 *
 * A delivery is one receiver getting one message of another user (the
 * echo to the sender is not counted), as in chatsock-bench.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench-util.h"

#define ROOM		"bench"
#define NAME_FMT	"u%05d"
#define MARK		"~B "
#define READ_CHUNK	(256 * 1024)
#define CARRY_MAX	8192
#define SETUP_PARALLEL	32	/* per generator */
#define GEN_USERS	15000	/* users per forked idle generator */
#define NODES_MAX	3
#define LAT_FINE	100000		/* 1 us buckets below 100 ms */
#define LAT_COARSE	1000000		/* then 100 us to 100 s */
#define LAT_BUCKETS	(LAT_FINE + LAT_COARSE)
#define LIT(s)		(s), sizeof (s) - 1	/* literal, length */

enum conn_state {
	ST_IDLE,	/* not yet connecting */
	ST_NAME,	/* waiting for the name prompt */
	ST_NAMED,	/* waiting for "connected as" */
	ST_JOIN,	/* waiting for the join confirmation */
	ST_VIEW,	/* waiting for the view header */
	ST_READY,	/* counting messages */
};

struct conn {
	struct bench	*b;
	int		 idx;		/* user number, names it */
	int		 fd;
	struct event	*ev;
	enum conn_state	 state;
	char		*carry;		/* a partial line */
	size_t		 carry_len;
	char		*out;		/* unsent bytes */
	size_t		 out_len;
	uint32_t	*next;		/* per sender: next seq */
	uint32_t	 sent;		/* as a sender */
};

/* Latency histogram. */
struct hist {
	uint32_t	*b;
	uint64_t	 n;
	uint64_t	 max_ns;
};

struct result {
	int		 ok;
	double		 setup_s;
	double		 elapsed_s;
	uint64_t	 deliveries;
	uint64_t	 lost;
	double		 rate;		/* deliveries per second */
	double		 p50_ms, p99_ms, max_ms;
	double		 xp99_ms;	/* deliveries across nodes */
	double		 sp99_ms;	/* deliveries within a node */
	uint64_t	 xdeliveries;
	double		 cpu_s;		/* all servers, chatting */
	double		 cpu_us_per_delivery;
	double		 redis_cpu_s;
	long		 rss_empty_kb;	/* nodes together */
	long		 rss_kb;
	long		 redis_rss_empty_kb, redis_rss_kb;
	double		 rss_per_user;
};

struct bench {
	struct event_base *base;
	int		 nodes;		/* daemons */
	int		 cluster;	/* through Redis */
	struct sockaddr_in addr[NODES_MAX];
	pid_t		 pid[NODES_MAX];
	pid_t		 rpid;		/* redis-server */
	char		 dir[64];
	char		 rsock[100];

	int		 users, senders, messages, window, idle;
	int		 first, count;	/* this generator's users */
	double		 rate, duration;

	struct conn	*conns;
	int		 next_connect;
	int		 setting_up;
	int		 ready;
	int		 phase;		/* 0 setup, 2 chat, 3 done */
	double		 t_start, t_ready, t_chat;
	double		 t_last_rx, t_last_progress;
	uint64_t	 sent_total;
	int		 progress;
	uint64_t	 deliveries, expected, disorder;
	uint32_t	*acked;		/* per sender, seen */
	struct hist	 all, same, cross;
	struct event	*tick;
	double		 t_probe_rx;	/* recovery: a line across */
	int		 failed;
	char		 why[256];
};

static const char *chatsockd_path;
static const char *redis_path;
static int verbose;

static uint64_t	now_us(void);
static void	fail(struct bench *b, const char *fmt, ...);
static void	redis_start(struct bench *b);
static int	redis_ping(const char *path);
static void	nodes_start(struct bench *b);
static void	servers_stop(struct bench *b);
static double	servers_cpu(struct bench *b);
static long	nodes_rss(struct bench *b);
static int	node_of(struct bench *b, int idx);
static void	conn_start(struct bench *b, struct conn *c);
static void	conn_cb(evutil_socket_t fd, short what, void *arg);
static void	conn_send(struct conn *c, const char *buf, size_t len);
static void	conn_input(struct conn *c, char *buf, size_t len,
		    uint64_t t);
static void	conn_line(struct conn *c, char *line, size_t len,
		    uint64_t t);
static void	conn_message(struct conn *c, const char *p, size_t len,
		    uint64_t t);
static void	conn_ready(struct conn *c);
static void	sender_fill(struct bench *b, int s);
static void	sender_one(struct bench *b, int s, char *buf, size_t *off);
static void	hist_add(struct hist *h, uint64_t ns);
static double	hist_pct(struct hist *h, double pct);

/* Microseconds on the monotonic clock, for the stamps in messages. */
static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* A failed run: note why and stop the loop. */
static void
fail(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->why, sizeof b->why, fmt, ap);
	va_end(ap);
	b->failed = 1;
	event_base_loopbreak(b->base);
}

/* Fork and exec a server on CPU 1, its output in log. */
static pid_t
spawn(char *const argv[], const char *log, const char *portfile)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		bench_pin(1);
		bench_raise_nofile();
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (portfile != NULL)
			setenv("CHATSOCK_PORT_FILE", portfile, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	return (pid);
}

/* redis-server on DIR/redis.sock storing nothing; wait for its PONG. */
static void
redis_start(struct bench *b)
{
	char log[128];
	char *argv[] = { (char *)redis_path, "--port", "0", "--unixsocket",
	    b->rsock, "--save", "", "--appendonly", "no", "--dir", b->dir,
	    "--daemonize", "no", NULL };
	double deadline = bench_now() + 10;
	int status;

	snprintf(log, sizeof log, "%s/redis.log", b->dir);
	b->rpid = spawn(argv, log, NULL);
	while (!redis_ping(b->rsock)) {
		if (waitpid(b->rpid, &status, WNOHANG) == b->rpid)
			bench_die("redis-server exited at start; see %s", log);
		if (bench_now() > deadline)
			bench_die("redis-server did not answer within 10 s");
		usleep(2000);
	}
}

/* Whether Redis on the UNIX socket path answers PING. */
static int
redis_ping(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { 0, 200000 };
	char buf[16];
	ssize_t n;
	int fd, ok = 0;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return (0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 &&
	    write(fd, "PING\r\n", 6) == 6 &&
	    (n = read(fd, buf, sizeof buf - 1)) >= 5 &&
	    memcmp(buf, "+PONG", 5) == 0)
		ok = 1;
	close(fd);
	return (ok);
}

/* Write each node's configuration, start it, wait for its listener. */
static void
nodes_start(struct bench *b)
{
	char conf[128], portfile[NODES_MAX][128], log[128], text[1536];
	char cluster[512], buf[32];
	char *argv[] = { (char *)chatsockd_path, "-c", conf, NULL };
	double deadline;
	FILE *f;
	int n, fd, status, up;

	for (n = 0; n < b->nodes; n++) {
		snprintf(conf, sizeof conf, "%s/n%d.json", b->dir, n);
		snprintf(portfile[n], sizeof portfile[n], "%s/port%d", b->dir,
		    n);
		snprintf(log, sizeof log, "%s/n%d.log", b->dir, n);
		cluster[0] = '\0';
		if (b->cluster)
			snprintf(cluster, sizeof cluster,
			    "  \"cluster\": { \"redis\": \"unix:%s\", "
			    "\"node\": \"n%d\" },\n", b->rsock, n);
		snprintf(text, sizeof text,
		    "{\n"
		    "  \"host\": \"127.0.0.1\",\n"
		    "  \"port\": 0,\n"
		    "  \"rooms\": { \"" ROOM "\": {} },\n"
		    "  \"adminSocket\": \"%s/admin%d.sock\",\n"
		    "%s"
		    "  \"usernameLimit\": 16,\n"
		    "  \"messageLimit\": 150,\n"
		    "  \"maxClients\": 1000000,\n"
		    "  \"maxClientsPerAddress\": 0,\n"
		    "  \"floodRate\": 0,\n"
		    "  \"floodBurst\": 10000,\n"
		    "  \"outputLimit\": 16777216,\n"
		    "  \"shutdownGrace\": 0,\n"
		    "  \"nameTimeout\": 0,\n"
		    "  \"keepalive\": 0\n"
		    "}\n", b->dir, n, cluster);
		if ((f = fopen(conf, "w")) == NULL)
			bench_die("%s: %s", conf, strerror(errno));
		fputs(text, f);
		fclose(f);
		b->pid[n] = spawn(argv, log, portfile[n]);
	}
	deadline = bench_now() + 15;
	for (up = 0; up < b->nodes; ) {
		for (n = 0, up = 0; n < b->nodes; n++) {
			if (waitpid(b->pid[n], &status, WNOHANG) == b->pid[n])
				bench_die("node %d exited at start; see %s/n%d.log",
				    n, b->dir, n);
			if (b->addr[n].sin_port == 0 &&
			    (f = fopen(portfile[n], "r")) != NULL) {
				if (fgets(buf, sizeof buf, f) != NULL &&
				    atoi(buf) > 0)
					b->addr[n].sin_port = htons(atoi(buf));
				fclose(f);
			}
			if (b->addr[n].sin_port == 0)
				continue;
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(fd, (struct sockaddr *)&b->addr[n],
			    sizeof b->addr[n]) == 0)
				up++;
			close(fd);
		}
		if (up < b->nodes && bench_now() > deadline)
			bench_die("%d of %d nodes listening after 15 s; see %s",
			    up, b->nodes, b->dir);
		if (up < b->nodes)
			usleep(20000);
	}
}

/* Stop a process and reap it, killing it after 10 s. */
static void
stop_pid(pid_t *pid, int sig)
{
	double deadline = bench_now() + 10;
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, sig);
	while (waitpid(*pid, &status, WNOHANG) != *pid) {
		if (bench_now() > deadline) {
			kill(*pid, SIGKILL);
			waitpid(*pid, &status, 0);
			break;
		}
		usleep(10000);
	}
	*pid = 0;
}

/* Stop the nodes, then Redis. */
static void
servers_stop(struct bench *b)
{
	int n;

	for (n = 0; n < b->nodes; n++)
		stop_pid(&b->pid[n], SIGTERM);
	stop_pid(&b->rpid, SIGTERM);
}

/* CPU seconds of every server process, Redis included. */
static double
servers_cpu(struct bench *b)
{
	double sum = 0, cpu;
	int n;

	for (n = 0; n < b->nodes; n++) {
		bench_proc_cpu(b->pid[n], &cpu);
		sum += cpu;
	}
	if (b->rpid > 0) {
		bench_proc_cpu(b->rpid, &cpu);
		sum += cpu;
	}
	return (sum);
}

/* VmRSS of the nodes together, in KiB. */
static long
nodes_rss(struct bench *b)
{
	long sum = 0;
	int n;

	for (n = 0; n < b->nodes; n++)
		sum += bench_proc_rss(b->pid[n]);
	return (sum);
}

/* The node user idx talks to. */
static int
node_of(struct bench *b, int idx)
{
	return (idx % b->nodes);
}

/* Open one connection from 127.0.0.(2 + idx / 4000): ports never run short. */
static void
conn_start(struct bench *b, struct conn *c)
{
	struct sockaddr_in src;
	struct sockaddr_in *dst = &b->addr[node_of(b, c->idx)];
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		fail(b, "socket: %s (user %d)", strerror(errno), c->idx);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&src, 0, sizeof src);
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + c->idx / 4000);
#ifdef IP_BIND_ADDRESS_NO_PORT
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof one);
#endif
	if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0) {
		fail(b, "bind: %s", strerror(errno));
		return;
	}
	if (connect(c->fd, (struct sockaddr *)dst, sizeof *dst) != 0 &&
	    errno != EINPROGRESS) {
		fail(b, "connect: %s (user %d)", strerror(errno), c->idx);
		return;
	}
	c->state = ST_NAME;
	c->ev = event_new(b->base, c->fd, EV_READ | EV_PERSIST, conn_cb, c);
	event_add(c->ev, NULL);
	b->setting_up++;
}

/* Start connections until SETUP_PARALLEL are in progress. */
static void
setup_more(struct bench *b)
{
	while (b->setting_up < SETUP_PARALLEL && b->next_connect < b->count &&
	    !b->failed)
		conn_start(b, &b->conns[b->next_connect++]);
}

/* Queue bytes; write what the socket takes now. */
static void
conn_send(struct conn *c, const char *buf, size_t len)
{
	ssize_t n = 0;

	if (c->out_len == 0) {
		n = write(c->fd, buf, len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ENOTCONN) {
				fail(c->b, "write: %s", strerror(errno));
				return;
			}
			n = 0;
		}
		if ((size_t)n == len)
			return;
	}
	c->out = realloc(c->out, c->out_len + len - n);
	if (c->out == NULL)
		bench_die("out of memory");
	memcpy(c->out + c->out_len, buf + n, len - n);
	c->out_len += len - n;
	event_del(c->ev);
	event_assign(c->ev, c->b->base, c->fd, EV_READ | EV_WRITE | EV_PERSIST,
	    conn_cb, c);
	event_add(c->ev, NULL);
}

/* The socket takes more output. */
static void
conn_flush(struct conn *c)
{
	ssize_t n;

	n = write(c->fd, c->out, c->out_len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ENOTCONN)
			fail(c->b, "write: %s", strerror(errno));
		return;
	}
	memmove(c->out, c->out + n, c->out_len - n);
	c->out_len -= n;
	if (c->out_len > 0)
		return;
	event_del(c->ev);
	event_assign(c->ev, c->b->base, c->fd, EV_READ | EV_PERSIST, conn_cb,
	    c);
	event_add(c->ev, NULL);
	if (c->b->phase == 2 && c->idx < c->b->senders && c->b->rate == 0)
		sender_fill(c->b, c->idx);
}

/* Readable or writable. */
static void
conn_cb(evutil_socket_t fd, short what, void *arg)
{
	static char *buf;
	struct conn *c = arg;
	struct bench *b = c->b;
	ssize_t n;
	int rounds;

	if (buf == NULL && (buf = malloc(CARRY_MAX + READ_CHUNK)) == NULL)
		bench_die("out of memory");
	if ((what & EV_WRITE) && c->out_len > 0)
		conn_flush(c);
	if (!(what & EV_READ))
		return;
	for (rounds = 0; rounds < 4; rounds++) {
		if (c->carry_len > 0)
			memcpy(buf, c->carry, c->carry_len);
		n = read(fd, buf + c->carry_len, READ_CHUNK);
		if (n == 0) {
			fail(b, "node %d closed user %d's connection "
			    "(state %d)", node_of(b, c->idx), c->idx,
			    c->state);
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fail(b, "read: %s (user %d)", strerror(errno), c->idx);
			return;
		}
		b->t_last_rx = bench_now();
		conn_input(c, buf, c->carry_len + n, now_us());
		if (b->progress) {
			b->t_last_progress = b->t_last_rx;
			b->progress = 0;
		}
		if (b->failed || n < READ_CHUNK)
			return;
	}
}

/* Split input into lines; keep a partial line for the next read. */
static void
conn_input(struct conn *c, char *buf, size_t len, uint64_t t)
{
	char *p = buf, *end = buf + len, *nl;
	size_t rest;

	while (p < end && (nl = memchr(p, '\n', end - p)) != NULL) {
		conn_line(c, p, nl - p, t);
		p = nl + 1;
	}
	rest = end - p;
	/* chatsock asks for the name without a newline. */
	if (c->state == ST_NAME && memmem(p, rest, "username: ", 10) != NULL) {
		char name[64];
		int n;

		n = snprintf(name, sizeof name, NAME_FMT "\n", c->idx);
		c->state = ST_NAMED;
		conn_send(c, name, n);
		rest = 0;
	}
	if (rest > CARRY_MAX)
		rest = 0;	/* a prompt or junk: not a message line */
	if (rest > 0 && c->carry == NULL &&
	    (c->carry = malloc(CARRY_MAX)) == NULL)
		bench_die("out of memory");
	if (rest > 0)
		memmove(c->carry, p, rest);
	c->carry_len = rest;
	if (rest == 0 && c->carry != NULL && c->state != ST_READY) {
		free(c->carry);
		c->carry = NULL;
	}
}

/* One line from a node, by state. */
static void
conn_line(struct conn *c, char *line, size_t len, uint64_t t)
{
	struct bench *b = c->b;
	const char *m;

	if (c->state == ST_READY) {
		if ((m = memmem(line, len, MARK, sizeof MARK - 1)) != NULL)
			conn_message(c, m + sizeof MARK - 1,
			    len - (m - line) - (sizeof MARK - 1), t);
		return;
	}
	switch (c->state) {
	case ST_NAMED:
		if (memmem(line, len, "You are connected as", 20) == NULL) {
			if (memmem(line, len, "taken", 5) != NULL ||
			    memmem(line, len, "full", 4) != NULL)
				fail(b, "node refused user %d: %.*s", c->idx,
				    (int)len, line);
			break;
		}
		if (b->idle) {
			conn_ready(c);
			break;
		}
		c->state = ST_JOIN;
		conn_send(c, LIT(":join " ROOM "\n"));
		break;
	case ST_JOIN:
		if (memmem(line, len, "You joined", 10) != NULL) {
			c->state = ST_VIEW;
			conn_send(c, ":chat\n", 6);
		} else if (memmem(line, len, "Cannot", 6) != NULL)
			fail(b, "node refused the join: %.*s", (int)len, line);
		break;
	case ST_VIEW:
		if (memmem(line, len, LIT("--- " ROOM ":")) != NULL)
			conn_ready(c);
		break;
	default:
		break;
	}
}

/* A user finished setting up. */
static void
conn_ready(struct conn *c)
{
	struct bench *b = c->b;

	c->state = ST_READY;
	b->setting_up--;
	b->ready++;
	if (b->ready == b->count) {
		b->t_ready = bench_now();
		event_base_loopbreak(b->base);
		return;
	}
	setup_more(b);
}

/* A decimal number at *p, moving *p past it and one space. */
static uint64_t
parse_num(const char **p, const char *end)
{
	uint64_t v = 0;

	while (*p < end && **p >= '0' && **p <= '9')
		v = v * 10 + (uint64_t)(*(*p)++ - '0');
	if (*p < end && **p == ' ')
		(*p)++;
	return (v);
}

/* "S Q T": sender, sequence number, send time. */
static void
conn_message(struct conn *c, const char *p, size_t len, uint64_t t)
{
	struct bench *b = c->b;
	const char *end = p + len;
	uint64_t s, q, ts, ns;

	s = parse_num(&p, end);
	q = parse_num(&p, end);
	ts = parse_num(&p, end);
	if (s >= (uint64_t)b->senders || (int)s == c->idx)
		return;		/* own echo: not a delivery */
	if (b->phase != 2) {
		b->t_probe_rx = bench_now();	/* recovery probe */
		return;
	}
	if (q != c->next[s])
		b->disorder++;
	c->next[s] = q + 1;
	b->deliveries++;
	b->progress = 1;
	ns = t > ts ? (t - ts) * 1000 : 0;
	hist_add(&b->all, ns);
	hist_add(node_of(b, s) == node_of(b, c->idx) ? &b->same : &b->cross,
	    ns);
	if (c->idx == b->users - 1 && b->rate == 0) {
		b->acked[s] = q + 1;
		sender_fill(b, s);
	}
	if (b->deliveries == b->expected) {
		b->phase = 3;	/* done */
		event_base_loopbreak(b->base);
	}
}

/* Append one message of sender s to buf. */
static void
sender_one(struct bench *b, int s, char *buf, size_t *off)
{
	struct conn *c = &b->conns[s];

	*off += sprintf(buf + *off, MARK "%d %u %" PRIu64 "\n", s, c->sent,
	    now_us());
	c->sent++;
	b->sent_total++;
}

/* Flat out: keep the sender's window full. */
static void
sender_fill(struct bench *b, int s)
{
	struct conn *c = &b->conns[s];
	char buf[64 * 1024];
	size_t off = 0;

	if (c->out_len > 0)
		return;
	while (c->sent < (uint32_t)b->messages &&
	    c->sent - b->acked[s] < (uint32_t)b->window &&
	    off < sizeof buf - 128)
		sender_one(b, s, buf, &off);
	if (off > 0)
		conn_send(c, buf, off);
}

/* Paced sending, and the checks for the end of the run. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	double t = bench_now();
	uint64_t due;
	char buf[256];
	size_t off;
	int s;

	(void)fd;
	(void)what;
	if (b->rate > 0) {
		due = (uint64_t)((t - b->t_chat) * b->rate) + 1;
		if (due > (uint64_t)b->senders * b->messages)
			due = (uint64_t)b->senders * b->messages;
		while (b->sent_total < due) {
			s = b->sent_total % b->senders;
			off = 0;
			sender_one(b, s, buf, &off);
			conn_send(&b->conns[s], buf, off);
		}
	}
	/* Out of time, or nothing arrived for 5 s: the rest is lost. */
	if (t - b->t_chat > b->duration || t - b->t_last_progress > 5) {
		b->phase = 3;
		event_base_loopbreak(b->base);
	}
}

/* Count a latency in the histogram. */
static void
hist_add(struct hist *h, uint64_t ns)
{
	uint64_t us = ns / 1000;
	size_t i;

	if (h->b == NULL && (h->b = calloc(LAT_BUCKETS, sizeof *h->b)) == NULL)
		bench_die("out of memory");
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (us < LAT_FINE)
		i = us;
	else if ((us - LAT_FINE) / 100 < LAT_COARSE)
		i = LAT_FINE + (us - LAT_FINE) / 100;
	else
		i = LAT_BUCKETS - 1;
	h->b[i]++;
	h->n++;
}

/* The latency below which pct percent of the counted arrived, in ms. */
static double
hist_pct(struct hist *h, double pct)
{
	uint64_t want, seen = 0;
	size_t i;

	if (h->n == 0)
		return (0);
	want = (uint64_t)(h->n * pct / 100.0);
	if (want == 0)
		want = 1;
	for (i = 0; i < LAT_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			break;
	}
	if (i < LAT_FINE)
		return (i / 1000.0);
	return ((LAT_FINE + (i - LAT_FINE) * 100.0) / 1000.0);
}

/* Run the loop until no input came for quiet seconds (at most cap). */
static void
settle(struct bench *b, double quiet, double cap)
{
	struct timeval tv = { 0, 50000 };
	double start = bench_now();

	b->t_last_rx = bench_now();
	while (bench_now() - b->t_last_rx < quiet && bench_now() - start < cap &&
	    !b->failed) {
		event_base_loopexit(b->base, &tv);
		event_base_dispatch(b->base);
	}
}

/* Run the loop for sec seconds. */
static void
spin(struct bench *b, double sec)
{
	struct timeval tv;

	tv.tv_sec = (long)sec;
	tv.tv_usec = (long)((sec - tv.tv_sec) * 1e6);
	event_base_loopexit(b->base, &tv);
	event_base_dispatch(b->base);
}

/* Users first .. first + count - 1 of b: allocate, connect, set up. */
static int
setup_users(struct bench *b)
{
	int i;

	b->conns = calloc(b->count, sizeof *b->conns);
	if (b->conns == NULL)
		bench_die("out of memory");
	for (i = 0; i < b->count; i++) {
		b->conns[i].b = b;
		b->conns[i].idx = b->first + i;
		b->conns[i].fd = -1;
		if (!b->idle && (b->conns[i].next = calloc(b->senders,
		    sizeof(uint32_t))) == NULL)
			bench_die("out of memory");
	}
	b->t_start = bench_now();
	setup_more(b);
	while (b->ready < b->count && !b->failed) {
		spin(b, 1);
		if (bench_now() - b->t_start > 600)
			fail(b, "set-up took over 600 s (%d ready)", b->ready);
	}
	return (b->failed ? -1 : 0);
}

/* Close and free every user of b. */
static void
free_users(struct bench *b)
{
	int i;

	for (i = 0; i < b->count && b->conns != NULL; i++) {
		struct conn *c = &b->conns[i];

		if (c->ev != NULL)
			event_free(c->ev);
		if (c->fd >= 0)
			close(c->fd);
		free(c->carry);
		free(c->out);
		free(c->next);
	}
	free(b->conns);
	b->conns = NULL;
	free(b->acked);
	free(b->all.b);
	free(b->same.b);
	free(b->cross.b);
}

/* A fresh bench with its temporary directory. */
static void
bench_init(struct bench *b, int nodes, int cluster)
{
	int n;

	memset(b, 0, sizeof *b);
	b->nodes = nodes;
	b->cluster = cluster;
	for (n = 0; n < NODES_MAX; n++) {
		b->addr[n].sin_family = AF_INET;
		b->addr[n].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	snprintf(b->dir, sizeof b->dir, "/tmp/chatsock-cbench.XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		bench_die("mkdtemp: %s", strerror(errno));
	snprintf(b->rsock, sizeof b->rsock, "%s/redis.sock", b->dir);
	if (cluster)
		redis_start(b);
	nodes_start(b);
}

/* Stop the servers and remove the directory (kept with --verbose). */
static void
bench_done(struct bench *b)
{
	char cmd[128];

	servers_stop(b);
	if (b->base != NULL)
		event_base_free(b->base);
	b->base = NULL;
	if (verbose && b->failed) {
		fprintf(stderr, "logs kept in %s\n", b->dir);
		return;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "chatsock-cluster-bench: cannot remove %s\n",
		    b->dir);
}

/* One room over nodes: set up, chat flat out or paced, measure. */
static void
fanout(int nodes, int cluster, int users, int senders, int messages,
    double rate, int window, struct result *r)
{
	struct bench b;
	struct timeval tick = { 0, 2000 };
	double cpu0, cpu1, rcpu0, rcpu1;
	int i;

	memset(r, 0, sizeof *r);
	bench_init(&b, nodes, cluster);
	b.base = event_base_new();
	b.users = b.count = users;
	b.senders = senders;
	b.messages = messages;
	b.rate = rate;
	b.window = window;
	b.duration = rate > 0 ? messages * senders / rate + 30 : 300;
	if ((b.acked = calloc(senders + 1, sizeof *b.acked)) == NULL)
		bench_die("out of memory");
	if (setup_users(&b) != 0)
		goto out;
	r->setup_s = b.t_ready - b.t_start;
	settle(&b, 0.5, 30);
	cpu0 = servers_cpu(&b);
	bench_proc_cpu(b.rpid, &rcpu0);

	b.expected = (uint64_t)senders * messages * (users - 1);
	b.phase = 2;
	b.t_chat = b.t_last_progress = bench_now();
	b.tick = event_new(b.base, -1, EV_PERSIST, tick_cb, &b);
	if (rate > 0)
		tick.tv_usec = 1000;
	event_add(b.tick, &tick);
	if (rate == 0) {
		for (i = 0; i < senders; i++)
			sender_fill(&b, i);
	}
	while (b.phase != 3 && !b.failed)
		event_base_dispatch(b.base);
	cpu1 = servers_cpu(&b);
	bench_proc_cpu(b.rpid, &rcpu1);
	event_free(b.tick);
	r->elapsed_s = b.t_last_progress - b.t_chat;
	r->deliveries = b.deliveries;
	r->xdeliveries = b.cross.n;
	r->lost = b.expected - b.deliveries;
	r->rate = r->elapsed_s > 0 ? b.deliveries / r->elapsed_s : 0;
	r->p50_ms = hist_pct(&b.all, 50);
	r->p99_ms = hist_pct(&b.all, 99);
	r->max_ms = b.all.max_ns / 1e6;
	r->xp99_ms = hist_pct(&b.cross, 99);
	r->sp99_ms = hist_pct(&b.same, 99);
	r->cpu_s = cpu1 - cpu0;
	r->redis_cpu_s = b.rpid > 0 ? rcpu1 - rcpu0 : 0;
	r->cpu_us_per_delivery = b.deliveries ?
	    r->cpu_s * 1e6 / b.deliveries : 0;
	r->ok = !b.failed && r->lost == 0;
	if (!b.failed && r->lost > 0)
		snprintf(b.why, sizeof b.why, "%" PRIu64 " deliveries lost",
		    r->lost);
out:
	if (b.failed || r->lost > 0)
		fprintf(stderr, "chatsock-cluster-bench: %d-node run failed: "
		    "%s\n", nodes, b.why);
	free_users(&b);
	bench_done(&b);
}

/*
 * A forked idle generator: set up users first .. first + count - 1, report
 * "ok SECONDS" or "fail WHY" on the pipe, then hold them until ctl closes.
 */
static void
idle_child(struct bench *b, int first, int count, int rep, int ctl)
{
	char line[320], c;
	int n;

	b->base = event_base_new();
	b->first = first;
	b->count = count;
	b->idle = 1;
	if (setup_users(b) == 0)
		n = snprintf(line, sizeof line, "ok %.3f\n",
		    b->t_ready - b->t_start);
	else
		n = snprintf(line, sizeof line, "fail %s\n", b->why);
	if (write(rep, line, n) != n)
		_exit(1);
	while (read(ctl, &c, 1) > 0)
		;
	_exit(0);
}

/* Idle users over nodes, gens generators; RSS and set-up time. */
static void
idle_run(int nodes, int cluster, int users, struct result *r)
{
	struct bench b;
	int gens = (users + GEN_USERS - 1) / GEN_USERS;
	int rep[2], ctl[2], g, per, first, got = 0, status;
	pid_t kids[64];
	char buf[4096], *p, *nl;
	size_t have = 0;
	ssize_t n;
	double t0;

	memset(r, 0, sizeof *r);
	if (gens > 64)
		bench_die("too many generators");
	bench_init(&b, nodes, cluster);
	usleep(500000);
	r->rss_empty_kb = nodes_rss(&b);
	r->redis_rss_empty_kb = bench_proc_rss(b.rpid);
	if (pipe(rep) != 0 || pipe(ctl) != 0)
		bench_die("pipe: %s", strerror(errno));
	per = (users + gens - 1) / gens;
	t0 = bench_now();
	for (g = 0, first = 0; g < gens; g++, first += per) {
		if ((kids[g] = fork()) < 0)
			bench_die("fork: %s", strerror(errno));
		if (kids[g] == 0) {
			close(rep[0]);
			close(ctl[1]);
			idle_child(&b, first, first + per > users ?
			    users - first : per, rep[1], ctl[0]);
		}
	}
	close(rep[1]);
	close(ctl[0]);
	r->ok = 1;
	while (got < gens && (n = read(rep[0], buf + have,
	    sizeof buf - 1 - have)) > 0) {
		have += n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			if (strncmp(buf, "ok ", 3) != 0) {
				fprintf(stderr, "chatsock-cluster-bench: idle "
				    "generator: %s\n", buf);
				r->ok = 0;
			}
			got++;
			p = nl + 1;
			have -= p - buf;
			memmove(buf, p, have + 1);
		}
	}
	r->setup_s = bench_now() - t0;
	if (got < gens)
		r->ok = 0;
	sleep(2);	/* user lists reach every node, lazy frees settle */
	r->rss_kb = nodes_rss(&b);
	r->redis_rss_kb = bench_proc_rss(b.rpid);
	r->rss_per_user = (r->rss_kb - r->rss_empty_kb) * 1024.0 / users;
	close(ctl[1]);
	for (g = 0; g < gens; g++)
		waitpid(kids[g], &status, 0);
	close(rep[0]);
	b.failed = !r->ok;
	bench_done(&b);
}

/*
 * Redis killed and restarted trials times, down for down[i] seconds:
 * the time from its first PONG to user 1 (node 1) seeing a line of user
 * 0 (node 0). The probe sends a line every 10 ms throughout.
 */
static int
recovery(const double *down, int trials, double *secs)
{
	struct bench b;
	char buf[64];
	double t0, t, next;
	size_t off;
	int i, bad = 0;

	bench_init(&b, 2, 1);
	b.base = event_base_new();
	b.users = b.count = 2;
	b.senders = 1;
	b.messages = INT_MAX;
	b.phase = 1;
	if (setup_users(&b) != 0) {
		fprintf(stderr, "chatsock-cluster-bench: recovery set-up: %s\n",
		    b.why);
		bad = 1;
		goto out;
	}
	settle(&b, 0.3, 5);
	for (i = 0; i < trials && !b.failed; i++) {
		/* Lines cross before the kill. */
		b.t_probe_rx = 0;
		for (t = bench_now(); b.t_probe_rx == 0 && bench_now() - t < 10; ) {
			off = 0;
			sender_one(&b, 0, buf, &off);
			conn_send(&b.conns[0], buf, off);
			spin(&b, 0.01);
		}
		if (b.t_probe_rx == 0) {
			fail(&b, "no line crossed nodes before trial %d", i);
			break;
		}
		stop_pid(&b.rpid, SIGKILL);
		for (t = bench_now(); bench_now() - t < down[i] && !b.failed; ) {
			off = 0;
			sender_one(&b, 0, buf, &off);
			conn_send(&b.conns[0], buf, off);
			spin(&b, 0.01);
		}
		redis_start(&b);
		t0 = bench_now();
		b.t_probe_rx = 0;
		for (next = 0; !b.failed && bench_now() - t0 < 30; ) {
			if (bench_now() >= next) {
				off = 0;
				sender_one(&b, 0, buf, &off);
				conn_send(&b.conns[0], buf, off);
				next = bench_now() + 0.01;
			}
			spin(&b, 0.002);
			if (b.t_probe_rx > t0)
				break;
		}
		if (b.t_probe_rx <= t0) {
			fail(&b, "no line crossed nodes 30 s after Redis came "
			    "back (trial %d)", i);
			break;
		}
		secs[i] = b.t_probe_rx - t0;
	}
	if (b.failed) {
		fprintf(stderr, "chatsock-cluster-bench: recovery: %s\n",
		    b.why);
		bad = 1;
	}
out:
	free_users(&b);
	bench_done(&b);
	return (bad);
}

/* The machine, so that figures can be compared. */
static void
print_machine(void)
{
	char buf[256], model[256] = "?";
	struct utsname u;
	struct rlimit rl;
	FILE *f;

	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(buf, sizeof buf, f) != NULL) {
			if (strncmp(buf, "model name", 10) == 0 &&
			    strchr(buf, ':') != NULL) {
				snprintf(model, sizeof model, "%s",
				    strchr(buf, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		}
		fclose(f);
	}
	uname(&u);
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("machine: %d CPUs (%s), %s %s, descriptor limit %ld\n", bench_ncpu,
	    model, u.sysname, u.release, (long)rl.rlim_cur);
	printf("servers (nodes and Redis) on CPU 1, load generators on "
	    "CPU 0\n");
}

/* One fan-out row. */
static void
print_fanout(const char *label, const struct result *r)
{
	if (!r->ok) {
		printf("  %-18s FAILED\n", label);
		fflush(stdout);
		return;
	}
	printf("  %-18s %10.0f deliv/s  p50 %6.3f p99 %6.3f max %7.3f ms  "
	    "cross-node p99 %6.3f (%" PRIu64 ")  cpu %.2f s (Redis %.2f) "
	    "%.3f us/deliv\n", label, r->rate, r->p50_ms, r->p99_ms,
	    r->max_ms, r->xp99_ms, r->xdeliveries, r->cpu_s, r->redis_cpu_s,
	    r->cpu_us_per_delivery);
	fflush(stdout);
}

/* A ratio against its target, and whether it is met. */
static void
print_ratio(const char *what, double a, double b, double target)
{
	double ratio = b > 0 ? a / b : 0;
	int met = b > 0 && ratio <= target;

	printf("  %-46s %6.2fx  (target <= %.1fx: %s)\n", what, ratio, target,
	    met ? "met" : "NOT met");
	fflush(stdout);
}

/* Print the usage. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: chatsock-cluster-bench\n"
	    "         [--only fanout|flat|paced|idle|recovery]\n"
	    "         [--users N] [--senders S] [--messages M] [--rate R]\n"
	    "         [--idle-users N] [--chatsockd PATH] [--verbose]\n"
	    "Fan-out runs flat out (M per sender) and paced at R messages/s\n"
	    "(1000 users, 10 senders, 100/s for 20 s); idle holds N users\n"
	    "(50000, or what the descriptor limit allows) over 3 nodes.\n"
	    "CHATSOCKD and REDIS_SERVER in the environment name the "
	    "binaries.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "users", required_argument, NULL, 'u' },
		{ "senders", required_argument, NULL, 'S' },
		{ "messages", required_argument, NULL, 'm' },
		{ "rate", required_argument, NULL, 'r' },
		{ "idle-users", required_argument, NULL, 'i' },
		{ "chatsockd", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const double down[] = { 0.2, 1, 3, 10 };
	int ch, users = 100, senders = 10, messages = 10000, window = 256;
	int idle_users = 50000, fit, bad = 0, i, flat, paced;
	int nt = sizeof down / sizeof down[0];
	const char *only = NULL;
	double rate = 100, secs[4];
	struct result one, two, onep, twop, idle, idle1;
	struct rlimit rl;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': only = optarg; break;
		case 'u': users = atoi(optarg); break;
		case 'S': senders = atoi(optarg); break;
		case 'm': messages = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'i': idle_users = atoi(optarg); break;
		case 'c': chatsockd_path = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return (0);
		default: usage(stderr); return (2);
		}
	}
	if (only != NULL && strcmp(only, "fanout") != 0 &&
	    strcmp(only, "flat") != 0 && strcmp(only, "paced") != 0 &&
	    strcmp(only, "idle") != 0 && strcmp(only, "recovery") != 0)
		bench_die("--only: fanout, flat, paced, idle or recovery");
	flat = only == NULL || strcmp(only, "fanout") == 0 ||
	    strcmp(only, "flat") == 0;
	paced = only == NULL || strcmp(only, "fanout") == 0 ||
	    strcmp(only, "paced") == 0;
	if (senders < 1 || senders >= users || messages < 1 || rate <= 0 ||
	    idle_users < 3)
		bench_die("need 1 <= senders < users, messages >= 1, rate > 0 and "
		    "idle users >= 3");
	if (chatsockd_path == NULL)
		chatsockd_path = getenv("CHATSOCKD");
	if (chatsockd_path == NULL)
		chatsockd_path = "./chatsockd";
	if ((redis_path = getenv("REDIS_SERVER")) == NULL)
		redis_path = "/usr/bin/redis-server";
	if (access(redis_path, X_OK) != 0) {
		fprintf(stderr, "chatsock-cluster-bench: no %s (apt-get "
		    "install redis-server): skipped\n", redis_path);
		return (77);
	}
	signal(SIGPIPE, SIG_IGN);
	bench_program("chatsock-cluster-bench");
	bench_pin(0);
	bench_raise_nofile();
	getrlimit(RLIMIT_NOFILE, &rl);
	print_machine();

	if (flat) {
		printf("\nfan-out, one room, flat out: %d users, %d senders x "
		    "%d\n", users, senders, messages);
		bench_print_load();
		fanout(1, 0, users, senders, messages, 0, window, &one);
		print_fanout("1 node", &one);
		fanout(2, 1, users, senders, messages, 0, window, &two);
		print_fanout("2 nodes + Redis", &two);
		bad |= !one.ok || !two.ok;
		printf("  %-46s %6.2fx\n", "deliveries/s, 2 nodes to 1",
		    one.rate > 0 ? two.rate / one.rate : 0);
		print_ratio("CPU per delivery, 2 nodes to 1",
		    two.cpu_us_per_delivery, one.cpu_us_per_delivery, 1.3);
	}
	if (paced) {
		printf("\nfan-out, paced: 1000 users, 10 senders, %.0f "
		    "messages/s for 20 s\n", rate);
		bench_print_load();
		fanout(1, 0, 1000, 10, (int)(rate * 2), rate, window, &onep);
		print_fanout("1 node", &onep);
		fanout(2, 1, 1000, 10, (int)(rate * 2), rate, window, &twop);
		print_fanout("2 nodes + Redis", &twop);
		bad |= !onep.ok || !twop.ok;
		print_ratio("CPU per delivery, 2 nodes to 1",
		    twop.cpu_us_per_delivery, onep.cpu_us_per_delivery, 1.3);
		print_ratio("cross-node p99 to 1-node p99",
		    twop.xp99_ms, onep.p99_ms, 2);
	}
	if (only == NULL || strcmp(only, "idle") == 0) {
		/* Each node holds a third, plus its own descriptors. */
		fit = rl.rlim_cur == RLIM_INFINITY ? INT_MAX :
		    ((int)rl.rlim_cur - 100) * 3 / 1000 * 1000;
		if (idle_users > fit) {
			printf("\n(%d users need %d descriptors in each of 3 "
			    "nodes; the limit is %ld: measuring %d)\n",
			    idle_users, (idle_users + 2) / 3,
			    (long)rl.rlim_cur, fit);
			idle_users = fit;
		}
		printf("\nidle: %d users over 3 nodes, %d generators\n",
		    idle_users, (idle_users + GEN_USERS - 1) / GEN_USERS);
		bench_print_load();
		idle_run(3, 1, idle_users, &idle);
		idle_run(1, 0, idle_users / 3, &idle1);
		if (!idle.ok || !idle1.ok)
			printf("  FAILED\n");
		else {
			printf("  3 nodes + Redis: set-up %.2f s; nodes' rss "
			    "%ld KiB (empty %ld): %.0f B/user; Redis rss %ld "
			    "KiB (empty %ld): %.0f B/user\n", idle.setup_s,
			    idle.rss_kb, idle.rss_empty_kb, idle.rss_per_user,
			    idle.redis_rss_kb, idle.redis_rss_empty_kb,
			    (idle.redis_rss_kb - idle.redis_rss_empty_kb) *
			    1024.0 / idle_users);
			printf("  1 node, %d users: set-up %.2f s; rss %ld KiB "
			    "(empty %ld): %.0f B/user\n", idle_users / 3,
			    idle1.setup_s, idle1.rss_kb, idle1.rss_empty_kb,
			    idle1.rss_per_user);
			printf("  %-46s %6.0f B  (target <= 1536 B: %s)\n",
			    "nodes' RSS per user, 3 nodes", idle.rss_per_user,
			    idle.rss_per_user <= 1536 ? "met" : "NOT met");
			printf("  %-46s %6.0f B\n", "of which the cluster "
			    "(above 1 node's)", idle.rss_per_user -
			    idle1.rss_per_user);
		}
		bad |= !idle.ok || !idle1.ok;
	}
	if (only == NULL || strcmp(only, "recovery") == 0) {
		printf("\nrecovery: Redis killed (-9) and restarted on its "
		    "socket, 2 nodes\n");
		bench_print_load();
		if (recovery(down, nt, secs) != 0) {
			printf("  FAILED\n");
			bad = 1;
		} else {
			for (i = 0; i < nt; i++) {
				printf("  down %.1f s: chat across nodes %.3f "
				    "s after Redis answered (target < 2 s: "
				    "%s)\n", down[i], secs[i],
				    secs[i] < 2 ? "met" : "NOT met");
			}
		}
	}
	fflush(stdout);
	return (bad);
}
