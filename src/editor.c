/*
 * The line editor every terminal client gets: the server echoes and edits,
 * so the user's own terminal is raw (telnet character mode, an SSH pty).
 * It knows nothing of telnet or of the screen: bytes go in, and the caller
 * reads back the text and the cursor to draw them.
 *
 * Text is UTF-8 that was complete and valid when typed; the cursor moves
 * and erases by grapheme cluster (libunistring), so an accented letter, a
 * CJK character or an emoji sequence goes as one.
 */
#include <stdlib.h>
#include <string.h>

#include <unigbrk.h>
#include <unistr.h>

#include "editor.h"
#include "limits.h"
#include "xmalloc.h"

/* Key decoder states. */
enum editor_state {
	EDITOR_TEXT,
	EDITOR_ESC,		/* after ESC */
	EDITOR_CSI,		/* ESC [ parameters */
	EDITOR_SS3,		/* ESC O */
	EDITOR_UTF8		/* inside a multibyte character */
};

struct editor {
	uint8_t		 state;
	uint8_t		 seq_len;	/* bytes of the CSI or UTF-8 sequence */
	uint8_t		 seq_need;	/* UTF-8 bytes still expected */
	uint8_t		 seq[8];
	size_t		 len;
	size_t		 cursor;	/* byte offset into text */
	char		 text[LINE_MAX_BYTES + 1];

	char		*history[EDITOR_HISTORY_LINES];	/* oldest first */
	unsigned	 nhistory;
	unsigned	 recall;	/* == nhistory: not browsing */
	char		*draft;		/* the line typed before browsing */
};

static enum editor_event editor_text_key(struct editor *, uint8_t);
static enum editor_event editor_csi(struct editor *, uint8_t);
static enum editor_event editor_move(struct editor *, uint8_t);
static enum editor_event editor_utf8(struct editor *, uint8_t);
static enum editor_event editor_insert(struct editor *, const uint8_t *,
		    size_t);
static enum editor_event editor_erase(struct editor *, size_t, size_t);
static enum editor_event editor_backspace(struct editor *);
static enum editor_event editor_delete(struct editor *);
static enum editor_event editor_word(struct editor *);
static enum editor_event editor_recall(struct editor *, int);
static void	editor_load(struct editor *, const char *);
static void	editor_remember(struct editor *);
static size_t	editor_prev(const struct editor *, size_t);
static size_t	editor_next(const struct editor *, size_t);

/* An empty editor. */
struct editor *
editor_new(void)
{
	return (xcalloc(1, sizeof (struct editor)));
}

/* Free an editor and the lines it remembers. */
void
editor_free(struct editor *e)
{
	unsigned i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nhistory; i++)
		free(e->history[i]);
	free(e->draft);
	free(e);
}

/* Decode one byte: keys, escape sequences and UTF-8 characters. */
enum editor_event
editor_key(struct editor *e, uint8_t byte)
{
	switch (e->state) {
	case EDITOR_ESC:
		e->state = EDITOR_TEXT;
		if (byte == '[') {
			e->state = EDITOR_CSI;
			e->seq_len = 0;
			return (EDITOR_NONE);
		}
		if (byte == 'O') {
			e->state = EDITOR_SS3;
			return (EDITOR_NONE);
		}
		/* Alt-x and a lone ESC: drop the ESC, keep the key. */
		return (editor_text_key(e, byte));
	case EDITOR_CSI:
		return (editor_csi(e, byte));
	case EDITOR_SS3:
		e->state = EDITOR_TEXT;
		return (editor_move(e, byte));
	case EDITOR_UTF8:
		return (editor_utf8(e, byte));
	default:
		return (editor_text_key(e, byte));
	}
}

/* A byte outside any sequence. */
static enum editor_event
editor_text_key(struct editor *e, uint8_t byte)
{
	switch (byte) {
	case '\r':
	case '\n':
		e->text[e->len] = '\0';
		editor_remember(e);
		return (EDITOR_SUBMIT);
	case 0x03:		/* Ctrl-C */
		editor_clear(e);
		return (EDITOR_INTERRUPT);
	case 0x08:		/* Ctrl-H, backspace */
	case 0x7f:
		return (editor_backspace(e));
	case 0x04:		/* Ctrl-D */
		return (editor_delete(e));
	case 0x15:		/* Ctrl-U */
		return (editor_erase(e, 0, e->len));
	case 0x17:		/* Ctrl-W */
		return (editor_word(e));
	case 0x01:		/* Ctrl-A */
		return (editor_move(e, 'H'));
	case 0x05:		/* Ctrl-E */
		return (editor_move(e, 'F'));
	case 0x02:		/* Ctrl-B */
		return (editor_move(e, 'D'));
	case 0x06:		/* Ctrl-F */
		return (editor_move(e, 'C'));
	case 0x10:		/* Ctrl-P */
		return (editor_move(e, 'A'));
	case 0x0e:		/* Ctrl-N */
		return (editor_move(e, 'B'));
	case 0x1b:
		e->state = EDITOR_ESC;
		return (EDITOR_NONE);
	}
	if (byte < 0x20)
		return (EDITOR_NONE);
	if (byte < 0x80)
		return (editor_insert(e, &byte, 1));
	e->seq_need = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
	if (byte < 0xc2 || byte > 0xf4)
		return (EDITOR_NONE);	/* not a lead byte */
	e->seq[0] = byte;
	e->seq_len = 1;
	e->state = EDITOR_UTF8;
	return (EDITOR_NONE);
}

/* ESC [ params final: cursor keys, Home/End/Delete as VT220 numbers. */
static enum editor_event
editor_csi(struct editor *e, uint8_t byte)
{
	if (byte >= 0x20 && byte < 0x40) {
		if (e->seq_len < sizeof e->seq)
			e->seq[e->seq_len++] = byte;
		return (EDITOR_NONE);
	}
	e->state = EDITOR_TEXT;
	if (byte != '~')
		return (editor_move(e, byte));
	if (e->seq_len != 1)
		return (EDITOR_NONE);
	switch (e->seq[0]) {
	case '1':
	case '7':
		return (editor_move(e, 'H'));
	case '4':
	case '8':
		return (editor_move(e, 'F'));
	case '3':
		return (editor_delete(e));
	}
	return (EDITOR_NONE);
}

/* A cursor key by its ANSI final letter. */
static enum editor_event
editor_move(struct editor *e, uint8_t key)
{
	size_t to;

	switch (key) {
	case 'A':
		return (editor_recall(e, -1));
	case 'B':
		return (editor_recall(e, 1));
	case 'C':
		to = editor_next(e, e->cursor);
		break;
	case 'D':
		to = editor_prev(e, e->cursor);
		break;
	case 'H':
		to = 0;
		break;
	case 'F':
		to = e->len;
		break;
	default:
		return (EDITOR_NONE);
	}
	if (to == e->cursor)
		return (EDITOR_NONE);
	e->cursor = to;
	return (EDITOR_CHANGED);
}

/* A continuation byte: insert the character once whole and valid. */
static enum editor_event
editor_utf8(struct editor *e, uint8_t byte)
{
	ucs4_t uc;

	if ((byte & 0xc0) != 0x80) {
		/* Cut short: forget it and read this byte afresh. */
		e->state = EDITOR_TEXT;
		return (editor_text_key(e, byte));
	}
	e->seq[e->seq_len++] = byte;
	if (--e->seq_need > 0)
		return (EDITOR_NONE);
	e->state = EDITOR_TEXT;
	if (u8_mbtouc(&uc, e->seq, e->seq_len) != e->seq_len ||
	    uc == 0xfffd || (uc >= 0x80 && uc < 0xa0))
		return (EDITOR_NONE);	/* overlong, surrogate, C1 */
	return (editor_insert(e, e->seq, e->seq_len));
}

/* Insert bytes at the cursor if the line has room. */
static enum editor_event
editor_insert(struct editor *e, const uint8_t *bytes, size_t n)
{
	if (e->len + n > LINE_MAX_BYTES)
		return (EDITOR_BELL);
	memmove(e->text + e->cursor + n, e->text + e->cursor,
	    e->len - e->cursor);
	memcpy(e->text + e->cursor, bytes, n);
	e->len += n;
	e->cursor += n;
	return (EDITOR_CHANGED);
}

/* Remove text[from..to) and leave the cursor at from. */
static enum editor_event
editor_erase(struct editor *e, size_t from, size_t to)
{
	if (from == to)
		return (e->len == 0 ? EDITOR_BELL : EDITOR_NONE);
	memmove(e->text + from, e->text + to, e->len - to);
	e->len -= to - from;
	e->cursor = from;
	return (EDITOR_CHANGED);
}

/* Erase the character before the cursor. */
static enum editor_event
editor_backspace(struct editor *e)
{
	if (e->cursor == 0)
		return (EDITOR_BELL);
	return (editor_erase(e, editor_prev(e, e->cursor), e->cursor));
}

/* Erase the character under the cursor. */
static enum editor_event
editor_delete(struct editor *e)
{
	if (e->cursor == e->len)
		return (EDITOR_BELL);
	return (editor_erase(e, e->cursor, editor_next(e, e->cursor)));
}

/* Erase the spaces, then the word, before the cursor. */
static enum editor_event
editor_word(struct editor *e)
{
	size_t from = e->cursor;

	while (from > 0 && e->text[from - 1] == ' ')
		from--;
	while (from > 0 && e->text[from - 1] != ' ')
		from--;
	if (from == e->cursor)
		return (EDITOR_BELL);
	return (editor_erase(e, from, e->cursor));
}

/* Up (-1) or Down (1) through the lines this user sent. */
static enum editor_event
editor_recall(struct editor *e, int step)
{
	if (step < 0 && e->recall == 0)
		return (EDITOR_BELL);
	if (step > 0 && e->recall >= e->nhistory)
		return (EDITOR_BELL);
	if (e->recall == e->nhistory) {
		free(e->draft);
		e->text[e->len] = '\0';
		e->draft = xstrdup(e->text);
	}
	e->recall += step;
	editor_load(e, e->recall == e->nhistory ? e->draft :
	    e->history[e->recall]);
	return (EDITOR_CHANGED);
}

/* Replace the line with s, cursor at its end. */
static void
editor_load(struct editor *e, const char *s)
{
	size_t n = s == NULL ? 0 : strlen(s);

	if (n > LINE_MAX_BYTES)
		n = LINE_MAX_BYTES;
	memcpy(e->text, s, n);
	e->len = e->cursor = n;
}

/* Keep a submitted line for Up, unless it repeats the last one. */
static void
editor_remember(struct editor *e)
{
	free(e->draft);
	e->draft = NULL;
	e->recall = e->nhistory;
	if (e->len == 0 || e->len > EDITOR_HISTORY_BYTES ||
	    (e->nhistory > 0 &&
	    strcmp(e->history[e->nhistory - 1], e->text) == 0))
		return;
	if (e->nhistory == EDITOR_HISTORY_LINES) {
		free(e->history[0]);
		memmove(e->history, e->history + 1,
		    (EDITOR_HISTORY_LINES - 1) * sizeof e->history[0]);
		e->nhistory--;
	}
	e->history[e->nhistory++] = xstrdup(e->text);
	e->recall = e->nhistory;
}

/* Start of the grapheme cluster before byte offset at. */
static size_t
editor_prev(const struct editor *e, size_t at)
{
	const uint8_t *s = (const uint8_t *)e->text;
	const uint8_t *p;

	if (at == 0)
		return (0);
	p = u8_grapheme_prev(s + at, s);
	return (p == NULL ? 0 : (size_t)(p - s));
}

/* End of the grapheme cluster that starts at byte offset at. */
static size_t
editor_next(const struct editor *e, size_t at)
{
	const uint8_t *s = (const uint8_t *)e->text;
	const uint8_t *p;

	if (at >= e->len)
		return (e->len);
	p = u8_grapheme_next(s + at, s + e->len);
	return (p == NULL ? e->len : (size_t)(p - s));
}

/* The submitted line; the editor is empty again afterwards. */
char *
editor_line(struct editor *e, size_t *len)
{
	*len = e->len;
	e->text[e->len] = '\0';
	e->len = e->cursor = 0;
	return (e->text);
}

/* The text being typed. */
const char *
editor_text(const struct editor *e, size_t *len)
{
	*len = e->len;
	return (e->text);
}

/* Where the cursor is, in bytes. */
size_t
editor_cursor(const struct editor *e)
{
	return (e->cursor);
}

/* Drop the line being typed. */
void
editor_clear(struct editor *e)
{
	e->len = e->cursor = 0;
	e->state = EDITOR_TEXT;
	e->recall = e->nhistory;
}
