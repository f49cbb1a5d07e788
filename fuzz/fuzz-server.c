/*
 * The in-process server the socket-level fuzzers drive: started once from a
 * config in a private temp dir, then fed through socketpairs given to
 * tcp_accept() as if accepted, with event_base_loop(EVLOOP_NONBLOCK) pumped
 * a bounded number of times. Our ends are read and discarded so the daemon
 * sees a reader; hanging up must always end in the client being freed.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"
#include "config.h"
#include "fuzz-server.h"
#include "server.h"
#include "tcp.h"

static void	fuzz_server_exit(void);
static void	fuzz_drain(struct fuzz_conn *fc);

static char	fuzz_dir[256];
static char	fuzz_config[300];

/* rooms: public, limited to two, and private with a password. */
static const char fuzz_config_text[] =
    "{\n"
    "  \"host\": \"127.0.0.1\", \"port\": 0,\n"
    "  \"adminSocket\": \"%s/admin.sock\",\n"
    "  \"connectionTimeout\": false, \"floodRate\": 0,\n"
    "  \"shutdownGrace\": 0, \"usernameLimit\": 10, \"messageLimit\": 150,\n"
    "  \"chatviewMax\": 20, \"nameTimeout\": 60,\n"
    "  \"welcomeMessage\": \"Welcome\\nto the fuzzer\",\n"
    "  \"rooms\": {\n"
    "    \"general\": { \"public\": true, \"description\": \"General\" },\n"
    "    \"random\": { \"public\": true, \"limit\": 2 },\n"
    "    \"staff\": { \"public\": false, \"password\": \"letmein\" }\n"
    "  }\n"
    "}\n";

/* Start the server, quietly unless FUZZ_VERBOSE is set. */
void
fuzz_server_init(void)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	struct config *cfg;
	char *cause = NULL;
	FILE *f;

	signal(SIGPIPE, SIG_IGN);
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/chatsock-fuzz.XXXXXX", tmp);
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_config, sizeof fuzz_config, "%s/chatsock.json",
	    fuzz_dir);
	if ((f = fopen(fuzz_config, "w")) == NULL)
		abort();
	fprintf(f, fuzz_config_text, fuzz_dir);
	if (fclose(f) != 0)
		abort();
	if ((cfg = config_load(fuzz_config, &cause)) == NULL) {
		fprintf(stderr, "fuzz: %s\n", cause);
		abort();
	}
	/*
	 * The daemon logs every connection to stderr; point the stdio stream
	 * log.c uses at /dev/null. libFuzzer and the sanitizers keep their
	 * own handle on descriptor 2.
	 */
	if (getenv("FUZZ_VERBOSE") == NULL &&
	    (f = fopen("/dev/null", "w")) != NULL)
		stderr = f;
	if (server_init(cfg, &cause) != 0) {
		fprintf(stdout, "fuzz: server_init: %s\n", cause);
		abort();
	}
	atexit(fuzz_server_exit);
}

/* Free the server and remove the temp dir. */
static void
fuzz_server_exit(void)
{
	char path[320];

	server_free();
	snprintf(path, sizeof path, "%s/admin.sock", fuzz_dir);
	unlink(path);
	unlink(fuzz_config);
	rmdir(fuzz_dir);
}

/* A socketpair; the daemon's end goes to tcp_accept(). */
void
fuzz_connect(struct fuzz_conn *fc)
{
	struct sockaddr_in sin;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) != 0)
		abort();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000 + sv[0] % 1000);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fc->fd = sv[1];
	fc->peer = sv[0];
	tcp_accept(sv[0], (struct sockaddr *)&sin, sizeof sin);
}

/* Our connection's client: matched by the daemon's descriptor. */
struct client *
fuzz_client(const struct fuzz_conn *fc)
{
	struct client *c;

	if (fc->fd == -1)
		return (NULL);
	TAILQ_FOREACH(c, &server.clients, entry) {
		if (tcp_fd(c) == fc->peer)
			return (c);
	}
	return (NULL);
}

/* Read and drop whatever the daemon sent. */
static void
fuzz_drain(struct fuzz_conn *fc)
{
	char buf[16384];

	if (fc->fd == -1)
		return;
	while (read(fc->fd, buf, sizeof buf) > 0)
		;
}

/* Write all of buf, letting the daemon read when the socket is full. */
void
fuzz_send(struct fuzz_conn *fc, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;
	int tries = 0;

	while (len > 0 && fc->fd != -1) {
		if ((n = write(fc->fd, p, len)) > 0) {
			p += n;
			len -= n;
			continue;
		}
		if (n == -1 && errno != EAGAIN)
			return;		/* the daemon closed it */
		if (++tries > 100)
			return;		/* the daemon stopped reading */
		fuzz_pump(fc, 1, 1);
	}
}

/* Bounded loop passes; each also drains what every connection received. */
void
fuzz_pump(struct fuzz_conn *fcs, size_t n, int rounds)
{
	size_t i;

	while (rounds-- > 0) {
		event_base_loop(server.base, EVLOOP_NONBLOCK);
		for (i = 0; i < n; i++)
			fuzz_drain(&fcs[i]);
	}
}

/* What would happen when the client's timer expires, now. */
void
fuzz_fire_timer(struct fuzz_conn *fc)
{
	struct client *c = fuzz_client(fc);

	if (c != NULL && c->timer != NULL)
		event_active(c->timer, EV_TIMEOUT, 1);
}

/*
 * Hang up as a peer does, then as an operator would: EOF first (the clean
 * path), then a drop for clients that are not reading, then their flush or
 * linger timers. A client still alive after that is never freed: abort.
 */
void
fuzz_disconnect(struct fuzz_conn *fcs, size_t n)
{
	struct client *c;
	size_t i;
	int step, left;

	for (i = 0; i < n; i++) {
		if (fcs[i].fd != -1)
			shutdown(fcs[i].fd, SHUT_WR);
	}
	for (step = 0; step < 4; step++) {
		fuzz_pump(fcs, n, 4);
		left = 0;
		for (i = 0; i < n; i++) {
			if ((c = fuzz_client(&fcs[i])) == NULL)
				continue;
			left++;
			if (step == 1 && !(c->flags & CLIENT_CLOSING))
				client_drop(c, "fuzz: hung up");
			else if (step >= 2 && c->timer != NULL)
				event_active(c->timer, EV_TIMEOUT, 1);
		}
		if (left == 0)
			break;
	}
	for (i = 0; i < n; i++) {
		if (fuzz_client(&fcs[i]) != NULL) {
			fprintf(stdout, "fuzz: client %zu is never freed\n", i);
			abort();
		}
		if (fcs[i].fd != -1)
			close(fcs[i].fd);
		fcs[i].fd = -1;
	}
}
