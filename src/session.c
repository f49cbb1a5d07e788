/* The user's side of a connection: from the welcome to :quit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "accounts.h"
#include "client.h"
#include "cluster.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "term.h"
#include "utf8.h"
#include "verify.h"
#include "view.h"

/* A name needs one of these besides _ . - */
#define SESSION_NAME_ALNUM \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static void	session_pause_cb(evutil_socket_t fd, short what, void *arg);
static void	session_name_timeout_cb(evutil_socket_t fd, short what,
		    void *arg);
static void	session_welcome(struct client *c, const char *name);
static void	session_box(struct client *c, const char *text);
static int	session_flood_ok(struct client *c);
static void	session_naming(struct client *c, char *line, size_t len);
static void	session_named(struct client *c, const char *name);
static void	session_claimed(struct client *c, int result,
		    const char *name);
static void	session_command(struct client *c, char *line, size_t len);
static void	session_chat(struct client *c, char *line, size_t len);
static void	session_quitting(struct client *c, char *line, size_t len);
static void	session_releasing(struct client *c, char *line, size_t len);
static void	session_begin(struct client *c, const char *name);
static void	session_prompt(struct client *c);
static void	session_notice(struct client *c, const char *line);
static void	session_detach(struct client *c);

/* What a connection's events mean here (client.c calls up through it). */
const struct client_ops session_client_ops = {
	.start = session_begin,
	.line = session_line,
	.refuse = session_refuse,
	.interrupt = session_interrupt,
	.prompt = session_prompt,
	.notice = session_notice,
	.resize = view_resize,
	.detach = session_detach,
	.gone = server_maybe_done,
};

/* Line handlers by state; CONNECTING reads nothing. */
static void (*const session_handlers[])(struct client *, char *, size_t) = {
	[CLIENT_CONNECTING] = NULL,
	[CLIENT_NAMING] = session_naming,
	[CLIENT_PALETTE] = session_command,
	[CLIENT_CHATVIEW] = session_chat,
	[CLIENT_QUITTING] = session_quitting,
	[CLIENT_RELEASING] = session_releasing,
};

/* A connection is ready: with a name it brought, or to be asked for one. */
static void
session_begin(struct client *c, const char *name)
{
	if (name != NULL)
		session_start_named(c, name);
	else
		session_start(c);
}

/* The prompt of the current state (the view draws its own input row). */
static void
session_prompt(struct client *c)
{
	char prompt[ROOM_NAME_MAX + USERNAME_LIMIT_MAX * 2 + 16];

	switch (c->state) {
	case CLIENT_CONNECTING:
		return;
	case CLIENT_CHATVIEW:
		view_input_done(c);
		return;
	case CLIENT_NAMING:
		term_prompt(c->term, MSG_NAME_PROMPT);
		break;
	case CLIENT_QUITTING:
		term_prompt(c->term, MSG_QUIT_CONFIRM);
		break;
	case CLIENT_RELEASING:
		snprintf(prompt, sizeof prompt, MSG_UNREGISTER_CONFIRM,
		    c->name);
		term_prompt(c->term, prompt);
		break;
	case CLIENT_PALETTE:
		if (c->room == NULL)
			snprintf(prompt, sizeof prompt, MSG_PROMPT);
		else if (c->room->peer[0] != NULL)
			snprintf(prompt, sizeof prompt, MSG_PROMPT_DM,
			    room_dm_peer_name(c->room, c), c->name);
		else
			snprintf(prompt, sizeof prompt, MSG_PROMPT_ROOM,
			    c->room->name, c->name);
		term_prompt(c->term, prompt);
		break;
	}
}

/* A server notice, wherever the user is. */
static void
session_notice(struct client *c, const char *line)
{
	int prompted = term_prompted(c->term);

	if (c->state == CLIENT_CHATVIEW) {
		view_line(c, line, strlen(line));
		return;
	}
	client_line(c, line);
	if (prompted)
		client_prompt(c);
}

/* The connection closes: out of rooms and DMs, pending checks dropped. */
static void
session_detach(struct client *c)
{
	if (c->verify != NULL) {
		verify_cancel(c->verify);
		c->verify = NULL;
	}
	room_end_dms(c);
	room_leave(c);
	cluster_client_gone(c);
}

/* Greet now, or after the pause that slows reconnect floods. */
void
session_start(struct client *c)
{
	struct timeval tv = { CONNECT_PAUSE_MS / 1000,
	    (CONNECT_PAUSE_MS % 1000) * 1000 };

	if (!server.cfg->connection_timeout) {
		session_welcome(c, NULL);
		return;
	}
	c->state = CLIENT_CONNECTING;
	client_line(c, MSG_CONNECTING);
	c->timer = evtimer_new(server.base, session_pause_cb, c);
	evtimer_add(c->timer, &tv);
}

/* The connecting pause is over. */
static void
session_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	event_free(c->timer);
	c->timer = NULL;
	session_welcome(c, NULL);
}

/* A connection that brings its name: no connecting pause, then the name. */
void
session_start_named(struct client *c, const char *name)
{
	session_welcome(c, name);
}

/* The welcome box, the version line, then the name prompt or the name. */
static void
session_welcome(struct client *c, const char *name)
{
	struct timeval tv = { server.cfg->name_timeout, 0 };
	char line[LINE_MAX_BYTES + 1];
	size_t len;

	session_box(c, server.cfg->welcome_message);
	client_printf(c, MSG_BANNER, PACKAGE_VERSION);
	c->state = CLIENT_NAMING;
	if (server.cfg->name_timeout != 0) {
		c->timer = evtimer_new(server.base, session_name_timeout_cb, c);
		evtimer_add(c->timer, &tv);
	}
	client_enable_read(c);
	if (name == NULL) {
		client_prompt(c);
		return;
	}
	len = strlen(name);
	if (len > LINE_MAX_BYTES || !utf8_valid(name, len)) {
		session_refuse(c, MSG_NAME_CHARS);
		return;
	}
	memcpy(line, name, len + 1);
	session_naming(c, line, len);
}

/* The user took too long to choose a name. */
static void
session_name_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	event_free(c->timer);
	c->timer = NULL;
	client_farewell(c, MSG_NAME_TIMEOUT, "no username chosen in time");
}

/* Draw text, one or more lines, in a +---+ box. */
static void
session_box(struct client *c, const char *text)
{
	char line[TEXT_MAX + 8], border[TEXT_MAX + 8];
	const char *p, *end;
	size_t width = 0, w, n;

	for (p = text; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchrnul(p, '\n');
		w = utf8_width(p, end - p);
		if (w > width)
			width = w;
	}
	if (width > TEXT_MAX)
		width = TEXT_MAX;
	border[0] = '+';
	memset(border + 1, '-', width + 2);
	snprintf(border + width + 3, sizeof border - width - 3, "+");
	client_line(c, border);
	for (p = text; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchrnul(p, '\n');
		n = end - p;
		w = utf8_width(p, n);
		snprintf(line, sizeof line, "| %.*s%*s |", (int)n, p,
		    (int)(width - w), "");
		client_line(c, line);
	}
	client_line(c, border);
}

/* Token bucket: a burst of floodBurst lines, then floodRate a second. */
static int
session_flood_ok(struct client *c)
{
	const struct config *cfg = server.cfg;
	struct timeval tv;
	double now;

	if (cfg->flood_rate <= 0)
		return (1);
	event_base_gettimeofday_cached(server.base, &tv);
	now = tv.tv_sec + tv.tv_usec / 1e6;
	c->flood_tokens += (now - c->flood_stamp) * cfg->flood_rate;
	if (c->flood_tokens > cfg->flood_burst)
		c->flood_tokens = cfg->flood_burst;
	c->flood_stamp = now;
	if (c->flood_tokens >= 1) {
		c->flood_tokens -= 1;
		c->flood_strikes = 0;
		return (1);
	}
	if (++c->flood_strikes >= FLOOD_STRIKES_MAX) {
		client_farewell(c, MSG_FLOOD_KILL, "flooding");
		return (0);
	}
	session_refuse(c, MSG_FLOOD);
	return (0);
}

/* Check, clean and route one line by state. */
void
session_line(struct client *c, char *line, size_t len)
{
	size_t raw;

	if (session_handlers[c->state] == NULL || !session_flood_ok(c))
		return;
	if (!utf8_valid(line, len)) {
		session_refuse(c, MSG_BAD_UTF8);
		return;
	}
	raw = len;
	len = utf8_sanitize(line, len);
	if (len == 0 && raw != 0 && c->state == CLIENT_CHATVIEW) {
		session_refuse(c, MSG_BLANK);	/* nothing visible left */
		return;
	}
	session_handlers[c->state](c, line, len);
}

/* Tell the user why a line was refused, then prompt again. */
void
session_refuse(struct client *c, const char *why)
{
	if (c->state == CLIENT_CHATVIEW) {
		view_line(c, why, strlen(why));
		view_input_done(c);
		return;
	}
	client_line(c, why);
	client_prompt(c);
}

/* Ctrl-C: the partial line is gone; in the view, it also leaves it. */
void
session_interrupt(struct client *c)
{
	switch (c->state) {
	case CLIENT_CHATVIEW:
	case CLIENT_QUITTING:
	case CLIENT_RELEASING:
		session_palette(c);
		break;
	case CLIENT_NAMING:
	case CLIENT_PALETTE:
		client_prompt(c);
		break;
	case CLIENT_CONNECTING:
		break;
	}
}

/* Return to the palette prompt. */
void
session_palette(struct client *c)
{
	session_palette_why(c, NULL);
}

/* Return to the palette; why is said after leaving the view. */
void
session_palette_why(struct client *c, const char *why)
{
	if (c->state == CLIENT_CHATVIEW)
		view_leave(c, why);
	else if (why != NULL)
		client_line(c, why);
	c->state = CLIENT_PALETTE;
	client_prompt(c);
}

/* NAMING: each refusal says why; success enters the palette. */
static void
session_naming(struct client *c, char *line, size_t len)
{
	char why[160];
	unsigned limit = server.cfg->username_limit;
	struct account *a = NULL;

	if (len == 0)
		snprintf(why, sizeof why, MSG_NAME_EMPTY);
	else if (utf8_length(line, len) > limit)
		snprintf(why, sizeof why, MSG_NAME_LONG, limit);
	else if (!config_valid_name(line, limit))
		snprintf(why, sizeof why, MSG_NAME_CHARS);
	else if (strpbrk(line, SESSION_NAME_ALNUM) == NULL)
		snprintf(why, sizeof why, MSG_NAME_NO_ALNUM);
	else if (client_find(line) != NULL)
		snprintf(why, sizeof why, MSG_NAME_TAKEN, line);
	else if ((a = accounts_find(line)) != NULL &&
	    !accounts_owns(a, c->fingerprint))
		snprintf(why, sizeof why, MSG_NAME_REGISTERED, account_name(a));
	else if (a == NULL && !server.cfg->guests)
		snprintf(why, sizeof why, MSG_NAME_GUESTS_OFF);
	else if (cluster_enabled() && !cluster_up())
		snprintf(why, sizeof why, MSG_NAME_UNCHECKED);
	else {
		if (a != NULL) {
			/* The owner: under the name as registered. */
			c->account = a;
			accounts_seen(a);
			line = (char *)account_name(a);
		}
		if (!cluster_enabled()) {
			session_named(c, line);
			return;
		}
		/*
		 * Unique across the cluster: input waits for Redis, and
		 * the name timeout (a timer would keep input held) starts
		 * again if the name is refused.
		 */
		if (c->timer != NULL) {
			event_free(c->timer);
			c->timer = NULL;
		}
		client_hold_read(c);
		cluster_name_claim(c, line, session_claimed);
		return;
	}
	session_refuse(c, why);
}

/* Redis answered the claim of name for c. */
static void
session_claimed(struct client *c, int result, const char *name)
{
	struct timeval tv = { server.cfg->name_timeout, 0 };
	char why[160];

	if (result == CLUSTER_CLAIM_OK && client_find(name) == NULL) {
		session_named(c, name);
		client_release_read(c, 0);
		return;
	}
	c->account = NULL;
	if (result == CLUSTER_CLAIM_UNCHECKED)
		snprintf(why, sizeof why, MSG_NAME_UNCHECKED);
	else
		snprintf(why, sizeof why, MSG_NAME_TAKEN, name);
	session_refuse(c, why);
	client_release_read(c, 0);
	if (server.cfg->name_timeout != 0 && c->timer == NULL &&
	    !(c->flags & CLIENT_CLOSING)) {
		c->timer = evtimer_new(server.base, session_name_timeout_cb, c);
		evtimer_add(c->timer, &tv);
	}
}

/* The name is c's: on to the palette. */
static void
session_named(struct client *c, const char *name)
{
	if (c->timer != NULL) {
		event_free(c->timer);
		c->timer = NULL;
	}
	client_set_name(c, name);
	cluster_user_named(c);
	client_printf(c, MSG_NAME_OK, c->name);
	c->state = CLIENT_PALETTE;
	client_prompt(c);
}

/* PALETTE: commands start with ':'; anything else earns a hint. */
static void
session_command(struct client *c, char *line, size_t len)
{
	if (len == 0) {
		client_prompt(c);
		return;
	}
	if (line[0] != ':') {
		session_refuse(c, MSG_HINT_CHAT);
		return;
	}
	cmd_dispatch(c, line + 1);
}

/* CHATVIEW: every line is a message; ":q" returns to the palette. */
static void
session_chat(struct client *c, char *line, size_t len)
{
	char why[128];
	size_t chars;

	if (strcmp(line, ":q") == 0) {
		session_palette(c);
		return;
	}
	if (len == 0) {
		view_input_done(c);
		return;
	}
	chars = utf8_length(line, len);
	if (chars > server.cfg->message_limit) {
		snprintf(why, sizeof why, MSG_TOO_LONG, chars,
		    server.cfg->message_limit);
		session_refuse(c, why);
		return;
	}
	room_say(c, line);
	view_input_done(c);
}

/* RELEASING: y gives the name up, n keeps it. */
static void
session_releasing(struct client *c, char *line, size_t len)
{
	char *cause = NULL;

	(void)len;
	if (strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0) {
		if (accounts_unregister(c->name, &cause) != 0) {
			client_printf(c, MSG_UNREGISTER_FAILED, c->name, cause);
			free(cause);
		} else {
			c->account = NULL;
			client_printf(c, MSG_UNREGISTERED, c->name);
		}
		session_palette(c);
	} else if (strcasecmp(line, "n") == 0 || strcasecmp(line, "no") == 0)
		session_palette(c);
	else
		client_prompt(c);
}

/* QUITTING: y leaves, n returns, anything else asks again. */
static void
session_quitting(struct client *c, char *line, size_t len)
{
	(void)len;
	if (strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0) {
		client_farewell(c, MSG_GOODBYE, "quit");
	} else if (strcasecmp(line, "n") == 0 || strcasecmp(line, "no") == 0)
		session_palette(c);
	else
		client_prompt(c);
}
