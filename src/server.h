/* The daemon's global state: event base, configuration, clients, counters. */
#ifndef CHATSOCK_SERVER_H	/* libssh/server.h takes SERVER_H */
#define CHATSOCK_SERVER_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

struct config;
struct client;
struct event_base;
struct strmap;

TAILQ_HEAD(client_list, client);

struct stats {
	uint64_t	messages;	/* chat lines relayed */
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	connections;	/* accepted since start */
	unsigned	peak_users;
};

struct server {
	struct event_base	*base;
	struct config		*cfg;
	struct client_list	 clients;	/* every connection */
	unsigned		 nclients;
	unsigned		 nusers;	/* clients with a name */
	struct strmap		*names;		/* folded name -> client */
	struct stats		 stats;
	time_t			 started;
	int			 shutting_down;
	struct event		*shutdown_timer;
	int			 exit_status;
	struct {			/* as started: only a restart changes */
		char		*host;
		unsigned	 port;
		char		*admin_socket;
		char		*admin_group;	/* NULL if none */
		char		*listeners;	/* telnet and SSH, as text */
		char		*accounts_file;
		char		*cluster;	/* "cluster", "clusterLease",
						   "reusePort" as text */
	} running;
};

extern struct server server;

int	server_init(struct config *cfg, char **cause);
void	server_free(void);
/*
 * Swap in cfg (already validated) for the running one. Each warning (a
 * doubtful setting, a change that needs a restart) is logged and, if warn
 * is not NULL, passed to it.
 */
void	server_set_config(struct config *cfg,
	    void (*warn)(const char *, void *), void *arg);
/* Reload from the running config's path; -1 and cause if it is invalid. */
int	server_reload(char **cause, void (*warn)(const char *, void *),
	    void *arg);
/* Tell everyone, wait shutdownGrace seconds, close all, leave the loop. */
void	server_shutdown(const char *text);
/* Leave the loop now: the second signal. */
void	server_exit_now(void);
/* A notice to every named user; returns how many were told. */
unsigned server_broadcast(const char *line);
/* Seconds since the daemon started, cached loop time. */
time_t	server_now(void);
/* The loop can end: nothing left to serve after a shutdown. */
void	server_maybe_done(void);

#endif
