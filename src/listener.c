/* Accepting users: limits are checked before any per-client state exists. */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "limits.h"
#include "listener.h"
#include "log.h"
#include "messages.h"
#include "server.h"
#include "sshd.h"
#include "strmap.h"
#include "tcp.h"
#include "xmalloc.h"

#define LISTENER_BACKLOG	1024

/*
 * An address as a table key: family, the binary address and, for IPv6, the
 * scope, in hex. Text would do for neither: "fe80::1%eth0" and a long
 * interface name can exceed any fixed buffer, and one address has many
 * spellings.
 */
#define LISTENER_KEY_LEN	(2 * (1 + 16 + 4) + 1)

/* Log lines about one address in the current window. */
struct log_budget {
	TAILQ_ENTRY(log_budget)	 entry;
	char			 key[LISTENER_KEY_LEN];
	char			 ip[64];	/* for the summary */
	unsigned		 lines;
	unsigned		 suppressed;
};

/* What each listener serves. */
struct listener_kind {
	const char	*what;
	struct client	*(*accept)(int, const struct sockaddr *, socklen_t);
	int		 (*may_accept)(void);	/* NULL: always */
};

static const struct listener_kind listener_kinds[] = {
	{ "telnet", tcp_accept, NULL },
	{ "SSH", sshd_accept, sshd_may_accept },
};
#define LISTENER_TELNET	0
#define LISTENER_SSH	1
#define LISTENER_KINDS	(sizeof listener_kinds / sizeof listener_kinds[0])

static struct evconnlistener *listeners[LISTENER_KINDS];
static unsigned	bound_ports[LISTENER_KINDS];
static struct event *resume_timer;
static struct strmap *per_address;	/* key -> connection count */
static struct strmap *log_budgets;	/* key -> struct log_budget */
static TAILQ_HEAD(, log_budget) log_list = TAILQ_HEAD_INITIALIZER(log_list);
static struct log_budget log_shared;	/* for addresses past LOG_ADDRS_MAX */
static struct event *log_timer;

static void	listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
		    struct sockaddr *sa, int len, void *arg);
static void	listener_error_cb(struct evconnlistener *l, void *arg);
static void	listener_resume_cb(evutil_socket_t fd, short what, void *arg);
static void	listener_refuse(evutil_socket_t fd, const char *why);
static int	listener_write_port_file(char **cause);
static int	listener_bind(size_t kind, const char *host, unsigned port,
		    int reuse_port, char **cause);
static void	listener_key(const struct sockaddr *sa, char *key);
static int	listener_may_log_key(const char *key, const char *ip);
static void	listener_log_cb(evutil_socket_t fd, short what, void *arg);
static void	listener_log_flush(void);

/* Bind and listen: telnet, and SSH if configured. */
int
listener_start(const struct config *cfg, char **cause)
{
	if (cfg->telnet && listener_bind(LISTENER_TELNET, cfg->host,
	    cfg->port, cfg->reuse_port, cause) != 0)
		return (-1);
	if (cfg->ssh.enabled && listener_bind(LISTENER_SSH, cfg->ssh.host,
	    cfg->ssh.port, cfg->reuse_port, cause) != 0)
		return (-1);
	per_address = strmap_new(0);
	log_budgets = strmap_new(0);
	resume_timer = evtimer_new(server.base, listener_resume_cb, NULL);
	log_timer = evtimer_new(server.base, listener_log_cb, NULL);
	return (listener_write_port_file(cause));
}

/*
 * One listening socket for a kind of connection; with reuse_port, other
 * daemons may bind the same port and the kernel spreads connections.
 */
static int
listener_bind(size_t kind, const char *host, unsigned port, int reuse_port,
    char **cause)
{
	struct addrinfo hints, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	struct evconnlistener *l;
	char service[8];
	int error;

	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof service, "%u", port);
	if ((error = getaddrinfo(host, service, &hints, &ai)) != 0) {
		xasprintf(cause, "%s: %s", host, gai_strerror(error));
		return (-1);
	}
	l = evconnlistener_new_bind(server.base, listener_accept_cb,
	    (void *)&listener_kinds[kind], LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC |
	    (reuse_port ? LEV_OPT_REUSEABLE_PORT : 0), LISTENER_BACKLOG,
	    ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (l == NULL) {
		xasprintf(cause, "cannot listen for %s on %s port %u: %s",
		    listener_kinds[kind].what, host, port, strerror(errno));
		return (-1);
	}
	evconnlistener_set_error_cb(l, listener_error_cb);
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sslen);
	bound_ports[kind] = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	listeners[kind] = l;
	log_info("listening for %s on %s port %u", listener_kinds[kind].what,
	    host, bound_ports[kind]);
	return (0);
}

/* For tests on port 0: the real port, written whole (memcached style). */
static int
listener_write_port_file(char **cause)
{
	const char *path = getenv("CHATSOCK_PORT_FILE");
	char *tmp;
	FILE *f;

	if (path == NULL)
		return (0);
	xasprintf(&tmp, "%s.tmp", path);
	/* The telnet port, then the SSH port if there is one. */
	if ((f = fopen(tmp, "w")) == NULL ||
	    fprintf(f, "%u\n", bound_ports[LISTENER_TELNET]) < 0 ||
	    (listeners[LISTENER_SSH] != NULL &&
	    fprintf(f, "%u\n", bound_ports[LISTENER_SSH]) < 0) ||
	    fclose(f) != 0 || rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

/* The telnet port bound. */
unsigned
listener_port(void)
{
	return (bound_ports[LISTENER_TELNET]);
}

/* Stop accepting (shutdown). */
void
listener_stop(void)
{
	size_t i;

	for (i = 0; i < LISTENER_KINDS; i++) {
		if (listeners[i] != NULL)
			evconnlistener_disable(listeners[i]);
	}
	if (resume_timer != NULL)
		evtimer_del(resume_timer);
}

/* Close the socket and free the counts; sum up what was not logged. */
void
listener_free(void)
{
	size_t i;

	listener_log_flush();
	for (i = 0; i < LISTENER_KINDS; i++) {
		if (listeners[i] != NULL)
			evconnlistener_free(listeners[i]);
		listeners[i] = NULL;
	}
	if (resume_timer != NULL)
		event_free(resume_timer);
	if (log_timer != NULL)
		event_free(log_timer);
	strmap_free(per_address);
	strmap_free(log_budgets);
	resume_timer = NULL;
	log_timer = NULL;
	per_address = NULL;
	log_budgets = NULL;
}

/* Build the table key of a peer address (see LISTENER_KEY_LEN). */
static void
listener_key(const struct sockaddr *sa, char *key)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	const struct sockaddr_in6 *sin6;
	const unsigned char *p;
	unsigned char bytes[1 + 16 + 4];
	size_t n = 0, i;
	uint32_t scope;

	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		p = sin6->sin6_addr.s6_addr;
		if (memcmp(p, mapped, sizeof mapped) == 0) {
			bytes[n++] = 4;		/* ::ffff:a.b.c.d is IPv4 */
			memcpy(bytes + n, p + 12, 4);
			n += 4;
		} else {
			bytes[n++] = 6;
			memcpy(bytes + n, p, 16);
			n += 16;
			scope = sin6->sin6_scope_id;
			memcpy(bytes + n, &scope, 4);
			n += 4;
		}
	} else if (sa->sa_family == AF_INET) {
		bytes[n++] = 4;
		memcpy(bytes + n, &((const struct sockaddr_in *)sa)->sin_addr,
		    4);
		n += 4;
	} else
		bytes[n++] = 0;
	for (i = 0; i < n; i++)
		snprintf(key + 2 * i, 3, "%02x", bytes[i]);
	key[2 * n] = '\0';
}

/* The budget of key's address: a line may be logged, or is counted. */
static int
listener_may_log_key(const char *key, const char *ip)
{
	static const struct timeval window = { LOG_ADDR_WINDOW, 0 };
	struct log_budget *lb;

	if (log_budgets == NULL)
		return (1);
	if ((lb = strmap_get(log_budgets, key)) == NULL) {
		if (strmap_count(log_budgets) >= LOG_ADDRS_MAX)
			lb = &log_shared;
		else {
			lb = xcalloc(1, sizeof *lb);
			snprintf(lb->key, sizeof lb->key, "%s", key);
			snprintf(lb->ip, sizeof lb->ip, "%s", ip);
			strmap_set(log_budgets, lb->key, lb);
			TAILQ_INSERT_TAIL(&log_list, lb, entry);
		}
		if (!evtimer_pending(log_timer, NULL))
			evtimer_add(log_timer, &window);
	}
	if (lb->lines < LOG_ADDR_LINES) {
		lb->lines++;
		return (1);
	}
	lb->suppressed++;
	return (0);
}

/* May a line about the connection from sa be logged? */
int
listener_may_log(const struct sockaddr *sa)
{
	char key[LISTENER_KEY_LEN], ip[NI_MAXHOST], addr[NI_MAXHOST + 16];

	listener_key(sa, key);
	listener_format_addr(sa, sa->sa_family == AF_INET6 ?
	    sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in), ip,
	    sizeof ip, addr, sizeof addr);
	return (listener_may_log_key(key, ip));
}

/* The window is over: sum up what was suppressed, start afresh. */
static void
listener_log_flush(void)
{
	struct log_budget *lb;

	while ((lb = TAILQ_FIRST(&log_list)) != NULL) {
		if (lb->suppressed > 0)
			log_warnx("%s: %u more log lines about connections "
			    "from this address suppressed", lb->ip,
			    lb->suppressed);
		TAILQ_REMOVE(&log_list, lb, entry);
		strmap_del(log_budgets, lb->key);
		free(lb);
	}
	if (log_shared.suppressed > 0)
		log_warnx("%u more log lines about connections from other "
		    "addresses suppressed", log_shared.suppressed);
	memset(&log_shared, 0, sizeof log_shared);
}

/* LOG_ADDR_WINDOW seconds after the window's first line. */
static void
listener_log_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	listener_log_flush();
}

/* "ip" and "ip:port" ("[ip]:port" for IPv6). */
void
listener_format_addr(const struct sockaddr *sa, socklen_t len, char *ip,
    size_t iplen, char *addr, size_t addrlen)
{
	char port[8];

	if (getnameinfo(sa, len, ip, iplen, port, sizeof port,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(ip, iplen, "?");
		snprintf(port, sizeof port, "?");
	}
	snprintf(addr, addrlen, sa->sa_family == AF_INET6 ? "[%s]:%s" :
	    "%s:%s", ip, port);
}

/* One line, best effort, then close: no client state for a refusal. */
static void
listener_refuse(evutil_socket_t fd, const char *why)
{
	char line[128];
	ssize_t n;

	n = snprintf(line, sizeof line, "%s\r\n", why);
	if (write(fd, line, n) != n)
		log_debug("refusal not sent: %s", strerror(errno));
	close(fd);
}

/* A new connection: within maxClients and maxClientsPerAddress, serve it. */
static void
listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	const struct config *cfg = server.cfg;
	const struct listener_kind *kind = arg;
	char ip[64], addr[64 + 8], key[LISTENER_KEY_LEN];
	uintptr_t count;

	(void)l;
	evutil_make_socket_nonblocking(fd);
	listener_format_addr(sa, len, ip, sizeof ip, addr, sizeof addr);
	listener_key(sa, key);
	if (server.nclients >= cfg->max_clients) {
		if (listener_may_log_key(key, ip))
			log_warnx("refused %s: maxClients (%u) reached", addr,
			    cfg->max_clients);
		listener_refuse(fd, MSG_SERVER_FULL);
		return;
	}
	count = (uintptr_t)strmap_get(per_address, key);
	if (cfg->max_clients_per_address > 0 &&
	    count >= cfg->max_clients_per_address) {
		if (listener_may_log_key(key, ip))
			log_warnx("refused %s: maxClientsPerAddress (%u) "
			    "reached", addr, cfg->max_clients_per_address);
		listener_refuse(fd, MSG_ADDRESS_FULL);
		return;
	}
	/* Handshakes cost CPU: past sshMaxStartups, close before any. */
	if (kind->may_accept != NULL && !kind->may_accept()) {
		if (listener_may_log_key(key, ip))
			log_warnx("refused %s: sshMaxStartups (%u) handshakes "
			    "in progress", addr, cfg->ssh_max_startups);
		close(fd);
		return;
	}
	strmap_set(per_address, key, (void *)(count + 1));
	kind->accept(fd, sa, len);
}

/* A client is gone: one less from its address. */
void
listener_release(const struct sockaddr *sa)
{
	char key[LISTENER_KEY_LEN];
	uintptr_t count;

	if (per_address == NULL)
		return;
	listener_key(sa, key);
	count = (uintptr_t)strmap_get(per_address, key);
	if (count <= 1)
		strmap_del(per_address, key);
	else
		strmap_set(per_address, key, (void *)(count - 1));
}

/* accept() failed: out of descriptors pauses for a second (tmux). */
static void
listener_error_cb(struct evconnlistener *l, void *arg)
{
	struct timeval tv = { 1, 0 };
	int error = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (error == EINTR || error == EAGAIN || error == ECONNABORTED)
		return;
	log_warnx("accept: %s", evutil_socket_error_to_string(error));
	if (error == EMFILE || error == ENFILE) {
		evconnlistener_disable(l);
		evtimer_add(resume_timer, &tv);
	}
}

/* Try accepting again after the EMFILE pause. */
static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	size_t i;

	if (server.shutting_down)
		return;
	for (i = 0; i < LISTENER_KINDS; i++) {
		if (listeners[i] != NULL)
			evconnlistener_enable(listeners[i]);
	}
}
