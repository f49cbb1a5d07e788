/*
 * The chat view. Plain clients get one line per message. Telnet terminals
 * get a split screen: a scroll region for the conversation above a status
 * row and the input row. A new message is drawn by saving the cursor,
 * jumping to the region's last row, scrolling it with CRLF, writing the
 * line and restoring the cursor: a constant number of bytes however long
 * the history is. The terminal keeps its own line editing and echo.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "config.h"
#include "history.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "view.h"

static unsigned	view_rows(const struct client *c);
static void	view_history_line(const char *line, size_t len, void *arg);
static void	view_draw(struct client *c);
static void	view_status(struct client *c);

/* Rows of the client's screen; 24 if it did not say (NAWS 0x0). */
static unsigned
view_rows(const struct client *c)
{
	if (c->rows == 0)
		return (TERM_DEFAULT_ROWS);
	return (c->rows < TERM_MIN_ROWS ? TERM_MIN_ROWS : c->rows);
}

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
	if (c->flags & CLIENT_TERMINAL) {
		view_draw(c);
		return;
	}
	client_printf(c, MSG_CHAT_ENTER, room_label(c->room, c));
	history_since(c->room->history, c->joined_seq, view_history_line, c);
}

/* Draw the whole split screen: only on entering or resizing. */
static void
view_draw(struct client *c)
{
	char buf[64];
	unsigned rows = view_rows(c);

	snprintf(buf, sizeof buf, "\033[r\033[2J\033[1;%ur\033[%u;1H",
	    rows - 2, rows - 2);
	client_write(c, buf, strlen(buf));
	history_since(c->room->history, c->joined_seq, view_history_line, c);
	view_status(c);
	view_input_done(c);
}

/* The status row between the conversation and the input row. */
static void
view_status(struct client *c)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof buf, "\033[%u;1H\033[2K\033[7m ",
	    view_rows(c) - 1);
	n += snprintf(buf + n, sizeof buf - n, MSG_CHAT_ENTER,
	    room_label(c->room, c));
	snprintf(buf + n, sizeof buf - n, " \033[0m");
	client_write(c, buf, strlen(buf));
}

/* Leave the view: give the whole screen back. */
void
view_leave(struct client *c)
{
	static const char reset[] = "\033[r\033[2J\033[H";

	if (c->flags & CLIENT_TERMINAL)
		client_write(c, reset, sizeof reset - 1);
	client_line(c, MSG_CHAT_LEAVE);
}

/* One line into the view, in O(1) bytes. */
void
view_line(struct client *c, const char *line, size_t len)
{
	char pre[32];
	int n;

	if (!(c->flags & CLIENT_TERMINAL)) {
		client_write(c, line, len);
		client_write(c, "\r\n", 2);
		return;
	}
	n = snprintf(pre, sizeof pre, "\0337\033[%u;1H\r\n", view_rows(c) - 2);
	client_write(c, pre, n);
	client_write(c, line, len);
	client_write(c, "\0338", 2);
}

/* A fanned-out line whose CRLF follows it: plain clients take both at once. */
void
view_say(struct client *c, const char *line, size_t len)
{
	if (!(c->flags & CLIENT_TERMINAL)) {
		client_write(c, line, len + 2);
		return;
	}
	view_line(c, line, len);
}

/* Clear the input row and show where to type. */
void
view_input_done(struct client *c)
{
	char buf[32 + ROOM_NAME_MAX + USERNAME_LIMIT_MAX * 2];
	int n;

	if (!(c->flags & CLIENT_TERMINAL))
		return;
	n = snprintf(buf, sizeof buf, "\033[%u;1H\033[2K%s> ", view_rows(c),
	    c->name);
	client_write(c, buf, n);
}

/* A new terminal size: redraw. */
void
view_resize(struct client *c)
{
	view_draw(c);
}
