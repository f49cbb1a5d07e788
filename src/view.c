/*
 * The chat view, as the conversation sees it: entering it shows the room's
 * recent lines, then live ones; leaving it says so. How it looks is the
 * terminal's: a split screen when the terminal can, plain lines otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "config.h"
#include "history.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "term.h"
#include "view.h"

static void	view_history_line(const char *line, size_t len, void *arg);
static void	view_draw(struct client *c);

/* history_since() callback: one kept line into the view. */
static void
view_history_line(const char *line, size_t len, void *arg)
{
	view_line(arg, line, len);
}

/* Enter the view: the header, the history since joining, then live lines. */
void
view_enter(struct client *c)
{
	view_draw(c);
}

/* Everything the view shows, from the top. */
static void
view_draw(struct client *c)
{
	char status[TEXT_MAX];

	snprintf(status, sizeof status, MSG_CHAT_ENTER,
	    room_label(c->room, c));
	if (term_split(c->term)) {
		history_since(c->room->history, c->joined_seq,
		    view_history_line, c);
		term_status(c->term, status);
		return;
	}
	client_line(c, status);
	history_since(c->room->history, c->joined_seq, view_history_line, c);
}

/* Leave the view: the screen is the user's again; why, if there is a why. */
void
view_leave(struct client *c, const char *why)
{
	term_unsplit(c->term);
	if (why != NULL)
		client_line(c, why);
	client_line(c, MSG_CHAT_LEAVE);
}

/* One line into c's view; rows after its first are indented. */
void
view_line(struct client *c, const char *line, size_t len)
{
	term_message(c->term, line, len, server.cfg->username_limit + 4, 0);
}

/* A fanned-out line whose CRLF follows it: plain clients take both at once. */
void
view_say(struct client *c, const char *line, size_t len)
{
	term_message(c->term, line, len, server.cfg->username_limit + 4, 1);
}

/* Show where to type: the input row of a screen or an editor. */
void
view_input_done(struct client *c)
{
	char prompt[USERNAME_LIMIT_MAX + 4];

	if (!term_is_split(c->term) && !(term_mode(c->term) & TERM_EDIT))
		return;
	snprintf(prompt, sizeof prompt, "%s> ", c->name);
	term_prompt(c->term, prompt);
}

/* A new terminal size: redraw. */
void
view_resize(struct client *c)
{
	view_draw(c);
	view_input_done(c);
}
