/* Global state and the daemon's lifecycle: start, reload, shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "accounts.h"
#include "admin.h"
#include "client.h"
#include "cluster.h"
#include "config.h"
#include "guard.h"
#include "listener.h"
#include "log.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "sshd.h"
#include "strmap.h"
#include "xmalloc.h"
#include "verify.h"

static void	server_grace_cb(evutil_socket_t fd, short what, void *arg);
static void	server_check_restart_keys(const struct config *new,
		    void (*warn)(const char *, void *), void *arg);
static void	server_warn(const char *msg, void *arg);
static char	*server_listeners(const struct config *cfg);
static void	server_cluster_ready(void);
static char	*server_cluster_text(const struct config *cfg);

/* Where server_warn() sends a warning besides the log. */
struct server_warner {
	const char	 *path;
	void		(*warn)(const char *, void *);
	void		 *arg;
};

/* Build everything the loop serves; cfg is owned from now on. */
int
server_init(struct config *cfg, char **cause)
{
	memset(&server, 0, sizeof server);
	TAILQ_INIT(&server.clients);
	server.cfg = cfg;
	if ((server.base = event_base_new()) == NULL) {
		*cause = strdup("event_base_new failed");
		return (-1);
	}
	server.names = strmap_new(1);
	server.started = server_now();
	server.running.host = xstrdup(cfg->host);
	server.running.port = cfg->port;
	server.running.admin_socket = xstrdup(cfg->admin_socket);
	if (cfg->admin_group != NULL)
		server.running.admin_group = xstrdup(cfg->admin_group);
	server.running.listeners = server_listeners(cfg);
	server.running.accounts_file = xstrdup(cfg->accounts_file);
	server.running.cluster = server_cluster_text(cfg);
	if (accounts_load(cfg->accounts_file, cause) != 0)
		return (-1);
	client_init(&session_client_ops);
	if (verify_start(cause) != 0)
		return (-1);
	room_configure(cfg);
	/* Before the admin socket, so that a bad host key leaves none. */
	if (sshd_init(cfg, cause) != 0)
		return (-1);
	if (admin_start(cfg, cause) != 0)
		return (-1);
	/* In a cluster, users are served once the node has joined. */
	if (cfg->cluster.enabled) {
		cluster_start(cfg, server_cluster_ready);
		return (0);
	}
	if (listener_start(cfg, cause) != 0)
		return (-1);
	return (0);
}

/* The cluster settings of cfg, to compare with the running ones. */
static char *
server_cluster_text(const struct config *cfg)
{
	char *s;

	if (cfg->cluster.enabled)
		xasprintf(&s, "as node %s via %s%s, lease %u s%s",
		    cfg->cluster.node, cfg->cluster.redis,
		    cfg->cluster.password != NULL ? " with a password" : "",
		    cfg->cluster_lease, cfg->reuse_port ? ", reusePort" : "");
	else
		xasprintf(&s, "alone%s", cfg->reuse_port ? ", reusePort" : "");
	return (s);
}

/* The node joined its cluster for the first time: open to users. */
static void
server_cluster_ready(void)
{
	char *cause = NULL;

	if (server.shutting_down)
		return;
	if (listener_start(server.cfg, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		server.exit_status = 1;
		server_exit_now();
	}
}

/* Free everything: pending checks, then clients. */
void
server_free(void)
{
	verify_stop();
	guard_free();
	client_free_all();
	cluster_stop();
	listener_free();
	sshd_free();
	admin_free();
	room_free_all();
	strmap_free(server.names);
	if (server.shutdown_timer != NULL)
		event_free(server.shutdown_timer);
	if (server.base != NULL)
		event_base_free(server.base);
	config_free(server.cfg);
	server.cfg = NULL;
	free(server.running.host);
	free(server.running.admin_socket);
	free(server.running.admin_group);
	free(server.running.listeners);
	free(server.running.accounts_file);
	free(server.running.cluster);
	accounts_sync();
	accounts_free();
	memset(&server.running, 0, sizeof server.running);
}

/* Log a warning about the file being loaded; pass it on if asked to. */
static void
server_warn(const char *msg, void *arg)
{
	struct server_warner *sw = arg;

	log_warnx("%s: warning: %s", sw->path, msg);
	if (sw->warn != NULL)
		sw->warn(msg, sw->arg);
}

/*
 * Keys only a restart changes, compared with what the daemon runs with (not
 * with the previous file, which may have been changed in vain already).
 */
static void
server_check_restart_keys(const struct config *new,
    void (*warn)(const char *, void *), void *arg)
{
	const char *group = new->admin_group;
	char *msg;

	if (strcmp(server.running.host, new->host) != 0 ||
	    server.running.port != new->port) {
		xasprintf(&msg, "host, port: the daemon still listens on %s "
		    "port %u; a change needs a restart", server.running.host,
		    server.running.port);
		warn(msg, arg);
		free(msg);
	}
	if (strcmp(server.running.admin_socket, new->admin_socket) != 0) {
		xasprintf(&msg, "adminSocket: the daemon still listens on %s; "
		    "a change needs a restart", server.running.admin_socket);
		warn(msg, arg);
		free(msg);
	}
	if (strcmp(server.running.listeners, (msg = server_listeners(new))) !=
	    0) {
		free(msg);
		xasprintf(&msg, "telnet, ssh: the daemon still serves %s; a "
		    "change needs a restart", server.running.listeners);
		warn(msg, arg);
	}
	free(msg);
	if (strcmp(server.running.cluster, (msg = server_cluster_text(new))) !=
	    0) {
		free(msg);
		xasprintf(&msg, "cluster, clusterLease, reusePort: the daemon "
		    "still runs %s; a change needs a restart",
		    server.running.cluster);
		warn(msg, arg);
	}
	free(msg);
	if (strcmp(server.running.accounts_file, new->accounts_file) != 0) {
		xasprintf(&msg, "accountsFile: the daemon still uses %s; a "
		    "change needs a restart", server.running.accounts_file);
		warn(msg, arg);
		free(msg);
	}
	if ((server.running.admin_group == NULL) != (group == NULL) ||
	    (group != NULL && strcmp(server.running.admin_group, group) != 0)) {
		xasprintf(&msg, "adminGroup: the daemon still serves %s%s%s; a "
		    "change needs a restart", server.running.admin_group ==
		    NULL ? "no group" : "group \"", server.running.admin_group ==
		    NULL ? "" : server.running.admin_group,
		    server.running.admin_group == NULL ? "" : "\"");
		warn(msg, arg);
		free(msg);
	}
}

/* What the listeners of cfg are, to compare with the running ones. */
static char *
server_listeners(const struct config *cfg)
{
	char *s;

	if (cfg->ssh.enabled)
		xasprintf(&s, "%s, SSH on %s port %u with host key %s",
		    cfg->telnet ? "telnet" : "no telnet", cfg->ssh.host,
		    cfg->ssh.port, cfg->ssh.host_key);
	else
		xasprintf(&s, "%s, no SSH", cfg->telnet ? "telnet" :
		    "no telnet");
	return (s);
}

/* Swap in a validated configuration. */
void
server_set_config(struct config *cfg, void (*warn)(const char *, void *),
    void *arg)
{
	struct server_warner sw = { cfg->path, warn, arg };
	struct config *old = server.cfg;

	config_warn(cfg, server_warn, &sw);
	server_check_restart_keys(cfg, server_warn, &sw);
	server.cfg = cfg;
	room_configure(cfg);
	config_free(old);
	log_info("configuration reloaded from %s", cfg->path);
}

/* Reread the file; an invalid one leaves the running config in place. */
int
server_reload(char **cause, void (*warn)(const char *, void *), void *arg)
{
	struct config *cfg;

	if ((cfg = config_load(server.cfg->path, cause)) == NULL) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", *cause);
		return (-1);
	}
	server_set_config(cfg, warn, arg);
	return (0);
}

/* A notice to every named user. */
unsigned
server_broadcast(const char *line)
{
	struct client *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &server.clients, entry) {
		if (c->flags & CLIENT_CLOSING || c->state == CLIENT_CONNECTING)
			continue;
		client_notice(c, line);
		n++;
	}
	return (n);
}

/* Stop accepting, warn everyone, and end after shutdownGrace seconds. */
void
server_shutdown(const char *text)
{
	struct timeval tv = { server.cfg->shutdown_grace, 0 };
	char line[TEXT_MAX * 2 + 128];

	if (server.shutting_down)
		return;
	server.shutting_down = 1;
	if (text == NULL || *text == '\0')
		text = server.cfg->shutdown_message;
	log_info("shutting down in %u seconds", server.cfg->shutdown_grace);
	listener_stop();
	if (*text != '\0')
		snprintf(line, sizeof line, MSG_SHUTDOWN_TEXT,
		    server.cfg->shutdown_grace, text);
	else
		snprintf(line, sizeof line, MSG_SHUTDOWN,
		    server.cfg->shutdown_grace);
	server_broadcast(line);
	server.shutdown_timer = evtimer_new(server.base, server_grace_cb,
	    NULL);
	evtimer_add(server.shutdown_timer, &tv);
}

/* The grace period is over: goodbye to everyone. */
static void
server_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c;

	(void)fd;
	(void)what;
	(void)arg;
	server.shutting_down = 2;
	TAILQ_FOREACH(c, &server.clients, entry) {
		if (c->flags & CLIENT_CLOSING)
			continue;
		client_farewell(c, MSG_SHUTDOWN_BYE, "server shutting down");
	}
	admin_stop();
	server_maybe_done();
}

/* The second signal: leave the loop at once. */
void
server_exit_now(void)
{
	log_info("exiting now");
	admin_stop();
	event_base_loopexit(server.base, NULL);
}
