/* Unit tests of UTF-8 validation, sanitising and measuring (src/utf8.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <unictype.h>

#include "helpers.h"
#include "utf8.h"

/* Bytes and whether utf8_valid() accepts them. */
struct valid_case {
	const char	*in;
	size_t		 len;
	int		 valid;
};

/* Bytes and what utf8_sanitize() leaves of them. */
struct sanitize_case {
	const char	*in;
	size_t		 len;
	const char	*out;
};

/* Bytes, their code points and their columns. */
struct measure_case {
	const char	*in;
	size_t		 len;
	size_t		 length;
	size_t		 width;
};

#define IN(s)	(s), sizeof (s) - 1

static Suite	*utf8_suite(void);
static int	 lib_removed(uint32_t cp);
static int	 lib_space(uint32_t cp);
static size_t	 put_cp(char *s, uint32_t cp);
static void	 check_context(const char *before, uint32_t cp,
		     const char *after, const char *want_kept,
		     const char *want_removed, int keep);

static const struct valid_case valid_cases[] = {
	{ IN(""), 1 },
	{ IN("hello, world"), 1 },
	{ IN("\x01\x1b[2J\x7f"), 1 },		/* controls are valid */
	{ IN("\xc2\x80"), 1 },			/* U+0080 */
	{ IN("\xc3\xa9"), 1 },			/* e acute */
	{ IN("\xdf\xbf"), 1 },			/* U+07FF */
	{ IN("\xe0\xa0\x80"), 1 },		/* U+0800 */
	{ IN("\xe2\x82\xac"), 1 },		/* euro */
	{ IN("\xed\x9f\xbf"), 1 },		/* U+D7FF */
	{ IN("\xee\x80\x80"), 1 },		/* U+E000 */
	{ IN("\xef\xbf\xbf"), 1 },		/* U+FFFF */
	{ IN("\xf0\x90\x80\x80"), 1 },		/* U+10000 */
	{ IN("\xf0\x9f\x98\x80"), 1 },		/* grinning face */
	{ IN("\xf4\x8f\xbf\xbf"), 1 },		/* U+10FFFF */
	{ IN("a\xc3\xa9z\xe6\x97\xa5\xf0\x9f\x98\x80!"), 1 },
	/* Overlong encodings. */
	{ IN("\xc0\x80"), 0 },
	{ IN("\xc0\xaf"), 0 },
	{ IN("\xc1\xbf"), 0 },
	{ IN("\xe0\x80\x80"), 0 },
	{ IN("\xe0\x9f\xbf"), 0 },
	{ IN("\xf0\x80\x80\x80"), 0 },
	{ IN("\xf0\x8f\xbf\xbf"), 0 },
	/* Surrogates. */
	{ IN("\xed\xa0\x80"), 0 },
	{ IN("\xed\xaf\xbf"), 0 },
	{ IN("\xed\xbf\xbf"), 0 },
	{ IN("\xed\xa0\xbd\xed\xb8\x80"), 0 },	/* CESU-8 pair */
	/* Above U+10FFFF and bytes never used. */
	{ IN("\xf4\x90\x80\x80"), 0 },
	{ IN("\xf5\x80\x80\x80"), 0 },
	{ IN("\xf7\xbf\xbf\xbf"), 0 },
	{ IN("\xf8\x88\x80\x80\x80"), 0 },
	{ IN("\xfc\x84\x80\x80\x80\x80"), 0 },
	{ IN("\xfe"), 0 },
	{ IN("\xff"), 0 },
	/* Truncated sequences. */
	{ IN("\xc3"), 0 },
	{ IN("\xe2\x82"), 0 },
	{ IN("\xf0\x9f\x98"), 0 },
	{ IN("abc\xf0\x9f"), 0 },
	{ IN("\xc3z"), 0 },
	{ IN("\xe2\x28\xa1"), 0 },
	{ IN("\xc3\xc3\xa9"), 0 },
	/* Stray continuation bytes. */
	{ IN("\x80"), 0 },
	{ IN("\xbf"), 0 },
	{ IN("a\x80" "b"), 0 },
	{ IN("\xc3\xa9\xa9"), 0 },
	{ IN("\xf0\x9f\x98\x80\x80"), 0 },
	/* NUL bytes. */
	{ IN("\0"), 0 },
	{ IN("a\0b"), 0 },
	{ IN("abc\0"), 0 },
};

static const struct sanitize_case sanitize_cases[] = {
	{ IN(""), "" },
	{ IN("hello"), "hello" },
	{ IN("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"),
	  "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac" },
	/* Escape sequences go whole. */
	{ IN("\x1b[2J"), "" },
	{ IN("a\x1b[2Jb"), "ab" },
	{ IN("\x1b[H\x1b[2J\x1b[3J"), "" },
	{ IN("\x1b[1;31mred\x1b[0m"), "red" },
	{ IN("\x1b[?25lx"), "x" },
	{ IN("\x1b[10;20r" "x"), "x" },
	{ IN("\x1b[2"), "" },
	{ IN("\x1b["), "" },
	{ IN("\x1b]0;title\x07"), "" },
	{ IN("\x1b]0;title\x07hi"), "hi" },
	{ IN("\x1b]0;title\x1b\\hi"), "hi" },
	{ IN("\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\"), "link" },
	{ IN("\x1b]0;t\xc2\x9cok"), "ok" },
	{ IN("\x1b]0;endless title"), "" },
	{ IN("\x1b]0;a\x1b[2Jb"), "b" },
	{ IN("\x1bPq#0;2;0;0;0\x1b\\x"), "x" },
	{ IN("\x1bX" "sos\x07" "x"), "x" },
	{ IN("\x1b^pm\x07x"), "x" },
	{ IN("\x1b_apc\x1b\\x"), "x" },
	{ IN("a\x1b" "cb"), "ab" },			/* RIS */
	{ IN("a\x1b" "7b\x1b" "8"), "ab" },		/* save/restore */
	{ IN("a\x1b(0b"), "ab" },			/* DEC graphics */
	{ IN("a\x1b#8b"), "ab" },			/* DECALN */
	{ IN("a\x1b\xc3\xa9z"), "az" },
	{ IN("a\x1b"), "a" },
	{ IN("\x1b"), "" },
	{ IN("a\x1b\x1b[2Jb"), "ab" },
	/* C0, DEL and C1 controls. */
	{ IN("a\tb"), "a b" },
	{ IN("a\t\tb"), "a  b" },
	{ IN("a\rb"), "ab" },
	{ IN("a\r\nb\n"), "ab" },
	{ IN("\x01\x02\x07\x08\x0b\x0c\x1f" "ok"), "ok" },
	{ IN("a\x7f" "b"), "ab" },
	{ IN("a\xc2\x80" "b\xc2\x85" "c\xc2\x9b" "d\xc2\x9f"), "abcd" },
	{ IN("\xc2\x9b" "2J"), "2J" },
	{ IN("a\xc2\xa0x"), "a\xc2\xa0x" },		/* NBSP is text */
	/* Format characters. */
	{ IN("abc\xe2\x80\xae" "def"), "abcdef" },	/* U+202E */
	{ IN("a\xe2\x80\x8b" "b"), "ab" },		/* U+200B */
	{ IN("a\xe2\x80\x8f\xe2\x80\x8e" "b"), "ab" },	/* RLM, LRM */
	{ IN("a\xe2\x80\xaa\xe2\x80\xac" "b"), "ab" },	/* LRE, PDF */
	{ IN("a\xe2\x80\xa8\xe2\x80\xa9" "b"), "ab" },	/* LS, PS */
	{ IN("a\xe2\x81\xa6\xe2\x81\xa9" "b"), "ab" },	/* LRI, PDI */
	{ IN("a\xe2\x81\xa0\xe2\x81\xaf" "b"), "ab" },	/* U+2060, U+206F */
	{ IN("a\xc2\xad" "b"), "ab" },			/* soft hyphen */
	{ IN("a\xd8\x9c" "b"), "ab" },			/* U+061C */
	{ IN("a\xe1\xa0\x8e" "b"), "ab" },		/* U+180E */
	{ IN("a\xe1\x85\x9f\xe1\x85\xa0" "b"), "ab" },	/* Hangul fillers */
	{ IN("a\xe3\x85\xa4\xef\xbe\xa0" "b"), "ab" },
	{ IN("\xef\xbb\xbf" "bom"), "bom" },		/* U+FEFF */
	{ IN("a\xef\xbf\xb9\xef\xbf\xbb" "b"), "ab" },	/* U+FFF9-FFFB */
	{ IN("a\xf3\xa0\x80\x81\xf3\xa0\x81\x81\xf3\xa0\x81\xbf" "b"),
	  "ab" },					/* tags */
	{ IN("a\xe2\x80\xa7\xe2\x80\xaf" "b"),
	  "a\xe2\x80\xa7\xe2\x80\xaf" "b" },		/* U+2027, U+202F */
	/* Format characters that today's table missed (all Cf). */
	{ IN("a\xd8\x80" "b\xdb\x9d" "c\xdc\x8f" "d\xe0\xa3\xa2" "e"),
	  "abcde" },			/* U+0600 U+06DD U+070F U+08E2 */
	{ IN("a\xf0\x91\x82\xbd" "b\xf0\x93\x90\xb0" "c"),
	  "abc" },			/* U+110BD U+13430 */
	{ IN("a\xf0\x9b\xb2\xa0" "b\xf0\x9d\x85\xb3" "c"),
	  "abc" },			/* U+1BCA0 U+1D173 */
	{ IN("a\xcd\x8f" "b"), "ab" },			/* U+034F CGJ */
	{ IN("a\xee\x80\x80" "b"), "ab" },		/* private use */
	{ IN("a\xe2\x80\x8d" "b"), "ab" },		/* ZWJ, no emoji */
	{ IN("\xef\xb8\x8f" "x"), "x" },		/* VS16, no base */
	{ IN(" \xef\xb8\x8f" "x"), "x" },		/* VS16 after a space */
	{ IN("\xe2\xa0\x80\xf3\xa0\x86\x81"), "" },	/* VS after U+2800 */
	{ IN("a\xe2\xa0\x80\xef\xb8\x8f" "b"), "a\xe2\xa0\x80" "b" },
	{ IN("a\xef\xb8\x8f\xef\xb8\x8f" "b"),
	  "a\xef\xb8\x8f" "b" },			/* one VS per base */
	{ IN("\xf0\x9f\x98\x80\xe2\x80\x8d"),
	  "\xf0\x9f\x98\x80" },			/* ZWJ at the end */
	{ IN("\xf0\x9f\x98\x80\xe2\x80\x8d\xe2\x80\x8d\xf0\x9f\x98\x80"),
	  "\xf0\x9f\x98\x80\xe2\x80\x8d\xf0\x9f\x98\x80" },	/* one ZWJ */
	{ IN("\xf0\x9f\x98\x80\xe2\x80\x8d" "a"),
	  "\xf0\x9f\x98\x80" "a" },			/* ZWJ before a letter */
	/* Tags only as a flag's subdivision, at most 6 and ended. */
	{ IN("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2x"),
	  "\xf0\x9f\x8f\xb4x" },			/* no cancel tag */
	{ IN("\xf0\x9f\x98\x80\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf"),
	  "\xf0\x9f\x98\x80" },			/* not a black flag */
	{ IN("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa1\xf3\xa0\x81\xa1"
	  "\xf3\xa0\x81\xa1\xf3\xa0\x81\xa1\xf3\xa0\x81\xa1"
	  "\xf3\xa0\x81\xa1\xf3\xa0\x81\xa1\xf3\xa0\x81\xbf"),
	  "\xf0\x9f\x8f\xb4" },			/* 7 tags: hidden text */
	{ IN("\xf0\x9f\x8f\xb4\xf3\xa0\x81\x81\xf3\xa0\x81\xbf"),
	  "\xf0\x9f\x8f\xb4" },			/* capital tag */
	{ IN("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf\xf3\xa0\x81\xbf"),
	  "\xf0\x9f\x8f\xb4" },			/* two cancel tags */
	{ IN("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xbf"),
	  "\xf0\x9f\x8f\xb4" },			/* no tag letter */
	/* Emoji sequences stay whole. */
	{ IN("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
	  "\xf0\x9f\x91\xa7"),
	  "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
	  "\xf0\x9f\x91\xa7" },			/* family */
	{ IN("\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88"),
	  "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88" },
							/* rainbow flag */
	{ IN("\xf0\x9f\x91\xa9\xf0\x9f\x8f\xbd\xe2\x80\x8d\xf0\x9f\x92\xbb"),
	  "\xf0\x9f\x91\xa9\xf0\x9f\x8f\xbd\xe2\x80\x8d\xf0\x9f\x92\xbb" },
							/* skin tone + ZWJ */
	{ IN("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xa5"
	  "\xf3\xa0\x81\xae\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf"),
	  "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xa5"
	  "\xf3\xa0\x81\xae\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf" },	/* England */
	{ IN("1\xef\xb8\x8f\xe2\x83\xa3"), "1\xef\xb8\x8f\xe2\x83\xa3" },	/* keycap */
	{ IN("\xe8\xbe\xbb\xf3\xa0\x84\x80"),
	  "\xe8\xbe\xbb\xf3\xa0\x84\x80" },		/* ideographic VS */
	/* Runs of more than three spaces become three. */
	{ IN("a          b"), "a   b" },
	{ IN("a    b     c"), "a   b   c" },
	{ IN("a\t\t\t\t\tb"), "a   b" },
	{ IN("a  \x1b[2J  b"), "a   b" },
	{ IN("a  \xe2\x80\x8b  b"), "a   b" },
	{ IN("a\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80" "b"),
	  "a\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80" "b" },	/* U+3000 */
	{ IN("a \xc2\xa0 \xe2\x80\x83 b"), "a \xc2\xa0 b" },	/* mixed */
	{ IN("a  \xcc\x81  \xcc\x81  b"), "a  \xcc\x81 \xcc\x81" "b" },	/* marks */
	{ IN("a \xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80\xe2\xa0\x80 b"),
	  "a \xe2\xa0\x80\xe2\xa0\x80" "b" },		/* braille blank */
	/* Blank once cleaned. */
	{ IN("\xe3\x80\x80\xc2\xa0\xe2\xa0\x80"), "" },
	{ IN("\xe2\x80\x8b\xe2\x81\xa0\xe1\x85\x9f\xd8\x80"), "" },
	{ IN("\xef\xb8\x8f\xe2\x80\x8d"), "" },
	/* Emoji and their variation selectors stay. */
	{ IN("hi \xf0\x9f\x98\x80"), "hi \xf0\x9f\x98\x80" },
	{ IN("\xe2\x9d\xa4\xef\xb8\x8f"), "\xe2\x9d\xa4\xef\xb8\x8f" },
	{ IN("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"),
	  "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd" },		/* skin tone */
	{ IN("e\xcc\x81"), "e\xcc\x81" },		/* combining acute */
	/* Spaces trimmed at both ends only. */
	{ IN("  hi  "), "hi" },
	{ IN("\t hi \t"), "hi" },
	{ IN("a  b"), "a  b" },
	{ IN("   "), "" },
	{ IN(" \x1b[2J "), "" },
	{ IN("\xe2\x80\x8b hi \xe2\x80\x8b"), "hi" },
	{ IN("\r\n"), "" },
	/* Bytes that are not UTF-8 are dropped, not crashed on. */
	{ IN("a\xff" "b\xc3"), "ab" },
	{ IN("\x1b\x80" "a"), "a" },
};

static const struct measure_case measure_cases[] = {
	{ IN(""), 0, 0 },
	{ IN("abc"), 3, 3 },
	{ IN("caf\xc3\xa9"), 4, 4 },
	{ IN("\xe2\x82\xac"), 1, 1 },				/* euro */
	{ IN("\xe6\x97\xa5\xe6\x9c\xac"), 2, 4 },		/* CJK */
	{ IN("\xed\x95\x9c"), 1, 2 },				/* Hangul */
	{ IN("\xe1\x84\x80"), 1, 2 },				/* U+1100 */
	{ IN("\xef\xbc\xa1"), 1, 2 },			/* fullwidth A */
	{ IN("\xef\xbd\xa1"), 1, 1 },				/* halfwidth */
	{ IN("\xf0\x9f\x98\x80"), 1, 2 },			/* emoji */
	{ IN("\xf0\x9f\xa4\x94"), 1, 2 },			/* U+1F914 */
	{ IN("\xf0\xa0\x80\x80"), 1, 2 },			/* U+20000 */
	{ IN("e\xcc\x81"), 2, 1 },				/* combining */
	{ IN("\xe2\x9d\xa4\xef\xb8\x8f"), 2, 1 },		/* VS16 */
	{ IN("a\xe6\x97\xa5" "b\xf0\x9f\x98\x80"), 4, 6 },
	{ IN("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"), 3, 4 },	/* ZWJ */
	{ IN("a\xd8\x80"), 2, 1 },				/* Cf */
};

/* utf8_valid() accepts exactly the well-formed cases. */
START_TEST(test_valid)
{
	const struct valid_case	*vc = &valid_cases[_i];

	ck_assert_msg(utf8_valid(vc->in, vc->len) == vc->valid,
	    "case %d: want %d", _i, vc->valid);
}
END_TEST

/* utf8_sanitize() leaves what the table says, NUL-terminated. */
START_TEST(test_sanitize)
{
	const struct sanitize_case	*sc = &sanitize_cases[_i];
	char				*buf;
	size_t				 n;

	/* Exactly len + 1 bytes, so the sanitizer must stay inside. */
	buf = malloc(sc->len + 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, sc->in, sc->len);
	buf[sc->len] = 'Z';
	n = utf8_sanitize(buf, sc->len);
	ck_assert_uint_eq(n, strlen(sc->out));
	ck_assert_int_eq(buf[n], '\0');
	ck_assert_msg(memcmp(buf, sc->out, n) == 0, "case %d", _i);
	ck_assert(utf8_valid(buf, n));

	/* Sanitising again changes nothing. */
	ck_assert_uint_eq(utf8_sanitize(buf, n), n);
	ck_assert_msg(memcmp(buf, sc->out, n) == 0, "case %d again", _i);
	free(buf);
}
END_TEST

/* utf8_length() and utf8_width() count code points and columns. */
START_TEST(test_measure)
{
	const struct measure_case	*mc = &measure_cases[_i];

	ck_assert_uint_eq(utf8_length(mc->in, mc->len), mc->length);
	ck_assert_uint_eq(utf8_width(mc->in, mc->len), mc->width);
}
END_TEST

/* A length counts only the bytes asked for, not up to a NUL. */
START_TEST(test_bounds)
{
	const char	s[] = "abc\xc3\xa9";

	ck_assert(utf8_valid(s, 3));
	ck_assert(!utf8_valid(s, 4));		/* cut inside e acute */
	ck_assert(utf8_valid(s, 0));
	ck_assert_uint_eq(utf8_length(s, 2), 2);
	ck_assert_uint_eq(utf8_width(s, 4), 4);
	ck_assert_uint_eq(utf8_width("\xe6\x97", 2), 2);
}
END_TEST

/* Every 1- and 2-byte string sanitises to valid UTF-8 inside its buffer. */
START_TEST(test_sanitize_all_pairs)
{
	char		buf[3];
	unsigned	a, b;
	size_t		n;

	for (a = 0; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			buf[0] = a;
			buf[1] = b;
			buf[2] = 'Z';
			n = utf8_sanitize(buf, 2);
			ck_assert_uint_le(n, 2);
			ck_assert_int_eq(buf[n], '\0');
			ck_assert(utf8_valid(buf, n));
			if (n > 0)
				ck_assert(buf[0] != ' ' && buf[n - 1] != ' ');
		}
	}
}
END_TEST

/* Whether the library puts cp in a set the cleaner removes. */
static int
lib_removed(uint32_t cp)
{
	return (uc_is_general_category(cp, UC_CATEGORY_Cc) ||
	    uc_is_general_category(cp, UC_CATEGORY_Cf) ||
	    uc_is_general_category(cp, UC_CATEGORY_Co) ||
	    uc_is_general_category(cp, UC_CATEGORY_Cs) ||
	    uc_is_general_category(cp, UC_CATEGORY_Zl) ||
	    uc_is_general_category(cp, UC_CATEGORY_Zp) ||
	    uc_is_property_bidi_control(cp) ||
	    uc_is_property_default_ignorable_code_point(cp));
}

/* Whether the library calls cp a space (or it is the blank braille cell). */
static int
lib_space(uint32_t cp)
{
	return (uc_is_general_category(cp, UC_CATEGORY_Zs) || cp == 0x2800);
}

/* Encode cp as UTF-8 at s; its length. */
static size_t
put_cp(char *s, uint32_t cp)
{
	unsigned char *u = (unsigned char *)s;

	if (cp < 0x80) {
		u[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		return (2);
	}
	if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		return (3);
	}
	u[0] = 0xf0 | (cp >> 18);
	u[1] = 0x80 | ((cp >> 12) & 0x3f);
	u[2] = 0x80 | ((cp >> 6) & 0x3f);
	u[3] = 0x80 | (cp & 0x3f);
	return (4);
}

/* Clean before cp after; it must give want_kept if keep, else want_removed. */
static void
check_context(const char *before, uint32_t cp, const char *after,
    const char *want_kept, const char *want_removed, int keep)
{
	char in[32], want[32];
	size_t n, w;

	n = strlen(before);
	memcpy(in, before, n);
	n += put_cp(in + n, cp);
	memcpy(in + n, after, strlen(after));
	n += strlen(after);
	if (keep) {
		w = strlen(want_kept);
		memcpy(want, want_kept, w);
		/* want_kept is "x" or "": cp sits after it. */
		w += put_cp(want + w, cp);
		memcpy(want + w, after, strlen(after));
		w += strlen(after);
	} else {
		w = strlen(want_removed);
		memcpy(want, want_removed, w);
	}
	want[w] = '\0';
	ck_assert_msg(utf8_sanitize(in, n) == w && memcmp(in, want, w) == 0,
	    "U+%04X between \"%s\" and \"%s\": %s, want %s", cp, before,
	    after, keep ? "removed" : "kept", keep ? "kept" : "removed");
}

/*
 * Every code point but ASCII controls (tested above), against libunistring's
 * own sets: a letter on each side, at the start, and alone.
 */
START_TEST(test_sanitize_code_space)
{
	uint32_t cp;
	int removed, space;

	for (cp = 0x20; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;	/* not UTF-8 */
		removed = lib_removed(cp);
		space = lib_space(cp);
		/* A variation selector after a letter stays. */
		check_context("x", cp, "y", "x", "xy", !removed ||
		    uc_is_property_variation_selector(cp));
		/* At the start: nothing to attach to, spaces trimmed. */
		check_context("", cp, "y", "", "y", !removed && !space);
		/* Alone: blank unless visible. */
		check_context("", cp, "", "", "", !removed && !space);
	}
}
END_TEST

/* The utf8 suite. */
static Suite *
utf8_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("utf8");

	tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_valid, 0,
	    sizeof valid_cases / sizeof valid_cases[0]);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("sanitize");
	tcase_add_loop_test(tc, test_sanitize, 0,
	    sizeof sanitize_cases / sizeof sanitize_cases[0]);
	tcase_add_test(tc, test_sanitize_all_pairs);
	suite_add_tcase(s, tc);

	/* 3.4 million cleanings: seconds at -O0, more under sanitizers. */
	tc = tcase_create("code_space");
	tcase_set_timeout(tc, 4 * T_TCASE);
	tcase_add_test(tc, test_sanitize_code_space);
	suite_add_tcase(s, tc);

	tc = tcase_create("measure");
	tcase_add_loop_test(tc, test_measure, 0,
	    sizeof measure_cases / sizeof measure_cases[0]);
	suite_add_tcase(s, tc);

	return (s);
}

/* Run the utf8 suite. */
int
main(void)
{
	return (run_suite(utf8_suite()));
}
