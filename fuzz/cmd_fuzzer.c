/*
 * libFuzzer harness for everything a user can reach: three connections to
 * the in-process server, the input split between them. Covers telnet
 * decoding, naming, the palette commands, rooms, DMs and the chat view.
 *
 * Input: bytes go to the current connection, except
 *	0x01 N	switch to connection N % 3
 *	0x02	pump the event loop (the bytes so far arrive as one read)
 *	0x04	expire the current connection's timer (pause, timeout)
 *	0x05	hang up the current connection
 * At the end every connection hangs up and must be freed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-server.h"

#define FUZZ_CONNS	3
#define FUZZ_ROUNDS	3

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_flush(struct fuzz_conn *fcs, struct fuzz_conn *fc,
		    const uint8_t *from, const uint8_t *to);

/* The server, once per process. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_server_init();
	return (0);
}

/* Send the pending bytes and let the daemon act on them. */
static void
fuzz_flush(struct fuzz_conn *fcs, struct fuzz_conn *fc, const uint8_t *from,
    const uint8_t *to)
{
	if (to > from)
		fuzz_send(fc, from, to - from);
	fuzz_pump(fcs, FUZZ_CONNS, FUZZ_ROUNDS);
}

/* Connect, play the input, hang up. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_conn fcs[FUZZ_CONNS], *fc;
	const uint8_t *p = data, *end = data + size, *from = data;
	size_t i;

	for (i = 0; i < FUZZ_CONNS; i++)
		fuzz_connect(&fcs[i]);
	fuzz_pump(fcs, FUZZ_CONNS, FUZZ_ROUNDS);
	fc = &fcs[0];
	for (; p < end; p++) {
		if (*p != 0x01 && *p != 0x02 && *p != 0x04 && *p != 0x05)
			continue;
		fuzz_flush(fcs, fc, from, p);
		switch (*p) {
		case 0x01:
			if (p + 1 < end)
				p++;
			fc = &fcs[*p % FUZZ_CONNS];
			break;
		case 0x04:
			fuzz_fire_timer(fc);
			fuzz_pump(fcs, FUZZ_CONNS, FUZZ_ROUNDS);
			break;
		case 0x05:
			fuzz_disconnect(fc, 1);
			fuzz_pump(fcs, FUZZ_CONNS, FUZZ_ROUNDS);
			break;
		}
		from = p + 1;
	}
	fuzz_flush(fcs, fc, from, end);
	fuzz_disconnect(fcs, FUZZ_CONNS);
	return (0);
}
