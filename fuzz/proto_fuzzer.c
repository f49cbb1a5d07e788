/*
 * libFuzzer harness for the telnet decoder and line framer: arbitrary bytes
 * fed in chunks whose sizes come from the input, every event checked, and
 * every line cleaned as the session does, checking what may reach a screen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "proto.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_line(void *arg, char *line, size_t len);
static void	fuzz_overlong(void *arg);
static void	fuzz_interrupt(void *arg);
static void	fuzz_option(void *arg, int verb, int opt);
static void	fuzz_naws(void *arg, unsigned cols, unsigned rows);
static void	fuzz_ttype(void *arg, const char *name);
static void	fuzz_check_clean(const char *s, size_t len, size_t inlen);

static const struct proto_ops fuzz_ops = {
	.line = fuzz_line,
	.overlong = fuzz_overlong,
	.interrupt = fuzz_interrupt,
	.option = fuzz_option,
	.naws = fuzz_naws,
	.ttype = fuzz_ttype,
};

/* Stop after the n-th event when nonzero, as a pausing client does. */
static unsigned	fuzz_stop_at;
static unsigned	fuzz_events;
static struct proto *fuzz_proto;

/* Count an event and maybe ask the decoder to stop. */
static void
fuzz_event(void)
{
	if (fuzz_stop_at != 0 && ++fuzz_events % fuzz_stop_at == 0)
		proto_stop(fuzz_proto);
}

/* Sanitized text must be safe to show: valid, no controls, not longer. */
static void
fuzz_check_clean(const char *s, size_t len, size_t inlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	if (len > inlen || s[len] != '\0' || !utf8_valid(s, len))
		abort();
	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			abort();
		/* C1 controls (U+0080-U+009F) are C2 80..C2 9F in UTF-8. */
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] <= 0x9f)
			abort();
	}
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		abort();
	if (utf8_width(s, len) > 2 * utf8_length(s, len))
		abort();
}

/* A line: bounded, NUL-terminated; cleaning it yields safe text. */
static void
fuzz_line(void *arg, char *line, size_t len)
{
	char *copy;
	size_t n, n2;

	(void)arg;
	if (len > LINE_MAX_BYTES || line[len] != '\0')
		abort();
	if (utf8_valid(line, len) && utf8_length(line, len) > len)
		abort();
	copy = malloc(len + 1);
	memcpy(copy, line, len + 1);
	n = utf8_sanitize(copy, len);
	fuzz_check_clean(copy, n, len);
	/* Cleaning twice changes nothing. */
	n2 = utf8_sanitize(copy, n);
	if (n2 != n)
		abort();
	free(copy);
	fuzz_event();
}

/* An overlong line was dropped. */
static void
fuzz_overlong(void *arg)
{
	(void)arg;
	fuzz_event();
}

/* Ctrl-C. */
static void
fuzz_interrupt(void *arg)
{
	(void)arg;
	fuzz_event();
}

/* Only the four negotiation verbs are reported. */
static void
fuzz_option(void *arg, int verb, int opt)
{
	(void)arg;
	if (verb < TELNET_WILL || verb > TELNET_DONT || opt < 0 || opt > 255)
		abort();
	fuzz_event();
}

/* A window size is two 16-bit numbers. */
static void
fuzz_naws(void *arg, unsigned cols, unsigned rows)
{
	(void)arg;
	if (cols > 0xffff || rows > 0xffff)
		abort();
	fuzz_event();
}

/* A terminal type is a short C string. */
static void
fuzz_ttype(void *arg, const char *name)
{
	(void)arg;
	if (strlen(name) > 255)
		abort();
	fuzz_event();
}

/*
 * Input: byte 0 picks the chunk sizes and how often a callback stops the
 * feed; the rest is the stream. A stopped feed is resumed from where it
 * stopped, as the client's read callback does after a pause.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, chunk, used, max_chunk;
	uint8_t seed;

	if (size < 1)
		return (0);
	seed = data[0];
	data++;
	size--;
	max_chunk = (seed & 0x0f) == 0 ? size + 1 : (size_t)(seed & 0x0f) * 7;
	fuzz_stop_at = seed >> 4;
	fuzz_events = 0;
	fuzz_proto = proto_new(&fuzz_ops, NULL);
	while (off < size) {
		/* Chunk sizes vary with the bytes themselves. */
		chunk = 1 + (data[off] + off) % max_chunk;
		if (chunk > size - off)
			chunk = size - off;
		if (proto_feed(fuzz_proto, data + off, chunk) != 0) {
			used = proto_consumed(fuzz_proto);
			/* The event that stopped it was decoded: progress. */
			if (used == 0 || used > chunk)
				abort();
			off += used;
		} else {
			if (proto_consumed(fuzz_proto) != chunk)
				abort();
			off += chunk;
		}
		if (proto_pending(fuzz_proto) > LINE_MAX_BYTES)
			abort();
	}
	proto_free(fuzz_proto);
	fuzz_proto = NULL;
	return (0);
}
