/*
 * A user's terminal: what it can show, its size, the prompt and the line
 * editor. Bytes and terminal events come in; screen updates go out through
 * ops->write. It knows no transport (telnet, SSH) and no conversation.
 */
#ifndef TERM_H
#define TERM_H

#include <stddef.h>
#include <stdint.h>

/* What the transport learned the terminal does. */
#define TERM_SCREEN	0x01	/* cursor movement, scroll regions */
#define TERM_EDIT	0x02	/* raw input: the server echoes and edits */

struct term_ops {
	/* Screen bytes for the user. */
	void	(*write)(void *arg, const void *buf, size_t len);
	/* A line the editor finished (TERM_EDIT). */
	void	(*line)(void *arg, char *line, size_t len);
	/* Ctrl-C typed in the editor. */
	void	(*interrupt)(void *arg);
	/* A prompt now waits for input (a MUD client wants a GA). */
	void	(*prompted)(void *arg);
};

struct term;

struct term	*term_new(const struct term_ops *ops, void *arg);
void		 term_free(struct term *t);
void		 term_set_mode(struct term *t, int mode);
int		 term_mode(const struct term *t);
/* The size the client reported; 0 is unknown. */
void		 term_resize(struct term *t, unsigned cols, unsigned rows);
unsigned	 term_cols(const struct term *t);
/* The size as reported (0: unknown). */
unsigned	 term_cols_reported(const struct term *t);
unsigned	 term_rows_reported(const struct term *t);

/* Input, in TERM_EDIT mode: one byte typed. */
void		 term_key(struct term *t, uint8_t byte);
/* Ctrl-C from the transport: drop the line being typed. */
void		 term_interrupt(struct term *t);
/* The Ctrl-C is acted on now: end the prompt's row. */
void		 term_interrupted(struct term *t);
/* The end of a chunk of input: draw the input row if it changed. */
void		 term_flush(struct term *t);

/* A line of text; a prompt shown before it is ended first. */
void		 term_line(struct term *t, const char *line, size_t len);
/* Show a prompt and wait for input (in the split screen: the input row). */
void		 term_prompt(struct term *t, const char *prompt);
/* 1 if a prompt is waiting since the last output. */
int		 term_prompted(const struct term *t);
void		 term_bell(struct term *t);

/* Split the screen for a conversation: 0 if the terminal cannot. */
int		 term_split(struct term *t);
int		 term_is_split(const struct term *t);
/* The status row of the split screen. */
void		 term_status(struct term *t, const char *text);
/*
 * A line of the conversation, wrapped to the width with continuation
 * rows indented by indent columns; if crlf, line[len..len+2) is CRLF.
 */
void		 term_message(struct term *t, const char *line, size_t len,
		    unsigned indent, int crlf);
/* Give the whole screen back (leaving the view). */
void		 term_unsplit(struct term *t);
/* Leave the terminal as it was found, before a farewell line. */
void		 term_restore(struct term *t);

#endif
