/* Unit tests of telnet decoding and line framing (src/proto.c). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "helpers.h"
#include "limits.h"
#include "proto.h"

/* What the callbacks saw, as text: one token per event. */
struct rec {
	struct proto	*p;
	char		*log;
	size_t		 len;
	size_t		 cap;
	unsigned	 lines;
	int		 quiet;		/* count lines, log nothing */
	const char	*stop_at;	/* proto_stop() on this line */
	int		 stop_on_option;
	struct proto	*other;		/* fed from a line callback */
};

/* One framing case: input, the events it gives, the bytes left pending. */
struct frame_case {
	const char	*in;
	size_t		 len;
	const char	*out;
	size_t		 pending;
};

#define IN(s)	(s), sizeof (s) - 1

static void	rec_add(struct rec *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	rec_line(void *, char *, size_t);
static void	rec_overlong(void *);
static void	rec_interrupt(void *);
static void	rec_option(void *, int, int);
static void	rec_naws(void *, unsigned, unsigned);
static void	rec_ttype(void *, const char *);
static void	rec_init(struct rec *);
static void	rec_done(struct rec *);
static void	rec_reset(struct rec *);
static int	feed(struct rec *, const void *, size_t);
static void	feed_split(struct rec *, const char *, size_t, size_t);
static void	fill(char *, size_t);
static Suite	*proto_suite(void);

static const struct proto_ops rec_ops = {
	.line = rec_line, .overlong = rec_overlong, .interrupt = rec_interrupt,
	.option = rec_option, .naws = rec_naws, .ttype = rec_ttype
};
static const struct proto_ops null_ops;

static const struct frame_case frame_cases[] = {
	/* Line ends. */
	{ IN("hello\n"), "L[hello]", 0 },
	{ IN("hello\r\n"), "L[hello]", 0 },
	{ IN("hello\r\0"), "L[hello]", 0 },
	{ IN("hello\r"), "L[hello]", 0 },
	{ IN("a\rb\n"), "L[a]L[b]", 0 },
	{ IN("\n"), "L[]", 0 },
	{ IN("\n\n"), "L[]L[]", 0 },
	{ IN("\r\r"), "L[]L[]", 0 },
	{ IN("\r\n\r\n"), "L[]L[]", 0 },
	{ IN("\r\n\n"), "L[]L[]", 0 },
	{ IN("\r\0\0x\n"), "L[]L[\\x00x]", 0 },
	{ IN("one\ntwo\r\nthree\r\0four\rfive\n"),
	  "L[one]L[two]L[three]L[four]L[five]", 0 },
	{ IN("partial"), "", 7 },
	{ IN("done\npart"), "L[done]", 4 },
	/* Data bytes kept as they are. */
	{ IN("a\0b\n"), "L[a\\x00b]", 0 },
	{ IN("\x1b[2J\x80\xc3\xa9\x01\n"),
	  "L[\\x1b[2J\\x80\\xc3\\xa9\\x01]", 0 },
	/* BS and DEL erase a whole UTF-8 character, never past the start. */
	{ IN("ab\x7f\bc\xc3\xa9\x7f!\n"), "L[c!]", 0 },
	{ IN("\b\x7fx\n"), "L[x]", 0 },
	/* IAC IAC is a literal 0xFF. */
	{ IN("ab\xff\xff" "cd\n"), "L[ab\\xffcd]", 0 },
	{ IN("\xff\xff\xff\xff\n"), "L[\\xff\\xff]", 0 },
	/* Other commands are consumed. */
	{ IN("a\xff\xf1" "b\n"), "L[ab]", 0 },		/* NOP */
	{ IN("a\xff\xf9" "b\n"), "L[ab]", 0 },		/* GA */
	{ IN("a\xff\xf6" "b\n"), "L[ab]", 0 },		/* AYT */
	{ IN("a\xff\xf8" "b\n"), "L[ab]", 0 },		/* EL */
	{ IN("\xff\xf0" "a\n"), "L[a]", 0 },		/* stray SE */
	{ IN("a\xff"), "", 1 },
	/* Option verbs. */
	{ IN("\xff\xfb\x1f"), "<WILL 31>", 0 },
	{ IN("\xff\xfc\x18"), "<WONT 24>", 0 },
	{ IN("\xff\xfd\x06"), "<DO 6>", 0 },
	{ IN("\xff\xfe\x01"), "<DONT 1>", 0 },
	{ IN("\xff\xfb\xff"), "<WILL 255>", 0 },
	{ IN("ab\xff\xfd\x06" "cd\n"), "<DO 6>L[abcd]", 0 },
	{ IN("\xff\xfb\x1f\xff\xfb\x18" "ok\n"), "<WILL 31><WILL 24>L[ok]", 0 },
	/* NAWS. */
	{ IN("\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"), "N80x24", 0 },
	{ IN("\xff\xfa\x1f\x00\x00\x00\x00\xff\xf0"), "N0x0", 0 },
	{ IN("\xff\xfa\x1f\x01\x2c\x00\x32\xff\xf0"), "N300x50", 0 },
	{ IN("\xff\xfa\x1f\x00\xff\xff\xff\xff\x01\xff\xf0"), "N255x65281", 0 },
	{ IN("\xff\xfa\x1f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xf0"),
	  "N65535x65535", 0 },
	{ IN("\xff\xfa\x1f\x00\x50\x00\xff\xf0" "x\n"), "L[x]", 0 },
	{ IN("\xff\xfa\x1f\x00\x50\x00\x18\x00\xff\xf0" "x\n"), "L[x]", 0 },
	{ IN("ab\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0" "cd\n"),
	  "N80x24L[abcd]", 0 },
	/* TTYPE. */
	{ IN("\xff\xfa\x18\x00xterm-256color\xff\xf0"),
	  "T[xterm-256color]", 0 },
	{ IN("\xff\xfa\x18\x00\xff\xf0"), "T[]", 0 },
	{ IN("\xff\xfa\x18\x00x\x01t\x80\x1b\xff\xff\n\0" "erm\xff\xf0"),
	  "T[xterm]", 0 },
	{ IN("\xff\xfa\x18\x01\xff\xf0" "a\n"), "L[a]", 0 },	/* SEND */
	{ IN("\xff\xfa\x18\xff\xf0" "a\n"), "L[a]", 0 },
	/* Other and empty subnegotiations are ignored. */
	{ IN("\xff\xfa\x01" "abc\xff\xf0" "ok\n"), "L[ok]", 0 },
	{ IN("\xff\xfa\xff\xf0" "ok\n"), "L[ok]", 0 },
	{ IN("\xff\xfa" "a\nb\rc\x03\xff\xf0" "ok\n"), "L[ok]", 0 },
	/* A command inside a subnegotiation abandons it. */
	{ IN("\xff\xfa\x1f" "ab\xff\xf4" "x\n"), "IL[x]", 0 },
	{ IN("\xff\xfa\x1f\xff\xfd\x06" "x\n"), "<DO 6>L[x]", 0 },
	/* Ctrl-C. */
	{ IN("abc\xff\xf4" "def\n"), "IL[def]", 0 },
	{ IN("abc\x03" "def\n"), "IL[def]", 0 },
	{ IN("\x03\x03"), "II", 0 },
	{ IN("\xff\xfd\x06\xff\xf4"), "<DO 6>I", 0 },
	/* A CR still swallows the LF after a telnet command. */
	{ IN("a\r\xff\xf1\nb\n"), "L[a]L[b]", 0 },
	{ IN("a\r\xff\xff\n"), "L[a]L[\\xff]", 0 },
};

/* Append printf-style text to the log. */
static void
rec_add(struct rec *r, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(r->log + r->len, r->cap - r->len, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if ((size_t)n < r->cap - r->len)
			break;
		r->cap = r->cap * 2 + n;
		r->log = realloc(r->log, r->cap);
		ck_assert_ptr_nonnull(r->log);
	}
	r->len += n;
}

/* Log a line, bytes outside printable ASCII as \xNN; long ones by length. */
static void
rec_line(void *arg, char *line, size_t len)
{
	struct rec	*r = arg;
	size_t		 i;
	unsigned char	 c;

	ck_assert_uint_le(len, LINE_MAX_BYTES);
	ck_assert_int_eq(line[len], '\0');
	r->lines++;
	if (r->quiet)
		return;
	if (len > 64) {
		rec_add(r, "L{%zu}", len);
		for (i = 0; i < len; i++)
			ck_assert_int_eq(line[i], 'a' + i % 26);
	} else {
		rec_add(r, "L[");
		for (i = 0; i < len; i++) {
			c = line[i];
			if (c >= 0x20 && c < 0x7f && c != '\\')
				rec_add(r, "%c", c);
			else
				rec_add(r, "\\x%02x", c);
		}
		rec_add(r, "]");
	}
	if (r->other != NULL)
		ck_assert_int_eq(proto_feed(r->other, (const uint8_t *)"in\n",
		    3), 0);
	if (r->stop_at != NULL && strcmp(line, r->stop_at) == 0)
		proto_stop(r->p);
}

/* Log an overlong line. */
static void
rec_overlong(void *arg)
{
	rec_add(arg, "O");
}

/* Log a Ctrl-C. */
static void
rec_interrupt(void *arg)
{
	rec_add(arg, "I");
}

/* Log an option verb. */
static void
rec_option(void *arg, int verb, int opt)
{
	struct rec	*r = arg;
	const char	*name = "?";

	switch (verb) {
	case TELNET_WILL:
		name = "WILL";
		break;
	case TELNET_WONT:
		name = "WONT";
		break;
	case TELNET_DO:
		name = "DO";
		break;
	case TELNET_DONT:
		name = "DONT";
		break;
	}
	rec_add(r, "<%s %d>", name, opt);
	if (r->stop_on_option)
		proto_stop(r->p);
}

/* Log a window size. */
static void
rec_naws(void *arg, unsigned cols, unsigned rows)
{
	rec_add(arg, "N%ux%u", cols, rows);
}

/* Log a terminal type. */
static void
rec_ttype(void *arg, const char *name)
{
	rec_add(arg, "T[%s]", name);
}

/* Set up a recorder with a fresh decoder. */
static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
	r->cap = 256;
	r->log = malloc(r->cap);
	ck_assert_ptr_nonnull(r->log);
	r->log[0] = '\0';
	r->p = proto_new(&rec_ops, r);
}

/* Free a recorder. */
static void
rec_done(struct rec *r)
{
	proto_free(r->p);
	free(r->log);
}

/* Start over with an empty log and a fresh decoder. */
static void
rec_reset(struct rec *r)
{
	rec_done(r);
	rec_init(r);
}

/* Feed bytes to the recorder's decoder. */
static int
feed(struct rec *r, const void *in, size_t len)
{
	return (proto_feed(r->p, in, len));
}

/* Feed in[0..len) in two pieces, the first of first bytes. */
static void
feed_split(struct rec *r, const char *in, size_t len, size_t first)
{
	size_t	n;

	n = first < len ? first : len;
	ck_assert_int_eq(feed(r, in, n), 0);
	if (n < len)
		ck_assert_int_eq(feed(r, in + n, len - n), 0);
}

/* Each framing case gives the same events however the input is split. */
START_TEST(test_frame)
{
	const struct frame_case	*fc = &frame_cases[_i];
	struct rec		 r;
	size_t			 k;

	rec_init(&r);

	/* In one piece. */
	ck_assert_int_eq(feed(&r, fc->in, fc->len), 0);
	ck_assert_str_eq(r.log, fc->out);
	ck_assert_uint_eq(proto_pending(r.p), fc->pending);

	/* Byte by byte. */
	rec_reset(&r);
	for (k = 0; k < fc->len; k++)
		ck_assert_int_eq(feed(&r, fc->in + k, 1), 0);
	ck_assert_str_eq(r.log, fc->out);
	ck_assert_uint_eq(proto_pending(r.p), fc->pending);

	/* Cut in two at every position, empty feeds included. */
	for (k = 0; k <= fc->len; k++) {
		rec_reset(&r);
		ck_assert_int_eq(feed(&r, "", 0), 0);
		feed_split(&r, fc->in, fc->len, k);
		ck_assert_msg(strcmp(r.log, fc->out) == 0,
		    "case %d cut at %zu: got \"%s\", want \"%s\"", _i, k,
		    r.log, fc->out);
		ck_assert_uint_eq(proto_pending(r.p), fc->pending);
	}
	rec_done(&r);
}
END_TEST

/* The CR of one feed swallows the LF or NUL starting the next. */
START_TEST(test_cr_across_feeds)
{
	struct rec	r;

	rec_init(&r);
	ck_assert_int_eq(feed(&r, "one\r", 4), 0);
	ck_assert_str_eq(r.log, "L[one]");
	ck_assert_uint_eq(proto_pending(r.p), 0);
	ck_assert_int_eq(feed(&r, "\ntwo\r", 5), 0);
	ck_assert_int_eq(feed(&r, "\0three\r", 7), 0);
	ck_assert_int_eq(feed(&r, "four\n", 5), 0);
	ck_assert_str_eq(r.log, "L[one]L[two]L[three]L[four]");
	ck_assert_uint_eq(r.lines, 4);
	rec_done(&r);
}
END_TEST

/* Many lines in one feed each arrive once, in order. */
START_TEST(test_many_lines)
{
	struct rec	 r;
	char		*buf, want[32];
	size_t		 len = 0;
	unsigned	 i;

	buf = malloc(1000 * 8);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < 1000; i++)
		len += sprintf(buf + len, "%u%s", i, i % 2 ? "\r\n" : "\n");
	rec_init(&r);
	ck_assert_int_eq(feed(&r, buf, len), 0);
	ck_assert_uint_eq(r.lines, 1000);
	ck_assert_ptr_nonnull(strstr(r.log, "L[0]L[1]L[2]"));
	snprintf(want, sizeof want, "L[998]L[999]");
	ck_assert_str_eq(r.log + r.len - strlen(want), want);
	ck_assert_uint_eq(proto_pending(r.p), 0);
	rec_done(&r);
	free(buf);
}
END_TEST

/* Fill buf with n bytes of the alphabet pattern rec_line checks. */
static void
fill(char *buf, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		buf[i] = 'a' + i % 26;
}

/* A line of exactly LINE_MAX_BYTES is delivered whole. */
START_TEST(test_line_max)
{
	static char	buf[LINE_MAX_BYTES + 2];
	struct rec	r;
	char		want[32];
	size_t		i;

	fill(buf, LINE_MAX_BYTES);
	buf[LINE_MAX_BYTES] = '\r';
	buf[LINE_MAX_BYTES + 1] = '\n';
	snprintf(want, sizeof want, "L{%d}", LINE_MAX_BYTES);

	rec_init(&r);
	ck_assert_int_eq(feed(&r, buf, sizeof buf), 0);
	ck_assert_str_eq(r.log, want);

	/* Held as pending up to the very last byte, byte by byte. */
	rec_reset(&r);
	for (i = 0; i < LINE_MAX_BYTES; i++)
		ck_assert_int_eq(feed(&r, buf + i, 1), 0);
	ck_assert_uint_eq(proto_pending(r.p), LINE_MAX_BYTES);
	ck_assert_int_eq(feed(&r, buf + i, 2), 0);
	ck_assert_str_eq(r.log, want);
	ck_assert_uint_eq(proto_pending(r.p), 0);
	rec_done(&r);
}
END_TEST

/* An overlong line is reported once, dropped, and the next one is intact. */
START_TEST(test_overlong)
{
	static char	buf[3 * LINE_MAX_BYTES + 16];
	static const size_t steps[] = { 0, 1, 7, 100, LINE_MAX_BYTES };
	static const size_t sizes[] = {
		LINE_MAX_BYTES + 1, 3 * LINE_MAX_BYTES
	};
	struct rec	r;
	size_t		i, j, n, len, step;

	rec_init(&r);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		for (j = 0; j < sizeof steps / sizeof steps[0]; j++) {
			step = steps[j];
			len = sizes[i];
			fill(buf, len);
			memcpy(buf + len, "\r\nnext\r\n", 8);
			len += 8;

			rec_reset(&r);
			if (step == 0)
				ck_assert_int_eq(feed(&r, buf, len), 0);
			else {
				for (n = 0; n < len; n += step) {
					ck_assert_int_eq(feed(&r, buf + n,
					    len - n < step ? len - n : step),
					    0);
					ck_assert_uint_le(proto_pending(r.p),
					    LINE_MAX_BYTES);
				}
			}
			ck_assert_str_eq(r.log, "OL[next]");
			ck_assert_uint_eq(proto_pending(r.p), 0);
		}
	}

	/* Nothing is held while the rest of the line is dropped. */
	rec_reset(&r);
	fill(buf, LINE_MAX_BYTES + 1);
	ck_assert_int_eq(feed(&r, buf, LINE_MAX_BYTES + 1), 0);
	ck_assert_str_eq(r.log, "O");
	ck_assert_uint_eq(proto_pending(r.p), 0);
	ck_assert_int_eq(feed(&r, "xyz", 3), 0);
	ck_assert_uint_eq(proto_pending(r.p), 0);
	ck_assert_int_eq(feed(&r, "\xff\xfd\x06", 3), 0);
	ck_assert_int_eq(feed(&r, "\nok\n", 4), 0);
	ck_assert_str_eq(r.log, "O<DO 6>L[ok]");

	/* Two overlong lines in a row are two reports. */
	rec_reset(&r);
	fill(buf, LINE_MAX_BYTES + 1);
	buf[LINE_MAX_BYTES + 1] = '\n';
	ck_assert_int_eq(feed(&r, buf, LINE_MAX_BYTES + 2), 0);
	ck_assert_int_eq(feed(&r, buf, LINE_MAX_BYTES + 2), 0);
	ck_assert_str_eq(r.log, "OO");

	/* A Ctrl-C ends the dropping too. */
	rec_reset(&r);
	ck_assert_int_eq(feed(&r, buf, LINE_MAX_BYTES + 1), 0);
	ck_assert_int_eq(feed(&r, "\x03" "ab\n", 4), 0);
	ck_assert_str_eq(r.log, "OIL[ab]");
	rec_done(&r);
}
END_TEST

/* An endless subnegotiation floods nothing and holds nothing. */
START_TEST(test_endless_sb)
{
	static char	chunk[4096];
	struct rec	r;
	size_t		i;

	memset(chunk, 'x', sizeof chunk);
	for (i = 0; i < sizeof chunk; i += 97)
		chunk[i] = '\n';
	rec_init(&r);
	ck_assert_int_eq(feed(&r, "ab\xff\xfa\x1f", 5), 0);
	for (i = 0; i < 1000000; i += sizeof chunk) {
		ck_assert_int_eq(feed(&r, chunk, sizeof chunk), 0);
		ck_assert_uint_eq(proto_pending(r.p), 2);
	}
	ck_assert_str_eq(r.log, "");
	ck_assert_int_eq(feed(&r, "\xff\xf0" "cd\nnext\n", 10), 0);
	ck_assert_str_eq(r.log, "L[abcd]L[next]");
	ck_assert_uint_eq(proto_pending(r.p), 0);

	/* The same with nothing pending, IAC IAC included. */
	rec_reset(&r);
	ck_assert_int_eq(feed(&r, "\xff\xfa\x18\x00", 4), 0);
	for (i = 0; i < 1000000; i += sizeof chunk) {
		chunk[0] = '\xff';
		chunk[1] = '\xff';
		ck_assert_int_eq(feed(&r, chunk, sizeof chunk), 0);
		ck_assert_uint_eq(proto_pending(r.p), 0);
	}
	ck_assert_int_eq(feed(&r, "\xff\xf0" "hello\n", 8), 0);
	ck_assert_uint_eq(r.lines, 1);
	ck_assert_ptr_nonnull(strstr(r.log, "L[hello]"));
	rec_done(&r);
}
END_TEST

/* proto_stop() makes the feed return -1 and drops the rest of the input. */
START_TEST(test_stop)
{
	struct rec	r;

	rec_init(&r);
	r.stop_at = "stop";
	ck_assert_int_eq(feed(&r, IN("a\nstop\nb\nc")), -1);
	ck_assert_str_eq(r.log, "L[a]L[stop]");
	ck_assert_uint_eq(proto_pending(r.p), 0);
	ck_assert_int_eq(feed(&r, IN("d\n")), 0);
	ck_assert_str_eq(r.log, "L[a]L[stop]L[d]");

	/* Stopped at the last byte: still -1, once. */
	ck_assert_int_eq(feed(&r, IN("stop\r")), -1);
	ck_assert_int_eq(feed(&r, IN("\ne\n")), 0);
	ck_assert_str_eq(r.log, "L[a]L[stop]L[d]L[stop]L[e]");

	/* Stopped mid-line: the partial line before the event is kept. */
	rec_reset(&r);
	r.stop_on_option = 1;
	ck_assert_int_eq(feed(&r, IN("ab\xff\xfd\x06" "cd\n")), -1);
	ck_assert_str_eq(r.log, "<DO 6>");
	ck_assert_uint_eq(proto_pending(r.p), 2);
	r.stop_on_option = 0;
	ck_assert_int_eq(feed(&r, IN("x\n")), 0);
	ck_assert_str_eq(r.log, "<DO 6>L[abx]");
	rec_done(&r);
}
END_TEST

/* NULL callbacks are skipped; no input makes the decoder misbehave. */
START_TEST(test_null_ops)
{
	static char	 buf[LINE_MAX_BYTES + 8];
	struct proto	*p;
	size_t		 i;

	p = proto_new(&null_ops, NULL);
	for (i = 0; i < sizeof frame_cases / sizeof frame_cases[0]; i++) {
		ck_assert_int_eq(proto_feed(p, (const uint8_t *)
		    frame_cases[i].in, frame_cases[i].len), 0);
		ck_assert_int_eq(proto_feed(p, (const uint8_t *)"\n", 1), 0);
	}
	memset(buf, 'z', sizeof buf);
	ck_assert_int_eq(proto_feed(p, (const uint8_t *)buf, sizeof buf), 0);
	ck_assert_uint_eq(proto_pending(p), 0);
	proto_free(p);
	proto_free(NULL);
}
END_TEST

/* A callback may feed another decoder (the scratch buffer is in use). */
START_TEST(test_nested_feed)
{
	struct rec	a, b;

	rec_init(&a);
	rec_init(&b);
	a.other = b.p;
	ck_assert_int_eq(feed(&b, IN("pre")), 0);
	ck_assert_int_eq(feed(&a, IN("one\ntw")), 0);
	ck_assert_int_eq(feed(&a, IN("o\n")), 0);
	ck_assert_str_eq(a.log, "L[one]L[two]");
	ck_assert_str_eq(b.log, "L[prein]L[in]");
	rec_done(&a);
	rec_done(&b);
}
END_TEST

/* Random bytes in random pieces: no crash, every line bounded. */
START_TEST(test_random)
{
	static uint8_t	 buf[65536];
	struct rec	 r;
	size_t		 i, n, k;
	unsigned	 seed = 12345;

	rec_init(&r);
	r.quiet = 1;
	for (k = 0; k < 64; k++) {
		for (i = 0; i < sizeof buf; i++) {
			seed = seed * 1103515245 + 12345;
			/* Plenty of IAC, CR, LF, NUL and command bytes. */
			switch ((seed >> 16) % 8) {
			case 0:
				buf[i] = 0xff;
				break;
			case 1:
				buf[i] = 0xf0 + (seed >> 8) % 16;
				break;
			case 2:
				buf[i] = (seed >> 8) % 4 == 0 ? '\r' : 'a';
				break;
			default:
				buf[i] = seed >> 24;
				break;
			}
		}
		for (i = 0; i < sizeof buf; i += n) {
			seed = seed * 1103515245 + 12345;
			n = 1 + (seed >> 16) % 3000;
			if (n > sizeof buf - i)
				n = sizeof buf - i;
			ck_assert_int_eq(feed(&r, buf + i, n), 0);
			ck_assert_uint_le(proto_pending(r.p), LINE_MAX_BYTES);
		}
		r.len = 0;
		r.log[0] = '\0';
	}
	ck_assert_uint_gt(r.lines, 0);
	rec_done(&r);
}
END_TEST

/* The proto suite. */
static Suite *
proto_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("proto");

	tc = tcase_create("framing");
	tcase_add_loop_test(tc, test_frame, 0,
	    sizeof frame_cases / sizeof frame_cases[0]);
	tcase_add_test(tc, test_cr_across_feeds);
	tcase_add_test(tc, test_many_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_line_max);
	tcase_add_test(tc, test_overlong);
	tcase_add_test(tc, test_endless_sb);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_null_ops);
	tcase_add_test(tc, test_nested_feed);
	suite_add_tcase(s, tc);

	return (s);
}

/* Run the proto suite. */
int
main(void)
{
	return (run_suite(proto_suite()));
}
