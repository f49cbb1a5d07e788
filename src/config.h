/* The JSON configuration: defaults, strict parsing, validation. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH	"/etc/chatsock/chatsock.json"

struct room_conf {
	char		*name;		/* 1..ROOM_NAME_MAX of A-Za-z0-9_.- */
	int		 public;	/* listed by :rooms */
	char		*password;	/* plain password, NULL if none */
	char		*password_hash;	/* crypt(3) string, NULL if none */
	char		*description;	/* "" if none */
	unsigned	 limit;		/* most members at once, 0 = no limit */
};

/* The SSH listener ("ssh" object); enabled only if the key is there. */
struct ssh_conf {
	int		 enabled;
	char		*host;		/* "host" */
	unsigned	 port;		/* "port" */
	char		*host_key;	/* "hostKey": a path */
};

/* The cluster link ("cluster" object); enabled only if the key is there. */
struct cluster_conf {
	int		 enabled;
	char		*redis;		/* "redis": "HOST:PORT" or "unix:PATH" */
	char		*node;		/* "node": this daemon's name */
	char		*password;	/* "password", NULL if none */
};

/* Immutable once loaded; a reload builds a new one and swaps it in. */
struct config {
	char		*path;
	char		*host;			/* "host" */
	unsigned	 port;			/* "port" */
	struct room_conf *rooms;		/* "rooms", sorted by name */
	size_t		 nrooms;
	char		*welcome_message;	/* "welcomeMessage" */
	int		 connection_timeout;	/* "connectionTimeout" */
	unsigned	 chatview_max;		/* "chatviewMax" */
	unsigned	 username_limit;	/* "usernameLimit" */
	unsigned	 message_limit;		/* "messageLimit" */
	unsigned	 max_clients;		/* "maxClients" */
	unsigned	 max_clients_per_address; /* "maxClientsPerAddress" */
	char		*admin_socket;		/* "adminSocket" */
	char		*admin_group;		/* "adminGroup", NULL if none */
	char		*shutdown_message;	/* "shutdownMessage" */
	unsigned	 shutdown_grace;	/* "shutdownGrace", seconds */
	unsigned	 flood_burst;		/* "floodBurst", lines */
	double		 flood_rate;		/* "floodRate", lines/s, 0 = off */
	size_t		 output_limit;		/* "outputLimit", bytes */
	unsigned	 name_timeout;		/* "nameTimeout", seconds */
	unsigned	 keepalive;		/* "keepalive", seconds, 0 = off */
	struct ssh_conf	 ssh;			/* "ssh" */
	unsigned	 ssh_login_grace;	/* "sshLoginGrace", seconds */
	unsigned	 ssh_max_startups;	/* "sshMaxStartups" */
	int		 registration_open;	/* "registration": "open" */
	int		 guests;		/* "guests" */
	int		 telnet;		/* "telnet" */
	char		*accounts_file;		/* "accountsFile" */
	unsigned	 dm_limit;		/* "dmLimit", DMs per user */
	struct cluster_conf cluster;		/* "cluster" */
	unsigned	 cluster_lease;		/* "clusterLease", seconds */
	int		 reuse_port;		/* "reusePort" */
};

struct config	*config_load(const char *path, char **cause);
void		 config_free(struct config *cfg);
void		 config_print(const struct config *cfg, FILE *f);
int		 config_warn(const struct config *cfg,
		     void (*warn)(const char *msg, void *arg), void *arg);
const struct room_conf *config_find_room(const struct config *cfg,
		     const char *name);
int		 config_valid_name(const char *name, size_t max);
/*
 * Split a "cluster.redis" value: host and port, or a UNIX socket path
 * (port 0). 0, or -1 if it is neither.
 */
int		 config_redis_address(const char *s, char *host, size_t hostlen,
		     unsigned *port);

#endif
