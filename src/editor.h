/* The server's line editor: keys in, an edited line and a cursor out. */
#ifndef EDITOR_H
#define EDITOR_H

#include <stddef.h>
#include <stdint.h>

/* What one key did. */
enum editor_event {
	EDITOR_NONE,		/* nothing visible (a partial sequence) */
	EDITOR_CHANGED,		/* text or cursor moved: redraw */
	EDITOR_SUBMIT,		/* Enter: editor_line() holds the line */
	EDITOR_INTERRUPT,	/* Ctrl-C: the line was discarded */
	EDITOR_BELL		/* refused: full, or nothing to erase */
};

struct editor;

struct editor	*editor_new(void);
void		 editor_free(struct editor *e);
/* One byte the user typed. */
enum editor_event editor_key(struct editor *e, uint8_t byte);
/* After EDITOR_SUBMIT: the line, NUL-terminated, valid until the next key. */
char		*editor_line(struct editor *e, size_t *len);
/* The text being typed (not NUL-terminated) and the cursor's byte offset. */
const char	*editor_text(const struct editor *e, size_t *len);
size_t		 editor_cursor(const struct editor *e);
/* Forget the line being typed (not the recalled history). */
void		 editor_clear(struct editor *e);

#endif
