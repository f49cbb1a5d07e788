/*
 * The terminal layer. A plain client (nc, a bot, a MUD client) gets lines
 * and nothing else. A screen gets the split chat view: a scroll region for
 * the conversation, a status row and the input row; a line enters the
 * region in a constant number of bytes plus its own (saving the cursor,
 * scrolling the region's last row, restoring the cursor), so whatever is
 * being typed on the input row is never disturbed. A raw terminal
 * (TERM_EDIT) also gets the server's line editor: every key comes here and
 * the input row is redrawn from the editor's text, scrolled sideways when
 * the line is wider than the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <uniwidth.h>

#include "editor.h"
#include "limits.h"
#include "term.h"
#include "xmalloc.h"

#define TERM_SPLIT	0x01	/* the chat view's regions are set */
#define TERM_PROMPTED	0x02	/* a prompt waits since the last output */
#define TERM_DIRTY	0x04	/* the input row needs drawing */

#define TERM_PROMPT_MAX	128

/* What only a raw terminal needs: kept apart to keep plain clients small. */
struct term_edit {
	struct editor	*editor;
	unsigned	 scroll;	/* first text column on the input row */
	size_t		 prompt_len;
	char		 prompt[TERM_PROMPT_MAX];
};

struct term {
	const struct term_ops	*ops;
	void			*arg;
	struct term_edit	*edit;
	uint8_t			 mode;
	uint8_t			 flags;
	uint16_t		 cols;
	uint16_t		 rows;
};

static unsigned	term_rows(const struct term *);
static void	term_write(struct term *, const void *, size_t);
static void	term_puts(struct term *, const char *);
static void	term_render(struct term *);
static unsigned	term_width(const char *, size_t);
static size_t	term_fit(const char *, size_t, unsigned, unsigned *);
static void	term_wrapped(struct term *, const char *, size_t, unsigned);

/* A terminal that is plain until the transport says otherwise. */
struct term *
term_new(const struct term_ops *ops, void *arg)
{
	struct term *t;

	t = xcalloc(1, sizeof *t);
	t->ops = ops;
	t->arg = arg;
	return (t);
}

/* Free a terminal and its editor. */
void
term_free(struct term *t)
{
	if (t == NULL)
		return;
	if (t->edit != NULL)
		editor_free(t->edit->editor);
	free(t->edit);
	free(t);
}

/* Learn what the terminal can do; the editor comes with TERM_EDIT. */
void
term_set_mode(struct term *t, int mode)
{
	if ((mode & TERM_EDIT) && t->edit == NULL) {
		t->edit = xcalloc(1, sizeof *t->edit);
		t->edit->editor = editor_new();
	}
	t->mode = mode;
}

/* What the terminal can do. */
int
term_mode(const struct term *t)
{
	return (t->mode);
}

/* A new size: the input row follows; the view redraws itself. */
void
term_resize(struct term *t, unsigned cols, unsigned rows)
{
	t->cols = cols > 0xffff ? 0xffff : cols;
	t->rows = rows > 0xffff ? 0xffff : rows;
	if ((t->mode & TERM_EDIT) && (t->flags & TERM_PROMPTED) &&
	    !(t->flags & TERM_SPLIT))
		term_render(t);
}

/* Columns to lay text out in. */
unsigned
term_cols(const struct term *t)
{
	if (t->cols == 0)
		return (TERM_DEFAULT_COLS);
	return (t->cols < 20 ? 20 : t->cols);
}

/* The width the client reported, 0 if unknown. */
unsigned
term_cols_reported(const struct term *t)
{
	return (t->cols);
}

/* The height the client reported, 0 if unknown. */
unsigned
term_rows_reported(const struct term *t)
{
	return (t->rows);
}

/* Rows of the screen; 24 if it did not say. */
static unsigned
term_rows(const struct term *t)
{
	return (t->rows == 0 ? TERM_DEFAULT_ROWS : t->rows);
}

/* Output to the user; the prompt is no longer the last thing shown. */
static void
term_write(struct term *t, const void *buf, size_t len)
{
	t->ops->write(t->arg, buf, len);
}

/* term_write() of a string. */
static void
term_puts(struct term *t, const char *s)
{
	term_write(t, s, strlen(s));
}

/* One byte typed on a raw terminal. */
void
term_key(struct term *t, uint8_t byte)
{
	struct editor *e;
	char *line;
	size_t len;

	if (t->edit == NULL || !(t->mode & TERM_EDIT))
		return;
	e = t->edit->editor;
	switch (editor_key(e, byte)) {
	case EDITOR_NONE:
		break;
	case EDITOR_CHANGED:
		t->flags |= TERM_DIRTY;
		break;
	case EDITOR_BELL:
		term_write(t, "\a", 1);
		break;
	case EDITOR_SUBMIT:
		term_flush(t);
		if ((t->flags & TERM_PROMPTED) && !(t->flags & TERM_SPLIT))
			term_write(t, "\r\n", 2);
		t->flags &= ~TERM_PROMPTED;
		t->edit->scroll = 0;
		line = editor_line(e, &len);
		t->ops->line(t->arg, line, len);
		break;
	case EDITOR_INTERRUPT:
		t->ops->interrupt(t->arg);
		break;
	}
}

/* Ctrl-C: the line being typed is gone. */
void
term_interrupt(struct term *t)
{
	if (t->edit != NULL) {
		editor_clear(t->edit->editor);
		t->edit->scroll = 0;
	}
	t->flags &= ~TERM_DIRTY;
}

/* Ctrl-C acted on: a prompt on its own row is ended. */
void
term_interrupted(struct term *t)
{
	if ((t->flags & (TERM_PROMPTED | TERM_SPLIT)) == TERM_PROMPTED)
		term_puts(t, (t->mode & TERM_EDIT) ? "^C\r\n" : "\r\n");
	t->flags &= ~TERM_PROMPTED;
}

/* After a chunk of input: one redraw however many keys it held. */
void
term_flush(struct term *t)
{
	if ((t->flags & (TERM_DIRTY | TERM_PROMPTED)) ==
	    (TERM_DIRTY | TERM_PROMPTED))
		term_render(t);
	t->flags &= ~TERM_DIRTY;
}

/* A line of text outside the conversation. */
void
term_line(struct term *t, const char *line, size_t len)
{
	if (t->flags & TERM_SPLIT) {
		term_message(t, line, len, 2, 0);
		return;
	}
	if (t->flags & TERM_PROMPTED)
		term_puts(t, (t->mode & TERM_EDIT) ? "\r\033[K" : "\r\n");
	t->flags &= ~TERM_PROMPTED;
	term_write(t, line, len);
	term_write(t, "\r\n", 2);
}

/* Show a prompt; a raw terminal gets it with the line being edited. */
void
term_prompt(struct term *t, const char *prompt)
{
	char pos[32];
	struct term_edit *ed = t->edit;

	if ((t->mode & TERM_EDIT) && ed != NULL) {
		ed->prompt_len = strlen(prompt);
		if (ed->prompt_len >= sizeof ed->prompt)
			ed->prompt_len = sizeof ed->prompt - 1;
		memcpy(ed->prompt, prompt, ed->prompt_len);
		t->flags |= TERM_PROMPTED;
		term_render(t);
	} else {
		if (t->flags & TERM_SPLIT) {
			snprintf(pos, sizeof pos, "\033[%u;1H\033[2K",
			    term_rows(t));
			term_puts(t, pos);
		}
		term_puts(t, prompt);
		t->flags |= TERM_PROMPTED;
	}
	t->ops->prompted(t->arg);
}

/* Whether a prompt is the last thing shown. */
int
term_prompted(const struct term *t)
{
	return ((t->flags & TERM_PROMPTED) != 0);
}

/* Ring the bell (the transport knows whether there is one). */
void
term_bell(struct term *t)
{
	term_write(t, "\a", 1);
}

/*
 * Draw the input row: the prompt, then as much of the text around the
 * cursor as fits before the last column, then place the cursor.
 */
static void
term_render(struct term *t)
{
	struct term_edit *ed = t->edit;
	char buf[TERM_PROMPT_MAX + LINE_MAX_BYTES + 64];
	const char *text;
	size_t len, cursor, i, n;
	unsigned pw, avail, cc, col, w;
	ucs4_t uc;
	int k;

	text = editor_text(ed->editor, &len);
	cursor = editor_cursor(ed->editor);
	pw = term_width(ed->prompt, ed->prompt_len);
	avail = term_cols(t) > pw + 11 ? term_cols(t) - pw - 1 : 10;
	cc = term_width(text, cursor);
	if (cc < ed->scroll)
		ed->scroll = cc > avail / 4 ? cc - avail / 4 : 0;
	else if (cc > ed->scroll + avail)
		ed->scroll = cc - avail;

	if (t->flags & TERM_SPLIT)
		n = snprintf(buf, sizeof buf, "\033[%u;1H", term_rows(t));
	else
		n = snprintf(buf, sizeof buf, "\r");
	memcpy(buf + n, ed->prompt, ed->prompt_len);
	n += ed->prompt_len;
	for (i = 0, col = 0; i < len; i += k, col += w) {
		k = u8_mbtouc(&uc, (const uint8_t *)text + i, len - i);
		w = uc_width(uc, "UTF-8") < 0 ? 0 : uc_width(uc, "UTF-8");
		if (col + w > ed->scroll + avail)
			break;
		if (col < ed->scroll) {
			/* Half a wide character at the left edge: a space. */
			if (col + w > ed->scroll)
				buf[n++] = ' ';
			continue;
		}
		memcpy(buf + n, text + i, k);
		n += k;
	}
	n += snprintf(buf + n, sizeof buf - n, "\033[K");
	col = pw + cc - ed->scroll;
	if (t->flags & TERM_SPLIT)
		n += snprintf(buf + n, sizeof buf - n, "\033[%u;%uH",
		    term_rows(t), col + 1);
	else if (col > 0)
		n += snprintf(buf + n, sizeof buf - n, "\r\033[%uC", col);
	else
		n += snprintf(buf + n, sizeof buf - n, "\r");
	term_write(t, buf, n);
}

/* Display columns of UTF-8 text (what cannot be shown counts 0). */
static unsigned
term_width(const char *s, size_t len)
{
	int w = u8_width((const uint8_t *)s, len, "UTF-8");

	return (w < 0 ? 0 : (unsigned)w);
}

/*
 * Bytes of s that fit in width columns, broken after a space when one is
 * in the second half of the row; *used gets the columns they take.
 */
static size_t
term_fit(const char *s, size_t len, unsigned width, unsigned *used)
{
	size_t i = 0, space = 0;
	unsigned col = 0, at_space = 0, w;
	ucs4_t uc;
	int k = 1, cw;

	while (i < len) {
		k = u8_mbtouc(&uc, (const uint8_t *)s + i, len - i);
		cw = uc_width(uc, "UTF-8");
		w = cw < 0 ? 0 : (unsigned)cw;
		if (col + w > width)
			break;
		col += w;
		i += k;
		if (uc == ' ' && col > width / 2) {
			space = i;
			at_space = col;
		}
	}
	if (i < len && space > 0) {
		*used = at_space;
		return (space);
	}
	*used = col;
	return (i == 0 && len > 0 ? (size_t)k : i);
}

/* Split the screen for the chat view, or say it cannot be done. */
int
term_split(struct term *t)
{
	char buf[64];
	unsigned rows = term_rows(t);

	if (!(t->mode & TERM_SCREEN) || rows < TERM_MIN_ROWS) {
		term_unsplit(t);
		return (0);
	}
	snprintf(buf, sizeof buf, "\033[r\033[2J\033[1;%ur\033[%u;1H",
	    rows - 2, rows - 2);
	term_puts(t, buf);
	t->flags |= TERM_SPLIT;
	t->flags &= ~TERM_PROMPTED;
	return (1);
}

/* Whether the chat view's split screen is up. */
int
term_is_split(const struct term *t)
{
	return ((t->flags & TERM_SPLIT) != 0);
}

/* The reverse-video row between the conversation and the input row. */
void
term_status(struct term *t, const char *text)
{
	char buf[TEXT_MAX + 64];
	size_t len = strlen(text);
	unsigned used;
	int n;

	if (!(t->flags & TERM_SPLIT))
		return;
	len = term_fit(text, len, term_cols(t) - 2, &used);
	n = snprintf(buf, sizeof buf, "\033[%u;1H\033[2K\033[7m %.*s \033[0m",
	    term_rows(t) - 1, (int)len, text);
	term_write(t, buf, n);
	t->flags &= ~TERM_PROMPTED;
}

/* A conversation line: into the region, or as a plain line. */
void
term_message(struct term *t, const char *line, size_t len, unsigned indent,
    int crlf)
{
	char pre[32];
	int n;

	if (t->flags & TERM_SPLIT) {
		n = snprintf(pre, sizeof pre, "\0337\033[%u;1H",
		    term_rows(t) - 2);
		term_write(t, pre, n);
		term_wrapped(t, line, len, indent);
		term_write(t, "\0338", 2);
		return;
	}
	if ((t->flags & TERM_PROMPTED) && (t->mode & TERM_EDIT)) {
		term_puts(t, "\r\033[K");
		term_write(t, line, len);
		term_write(t, "\r\n", 2);
		term_render(t);
		return;
	}
	if (t->flags & TERM_PROMPTED)
		term_write(t, "\r\n", 2);
	t->flags &= ~TERM_PROMPTED;
	if (crlf)
		term_write(t, line, len + 2);
	else {
		term_write(t, line, len);
		term_write(t, "\r\n", 2);
	}
}

/*
 * Scroll the region once per row of the line: rows after the first start
 * indent columns in, so no message can begin a row at the left edge where
 * it would pass for another user's line or the server's.
 */
static void
term_wrapped(struct term *t, const char *line, size_t len, unsigned indent)
{
	static const char spaces[] = "                                        ";
	unsigned width = term_cols(t) - 1, used;
	size_t n;

	if (indent > width / 2 || indent >= sizeof spaces)
		indent = width / 2 < sizeof spaces - 1 ? width / 2 :
		    sizeof spaces - 1;
	term_write(t, "\r\n", 2);
	if (len <= width) {
		term_write(t, line, len);
		return;
	}
	n = term_fit(line, len, width, &used);
	term_write(t, line, n);
	for (line += n, len -= n; len > 0; line += n, len -= n) {
		while (len > 0 && *line == ' ') {
			line++;
			len--;
		}
		if (len == 0)
			break;
		term_write(t, "\r\n", 2);
		term_write(t, spaces, indent);
		n = term_fit(line, len, width - indent, &used);
		term_write(t, line, n);
	}
}

/* Leave the split screen: the whole screen is the user's again. */
void
term_unsplit(struct term *t)
{
	if (!(t->flags & TERM_SPLIT))
		return;
	term_puts(t, "\033[r\033[2J\033[H");
	t->flags &= ~(TERM_SPLIT | TERM_PROMPTED);
}

/*
 * Before the last words to a user: no scroll region, default attributes,
 * the cursor on a fresh last row; a prompt left waiting is ended.
 */
void
term_restore(struct term *t)
{
	char buf[48];

	if (t->flags & TERM_SPLIT) {
		snprintf(buf, sizeof buf, "\033[r\033[m\033[%u;1H\r\n",
		    term_rows(t));
		term_puts(t, buf);
	} else if (t->flags & TERM_PROMPTED)
		term_write(t, "\r\n", 2);
	t->flags &= ~(TERM_SPLIT | TERM_PROMPTED);
}
