/* Accepting users: limits are checked before any per-client state exists. */
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

#include "client.h"
#include "config.h"
#include "listener.h"
#include "tcp.h"
#include "log.h"
#include "messages.h"
#include "server.h"
#include "strmap.h"
#include "xmalloc.h"

#define LISTENER_BACKLOG	1024

static struct evconnlistener *listener;
static struct event *resume_timer;
static struct strmap *per_address;	/* ip -> connection count */
static unsigned bound_port;

static void	listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
		    struct sockaddr *sa, int len, void *arg);
static void	listener_error_cb(struct evconnlistener *l, void *arg);
static void	listener_resume_cb(evutil_socket_t fd, short what, void *arg);
static void	listener_refuse(evutil_socket_t fd, const char *why);
static int	listener_write_port_file(char **cause);

/* Bind and listen. */
int
listener_start(const struct config *cfg, char **cause)
{
	struct addrinfo hints, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char port[8];
	int error;

	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", cfg->port);
	if ((error = getaddrinfo(cfg->host, port, &hints, &ai)) != 0) {
		xasprintf(cause, "%s: %s", cfg->host, gai_strerror(error));
		return (-1);
	}
	listener = evconnlistener_new_bind(server.base, listener_accept_cb,
	    NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC, LISTENER_BACKLOG, ai->ai_addr,
	    ai->ai_addrlen);
	freeaddrinfo(ai);
	if (listener == NULL) {
		xasprintf(cause, "cannot listen on %s port %u: %s", cfg->host,
		    cfg->port, strerror(errno));
		return (-1);
	}
	evconnlistener_set_error_cb(listener, listener_error_cb);
	getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&ss,
	    &sslen);
	bound_port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	per_address = strmap_new(0);
	resume_timer = evtimer_new(server.base, listener_resume_cb, NULL);
	log_info("listening on %s port %u", cfg->host, bound_port);
	return (listener_write_port_file(cause));
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
	if ((f = fopen(tmp, "w")) == NULL ||
	    fprintf(f, "%u\n", bound_port) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

/* The port bound. */
unsigned
listener_port(void)
{
	return (bound_port);
}

/* Stop accepting (shutdown). */
void
listener_stop(void)
{
	if (listener != NULL)
		evconnlistener_disable(listener);
	if (resume_timer != NULL)
		evtimer_del(resume_timer);
}

/* Close the socket and free the counts. */
void
listener_free(void)
{
	if (listener != NULL)
		evconnlistener_free(listener);
	if (resume_timer != NULL)
		event_free(resume_timer);
	strmap_free(per_address);
	listener = NULL;
	resume_timer = NULL;
	per_address = NULL;
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
	char ip[INET6_ADDRSTRLEN], addr[INET6_ADDRSTRLEN + 8];
	uintptr_t count;

	(void)l;
	(void)arg;
	evutil_make_socket_nonblocking(fd);
	listener_format_addr(sa, len, ip, sizeof ip, addr, sizeof addr);
	if (server.nclients >= cfg->max_clients) {
		log_warnx("refused %s: maxClients (%u) reached", addr,
		    cfg->max_clients);
		listener_refuse(fd, MSG_SERVER_FULL);
		return;
	}
	count = (uintptr_t)strmap_get(per_address, ip);
	if (cfg->max_clients_per_address > 0 &&
	    count >= cfg->max_clients_per_address) {
		log_warnx("refused %s: maxClientsPerAddress (%u) reached",
		    addr, cfg->max_clients_per_address);
		listener_refuse(fd, MSG_ADDRESS_FULL);
		return;
	}
	strmap_set(per_address, ip, (void *)(count + 1));
	tcp_accept(fd, sa, len);
}

/* A client from ip is gone. */
void
listener_release(const char *ip)
{
	uintptr_t count;

	if (per_address == NULL)
		return;
	count = (uintptr_t)strmap_get(per_address, ip);
	if (count <= 1)
		strmap_del(per_address, ip);
	else
		strmap_set(per_address, ip, (void *)(count - 1));
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
	if (!server.shutting_down)
		evconnlistener_enable(listener);
}
