/* Handlers for the admin requests; each returns its JSON reply. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "accounts.h"
#include "admin-cmd.h"
#include "client.h"
#include "cluster.h"
#include "remote.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "utf8.h"

struct admin_cmd {
	const char	*name;
	json_t		*(*exec)(json_t *req);
};

static json_t	*admin_listall(json_t *req);
static json_t	*admin_list(json_t *req);
static json_t	*admin_rooms(json_t *req);
static json_t	*admin_stats(json_t *req);
static json_t	*admin_broadcast(json_t *req);
static json_t	*admin_kick(json_t *req);
static json_t	*admin_accounts(json_t *req);
static json_t	*admin_register(json_t *req);
static json_t	*admin_unregister(json_t *req);
static int	 admin_holds_key(const struct client *c, json_t *keys);
static json_t	*admin_reload(json_t *req);
static json_t	*admin_shutdown(json_t *req);
static json_t	*admin_user(const struct client *c);
static json_t	*admin_nodes(json_t *req);
static void	 admin_remote_user(const char *name, const char *node,
		    const char *room, int registered, void *arg);
static void	 admin_node(const struct cluster_node_info *ni, void *arg);
static void	 admin_reload_warn(const char *msg, void *arg);
static int	 admin_text(json_t *req, const char *key, int required,
		    char *buf, size_t size, json_t **error);

static const struct admin_cmd admin_cmds[] = {
	{ "listall", admin_listall },
	{ "list", admin_list },
	{ "rooms", admin_rooms },
	{ "stats", admin_stats },
	{ "broadcast", admin_broadcast },
	{ "kick", admin_kick },
	{ "accounts", admin_accounts },
	{ "register", admin_register },
	{ "unregister", admin_unregister },
	{ "reload", admin_reload },
	{ "shutdown", admin_shutdown },
	{ "nodes", admin_nodes },
};

/*
 * {"ok": false, "error": ...}. The text may quote the request (or jansson's
 * complaint about it) cut mid-character, and json_pack() refuses invalid
 * UTF-8, so it is cleaned first: a NULL reply would stop the daemon.
 */
json_t *
admin_error(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	utf8_sanitize(text, strlen(text));
	return (json_pack("{s:b, s:s}", "ok", 0, "error", text));
}

/* Parse, look up "cmd", run. */
json_t *
admin_cmd_run(const char *line, size_t len)
{
	json_error_t err;
	json_t *req, *reply;
	const char *name;
	size_t i;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (req == NULL)
		return (admin_error("malformed request: %s", err.text));
	if (json_unpack(req, "{s:s}", "cmd", &name) != 0) {
		json_decref(req);
		return (admin_error("request must be an object with a string "
		    "\"cmd\""));
	}
	for (i = 0; i < sizeof admin_cmds / sizeof admin_cmds[0]; i++) {
		if (strcmp(admin_cmds[i].name, name) == 0)
			break;
	}
	if (i == sizeof admin_cmds / sizeof admin_cmds[0])
		reply = admin_error("unknown command: %.64s", name);
	else
		reply = admin_cmds[i].exec(req);
	json_decref(req);
	return (reply);
}

/* An optional or required text field, checked and cleaned for users. */
static int
admin_text(json_t *req, const char *key, int required, char *buf,
    size_t size, json_t **error)
{
	json_t *v = json_object_get(req, key);
	size_t len;

	buf[0] = '\0';
	if (v == NULL && !required)
		return (0);
	if (!json_is_string(v)) {
		*error = admin_error("\"%s\" must be a string", key);
		return (-1);
	}
	len = json_string_length(v);
	if (len >= size || memchr(json_string_value(v), '\0', len) != NULL) {
		*error = admin_error("\"%s\" is too long or holds NUL", key);
		return (-1);
	}
	memcpy(buf, json_string_value(v), len + 1);
	utf8_sanitize(buf, len);
	return (0);
}

/* One user as the operator sees it. */
static json_t *
admin_user(const struct client *c)
{
	time_t now = server_now();
	const struct room *r = c->room;

	/* "node" only in a cluster (s*: left out when NULL). */
	return (json_pack("{s:s, s:s*, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:I, "
	    "s:I}",
	    "name", c->name,
	    "node", server.cfg->cluster.enabled ? server.cfg->cluster.node :
	    NULL,
	    "room", r != NULL && r->peer[0] == NULL ? r->name : NULL,
	    "dm", r != NULL && r->peer[0] != NULL ?
	    room_dm_peer_name(r, c) : NULL,
	    "view", c->state == CLIENT_CHATVIEW ? "chat" : "palette",
	    "address", client_addr(c),
	    "via", c->tp->name,
	    "fingerprint", c->fingerprint,
	    "connected", (json_int_t)(now - c->connected),
	    "idle", (json_int_t)(now - c->active)));
}

/* Every named user. */
static json_t *
admin_listall(json_t *req)
{
	json_t *users = json_array();
	struct client *c;

	(void)req;
	TAILQ_FOREACH(c, &server.clients, entry) {
		if (c->name[0] != '\0' && !(c->flags & CLIENT_CLOSING))
			json_array_append_new(users, admin_user(c));
	}
	remote_foreach(NULL, NULL, admin_remote_user, users);
	return (json_pack("{s:b, s:o}", "ok", 1, "users", users));
}

/* The members of one room. */
static json_t *
admin_list(json_t *req)
{
	const char *name;
	struct room *r;
	struct client *c;
	json_t *users;

	if (json_unpack(req, "{s:s}", "room", &name) != 0)
		return (admin_error("list needs a string \"room\""));
	if ((r = room_find(name)) == NULL)
		return (admin_error("no such room: %.64s", name));
	users = json_array();
	TAILQ_FOREACH(c, &r->members, member)
		json_array_append_new(users, admin_user(c));
	remote_foreach(NULL, r->name, admin_remote_user, users);
	return (json_pack("{s:b, s:s, s:o}", "ok", 1, "room", r->name,
	    "users", users));
}

/* Every configured room, hidden ones included. */
static json_t *
admin_rooms(json_t *req)
{
	json_t *list = json_array(), *room;
	struct room *r;

	(void)req;
	TAILQ_FOREACH(r, &rooms, entry) {
		json_array_append_new(list, room = json_pack(
		    "{s:s, s:b, s:i, s:i, s:s}", "name", r->name,
		    "public", r->public, "members", (int)r->nmembers,
		    "limit", (int)r->limit, "description", r->description));
		/* In a cluster: members on every node, "here" on this one. */
		if (cluster_enabled()) {
			json_object_set_new(room, "members", json_integer(
			    r->nmembers + remote_in(r->name)));
			json_object_set_new(room, "here",
			    json_integer(r->nmembers));
		}
	}
	return (json_pack("{s:b, s:o}", "ok", 1, "rooms", list));
}

/* Counters since start. */
static json_t *
admin_stats(json_t *req)
{
	const struct stats *st = &server.stats;
	unsigned nrooms = 0;
	struct room *r;
	json_t *reply, *nodes;

	(void)req;
	TAILQ_FOREACH(r, &rooms, entry)
		nrooms++;
	reply = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "ok", 1, "users", (json_int_t)server.nusers,
	    "peak_users", (json_int_t)st->peak_users,
	    "rooms", (json_int_t)nrooms,
	    "messages", (json_int_t)st->messages,
	    "bytes_in", (json_int_t)st->bytes_in,
	    "bytes_out", (json_int_t)st->bytes_out,
	    "uptime", (json_int_t)(server_now() - server.started),
	    "connections", (json_int_t)st->connections);
	/* A cluster adds its totals and its nodes to this node's figures. */
	if (cluster_enabled()) {
		nodes = json_array();
		cluster_nodes_foreach(admin_node, nodes);
		json_object_set_new(reply, "cluster_users", json_integer(
		    server.nusers + remote_count()));
		json_object_set_new(reply, "link", json_string(
		    cluster_state()));
		json_object_set_new(reply, "nodes", nodes);
	}
	return (reply);
}

/* A notice to every user. */
static json_t *
admin_broadcast(json_t *req)
{
	char text[TEXT_MAX], line[TEXT_MAX + 8];
	json_t *error;
	unsigned n;

	if (admin_text(req, "text", 1, text, sizeof text, &error) != 0)
		return (error);
	if (text[0] == '\0')
		return (admin_error("broadcast needs a non-empty \"text\""));
	snprintf(line, sizeof line, MSG_BROADCAST, text);
	n = server_broadcast(line);
	log_info("admin: broadcast to %u users", n);
	/* Other nodes tell theirs: counted as they listed them. */
	if (cluster_enabled() && cluster_broadcast(line) == 0)
		n += remote_count();
	return (json_pack("{s:b, s:i}", "ok", 1, "recipients", (int)n));
}

/* Disconnect a user, telling them why. */
static json_t *
admin_kick(json_t *req)
{
	char reason[TEXT_MAX], line[TEXT_MAX + 64];
	const char *name, *node;
	struct client *c;
	json_t *error;

	if (json_unpack(req, "{s:s}", "user", &name) != 0)
		return (admin_error("kick needs a string \"user\""));
	if (admin_text(req, "reason", 0, reason, sizeof reason, &error) != 0)
		return (error);
	if (reason[0] != '\0')
		snprintf(line, sizeof line, MSG_KICKED_REASON, reason);
	else
		snprintf(line, sizeof line, MSG_KICKED);
	if (((c = client_find(name)) == NULL || (c->flags & CLIENT_CLOSING)) &&
	    (node = remote_find(name, NULL, NULL)) != NULL) {
		if (cluster_kick(name, line) != 0)
			return (admin_error("%.64s is on node %s, out of reach "
			    "now", name, node));
		log_info("admin: kick %s sent to node %s", name, node);
		return (json_pack("{s:b, s:s, s:s}", "ok", 1, "user", name,
		    "node", node));
	}
	if (c == NULL || (c->flags & CLIENT_CLOSING))
		return (admin_error("no such user: %.64s", name));
	client_farewell(c, line, "kicked by the operator");
	return (json_pack("{s:b, s:s}", "ok", 1, "user", c->name));
}

/* Every registered name with its keys and dates. */
static json_t *
admin_accounts(json_t *req)
{
	struct account **v;
	json_t *list, *keys;
	size_t n, i, k;

	(void)req;
	v = accounts_sorted(&n);
	list = json_array();
	for (i = 0; i < n; i++) {
		keys = json_array();
		for (k = 0; k < account_nkeys(v[i]); k++)
			json_array_append_new(keys,
			    json_string(account_fingerprint(v[i], k)));
		json_array_append_new(list, json_pack("{s:s, s:o, s:I, s:o}",
		    "name", account_name(v[i]), "keys", keys,
		    "registered", (json_int_t)account_registered(v[i]),
		    "seen", account_seen(v[i]) == 0 ? json_null() :
		    json_integer(account_seen(v[i]))));
	}
	free(v);
	return (json_pack("{s:b, s:o}", "ok", 1, "accounts", list));
}

/*
 * Register a name to keys (or add keys). A guest holding the name online
 * is in the way: refused, or with "kick" disconnected with a notice.
 */
static json_t *
admin_register(json_t *req)
{
	const char *name, *lines[ACCOUNT_KEYS_MAX];
	struct client *holder;
	json_t *keys, *v;
	char *cause = NULL, took[128];
	int kick = 0;
	size_t i;

	if (json_unpack(req, "{s:s, s:o, s?b}", "name", &name, "keys", &keys,
	    "kick", &kick) != 0 || !json_is_array(keys))
		return (admin_error("register needs a string \"name\" and an "
		    "array \"keys\" of OpenSSH public key lines"));
	if (!config_valid_name(name, server.cfg->username_limit) ||
	    strpbrk(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789") == NULL)
		return (admin_error("not a valid username: %.64s", name));
	if (json_array_size(keys) == 0 ||
	    json_array_size(keys) > ACCOUNT_KEYS_MAX)
		return (admin_error("register takes 1 to %d keys",
		    ACCOUNT_KEYS_MAX));
	json_array_foreach(keys, i, v) {
		if (!json_is_string(v))
			return (admin_error("keys: expected strings"));
		lines[i] = json_string_value(v);
	}
	holder = client_find(name);
	if (holder != NULL && (holder->flags & CLIENT_CLOSING))
		holder = NULL;
	if (holder != NULL && holder->account == NULL &&
	    !admin_holds_key(holder, keys) && !kick)
		return (admin_error("%s is online as a guest: give --kick to "
		    "disconnect them", holder->name));
	if (accounts_register(name, lines, json_array_size(keys),
	    &cause) != 0) {
		v = admin_error("%s", cause);
		free(cause);
		return (v);
	}
	if (holder != NULL) {
		if (admin_holds_key(holder, keys) || holder->account != NULL)
			holder->account = accounts_find(name);
		else {
			snprintf(took, sizeof took, MSG_OPERATOR_TOOK,
			    holder->name);
			client_farewell(holder, took,
			    "name registered by the operator");
		}
	}
	return (json_pack("{s:b, s:s, s:I}", "ok", 1, "name",
	    account_name(accounts_find(name)), "keys",
	    (json_int_t)account_nkeys(accounts_find(name))));
}

/* Whether c's SSH key is one of the key lines given. */
static int
admin_holds_key(const struct client *c, json_t *keys)
{
	size_t i, n;
	json_t *v;

	if (c->pubkey == NULL)
		return (0);
	n = strlen(c->pubkey);
	json_array_foreach(keys, i, v) {
		const char *line = json_string_value(v);

		if (strncmp(line, c->pubkey, n) == 0 &&
		    (line[n] == '\0' || line[n] == ' ' || line[n] == '\t'))
			return (1);
	}
	return (0);
}

/* Release a name; its holder, if online, stays as a guest. */
static json_t *
admin_unregister(json_t *req)
{
	const char *name;
	struct client *holder;
	char *cause = NULL;
	json_t *error;

	if (json_unpack(req, "{s:s}", "name", &name) != 0)
		return (admin_error("unregister needs a string \"name\""));
	holder = client_find(name);
	if (accounts_unregister(name, &cause) != 0) {
		error = admin_error("%s", cause);
		free(cause);
		return (error);
	}
	if (holder != NULL)
		holder->account = NULL;
	return (json_pack("{s:b}", "ok", 1));
}

/* A reload's warning, for the operator who asked for it. */
static void
admin_reload_warn(const char *msg, void *arg)
{
	json_t *warnings = arg;
	char text[1024];

	snprintf(text, sizeof text, "%s", msg);
	utf8_sanitize(text, strlen(text));
	json_array_append_new(warnings, json_string(text));
}

/* Reread the configuration file; the reply lists what the log warned. */
static json_t *
admin_reload(json_t *req)
{
	json_t *reply, *warnings;
	char *cause = NULL;

	(void)req;
	warnings = json_array();
	if (server_reload(&cause, admin_reload_warn, warnings) != 0) {
		json_decref(warnings);
		reply = admin_error("%s", cause);
		free(cause);
		return (reply);
	}
	return (json_pack("{s:b, s:o}", "ok", 1, "warnings", warnings));
}

/* Graceful shutdown, with an optional text for the users. */
static json_t *
admin_shutdown(json_t *req)
{
	char text[TEXT_MAX];
	json_t *error;

	if (admin_text(req, "text", 0, text, sizeof text, &error) != 0)
		return (error);
	if (server.shutting_down)
		return (admin_error("already shutting down"));
	server_shutdown(text);
	return (json_pack("{s:b, s:i}", "ok", 1, "grace",
	    (int)server.cfg->shutdown_grace));
}

/* A user of another node, as much as its node tells. */
static void
admin_remote_user(const char *name, const char *node, const char *room,
    int registered, void *arg)
{
	json_t *users = arg;

	json_array_append_new(users, json_pack("{s:s, s:s, s:s?, s:b}",
	    "name", name, "node", node, "room", *room != '\0' ? room : NULL,
	    "registered", registered));
}

/* One node for "nodes" and "stats". */
static void
admin_node(const struct cluster_node_info *ni, void *arg)
{
	json_t *nodes = arg;

	json_array_append_new(nodes, json_pack("{s:s, s:b, s:s, s:I, s:I, "
	    "s:I, s:I, s:I}", "name", ni->name, "self", ni->self,
	    "state", ni->state, "users", (json_int_t)ni->users,
	    "connections", (json_int_t)ni->clients,
	    "messages", (json_int_t)ni->messages,
	    "uptime", (json_int_t)ni->uptime,
	    "seen_ms", (json_int_t)ni->seen_ms));
}

/* The nodes of the cluster as this node knows them, and its link. */
static json_t *
admin_nodes(json_t *req)
{
	json_t *nodes;

	(void)req;
	if (!cluster_enabled())
		return (admin_error("this daemon runs alone (no \"cluster\" "
		    "key)"));
	nodes = json_array();
	cluster_nodes_foreach(admin_node, nodes);
	return (json_pack("{s:b, s:s, s:o}", "ok", 1, "link", cluster_state(),
	    "nodes", nodes));
}
