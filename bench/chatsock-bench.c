/*
 * chatsock-bench: a one-process libevent load generator that drives
 * chatsockd (plain mode) or ngircd (IRC) on loopback with the same load and
 * reports deliveries per second, delivery latency, losses, set-up time and
 * the server's CPU time and memory. It starts the servers itself on free
 * ports and pins server and load to separate cores when there are two.
 *
 * A delivery is one receiver getting one message of another user: the
 * sender's own echo (chatsock shows it, IRC does not) is not counted, so
 * both servers are measured doing the same work.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
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

#include <crypt.h>

#include <event2/event.h>

#include "bench-util.h"

#define ROOM		"bench"
#define NAME_FMT	"u%05d"
#define MARK		"~B "
#define READ_CHUNK	(256 * 1024)
#define CARRY_MAX	8192
#define SETUP_PARALLEL	8	/* ngircd listens with a backlog of 10 */
#define LAT_FINE	100000		/* 1 us buckets below 100 ms */
#define LAT_COARSE	1000000		/* then 100 us buckets to 100 s */
#define RUNS_MAX	9
#define LIT(s)		(s), sizeof (s) - 1	/* a literal and its length */

enum server_kind { SRV_CHATSOCK, SRV_NGIRCD };

enum conn_state {
	ST_IDLE,	/* not yet connecting */
	ST_CONNECT,	/* TCP connect in progress */
	ST_NAME,	/* waiting for the name prompt / IRC welcome */
	ST_NAMED,	/* waiting for "connected as" */
	ST_JOIN,	/* waiting for the join confirmation */
	ST_VIEW,	/* waiting for the view header */
	ST_READY,	/* counting messages */
};

struct conn {
	struct bench	*b;
	int		 idx;
	int		 fd;
	struct event	*ev;
	enum conn_state	 state;
	char		*carry;		/* partial line between reads */
	size_t		 carry_len;
	char		*out;		/* unsent bytes */
	size_t		 out_len;
	uint32_t	*next;		/* per sender: next expected seq */
	uint32_t	 sent;		/* as a sender */
};

struct result {
	int		 ok;
	double		 setup_s;
	double		 elapsed_s;
	uint64_t	 deliveries;
	uint64_t	 expected;
	uint64_t	 lost;
	uint64_t	 disorder;
	double		 rate;		/* deliveries per second */
	double		 p50_ms, p99_ms, max_ms;
	double		 cpu_s;		/* server CPU during the chat phase */
	double		 cpu_us_per_delivery;
	long		 rss_empty_kb;
	long		 rss_kb;
	double		 rss_per_user;	/* bytes above the empty daemon's */
	double		 setup_cpu_s;
};

struct bench {
	enum server_kind kind;
	struct event_base *base;
	struct sockaddr_in addr;
	pid_t		 pid;
	char		 dir[64];

	int		 users, senders, messages, window;
	double		 rate;
	int		 idle;
	double		 duration;

	struct conn	*conns;
	int		 next_connect;
	int		 setting_up;
	int		 ready;
	int		 phase;		/* 0 setup, 1 settle, 2 chat, 3 done */
	double		 t_start, t_ready, t_chat, t_last_rx, t_last_progress;
	uint64_t	 sent_total;
	int		 progress;	/* a delivery since the last read */
	uint64_t	 deliveries, expected, disorder;
	uint32_t	*acked;		/* per sender, seen by the probe */
	uint32_t	*lat;		/* histogram */
	uint64_t	 lat_max_ns;
	struct event	*tick;
	int		 failed;
	char		 why[256];
};

static const char *chatsockd_path;
static int verbose;

static uint64_t	now_us(void);
static void	fail(struct bench *b, const char *fmt, ...);
static int	free_port(void);
static void	start_chatsock(struct bench *b);
static void	start_ngircd(struct bench *b);
static void	stop_server(struct bench *b);
static void	conn_start(struct bench *b, struct conn *c);
static void	conn_cb(evutil_socket_t fd, short what, void *arg);
static void	conn_send(struct conn *c, const char *buf, size_t len);
static void	conn_flush(struct conn *c);
static void	conn_input(struct conn *c, char *buf, size_t len,
		    uint64_t t);
static void	conn_line(struct conn *c, char *line, size_t len, uint64_t t);
static void	conn_message(struct conn *c, const char *p, size_t len,
		    uint64_t t);
static int	irc_is(const char *line, size_t len, const char *cmd);
static void	irc_line(struct conn *c, char *line, size_t len);
static void	conn_ready(struct conn *c);
static void	sender_fill(struct bench *b, int s);
static void	sender_one(struct bench *b, int s, char *buf, size_t *off);
static void	tick_cb(evutil_socket_t fd, short what, void *arg);
static void	lat_add(struct bench *b, uint64_t ns);
static double	lat_pct(struct bench *b, double pct);
static void	run(struct bench *b, struct result *r);
static void	scenario(enum server_kind kind, int users, int senders,
		    int messages, double rate, int idle, int window,
		    double duration, struct result *r);
static const char *kind_name(enum server_kind kind);

/*
 * Microseconds since the first call, for the stamps in messages: short
 * numbers keep parsing cheap at millions of deliveries a second.
 */
static uint64_t
now_us(void)
{
	static uint64_t t0;
	struct timespec ts;
	uint64_t t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (t0 == 0)
		t0 = t - 1;
	return (t - t0);
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

/* A port that was free a moment ago (ngircd needs a number). */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		bench_die("bind: %s", strerror(errno));
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* Write a file or die. */
static void
write_file(const char *path, const char *text)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		bench_die("%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* Fork and exec a server on CPU 1 with output to a log in b->dir. */
static void
spawn(struct bench *b, char *const argv[], const char *portfile)
{
	char log[128];
	int fd;

	snprintf(log, sizeof log, "%s/server.log", b->dir);
	if ((b->pid = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (b->pid == 0) {
		bench_pin(1);
		bench_raise_nofile();
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (portfile != NULL)
			setenv("CHATSOCK_PORT_FILE", portfile, 1);
		execv(argv[0], argv);
		_exit(127);
	}
}

/* Wait until something accepts on b->addr (or the port file appears). */
static void
wait_listening(struct bench *b, const char *portfile)
{
	double deadline = bench_now() + 10;
	char buf[32];
	FILE *f;
	int fd, status;

	while (bench_now() < deadline) {
		if (waitpid(b->pid, &status, WNOHANG) == b->pid)
			bench_die("%s exited at start; see %s/server.log",
			    kind_name(b->kind), b->dir);
		if (portfile != NULL && (f = fopen(portfile, "r")) != NULL) {
			if (fgets(buf, sizeof buf, f) != NULL && atoi(buf) > 0)
				b->addr.sin_port = htons(atoi(buf));
			fclose(f);
		}
		if (b->addr.sin_port != 0) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(fd, (struct sockaddr *)&b->addr,
			    sizeof b->addr) == 0) {
				close(fd);
				return;
			}
			close(fd);
		}
		usleep(20000);
	}
	bench_die("%s did not listen within 10 s", kind_name(b->kind));
}

/* chatsockd with its flood control and limits out of the way. */
static void
start_chatsock(struct bench *b)
{
	char conf[128], portfile[128], text[1024];
	char *argv[] = { (char *)chatsockd_path, "-c", conf, NULL };

	snprintf(conf, sizeof conf, "%s/chatsock.json", b->dir);
	snprintf(portfile, sizeof portfile, "%s/port", b->dir);
	snprintf(text, sizeof text,
	    "{\n"
	    "  \"host\": \"127.0.0.1\",\n"
	    "  \"port\": 0,\n"
	    "  \"rooms\": { \"" ROOM "\": {} },\n"
	    "  \"adminSocket\": \"%s/admin.sock\",\n"
	    "  \"usernameLimit\": 16,\n"
	    "  \"messageLimit\": 150,\n"
	    "  \"maxClients\": 1000000,\n"
	    "  \"maxClientsPerAddress\": 0,\n"
	    "  \"floodRate\": 0,\n"
	    "  \"floodBurst\": 10000,\n"
	    "  \"outputLimit\": 16777216,\n"
	    "  \"nameTimeout\": 0,\n"
	    "  \"keepalive\": 0\n"
	    "}\n", b->dir);
	write_file(conf, text);
	spawn(b, argv, portfile);
	wait_listening(b, portfile);
}

/* ngircd in the foreground, penalties off, no lookups, no pings. */
static void
start_ngircd(struct bench *b)
{
	char conf[128], text[1024];
	const char *bin = getenv("NGIRCD");
	char *argv[] = { NULL, "-n", "-f", conf, NULL };
	int port = free_port();

	if (bin == NULL)
		bin = "/usr/sbin/ngircd";
	argv[0] = (char *)bin;
	snprintf(conf, sizeof conf, "%s/ngircd.conf", b->dir);
	snprintf(text, sizeof text,
	    "[Global]\n"
	    "  Name = bench.invalid\n"
	    "  Info = chatsock-bench\n"
	    "  Listen = 127.0.0.1\n"
	    "  Ports = %d\n"
	    "  MotdPhrase = bench\n"
	    "  PidFile = %s/ngircd.pid\n"
	    "[Limits]\n"
	    "  MaxConnections = 0\n"
	    "  MaxConnectionsIP = 0\n"
	    "  MaxJoins = 0\n"
	    "  MaxNickLength = 16\n"
	    "  MaxPenaltyTime = 0\n"
	    "  PingTimeout = 86400\n"
	    "  PongTimeout = 86400\n"
	    "  ConnectRetry = 60\n"
	    "[Options]\n"
	    "  DNS = no\n"
	    "  Ident = no\n"
	    "  PAM = no\n"
	    "  RequireAuthPing = no\n"
	    "  SyslogFacility = local7\n", port, b->dir);
	write_file(conf, text);
	b->addr.sin_port = htons(port);
	spawn(b, argv, NULL);
	wait_listening(b, NULL);
}

/* Stop the server and reap it. */
static void
stop_server(struct bench *b)
{
	int status;
	double deadline = bench_now() + 10;

	if (b->pid <= 0)
		return;
	kill(b->pid, SIGTERM);
	while (waitpid(b->pid, &status, WNOHANG) != b->pid) {
		if (bench_now() > deadline) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &status, 0);
			break;
		}
		usleep(20000);
	}
	b->pid = 0;
}

/* Open one connection from 127.0.0.(2 + idx / 4000): ports never run short. */
static void
conn_start(struct bench *b, struct conn *c)
{
	struct sockaddr_in src;
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
	if (connect(c->fd, (struct sockaddr *)&b->addr, sizeof b->addr) != 0 &&
	    errno != EINPROGRESS) {
		fail(b, "connect: %s (user %d)", strerror(errno), c->idx);
		return;
	}
	c->state = ST_CONNECT;
	c->ev = event_new(b->base, c->fd, EV_READ | EV_PERSIST, conn_cb, c);
	event_add(c->ev, NULL);
	b->setting_up++;
	if (b->kind == SRV_NGIRCD) {
		char buf[128];
		int n;

		n = snprintf(buf, sizeof buf,
		    "NICK " NAME_FMT "\r\nUSER " NAME_FMT " 0 * :bench\r\n",
		    c->idx, c->idx);
		conn_send(c, buf, n);
		c->state = ST_NAME;
	} else
		c->state = ST_NAME;
}

/* Start connections until SETUP_PARALLEL are in progress. */
static void
setup_more(struct bench *b)
{
	while (b->setting_up < SETUP_PARALLEL && b->next_connect < b->users &&
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
		memcpy(buf, c->carry, c->carry_len);
		n = read(fd, buf + c->carry_len, READ_CHUNK);
		if (n == 0) {
			fail(b, "%s closed user %d's connection (state %d)",
			    kind_name(b->kind), c->idx, c->state);
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
	if (c->state == ST_NAME && c->b->kind == SRV_CHATSOCK &&
	    memmem(p, rest, "username: ", 10) != NULL) {
		char name[64];
		int n;

		n = snprintf(name, sizeof name, NAME_FMT "\n", c->idx);
		c->state = ST_NAMED;
		conn_send(c, name, n);
		rest = 0;
	}
	if (rest > CARRY_MAX)
		rest = 0;	/* a prompt or junk: not a message line */
	if (rest > 0 && c->carry == NULL)
		c->carry = malloc(CARRY_MAX);
	if (rest > 0)
		memmove(c->carry, p, rest);
	c->carry_len = rest;
	if (rest == 0 && c->carry != NULL && c->state != ST_READY) {
		free(c->carry);
		c->carry = NULL;
	}
}

/* One line from the server, by protocol and state. */
static void
conn_line(struct conn *c, char *line, size_t len, uint64_t t)
{
	struct bench *b = c->b;
	const char *m;

	if (c->state == ST_READY) {
		m = line;
		while ((m = memchr(m, MARK[0], line + len - m)) != NULL &&
		    (line + len - m < 3 || m[1] != MARK[1] || m[2] != MARK[2]))
			m++;	/* IRC's "!~user" has a tilde too */
		if (m != NULL) {
			conn_message(c, m + sizeof MARK - 1,
			    len - (m - line) - (sizeof MARK - 1), t);
			return;
		}
		if (b->kind == SRV_NGIRCD && len > 5 &&
		    memcmp(line, "PING ", 5) == 0) {
			line[1] = 'O';
			conn_send(c, line, len);
			conn_send(c, "\n", 1);
		}
		return;
	}
	if (b->kind == SRV_NGIRCD) {
		irc_line(c, line, len);
		return;
	}
	switch (c->state) {
	case ST_NAMED:
		if (memmem(line, len, "You are connected as", 20) == NULL)
			break;
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
			fail(b, "chatsock refused the join: %.*s", (int)len,
			    line);
		break;
	case ST_VIEW:
		if (memmem(line, len, LIT("--- " ROOM ":")) != NULL)
			conn_ready(c);
		break;
	default:
		if (memmem(line, len, "taken", 5) != NULL ||
		    memmem(line, len, "full", 4) != NULL)
			fail(b, "chatsock refused user %d: %.*s", c->idx,
			    (int)len, line);
		break;
	}
}

/* The command of an IRC line (after the :prefix), as a 3-char numeric. */
static int
irc_is(const char *line, size_t len, const char *cmd)
{
	const char *p = line, *end = line + len;

	if (p < end && *p == ':') {
		while (p < end && *p != ' ')
			p++;
		p++;
	}
	return (end - p > 3 && memcmp(p, cmd, 3) == 0 && p[3] == ' ');
}

/* Set-up lines from ngircd: welcome, end of NAMES, refusals, pings. */
static void
irc_line(struct conn *c, char *line, size_t len)
{
	struct bench *b = c->b;

	if (len > 5 && memcmp(line, "PING ", 5) == 0) {
		line[1] = 'O';
		conn_send(c, line, len);
		conn_send(c, "\n", 1);
	} else if (c->state == ST_NAME && irc_is(line, len, "001")) {
		if (b->idle) {
			conn_ready(c);
			return;
		}
		c->state = ST_JOIN;
		conn_send(c, LIT("JOIN #" ROOM "\r\n"));
	} else if (c->state == ST_JOIN && irc_is(line, len, "366"))
		conn_ready(c);
	else if (irc_is(line, len, "433") || irc_is(line, len, "471") ||
	    (len >= 5 && memcmp(line, "ERROR", 5) == 0))
		fail(b, "ngircd refused user %d: %.*s", c->idx, (int)len, line);
}

/* A user finished setting up. */
static void
conn_ready(struct conn *c)
{
	struct bench *b = c->b;

	c->state = ST_READY;
	b->setting_up--;
	b->ready++;
	if (b->ready == b->users) {
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
	uint64_t s, q, ts;

	s = parse_num(&p, end);
	q = parse_num(&p, end);
	ts = parse_num(&p, end);
	if (s >= (uint64_t)b->senders || (int)s == c->idx)
		return;		/* own echo: not a delivery */
	if (q != c->next[s])
		b->disorder++;
	c->next[s] = q + 1;
	b->deliveries++;
	b->progress = 1;
	lat_add(b, t > ts ? (t - ts) * 1000 : 0);
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
	const char *fmt;

	fmt = b->kind == SRV_NGIRCD ?
	    "PRIVMSG #" ROOM " :" MARK "%d %u %" PRIu64 "\r\n" :
	    MARK "%d %u %" PRIu64 "\n";
	*off += sprintf(buf + *off, fmt, s, c->sent, now_us());
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
lat_add(struct bench *b, uint64_t ns)
{
	uint64_t us = ns / 1000;
	size_t i;

	if (ns > b->lat_max_ns)
		b->lat_max_ns = ns;
	if (us < LAT_FINE)
		i = us;
	else if ((us - LAT_FINE) / 100 < LAT_COARSE)
		i = LAT_FINE + (us - LAT_FINE) / 100;
	else
		i = LAT_FINE + LAT_COARSE - 1;
	b->lat[i]++;
}

/* The latency below which pct percent of deliveries arrived, in ms. */
static double
lat_pct(struct bench *b, double pct)
{
	uint64_t want, seen = 0;
	size_t i;

	if (b->deliveries == 0)
		return (0);
	want = (uint64_t)(b->deliveries * pct / 100.0);
	if (want == 0)
		want = 1;
	for (i = 0; i < LAT_FINE + LAT_COARSE; i++) {
		seen += b->lat[i];
		if (seen >= want)
			break;
	}
	if (i < LAT_FINE)
		return (i / 1000.0);
	return ((LAT_FINE + (i - LAT_FINE) * 100.0) / 1000.0);
}

/* Wait in the loop until no input came for quiet seconds (at most cap). */
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

/* One scenario against the server already started in b. */
static void
run(struct bench *b, struct result *r)
{
	struct timeval tick = { 0, 2000 };
	double cpu0, cpu1, setup_cpu0;
	int i;

	memset(r, 0, sizeof *r);
	r->rss_empty_kb = bench_proc_rss(b->pid);
	bench_proc_cpu(b->pid, &setup_cpu0);
	b->conns = calloc(b->users, sizeof *b->conns);
	for (i = 0; i < b->users; i++) {
		b->conns[i].b = b;
		b->conns[i].idx = i;
		b->conns[i].fd = -1;
		if (!b->idle)
			b->conns[i].next = calloc(b->senders, sizeof(uint32_t));
	}
	b->acked = calloc(b->senders + 1, sizeof *b->acked);
	b->lat = calloc(LAT_FINE + LAT_COARSE, sizeof *b->lat);

	/* Set up: connect, name, join, enter the view. */
	b->t_start = bench_now();
	setup_more(b);
	while (b->ready < b->users && !b->failed) {
		struct timeval cap = { 1, 0 };

		event_base_loopexit(b->base, &cap);
		event_base_dispatch(b->base);
		if (bench_now() - b->t_start > 600)
			fail(b, "set-up took over 600 s (%d ready)", b->ready);
	}
	if (b->failed)
		goto out;
	r->setup_s = b->t_ready - b->t_start;
	settle(b, 0.5, 30);
	bench_proc_cpu(b->pid, &cpu0);
	r->setup_cpu_s = cpu0 - setup_cpu0;
	r->rss_kb = bench_proc_rss(b->pid);
	r->rss_per_user = (r->rss_kb - r->rss_empty_kb) * 1024.0 / b->users;
	if (b->idle) {
		r->ok = 1;
		goto out;
	}

	/* Chat. */
	b->expected = (uint64_t)b->senders * b->messages * (b->users - 1);
	b->phase = 2;
	b->t_chat = b->t_last_progress = bench_now();
	b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b);
	if (b->rate > 0)
		tick.tv_usec = 1000;
	event_add(b->tick, &tick);
	if (b->rate == 0) {
		for (i = 0; i < b->senders; i++)
			sender_fill(b, i);
	}
	/* A loopexit left from the set-up may end a dispatch early. */
	while (b->phase != 3 && !b->failed)
		event_base_dispatch(b->base);
	r->elapsed_s = b->t_last_progress - b->t_chat;
	bench_proc_cpu(b->pid, &cpu1);
	event_free(b->tick);
	r->deliveries = b->deliveries;
	r->expected = b->expected;
	r->lost = b->expected - b->deliveries;
	r->disorder = b->disorder;
	r->rate = r->elapsed_s > 0 ? b->deliveries / r->elapsed_s : 0;
	r->p50_ms = lat_pct(b, 50);
	r->p99_ms = lat_pct(b, 99);
	r->max_ms = b->lat_max_ns / 1e6;
	r->cpu_s = cpu1 - cpu0;
	r->cpu_us_per_delivery = b->deliveries ?
	    r->cpu_s * 1e6 / b->deliveries : 0;
	r->ok = !b->failed;
	if (verbose)
		fprintf(stderr, "sent %" PRIu64 " delivered %" PRIu64
		    " of %" PRIu64 ", out of order %" PRIu64 "\n",
		    b->sent_total, b->deliveries, b->expected, b->disorder);
	for (i = 0; verbose && i < b->senders; i++)
		fprintf(stderr, "sender %d: sent %u acked %u unsent %zu bytes\n",
		    i, b->conns[i].sent, b->acked[i], b->conns[i].out_len);
out:
	for (i = 0; i < b->users; i++) {
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
	free(b->acked);
	free(b->lat);
}

/* Start one server, run one scenario, stop it. */
static void
scenario(enum server_kind kind, int users, int senders, int messages,
    double rate, int idle, int window, double duration, struct result *r)
{
	struct bench b;
	char cmd[256];

	memset(&b, 0, sizeof b);
	b.kind = kind;
	b.users = users;
	b.senders = senders;
	b.messages = messages;
	b.rate = rate;
	b.idle = idle;
	b.window = window;
	b.duration = duration;
	b.addr.sin_family = AF_INET;
	b.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(b.dir, sizeof b.dir, "/tmp/chatsock-bench.XXXXXX");
	if (mkdtemp(b.dir) == NULL)
		bench_die("mkdtemp: %s", strerror(errno));
	b.base = event_base_new();
	if (kind == SRV_CHATSOCK)
		start_chatsock(&b);
	else
		start_ngircd(&b);
	usleep(200000);
	run(&b, r);
	if (b.failed) {
		fprintf(stderr, "chatsock-bench: %s run failed: %s\n",
		    kind_name(kind), b.why);
		r->ok = 0;
	}
	stop_server(&b);
	event_base_free(b.base);
	if (!verbose || r->ok) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "chatsock-bench: cannot remove %s\n",
			    b.dir);
	}
}

/* Printable server name. */
static const char *
kind_name(enum server_kind kind)
{
	return (kind == SRV_CHATSOCK ? "chatsock" : "ngircd");
}

/* Sort doubles (for medians). */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* The median of one field over n results. */
static double
median(const struct result *r, int n, size_t off)
{
	double v[RUNS_MAX];
	int i;

	for (i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&r[i] + off);
	qsort(v, n, sizeof *v, cmp_double);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

/* One result row. */
static void
print_result(const char *label, enum server_kind kind, const struct result *r,
    int idle)
{
	if (!r->ok) {
		printf("  %-8s %-22s FAILED\n", kind_name(kind), label);
		return;
	}
	if (idle)
		printf("  %-8s %-22s setup %6.2f s  rss %6ld KiB (empty %ld)"
		    "  %7.0f B/user\n", kind_name(kind), label, r->setup_s,
		    r->rss_kb, r->rss_empty_kb, r->rss_per_user);
	else
		printf("  %-8s %-22s %10.0f deliv/s  p50 %7.3f p99 %7.3f "
		    "max %8.3f ms  lost %" PRIu64 "  cpu %6.2f s "
		    "(%.3f us/deliv)  setup %.2f s\n", kind_name(kind), label,
		    r->rate, r->p50_ms, r->p99_ms, r->max_ms, r->lost, r->cpu_s,
		    r->cpu_us_per_delivery, r->setup_s);
	fflush(stdout);
}

struct med {
	double rate, p50, p99, max, cpu_us, rss_user, setup, lost;
	int ok;
};

/* Medians over the runs of one server. */
static void
medians(const struct result *r, int n, struct med *m)
{
	double lost[RUNS_MAX];
	int i;

	memset(m, 0, sizeof *m);
	m->ok = 1;
	for (i = 0; i < n; i++) {
		if (!r[i].ok)
			m->ok = 0;
		lost[i] = (double)r[i].lost;
	}
	m->rate = median(r, n, offsetof(struct result, rate));
	m->p50 = median(r, n, offsetof(struct result, p50_ms));
	m->p99 = median(r, n, offsetof(struct result, p99_ms));
	m->max = median(r, n, offsetof(struct result, max_ms));
	m->cpu_us = median(r, n, offsetof(struct result, cpu_us_per_delivery));
	m->rss_user = median(r, n, offsetof(struct result, rss_per_user));
	m->setup = median(r, n, offsetof(struct result, setup_s));
	qsort(lost, n, sizeof *lost, cmp_double);
	m->lost = lost[n - 1];
}

/* A ratio, or "-" if the denominator is zero. */
static void
print_ratio(const char *what, double a, double b, const char *target)
{
	if (b == 0)
		printf("    %-30s %10s   (target %s)\n", what, "-", target);
	else
		printf("    %-30s %10.2f   (target %s)\n", what, a / b, target);
}

/*
 * Run a scenario against the chosen servers, alternating them, runs times;
 * print each run, the medians and the ratios chatsock / ngircd.
 */
static int
compare(const char *label, int which, int users, int senders, int messages,
    double rate, int idle, int window, double duration, int runs)
{
	struct result rc[RUNS_MAX], rn[RUNS_MAX];
	struct med mc, mn;
	int i, bad = 0;

	printf("%s: %d users%s", label, users, idle ? ", idle" : "");
	if (!idle)
		printf(", %d senders x %d messages, %s", senders, messages,
		    rate > 0 ? "" : "flat out");
	if (!idle && rate > 0)
		printf("%g msg/s aggregate", rate);
	printf(" (%d run%s)\n", runs, runs > 1 ? "s" : "");
	bench_print_load();
	fflush(stdout);
	for (i = 0; i < runs; i++) {
		if (which & 1) {
			scenario(SRV_CHATSOCK, users, senders, messages, rate,
			    idle, window, duration, &rc[i]);
			print_result(label, SRV_CHATSOCK, &rc[i], idle);
		}
		if (which & 2) {
			scenario(SRV_NGIRCD, users, senders, messages, rate,
			    idle, window, duration, &rn[i]);
			print_result(label, SRV_NGIRCD, &rn[i], idle);
		}
	}
	if (which & 1) {
		medians(rc, runs, &mc);
		bad |= !mc.ok || (!idle && mc.lost > 0);
	}
	if (which & 2)
		medians(rn, runs, &mn);
	printf("  median:\n");
	if (which & 1 && idle)
		printf("    chatsock %8.0f B/user, setup %.2f s\n", mc.rss_user,
		    mc.setup);
	if (which & 2 && idle)
		printf("    ngircd   %8.0f B/user, setup %.2f s\n", mn.rss_user,
		    mn.setup);
	if (which & 1 && !idle)
		printf("    chatsock %10.0f deliv/s p50 %.3f p99 %.3f max %.3f "
		    "ms, %.3f us CPU/deliv, lost %.0f, setup %.2f s\n", mc.rate,
		    mc.p50, mc.p99, mc.max, mc.cpu_us, mc.lost, mc.setup);
	if (which & 2 && !idle)
		printf("    ngircd   %10.0f deliv/s p50 %.3f p99 %.3f max %.3f "
		    "ms, %.3f us CPU/deliv, lost %.0f, setup %.2f s\n", mn.rate,
		    mn.p50, mn.p99, mn.max, mn.cpu_us, mn.lost, mn.setup);
	if (which == 3) {
		printf("  chatsock / ngircd:\n");
		if (idle)
			print_ratio("RSS per user", mc.rss_user, mn.rss_user,
			    "<= 1.5 KiB/user absolute");
		else {
			print_ratio("deliveries/s", mc.rate, mn.rate,
			    rate == 0 ? ">= 2" : "-");
			print_ratio("CPU per delivery", mc.cpu_us, mn.cpu_us,
			    rate > 0 ? "<= 0.5" : "-");
			print_ratio("p99 latency", mc.p99, mn.p99,
			    rate > 0 ? "<= 1" : "-");
		}
	}
	printf("\n");
	fflush(stdout);
	return (bad);
}

/*
 * The password-guessing scenario (--guess SEC). chatsockd gets a hidden
 * room "vault" behind a yescrypt hash and a hidden room "staff" with a
 * plain password (flood control off, so that only the guess budgets slow
 * anyone). First the time of a wrong password at an unknown room, at staff
 * and at vault is measured from fresh addresses (medians). Then for SEC
 * seconds: NADDR addresses (127.0.1.x, one connection each) send wrong
 * passwords to vault as fast as they are answered; one more address
 * reconnects after every guess at staff; a bystander in a public room sends
 * :list every GUESS_LIST_MS and times each answer. A guess is "checked"
 * when the answer is the wrong-password refusal (not a wait or busy).
 */
#define GUESS_LIST_MS	20
#define GUESS_SAMPLES	9
#define GUESS_BUF	4096

struct gconn {
	int	 fd;
	char	 src[32];
	char	 buf[GUESS_BUF];
	size_t	 len;
	int	 ready;		/* logged in */
	int	 busy;		/* a line sent, answer not yet in */
	double	 t_sent;
	long	 checked;
	long	 waits;
	long	 refused_busy;
};

/* A blocking connect from src, then non-blocking. */
static int
guess_connect(struct bench *b, const char *src)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		bench_die("socket: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, src, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		bench_die("bind %s: %s", src, strerror(errno));
	if (connect(fd, (struct sockaddr *)&b->addr, sizeof b->addr) != 0)
		bench_die("connect from %s: %s", src, strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return (fd);
}

/* Read what is there; 1 if the buffer now ends with a prompt. */
static int
guess_read(struct gconn *g)
{
	ssize_t n;

	for (;;) {
		if (g->len >= sizeof g->buf - 1) {	/* keep the tail */
			memmove(g->buf, g->buf + g->len / 2, g->len -
			    g->len / 2);
			g->len -= g->len / 2;
		}
		n = read(g->fd, g->buf + g->len, sizeof g->buf - 1 - g->len);
		if (n == 0)
			bench_die("%s: connection closed", g->src);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			bench_die("%s: read: %s", g->src, strerror(errno));
		}
		g->len += n;
	}
	g->buf[g->len] = '\0';
	return (g->len >= 2 && memcmp(g->buf + g->len - 2, "> ", 2) == 0);
}

/* Send a line (all of it: loopback takes a short line at once). */
static void
guess_send(struct gconn *g, const char *line)
{
	size_t len = strlen(line);

	if (write(g->fd, line, len) != (ssize_t)len)
		bench_die("%s: write: %s", g->src, strerror(errno));
	g->len = 0;
	g->busy = 1;
	g->t_sent = bench_now();
}

/* Block until g's answer ends with a prompt (10 s at most). */
static void
guess_wait(struct gconn *g)
{
	struct pollfd p = { g->fd, POLLIN, 0 };
	double deadline = bench_now() + 10;

	while (!guess_read(g)) {
		if (bench_now() > deadline)
			bench_die("%s: no answer: %s", g->src, g->buf);
		poll(&p, 1, 100);
	}
	g->busy = 0;
}

/* Connect from src and log in as name, blocking. */
static void
guess_login(struct bench *b, struct gconn *g, const char *src,
    const char *name)
{
	char line[64];

	memset(g, 0, sizeof *g);
	snprintf(g->src, sizeof g->src, "%s", src);
	g->fd = guess_connect(b, src);
	snprintf(line, sizeof line, "%s\r\n", name);
	guess_send(g, line);
	guess_wait(g);
	g->ready = 1;
}

/* Tally one answer to a guess. */
static void
guess_tally(struct gconn *g)
{
	if (strstr(g->buf, "Cannot join") != NULL)
		g->checked++;
	else if (strstr(g->buf, "Too many wrong passwords") != NULL)
		g->waits++;
	else if (strstr(g->buf, "try again later") != NULL)
		g->refused_busy++;
}

/* qsort order for doubles. */
static int
guess_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* The scenario; 0 if every target was met. */
static int
guess_scenario(double secs, int naddr)
{
	static const char *const kinds[3] = { "nosuch", "staff", "vault" };
	struct bench b;
	struct gconn *g, t, by, re;
	struct pollfd *p;
	double *lat, tk[3][GUESS_SAMPLES], med[3], end, next_list, spread;
	double per_room, max_addr = 0, sum_addr = 0, p99, ms;
	char conf[128], portfile[128], text[2048], line[128], src[32];
	char *salt, *hash, cmd[160];
	long nlat = 0, cap, waits = 0, busy = 0, reconnects = 0;
	int i, j, k, bad = 0;

	memset(&b, 0, sizeof b);
	b.kind = SRV_CHATSOCK;
	b.addr.sin_family = AF_INET;
	b.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(b.dir, sizeof b.dir, "/tmp/chatsock-bench.XXXXXX");
	if (mkdtemp(b.dir) == NULL)
		bench_die("mkdtemp: %s", strerror(errno));
	if ((salt = crypt_gensalt_ra("$y$", 0, NULL, 0)) == NULL ||
	    (hash = crypt(salt, salt)) == NULL || *hash == '*')
		bench_die("crypt failed");
	free(salt);
	snprintf(conf, sizeof conf, "%s/chatsock.json", b.dir);
	snprintf(portfile, sizeof portfile, "%s/port", b.dir);
	snprintf(text, sizeof text,
	    "{\n"
	    "  \"host\": \"127.0.0.1\",\n"
	    "  \"port\": 0,\n"
	    "  \"rooms\": { \"" ROOM "\": {},\n"
	    "    \"vault\": { \"public\": false, \"passwordHash\": \"%s\" },\n"
	    "    \"staff\": { \"public\": false, \"password\": \"s3cret\" } },\n"
	    "  \"adminSocket\": \"%s/admin.sock\",\n"
	    "  \"maxClients\": 100000,\n"
	    "  \"floodRate\": 0,\n"
	    "  \"nameTimeout\": 0,\n"
	    "  \"keepalive\": 0\n"
	    "}\n", hash, b.dir);
	write_file(conf, text);
	{
		char *argv[] = { (char *)chatsockd_path, "-c", conf, NULL };

		spawn(&b, argv, portfile);
	}
	wait_listening(&b, portfile);

	printf("guess: %d addresses at hidden room vault (yescrypt), 1 "
	    "address reconnecting at staff (plain), bystander :list every "
	    "%d ms, %g s\n", naddr, GUESS_LIST_MS, secs);
	bench_print_load();

	/* Timing: wrong passwords from fresh addresses, rotating order. */
	for (i = 0; i < GUESS_SAMPLES; i++) {
		snprintf(src, sizeof src, "127.0.3.%d", i + 1);
		snprintf(line, sizeof line, "t%d", i);
		guess_login(&b, &t, src, line);
		for (j = 0; j < 3; j++) {
			k = (i + j) % 3;
			snprintf(line, sizeof line, ":join %s wrong%d\r\n",
			    kinds[k], i);
			guess_send(&t, line);
			guess_wait(&t);
			tk[k][i] = (bench_now() - t.t_sent) * 1000;
		}
		close(t.fd);
	}
	for (k = 0; k < 3; k++) {
		qsort(tk[k], GUESS_SAMPLES, sizeof tk[k][0], guess_cmp);
		med[k] = tk[k][GUESS_SAMPLES / 2];
	}
	spread = fmax(fmax(fabs(med[0] - med[1]), fabs(med[1] - med[2])),
	    fabs(med[0] - med[2]));
	printf("  wrong password, median of %d: unknown room %.2f ms, plain "
	    "%.2f ms, hashed %.2f ms; spread %.2f ms (target <= 2 ms)%s\n",
	    GUESS_SAMPLES, med[0], med[1], med[2], spread,
	    spread <= 2 ? "" : "  MISSED");
	bad |= spread > 2;

	/* The attack. */
	g = calloc(naddr, sizeof *g);
	p = calloc(naddr + 2, sizeof *p);
	cap = (long)(secs * 1000 / GUESS_LIST_MS) * 2 + 16;
	lat = calloc(cap, sizeof *lat);
	if (g == NULL || p == NULL || lat == NULL)
		bench_die("out of memory");
	for (i = 0; i < naddr; i++) {
		snprintf(src, sizeof src, "127.0.%d.%d", 10 + i / 250,
		    1 + i % 250);
		snprintf(line, sizeof line, "g%d", i);
		guess_login(&b, &g[i], src, line);
	}
	guess_login(&b, &by, "127.0.2.2", "bystander");
	guess_send(&by, ":join " ROOM "\r\n");
	guess_wait(&by);
	guess_login(&b, &re, "127.0.2.1", "re0");
	end = bench_now() + secs;
	next_list = bench_now();
	for (i = 0; i < naddr; i++) {
		snprintf(line, sizeof line, ":join vault guess%d\r\n", i);
		guess_send(&g[i], line);
	}
	guess_send(&re, ":join staff guess\r\n");
	while (bench_now() < end) {
		for (i = 0; i < naddr; i++)
			p[i] = (struct pollfd){ g[i].fd, POLLIN, 0 };
		p[naddr] = (struct pollfd){ by.fd, POLLIN, 0 };
		p[naddr + 1] = (struct pollfd){ re.fd, POLLIN, 0 };
		if (!by.busy && bench_now() >= next_list) {
			guess_send(&by, ":list\r\n");
			next_list += GUESS_LIST_MS / 1000.0;
		}
		poll(p, naddr + 2, by.busy ? 50 : GUESS_LIST_MS / 2);
		for (i = 0; i < naddr; i++) {
			if (!(p[i].revents & POLLIN) || !guess_read(&g[i]))
				continue;
			guess_tally(&g[i]);
			snprintf(line, sizeof line, ":join vault guess%ld\r\n",
			    g[i].checked + g[i].waits);
			guess_send(&g[i], line);
		}
		if ((p[naddr].revents & POLLIN) && guess_read(&by)) {
			/*
			 * The :list that were due while this one waited would
			 * have waited too: count them (no coordinated
			 * omission), each GUESS_LIST_MS less.
			 */
			by.busy = 0;
			for (ms = (bench_now() - by.t_sent) * 1000; ms > 0 &&
			    nlat < cap; ms -= GUESS_LIST_MS)
				lat[nlat++] = ms;
			next_list = bench_now();
		}
		if ((p[naddr + 1].revents & POLLIN) && guess_read(&re)) {
			guess_tally(&re);
			t = re;			/* keep the counts */
			/* A reset, not TIME_WAIT: the ports of one address. */
			setsockopt(re.fd, SOL_SOCKET, SO_LINGER,
			    &(struct linger){ 1, 0 }, sizeof (struct linger));
			close(re.fd);
			snprintf(line, sizeof line, "re%ld", ++reconnects);
			guess_login(&b, &re, "127.0.2.1", line);
			re.checked = t.checked;
			re.waits = t.waits;
			re.refused_busy = t.refused_busy;
			guess_send(&re, ":join staff guess\r\n");
		}
	}
	per_room = 0;
	for (i = 0; i < naddr; i++) {
		per_room += g[i].checked;
		sum_addr += g[i].checked;
		if (g[i].checked > max_addr)
			max_addr = g[i].checked;
		waits += g[i].waits;
		busy += g[i].refused_busy;
		close(g[i].fd);
	}
	per_room *= 60 / secs;
	printf("  room vault: %.0f guesses checked per minute (target < 200)"
	    "%s; %ld told to wait, %ld told the verifier was busy\n",
	    per_room, per_room < 200 ? "" : "  MISSED", waits, busy);
	bad |= per_room >= 200;
	printf("  per address at vault: at most %.0f, mean %.1f checked per "
	    "minute\n", max_addr * 60 / secs, sum_addr * 60 / secs / naddr);
	printf("  one address reconnecting at staff: %.0f checked per minute "
	    "over %ld connections (target < 30)%s\n",
	    re.checked * 60 / secs, reconnects + 1,
	    re.checked * 60 / secs < 30 ? "" : "  MISSED");
	bad |= re.checked * 60 / secs >= 30;
	qsort(lat, nlat, sizeof *lat, guess_cmp);
	p99 = nlat > 0 ? lat[(long)(nlat * 0.99)] : -1;
	printf("  bystander :list: %ld answers, p50 %.2f ms, p99 %.2f ms, max "
	    "%.2f ms (target p99 < 10 ms)%s\n", nlat,
	    nlat > 0 ? lat[nlat / 2] : -1, p99, nlat > 0 ? lat[nlat - 1] : -1,
	    p99 >= 0 && p99 < 10 ? "" : "  MISSED");
	bad |= !(p99 >= 0 && p99 < 10);
	close(by.fd);
	close(re.fd);
	stop_server(&b);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "chatsock-bench: could not remove %s\n", b.dir);
	free(g);
	free(p);
	free(lat);
	return (bad);
}

/* How to call it. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: chatsock-bench [--server chatsock|ngircd|both] [--users N]\n"
	    "         [--senders S] [--messages M] [--rate R] [--idle]\n"
	    "         [--window W] [--duration SEC] [--runs K] [--chatsockd PATH]\n"
	    "       chatsock-bench --table [--runs K]\n"
	    "       chatsock-bench --guess SEC [--guess-addrs N]\n"
	    "R is the aggregate rate in messages per second, 0 = flat out.\n"
	    "CHATSOCKD and NGIRCD in the environment name the binaries.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "users", required_argument, NULL, 'u' },
		{ "senders", required_argument, NULL, 'S' },
		{ "messages", required_argument, NULL, 'm' },
		{ "rate", required_argument, NULL, 'r' },
		{ "idle", no_argument, NULL, 'i' },
		{ "window", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "runs", required_argument, NULL, 'n' },
		{ "chatsockd", required_argument, NULL, 'c' },
		{ "table", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "guess", required_argument, NULL, 'g' },
		{ "guess-addrs", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, which = 3, users = 100, senders = 10, messages = 10000;
	int idle = 0, window = 256, runs = 1, table = 0, bad = 0, maxusers;
	double rate = 0, duration = 120, guess = 0;
	int guess_addrs = 250;
	struct rlimit rl;
	char label[64];

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (strcmp(optarg, "chatsock") == 0)
				which = 1;
			else if (strcmp(optarg, "ngircd") == 0)
				which = 2;
			else if (strcmp(optarg, "both") == 0)
				which = 3;
			else
				bench_die("--server: chatsock, ngircd or both");
			break;
		case 'u': users = atoi(optarg); break;
		case 'S': senders = atoi(optarg); break;
		case 'm': messages = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'i': idle = 1; break;
		case 'w': window = atoi(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'n': runs = atoi(optarg); break;
		case 'c': chatsockd_path = optarg; break;
		case 't': table = 1; break;
		case 'v': verbose = 1; break;
		case 'g': guess = atof(optarg); break;
		case 'G': guess_addrs = atoi(optarg); break;
		case 'h': usage(stdout); return (0);
		default: usage(stderr); return (2);
		}
	}
	if (guess > 0) {
		if (guess_addrs < 1 || guess_addrs > 2500)
			bench_die("--guess-addrs: 1 to 2500");
		if (chatsockd_path == NULL)
			chatsockd_path = getenv("CHATSOCKD");
		if (chatsockd_path == NULL)
			chatsockd_path = "./chatsockd";
		signal(SIGPIPE, SIG_IGN);
		bench_program("chatsock-bench");
		bench_raise_nofile();
		return (guess_scenario(guess, guess_addrs));
	}
	if (runs < 1 || runs > RUNS_MAX)
		bench_die("--runs: 1 to %d", RUNS_MAX);
	if (!idle && (senders < 1 || senders >= users || messages < 1))
		bench_die("need 1 <= senders < users and messages >= 1");
	if (window < 1)
		window = 1;
	if (chatsockd_path == NULL)
		chatsockd_path = getenv("CHATSOCKD");
	if (chatsockd_path == NULL)
		chatsockd_path = "./chatsockd";
	if ((which & 2) && access(getenv("NGIRCD") ? getenv("NGIRCD") :
	    "/usr/sbin/ngircd", X_OK) != 0) {
		fprintf(stderr, "chatsock-bench: no ngircd (apt-get install "
		    "ngircd); measuring chatsock alone\n");
		which &= 1;
	}
	if (which == 0)
		return (77);
	signal(SIGPIPE, SIG_IGN);
	bench_program("chatsock-bench");
	bench_pin(0);
	bench_raise_nofile();
	getrlimit(RLIMIT_NOFILE, &rl);
	maxusers = rl.rlim_cur == RLIM_INFINITY ? INT_MAX :
	    (int)rl.rlim_cur - 64;

	if (!table) {
		if (users > maxusers)
			bench_die("--users %d: descriptor limit allows %d", users,
			    maxusers);
		snprintf(label, sizeof label, idle ? "idle" : "chat");
		bad = compare(label, which, users, senders, messages, rate,
		    idle, window, duration, runs);
		return (bad);
	}
	printf("chatsock-bench: %d CPUs, server on CPU 1, load on CPU 0; "
	    "descriptor limit %ld\n\n", bench_ncpu, (long)rl.rlim_cur);
	bad |= compare("flat-out", which, 100, 10, 10000, 0, 0, window,
	    duration, runs);
	bad |= compare("paced", which, 1000, 10, 200, 100, 0, window,
	    duration, runs);
	bad |= compare("idle-10k", which, 10000, 0, 0, 0, 1, window,
	    duration, runs);
	users = 50000;
	if (users > maxusers) {
		printf("(50,000 users need 50,000 descriptors in the server; "
		    "the hard limit here is %ld: measuring %d)\n",
		    (long)rl.rlim_cur, maxusers / 1000 * 1000);
		users = maxusers / 1000 * 1000;
	}
	snprintf(label, sizeof label, "idle-%dk", users / 1000);
	bad |= compare(label, which, users, 0, 0, 0, 1, window, duration,
	    runs);
	return (bad);
}
