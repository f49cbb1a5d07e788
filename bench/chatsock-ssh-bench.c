/*
 * chatsock-ssh-bench: a one-process libevent + libssh load generator for
 * chatsockd's SSH listener. It starts chatsockd itself (free ports, SSH on,
 * flood control off), pins the server to CPU 1 and itself to CPU 0 when
 * there are two, and measures:
 *
 *  - handshakes: N users log in over SSH with a pty, P at a time
 *    (curve25519 + ed25519 host key + public-key auth + channel + pty +
 *    shell): handshakes per second, server CPU per handshake, and the RSS
 *    per idle SSH user once they are all in;
 *  - deliveries: U users in one room, S telnet senders at R messages per
 *    second in all; once every receiver is a telnet user, once every
 *    receiver is an SSH user without a pty: server CPU per delivery of
 *    each, and their ratio;
 *  - holding: H idle SSH users with a pty at once (set-up time, RSS).
 *
 * Every session is non-blocking and has its own ssh_event once its shell
 * runs (sharing one makes every write poll every session). The client keys
 * come from ssh_pki_generate; the server takes any key.
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
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench-util.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#define ROOM		"bench"
#define MARK		"~B "
#define CARRY_MAX	8192
#define READ_CHUNK	65536
#define LAT_BUCKETS	100000		/* 10 us buckets up to 1 s */
#define IDLE_SECONDS	3		/* watched for wake-ups */
#define LIT(s)		(s), sizeof (s) - 1

enum kind { K_TELNET, K_SSH };

enum state {
	ST_TCP,		/* TCP connect in progress */
	ST_KEX,		/* ssh_connect: banner, key exchange */
	ST_AUTH,	/* public-key authentication */
	ST_OPEN,	/* session channel */
	ST_PTY,		/* pty-req */
	ST_SHELL,	/* shell */
	ST_NAME,	/* telnet: waiting for the name prompt */
	ST_NAMED,	/* waiting for "You are connected as" */
	ST_JOIN,	/* waiting for "You joined" */
	ST_VIEW,	/* waiting for the view header */
	ST_READY,	/* set up */
};

struct conn {
	struct bench	*b;
	int		 idx;
	enum kind	 kind;
	int		 pty;
	int		 fd;
	enum state	 state;
	struct event	*ev;		/* readable, persistent */
	struct event	*wev;		/* writable, once */
	ssh_session	 s;
	ssh_channel	 ch;
	ssh_event	 sev;
	struct ssh_channel_callbacks_struct ccb;
	char		*pending;	/* channel data not parsed yet */
	size_t		 pending_len;
	char		*carry;		/* a partial line */
	size_t		 carry_len;
	char		*out;		/* telnet: unsent bytes */
	size_t		 out_len;
	uint32_t	*next;		/* per sender: next sequence */
	uint32_t	 sent;
	int		 in_parse;
};

struct result {
	int		 ok;
	int		 users;
	double		 setup_s;
	double		 setup_cpu_s;	/* server */
	double		 load_cpu_s;	/* this process */
	long		 rss_empty_kb, rss_kb;
	double		 rss_per_user;	/* bytes */
	uint64_t	 deliveries, expected;
	double		 chat_s, cpu_s, cpu_us_per_delivery;
	double		 p50_ms, p99_ms;
	double		 packets_per_delivery;	/* SSH data packets received */
	double		 load_busy;	/* load generator CPU / chat time */
	long		 idle_wakeups;	/* server, in IDLE_SECONDS */
	char		 cipher[64];
};

struct bench {
	struct event_base *base;
	struct sockaddr_in telnet_addr, ssh_addr;
	pid_t		 pid;
	char		 dir[64];
	int		 users, ssh_from, pty, parallel, idle;
	int		 senders;
	double		 rate, seconds;
	struct conn	*conns;
	int		 next_connect, setting_up, ready;
	int		 chatting;
	double		 t_start, t_ready, t_chat, t_last_progress;
	uint64_t	 sent_total, deliveries, expected;
	uint64_t	 packets;	/* SSH channel data received */
	uint64_t	*lat;
	struct event	*tick;
	int		 failed, done;
	char		 why[256];
	char		 cipher[64];
};

static const char *chatsockd_path;
static ssh_key client_key;
static int verbose;

static uint64_t	now_us(void);
static void	fail(struct bench *b, const char *fmt, ...);
static void	start_server(struct bench *b);
static void	stop_server(struct bench *b);
static double	self_cpu(void);
static long	proc_wakeups(pid_t pid);
static void	conn_start(struct bench *b, struct conn *c);
static void	conn_cb(evutil_socket_t fd, short what, void *arg);
static void	conn_step(struct conn *c);
static int	conn_data_cb(ssh_session s, ssh_channel ch, void *data,
		    uint32_t len, int is_stderr, void *arg);
static void	conn_send(struct conn *c, const char *buf, size_t len);
static void	conn_parse(struct conn *c);
static void	conn_input(struct conn *c, const char *buf, size_t len);
static void	conn_line(struct conn *c, const char *line, size_t len);
static void	conn_ready(struct conn *c);
static void	conn_free(struct conn *c);
static void	setup_more(struct bench *b);
static void	tick_cb(evutil_socket_t fd, short what, void *arg);
static void	run(struct bench *b, struct result *r);

/* Microseconds since the first call, for the stamps in messages. */
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

/*
 * chatsockd on CPU 1 with SSH on, both ports chosen by the kernel (the port
 * file's two lines), flood control and limits out of the way.
 */
static void
start_server(struct bench *b)
{
	char conf[128], portfile[128], log[128], text[1536], buf[32];
	char *argv[] = { (char *)chatsockd_path, "-c", conf, NULL };
	double deadline;
	FILE *f;
	int fd, status, line;

	snprintf(conf, sizeof conf, "%s/chatsock.json", b->dir);
	snprintf(portfile, sizeof portfile, "%s/port", b->dir);
	snprintf(log, sizeof log, "%s/server.log", b->dir);
	snprintf(text, sizeof text,
	    "{\n"
	    "  \"host\": \"127.0.0.1\",\n"
	    "  \"port\": 0,\n"
	    "  \"ssh\": { \"host\": \"127.0.0.1\", \"port\": 0,\n"
	    "    \"hostKey\": \"%s/ssh_host_ed25519_key\" },\n"
	    "  \"sshMaxStartups\": 100000,\n"
	    "  \"sshLoginGrace\": 3600,\n"
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
	    "  \"shutdownGrace\": 0,\n"
	    "  \"keepalive\": 0\n"
	    "}\n", b->dir, b->dir);
	if ((f = fopen(conf, "w")) == NULL)
		bench_die("%s: %s", conf, strerror(errno));
	fputs(text, f);
	fclose(f);

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
		setenv("CHATSOCK_PORT_FILE", portfile, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	deadline = bench_now() + 10;
	while (bench_now() < deadline) {
		if (waitpid(b->pid, &status, WNOHANG) == b->pid)
			bench_die("chatsockd exited at start; see %s", log);
		if ((f = fopen(portfile, "r")) != NULL) {
			for (line = 0; fgets(buf, sizeof buf, f) != NULL;
			    line++) {
				if (line == 0)
					b->telnet_addr.sin_port =
					    htons(atoi(buf));
				else
					b->ssh_addr.sin_port = htons(atoi(buf));
			}
			fclose(f);
			if (b->ssh_addr.sin_port != 0)
				return;
		}
		usleep(20000);
	}
	bench_die("chatsockd wrote no SSH port within 10 s; see %s", log);
}

/* Stop the server and reap it. */
static void
stop_server(struct bench *b)
{
	double deadline = bench_now() + 10;
	int status;

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

/* This process's CPU seconds (the load generator's). */
static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

/*
 * Times pid went to sleep and was woken (voluntary context switches): an
 * idle daemon whose sessions do not wake it stays at the same count.
 */
static long
proc_wakeups(pid_t pid)
{
	char path[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "voluntary_ctxt_switches:", 24) == 0)
			n = strtol(line + 24, NULL, 10);
	}
	fclose(f);
	return (n);
}

/*
 * Connect from 127.0.0.(2 + idx / 4000) so ports never run short; the TCP
 * connect is ours, the socket goes to libssh once it is up.
 */
static void
conn_start(struct bench *b, struct conn *c)
{
	struct sockaddr_in src;
	struct sockaddr_in *dst;
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
	dst = c->kind == K_SSH ? &b->ssh_addr : &b->telnet_addr;
	if (connect(c->fd, (struct sockaddr *)dst, sizeof *dst) != 0 &&
	    errno != EINPROGRESS) {
		fail(b, "connect: %s (user %d)", strerror(errno), c->idx);
		return;
	}
	c->state = c->kind == K_SSH ? ST_TCP : ST_NAME;
	c->ev = event_new(b->base, c->fd, EV_READ | EV_PERSIST, conn_cb, c);
	c->wev = event_new(b->base, c->fd, EV_WRITE, conn_cb, c);
	event_add(c->ev, NULL);
	if (c->kind == K_SSH)
		event_add(c->wev, NULL);
	b->setting_up++;
}

/* Start connections until b->parallel are in progress. */
static void
setup_more(struct bench *b)
{
	while (b->setting_up < b->parallel && b->next_connect < b->users &&
	    !b->failed)
		conn_start(b, &b->conns[b->next_connect++]);
}

/* The TCP connection is up: a libssh session on it. */
static int
conn_ssh_new(struct conn *c)
{
	struct bench *b = c->b;
	char user[32];
	int verbosity = SSH_LOG_NOLOG, no = 0, err = 0;
	socklen_t len = sizeof err;
	socket_t fd = c->fd;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
	    err != 0) {
		fail(b, "connect: %s (user %d)", strerror(err), c->idx);
		return (-1);
	}
	snprintf(user, sizeof user, "s%05d", c->idx);
	if ((c->s = ssh_new()) == NULL)
		bench_die("ssh_new failed");
	if (ssh_options_set(c->s, SSH_OPTIONS_PROCESS_CONFIG, &no) != 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_LOG_VERBOSITY,
	    &verbosity) != 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_HOST, "127.0.0.1") != 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_USER, user) != 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_KEY_EXCHANGE,
	    "curve25519-sha256") != 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_HOSTKEYS, "ssh-ed25519") != 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_FD, &fd) != 0)
		bench_die("ssh_options_set: %s", ssh_get_error(c->s));
	ssh_set_blocking(c->s, 0);
	c->state = ST_KEX;
	return (0);
}

/* Readable, or writable once: go on with whatever this user is doing. */
static void
conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char buf[READ_CHUNK];
	ssize_t n;

	(void)what;
	if (c->b->failed)
		return;
	if (c->kind == K_TELNET) {
		if ((what & EV_WRITE) && c->out_len > 0) {
			n = write(fd, c->out, c->out_len);
			if (n > 0) {
				memmove(c->out, c->out + n, c->out_len - n);
				c->out_len -= n;
			}
			if (c->out_len > 0)
				event_add(c->wev, NULL);
		}
		if (!(what & EV_READ))
			return;
		n = read(fd, buf, sizeof buf);
		if (n == 0) {
			fail(c->b, "chatsockd closed telnet user %d", c->idx);
			return;
		}
		if (n < 0)
			return;
		conn_input(c, buf, n);
		return;
	}
	if (c->state == ST_TCP && conn_ssh_new(c) != 0)
		return;
	conn_step(c);
}

/* Advance an SSH user as far as libssh goes without waiting. */
static void
conn_step(struct conn *c)
{
	struct bench *b = c->b;
	int rc;

	for (;;) {
		switch (c->state) {
		case ST_KEX:
			rc = ssh_connect(c->s);
			if (rc == SSH_AGAIN)
				goto wait;
			if (rc != SSH_OK)
				goto error;
			c->state = ST_AUTH;
			break;
		case ST_AUTH:
			rc = ssh_userauth_publickey(c->s, NULL, client_key);
			if (rc == SSH_AUTH_AGAIN)
				goto wait;
			if (rc != SSH_AUTH_SUCCESS)
				goto error;
			if (b->cipher[0] == '\0')
				snprintf(b->cipher, sizeof b->cipher, "%s",
				    ssh_get_cipher_out(c->s));
			c->state = ST_OPEN;
			break;
		case ST_OPEN:
			if (c->ch == NULL) {
				c->ch = ssh_channel_new(c->s);
				ssh_callbacks_init(&c->ccb);
				c->ccb.userdata = c;
				c->ccb.channel_data_function = conn_data_cb;
				ssh_set_channel_callbacks(c->ch, &c->ccb);
			}
			rc = ssh_channel_open_session(c->ch);
			if (rc == SSH_AGAIN)
				goto wait;
			if (rc != SSH_OK)
				goto error;
			c->state = c->pty ? ST_PTY : ST_SHELL;
			break;
		case ST_PTY:
			rc = ssh_channel_request_pty_size(c->ch, "xterm", 80,
			    24);
			if (rc == SSH_AGAIN)
				goto wait;
			if (rc != SSH_OK)
				goto error;
			c->state = ST_SHELL;
			break;
		case ST_SHELL:
			rc = ssh_channel_request_shell(c->ch);
			if (rc == SSH_AGAIN)
				goto wait;
			if (rc != SSH_OK)
				goto error;
			c->sev = ssh_event_new();
			ssh_event_add_session(c->sev, c->s);
			c->state = ST_NAMED;
			conn_parse(c);
			goto wait;
		default:
			ssh_event_dopoll(c->sev, 0);
			conn_parse(c);
			if (ssh_get_status(c->s) & (SSH_CLOSED |
			    SSH_CLOSED_ERROR)) {
				fail(b, "chatsockd closed SSH user %d "
				    "(state %d)", c->idx, c->state);
				return;
			}
			goto wait;
		}
	}
wait:
	if (ssh_get_status(c->s) & SSH_WRITE_PENDING)
		event_add(c->wev, NULL);
	return;
error:
	fail(b, "SSH user %d, state %d: %s", c->idx, c->state,
	    ssh_get_error(c->s));
}

/* Channel data: kept until libssh returns. */
static int
conn_data_cb(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct conn *c = arg;

	(void)s;
	(void)ch;
	(void)is_stderr;
	c->b->packets++;
	c->pending = realloc(c->pending, c->pending_len + len);
	if (c->pending == NULL)
		bench_die("out of memory");
	memcpy(c->pending + c->pending_len, data, len);
	c->pending_len += len;
	return ((int)len);
}

/* Parse the channel data kept, including what a write brought in. */
static void
conn_parse(struct conn *c)
{
	char *buf;
	size_t len;

	if (c->in_parse)
		return;
	c->in_parse = 1;
	while (c->pending_len > 0) {
		buf = c->pending;
		len = c->pending_len;
		c->pending = NULL;
		c->pending_len = 0;
		conn_input(c, buf, len);
		free(buf);
	}
	c->in_parse = 0;
}

/* Send bytes as this user. */
static void
conn_send(struct conn *c, const char *buf, size_t len)
{
	ssize_t n = 0;

	if (c->kind == K_SSH) {
		if (ssh_channel_write(c->ch, buf, len) != (int)len)
			fail(c->b, "SSH write failed (user %d)", c->idx);
		if (ssh_get_status(c->s) & SSH_WRITE_PENDING)
			event_add(c->wev, NULL);
		conn_parse(c);
		return;
	}
	if (c->out_len == 0) {
		n = write(c->fd, buf, len);
		if (n < 0)
			n = 0;
		if ((size_t)n == len)
			return;
	}
	c->out = realloc(c->out, c->out_len + len - n);
	memcpy(c->out + c->out_len, buf + n, len - n);
	c->out_len += len - n;
	event_add(c->wev, NULL);
}

/* Split input into lines; answer the name prompt, which has no newline. */
static void
conn_input(struct conn *c, const char *buf, size_t len)
{
	char tmp[CARRY_MAX + READ_CHUNK];
	const char *p, *end, *nl;
	char name[32];
	size_t rest;
	int n;

	if (c->carry_len + len > sizeof tmp)
		len = sizeof tmp - c->carry_len;
	memcpy(tmp, c->carry, c->carry_len);
	memcpy(tmp + c->carry_len, buf, len);
	p = tmp;
	end = tmp + c->carry_len + len;
	while (p < end && (nl = memchr(p, '\n', end - p)) != NULL) {
		conn_line(c, p, nl - p);
		p = nl + 1;
	}
	rest = end - p;
	if (c->state == ST_NAME && memmem(p, rest, "username: ", 10) != NULL) {
		n = snprintf(name, sizeof name, "t%05d\n", c->idx);
		c->state = ST_NAMED;
		conn_send(c, name, n);
		rest = 0;
	}
	if (rest > CARRY_MAX)
		rest = 0;
	if (rest > 0 && c->carry == NULL && (c->carry = malloc(CARRY_MAX)) ==
	    NULL)
		bench_die("out of memory");
	if (rest > 0)
		memmove(c->carry, p, rest);
	c->carry_len = rest;
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

/* One line from the server, by state. */
static void
conn_line(struct conn *c, const char *line, size_t len)
{
	struct bench *b = c->b;
	const char *m, *end = line + len;
	uint64_t s, q, ts, t;

	switch (c->state) {
	case ST_READY:
		if ((m = memmem(line, len, MARK, sizeof MARK - 1)) == NULL)
			return;
		m += sizeof MARK - 1;
		s = parse_num(&m, end);
		q = parse_num(&m, end);
		ts = parse_num(&m, end);
		if (s >= (uint64_t)b->senders || (int)s == c->idx)
			return;		/* own echo: not a delivery */
		c->next[s] = q + 1;
		b->deliveries++;
		b->t_last_progress = bench_now();
		t = now_us();
		t = t > ts ? (t - ts) / 10 : 0;
		b->lat[t < LAT_BUCKETS ? t : LAT_BUCKETS - 1]++;
		if (b->deliveries == b->expected) {
			b->done = 1;
			event_base_loopbreak(b->base);
		}
		return;
	case ST_NAMED:
		if (memmem(line, len, "You are connected as", 20) == NULL)
			return;
		if (b->idle) {
			conn_ready(c);
			return;
		}
		c->state = ST_JOIN;
		conn_send(c, LIT(":join " ROOM "\n"));
		return;
	case ST_JOIN:
		if (memmem(line, len, "You joined", 10) != NULL) {
			c->state = ST_VIEW;
			conn_send(c, LIT(":chat\n"));
		} else if (memmem(line, len, "Cannot", 6) != NULL)
			fail(b, "refused the join: %.*s", (int)len, line);
		return;
	case ST_VIEW:
		if (memmem(line, len, LIT("--- " ROOM ":")) != NULL)
			conn_ready(c);
		return;
	default:
		if (memmem(line, len, "taken", 5) != NULL ||
		    memmem(line, len, "full", 4) != NULL)
			fail(b, "user %d refused: %.*s", c->idx, (int)len,
			    line);
		return;
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
	if (b->ready == b->users) {
		b->t_ready = bench_now();
		event_base_loopbreak(b->base);
		return;
	}
	setup_more(b);
}

/* Close one user's connection and free what it holds. */
static void
conn_free(struct conn *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->sev != NULL) {
		ssh_event_remove_session(c->sev, c->s);
		ssh_event_free(c->sev);
	}
	if (c->ch != NULL)
		ssh_channel_free(c->ch);
	if (c->s != NULL) {
		ssh_disconnect(c->s);
		ssh_free(c->s);
	} else if (c->fd >= 0)
		close(c->fd);
	free(c->pending);
	free(c->carry);
	free(c->out);
	free(c->next);
}

/* Paced sending by the telnet senders; the end of the chat phase. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	double t = bench_now();
	uint64_t due, total = (uint64_t)(b->rate * b->seconds);
	struct conn *c;
	char buf[128];
	int n;

	(void)fd;
	(void)what;
	due = (uint64_t)((t - b->t_chat) * b->rate) + 1;
	if (due > total)
		due = total;
	while (b->sent_total < due) {
		c = &b->conns[b->sent_total % b->senders];
		n = snprintf(buf, sizeof buf, MARK "%d %u %" PRIu64 "\n",
		    c->idx, c->sent++, now_us());
		b->sent_total++;
		conn_send(c, buf, n);
	}
	if (b->sent_total == total && t - b->t_last_progress > 5) {
		b->done = 1;
		event_base_loopbreak(b->base);
	}
}

/* The delay below which pct percent of deliveries arrived, in ms. */
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
	for (i = 0; i < LAT_BUCKETS - 1; i++) {
		seen += b->lat[i];
		if (seen >= want)
			break;
	}
	return (i / 100.0);
}

/* Run the loop until nothing arrived for quiet seconds (at most cap). */
static void
settle(struct bench *b, double quiet, double cap)
{
	struct timeval tv = { 0, 50000 };
	double start = bench_now();
	uint64_t seen;

	do {
		seen = b->deliveries + (uint64_t)b->ready;
		event_base_loopexit(b->base, &tv);
		event_base_dispatch(b->base);
	} while (bench_now() - start < cap && !b->failed &&
	    (seen != b->deliveries + (uint64_t)b->ready ||
	    bench_now() - start < quiet));
}

/* Set everyone up, measure, chat if there are senders; then close all. */
static void
run(struct bench *b, struct result *r)
{
	struct timeval cap = { 1, 0 }, tick = { 0, 1000 };
	double cpu0, cpu1, load0;
	int i;

	memset(r, 0, sizeof *r);
	r->users = b->users;
	r->rss_empty_kb = bench_proc_rss(b->pid);
	cpu0 = bench_cpu(b->pid);
	load0 = self_cpu();
	b->conns = calloc(b->users, sizeof *b->conns);
	b->lat = calloc(LAT_BUCKETS, sizeof *b->lat);
	if (b->conns == NULL || b->lat == NULL)
		bench_die("out of memory");
	for (i = 0; i < b->users; i++) {
		b->conns[i].b = b;
		b->conns[i].idx = i;
		b->conns[i].fd = -1;
		b->conns[i].kind = i >= b->ssh_from ? K_SSH : K_TELNET;
		b->conns[i].pty = b->pty;
		if (!b->idle && (b->conns[i].next = calloc(b->senders,
		    sizeof (uint32_t))) == NULL)
			bench_die("out of memory");
	}

	b->t_start = bench_now();
	setup_more(b);
	while (b->ready < b->users && !b->failed) {
		event_base_loopexit(b->base, &cap);
		event_base_dispatch(b->base);
		if (bench_now() - b->t_start > 900)
			fail(b, "set-up took over 900 s (%d ready)", b->ready);
	}
	if (b->failed)
		goto out;
	r->setup_s = b->t_ready - b->t_start;
	r->setup_cpu_s = bench_cpu(b->pid) - cpu0;
	r->load_cpu_s = self_cpu() - load0;
	settle(b, 1, 30);
	r->rss_kb = bench_proc_rss(b->pid);
	r->rss_per_user = (r->rss_kb - r->rss_empty_kb) * 1024.0 / b->users;
	snprintf(r->cipher, sizeof r->cipher, "%s", b->cipher);
	if (b->idle) {
		/* Nobody speaks: the daemon should not wake up at all. */
		r->idle_wakeups = proc_wakeups(b->pid);
		sleep(IDLE_SECONDS);
		r->idle_wakeups = proc_wakeups(b->pid) - r->idle_wakeups;
		r->ok = 1;
		goto out;
	}

	b->expected = (uint64_t)(b->rate * b->seconds) * (b->users - 1);
	cpu0 = bench_cpu(b->pid);
	load0 = self_cpu();
	b->packets = 0;
	b->t_chat = b->t_last_progress = bench_now();
	b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b);
	event_add(b->tick, &tick);
	while (!b->done && !b->failed)
		event_base_dispatch(b->base);
	cpu1 = bench_cpu(b->pid);
	event_free(b->tick);
	r->chat_s = b->t_last_progress - b->t_chat;
	r->load_busy = r->chat_s > 0 ? (self_cpu() - load0) /
	    (bench_now() - b->t_chat) : 0;
	r->cpu_s = cpu1 - cpu0;
	r->deliveries = b->deliveries;
	r->expected = b->expected;
	r->cpu_us_per_delivery = b->deliveries ?
	    r->cpu_s * 1e6 / b->deliveries : 0;
	r->p50_ms = lat_pct(b, 50);
	r->p99_ms = lat_pct(b, 99);
	r->packets_per_delivery = b->deliveries ?
	    (double)b->packets / b->deliveries : 0;
	r->ok = !b->failed && b->deliveries == b->expected;
	if (!b->failed && b->deliveries != b->expected)
		snprintf(b->why, sizeof b->why, "%" PRIu64 " of %" PRIu64
		    " deliveries lost", b->expected - b->deliveries,
		    b->expected);
out:
	for (i = 0; i < b->users; i++)
		conn_free(&b->conns[i]);
	free(b->conns);
	free(b->lat);
}

/*
 * One scenario against a fresh daemon: users in all, those from ssh_from on
 * over SSH (with a pty if pty), idle or chatting.
 */
static int
scenario(int users, int ssh_from, int pty, int parallel, int senders,
    double rate, double seconds, struct result *r)
{
	struct bench b;
	char cmd[128];

	memset(&b, 0, sizeof b);
	b.users = users;
	b.ssh_from = ssh_from;
	b.pty = pty;
	b.parallel = parallel;
	b.senders = senders;
	b.idle = senders == 0;
	b.rate = rate;
	b.seconds = seconds;
	b.telnet_addr.sin_family = b.ssh_addr.sin_family = AF_INET;
	b.telnet_addr.sin_addr.s_addr = b.ssh_addr.sin_addr.s_addr =
	    htonl(INADDR_LOOPBACK);
	snprintf(b.dir, sizeof b.dir, "/tmp/chatsock-ssh-bench.XXXXXX");
	if (mkdtemp(b.dir) == NULL)
		bench_die("mkdtemp: %s", strerror(errno));
	b.base = event_base_new();
	start_server(&b);
	usleep(200000);
	run(&b, r);
	if (!r->ok)
		fprintf(stderr, "chatsock-ssh-bench: run failed: %s (server "
		    "log in %s)\n", b.failed ? b.why : b.why[0] ? b.why :
		    "?", b.dir);
	stop_server(&b);
	event_base_free(b.base);
	if (r->ok) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "chatsock-ssh-bench: cannot remove "
			    "%s\n", b.dir);
	}
	return (r->ok ? 0 : 1);
}

/* The machine: CPU model and count, load average, libssh. */
static void
print_machine(void)
{
	char line[256], model[128] = "?", load[64] = "?";
	FILE *f;

	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (strncmp(line, "model name", 10) == 0 &&
			    strchr(line, ':') != NULL) {
				snprintf(model, sizeof model, "%s",
				    strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		}
		fclose(f);
	}
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(load, sizeof load, f) != NULL)
			load[strcspn(load, "\n")] = '\0';
		fclose(f);
	}
	printf("chatsock-ssh-bench: %d CPUs (%s), server on CPU 1, load on "
	    "CPU 0; libssh %s; load average %s\n", bench_ncpu, model,
	    ssh_version(0), load);
}

/* Whether a figure meets its target, for the table. */
static const char *
verdict(int ok)
{
	return (ok ? "met" : "NOT MET");
}

/* How to call it. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: chatsock-ssh-bench [--handshakes N] [--parallel P]\n"
	    "         [--users U] [--senders S] [--rate R] [--seconds T]\n"
	    "         [--hold H] [--only handshake|deliver|hold]\n"
	    "         [--chatsockd PATH] [--verbose]\n"
	    "Defaults: 1000 handshakes 16 at a time, 1000 users with 10 "
	    "senders\nat 100 msg/s for 10 s, 5000 users held. CHATSOCKD names "
	    "the daemon.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "handshakes", required_argument, NULL, 'n' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "users", required_argument, NULL, 'u' },
		{ "senders", required_argument, NULL, 'S' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 'T' },
		{ "hold", required_argument, NULL, 'H' },
		{ "only", required_argument, NULL, 'o' },
		{ "chatsockd", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct result hs, tel, ssh, hold;
	struct rlimit rl;
	int ch, handshakes = 1000, parallel = 16, users = 1000, senders = 10;
	int holdn = 5000, bad = 0, maxusers;
	double rate = 100, seconds = 10, ratio;
	const char *only = NULL;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': handshakes = atoi(optarg); break;
		case 'p': parallel = atoi(optarg); break;
		case 'u': users = atoi(optarg); break;
		case 'S': senders = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'T': seconds = atof(optarg); break;
		case 'H': holdn = atoi(optarg); break;
		case 'o': only = optarg; break;
		case 'c': chatsockd_path = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return (0);
		default: usage(stderr); return (2);
		}
	}
	if (handshakes < 1 || parallel < 1 || holdn < 1 || senders < 1 ||
	    senders >= users || rate <= 0 || seconds <= 0)
		bench_die("need handshakes, parallel, hold >= 1, 1 <= senders < "
		    "users, rate and seconds > 0");
	if (only != NULL && strcmp(only, "handshake") != 0 &&
	    strcmp(only, "deliver") != 0 && strcmp(only, "hold") != 0)
		bench_die("--only: handshake, deliver or hold");
	if (chatsockd_path == NULL)
		chatsockd_path = getenv("CHATSOCKD");
	if (chatsockd_path == NULL)
		chatsockd_path = "./chatsockd";
	signal(SIGPIPE, SIG_IGN);
	bench_program("chatsock-ssh-bench");
	bench_pin(0);
	bench_raise_nofile();
	getrlimit(RLIMIT_NOFILE, &rl);
	maxusers = rl.rlim_cur == RLIM_INFINITY ? INT_MAX :
	    (int)rl.rlim_cur - 64;
	if (holdn > maxusers || users > maxusers || handshakes > maxusers)
		bench_die("the descriptor limit (%ld) allows %d users",
		    (long)rl.rlim_cur, maxusers);
	ssh_init();
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &client_key) != SSH_OK)
		bench_die("ssh_pki_generate failed");
	print_machine();
	printf("\n");
	fflush(stdout);

	if (only == NULL || strcmp(only, "handshake") == 0) {
		printf("handshakes: %d SSH users with a pty, %d at a time "
		    "(curve25519, ed25519, public key, channel, pty, shell)\n",
		    handshakes, parallel);
		fflush(stdout);
		bad |= scenario(handshakes, 0, 1, parallel, 0, 0, 0, &hs);
		if (hs.ok) {
			printf("  %.0f handshakes/s, set-up %.2f s, cipher %s\n"
			    "  server CPU %.3f ms per handshake (target <= 2 "
			    "ms: %s); load generator CPU %.3f ms each\n"
			    "  RSS %ld KiB (empty %ld KiB): %.1f KiB per idle "
			    "SSH user (target <= 40 KiB: %s)\n"
			    "  server wake-ups in %d s with all of them idle: "
			    "%ld\n\n",
			    handshakes / hs.setup_s, hs.setup_s, hs.cipher,
			    hs.setup_cpu_s * 1e3 / handshakes,
			    verdict(hs.setup_cpu_s * 1e3 / handshakes <= 2),
			    hs.load_cpu_s * 1e3 / handshakes, hs.rss_kb,
			    hs.rss_empty_kb, hs.rss_per_user / 1024,
			    verdict(hs.rss_per_user / 1024 <= 40),
			    IDLE_SECONDS, hs.idle_wakeups);
			bad |= hs.setup_cpu_s * 1e3 / handshakes > 2 ||
			    hs.rss_per_user / 1024 > 40;
		}
		fflush(stdout);
	}
	if (only == NULL || strcmp(only, "deliver") == 0) {
		printf("deliveries: %d users in one room, %d telnet senders "
		    "at %g msg/s in all for %g s\n", users, senders, rate,
		    seconds);
		fflush(stdout);
		bad |= scenario(users, users, 0, 32, senders, rate, seconds,
		    &tel);
		if (tel.ok)
			printf("  telnet receivers:         %.3f us server CPU "
			    "per delivery, p50 %.2f p99 %.2f ms, %" PRIu64
			    " deliveries; load generator %.0f%% busy\n",
			    tel.cpu_us_per_delivery, tel.p50_ms, tel.p99_ms,
			    tel.deliveries, tel.load_busy * 100);
		fflush(stdout);
		bad |= scenario(users, senders, 0, 32, senders, rate, seconds,
		    &ssh);
		if (ssh.ok)
			printf("  SSH receivers (no pty):   %.3f us server CPU "
			    "per delivery, p50 %.2f p99 %.2f ms, %" PRIu64
			    " deliveries; load generator %.0f%% busy\n"
			    "  (%.2f SSH data packets per delivery: below 1, "
			    "lines waited and went out together)\n",
			    ssh.cpu_us_per_delivery, ssh.p50_ms, ssh.p99_ms,
			    ssh.deliveries, ssh.load_busy * 100,
			    ssh.packets_per_delivery);
		if (tel.ok && ssh.ok && tel.cpu_us_per_delivery > 0) {
			ratio = ssh.cpu_us_per_delivery /
			    tel.cpu_us_per_delivery;
			printf("  SSH / telnet CPU per delivery: %.2f (target "
			    "<= 1.5: %s)\n", ratio, verdict(ratio <= 1.5));
			bad |= ratio > 1.5;
		}
		printf("\n");
		fflush(stdout);
	}
	if (only == NULL || strcmp(only, "hold") == 0) {
		printf("holding: %d SSH users with a pty at once, %d at a "
		    "time\n", holdn, parallel);
		fflush(stdout);
		bad |= scenario(holdn, 0, 1, parallel, 0, 0, 0, &hold);
		if (hold.ok)
			printf("  %d held (target 5000: %s): set-up %.1f s "
			    "(%.0f handshakes/s), server CPU %.3f ms per "
			    "handshake\n  RSS %ld KiB (empty %ld KiB): %.1f "
			    "KiB per SSH user; %ld wake-ups in %d s idle\n",
			    holdn,
			    verdict(holdn >= 5000), hold.setup_s,
			    holdn / hold.setup_s,
			    hold.setup_cpu_s * 1e3 / holdn, hold.rss_kb,
			    hold.rss_empty_kb, hold.rss_per_user / 1024,
			    hold.idle_wakeups, IDLE_SECONDS);
		fflush(stdout);
	}
	ssh_key_free(client_key);
	ssh_finalize();
	return (bad);
}
