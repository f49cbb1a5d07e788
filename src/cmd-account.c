/* Palette commands about registered names: :register, :unregister, :whois. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "accounts.h"
#include "client.h"
#include "remote.h"
#include "cmd.h"
#include "config.h"
#include "messages.h"
#include "room.h"
#include "server.h"

static void	cmd_duration(char *buf, size_t size, time_t seconds);
static void	cmd_date(char *buf, size_t size, time_t t);

/* :register: the current name becomes this SSH key's. */
void
cmd_register(struct client *c, int argc, char **argv)
{
	const char *key;
	char *cause = NULL;

	(void)argc;
	(void)argv;
	if (c->pubkey == NULL) {
		client_line(c, MSG_REGISTER_SSH);
		return;
	}
	if (c->account != NULL) {
		client_printf(c, MSG_REGISTER_ALREADY, c->name);
		return;
	}
	if (!server.cfg->registration_open) {
		client_line(c, MSG_REGISTER_CLOSED);
		return;
	}
	key = c->pubkey;
	if (accounts_register(c->name, &key, 1, &cause) != 0) {
		client_printf(c, MSG_REGISTER_FAILED, c->name, cause);
		free(cause);
		return;
	}
	c->account = accounts_find(c->name);
	accounts_seen(c->account);
	client_printf(c, MSG_REGISTERED, c->name, c->fingerprint);
}

/* :unregister: ask, then release the current name. */
void
cmd_unregister(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (c->account == NULL) {
		client_printf(c, MSG_UNREGISTER_NOT, c->name);
		return;
	}
	c->state = CLIENT_RELEASING;
}

/*
 * :whois NAME: registered or guest, how connected, the key, the times;
 * the room only if it is public (never a hidden room or a DM).
 */
void
cmd_whois(struct client *c, int argc, char **argv)
{
	struct client *u = client_find(argv[0]);
	struct account *a = accounts_find(argv[0]);
	const char *node, *room;
	struct room *r;
	char t1[32], t2[32];

	(void)argc;
	if ((u == NULL || (u->flags & CLIENT_CLOSING)) &&
	    (node = remote_find(argv[0], &room, NULL)) != NULL) {
		client_printf(c, MSG_WHOIS_HEAD, argv[0], a != NULL ?
		    "registered" : "guest", "online");
		client_printf(c, MSG_WHOIS_NODE, node);
		if (*room != '\0' && (r = room_find(room)) != NULL &&
		    r->public)
			client_printf(c, MSG_WHOIS_ROOM, r->name);
		return;
	}
	if (u == NULL || (u->flags & CLIENT_CLOSING)) {
		if (a == NULL) {
			client_printf(c, MSG_WHOIS_NONE, argv[0]);
			return;
		}
		client_printf(c, MSG_WHOIS_HEAD, account_name(a),
		    "registered", "not online");
		if (account_seen(a) != 0) {
			cmd_date(t1, sizeof t1, account_seen(a));
			client_printf(c, MSG_WHOIS_SEEN, t1);
		} else {
			cmd_date(t1, sizeof t1, account_registered(a));
			client_printf(c, MSG_WHOIS_NEVER, t1);
		}
		return;
	}
	client_printf(c, MSG_WHOIS_HEAD, u->name, u->account != NULL ?
	    "registered" : "guest", u->tp->name);
	if (u->fingerprint != NULL)
		client_printf(c, MSG_WHOIS_KEY, u->fingerprint);
	cmd_duration(t1, sizeof t1, server_now() - u->connected);
	cmd_duration(t2, sizeof t2, server_now() - u->active);
	client_printf(c, MSG_WHOIS_TIMES, t1, t2);
	if (u->room != NULL && u->room->peer[0] == NULL && u->room->public)
		client_printf(c, MSG_WHOIS_ROOM, u->room->name);
}

/* 42s, 3m12s, 5h03m, 2d04h. */
static void
cmd_duration(char *buf, size_t size, time_t s)
{
	if (s < 60)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", (long long)s / 60,
		    (long long)s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", (long long)s / 3600,
		    (long long)s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", (long long)s / 86400,
		    (long long)s % 86400 / 3600);
}

/* 2026-11-29 14:05 UTC. */
static void
cmd_date(char *buf, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}
