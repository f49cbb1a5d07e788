/*
 * libFuzzer harness for the line editor and the screen: whatever a user
 * types, the lines it submits, once checked and cleaned as the session
 * does, reach another user's split screen as text only, framed by the
 * screen's own cursor save, move and restore and nothing else.
 *
 * The first two bytes pick the other screen's width and height.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_own_write(void *, const void *, size_t);
static void	fuzz_peer_write(void *, const void *, size_t);
static void	fuzz_line(void *, char *, size_t);
static void	fuzz_nothing(void *);
static void	fuzz_check_peer(void);

static const struct term_ops fuzz_own_ops = {
	fuzz_own_write, fuzz_line, fuzz_nothing, fuzz_nothing
};
static const struct term_ops fuzz_peer_ops = {
	fuzz_peer_write, fuzz_line, fuzz_nothing, fuzz_nothing
};

static struct term	*peer;
static uint8_t		 peer_out[65536];
static size_t		 peer_len;

/* The typing user's own screen may show anything: only count it. */
static void
fuzz_own_write(void *arg, const void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	if (len > 8192)
		abort();	/* one redraw is bounded by a line */
}

/* What the other user's screen receives. */
static void
fuzz_peer_write(void *arg, const void *buf, size_t len)
{
	(void)arg;
	if (peer_len + len > sizeof peer_out)
		abort();
	memcpy(peer_out + peer_len, buf, len);
	peer_len += len;
}

/* A submitted line: cleaned as session_line() does, then shown to peer. */
static void
fuzz_line(void *arg, char *line, size_t len)
{
	(void)arg;
	if (!utf8_valid(line, len))
		return;
	len = utf8_sanitize(line, len);
	peer_len = 0;
	term_message(peer, line, len, 14, 0);
	fuzz_check_peer();
}

/* Interrupt and prompted: nothing to check. */
static void
fuzz_nothing(void *arg)
{
	(void)arg;
}

/*
 * The peer got ESC 7, ESC [ n ; 1 H, then rows of text separated by CR LF
 * and indents, then ESC 8: no other escape and no control character.
 */
static void
fuzz_check_peer(void)
{
	size_t i = 0, end = peer_len;

	if (end < 4 || memcmp(peer_out, "\0337\033[", 4) != 0)
		abort();
	for (i = 4; i < end && peer_out[i] != 'H'; i++)
		;
	if (memcmp(peer_out + end - 2, "\0338", 2) != 0)
		abort();
	for (i++, end -= 2; i < end; i++) {
		if (peer_out[i] == '\r' && i + 1 < end &&
		    peer_out[i + 1] == '\n') {
			i++;
			continue;
		}
		if (peer_out[i] < 0x20 || peer_out[i] == 0x7f)
			abort();
		if (peer_out[i] == 0xc2 && i + 1 < end &&
		    peer_out[i + 1] >= 0x80 && peer_out[i + 1] <= 0x9f)
			abort();	/* a C1 control */
	}
}

/* Type the input into an editing screen. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct term *own;
	size_t i;

	if (size < 2)
		return (0);
	own = term_new(&fuzz_own_ops, NULL);
	peer = term_new(&fuzz_peer_ops, NULL);
	term_set_mode(own, TERM_SCREEN | TERM_EDIT);
	term_set_mode(peer, TERM_SCREEN);
	term_resize(own, data[0], data[1]);
	term_resize(peer, data[1], data[0] | 8);
	term_split(peer);
	term_prompt(own, "[general/alice]> ");
	for (i = 2; i < size; i++) {
		term_key(own, data[i]);
		if (data[i] == '\r')
			term_prompt(own, "[general/alice]> ");
		if (i % 64 == 0)
			term_flush(own);
	}
	term_flush(own);
	term_free(own);
	term_free(peer);
	return (0);
}
