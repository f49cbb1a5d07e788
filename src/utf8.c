/* UTF-8 validation and removal of what must not reach another screen. */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/*
 * Every function here is safe on any bytes: none reads past len. Given
 * invalid UTF-8, utf8_sanitize() drops the bytes that do not decode and the
 * others count such a byte as one code point of width 1.
 */

#define UTF8_ESC	0x1b
#define UTF8_BEL	0x07

/* A range of code points, inclusive. */
struct utf8_range {
	uint32_t	first;
	uint32_t	last;
};

/* Invisible or bidirectional format characters, removed by sanitize. */
static const struct utf8_range utf8_format[] = {
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x061c, 0x061c },	/* Arabic letter mark */
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x180e, 0x180e },	/* Mongolian vowel separator */
	{ 0x200b, 0x200f },	/* zero width space/joiners, LRM, RLM */
	{ 0x2028, 0x202e },	/* separators, bidi embeddings */
	{ 0x2060, 0x206f },	/* word joiner, invisibles, isolates */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xfeff, 0xfeff },	/* byte order mark */
	{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
	{ 0xfff9, 0xfffb },	/* interlinear annotation */
	{ 0xe0000, 0xe007f }	/* tags */
};

/* Code points two columns wide. */
static const struct utf8_range utf8_wide[] = {
	{ 0x1100, 0x115f },
	{ 0x2e80, 0xa4cf },
	{ 0xac00, 0xd7a3 },
	{ 0xf900, 0xfaff },
	{ 0xfe30, 0xfe4f },
	{ 0xff00, 0xff60 },
	{ 0xffe0, 0xffe6 },
	{ 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff },
	{ 0x20000, 0x3fffd }
};

/* Code points of no width of their own. */
static const struct utf8_range utf8_zero[] = {
	{ 0x0300, 0x036f },	/* combining diacritical marks */
	{ 0xfe00, 0xfe0f }	/* variation selectors */
};

static size_t	utf8_decode(const unsigned char *, size_t, uint32_t *);
static int	utf8_in(const struct utf8_range *, size_t, uint32_t);
static size_t	utf8_escape(const unsigned char *, size_t);
static size_t	utf8_string_end(const unsigned char *, size_t);

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/*
 * Decode the sequence at s into *cp and return its length, or 0 if it is
 * not well-formed (overlong, surrogate, above U+10FFFF, truncated or a stray
 * continuation byte).
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;
	uint32_t	c;

	if (len == 0)
		return (0);
	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (len < n)
		return (0);

	/* Only the second byte has the narrowed range. */
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return (0);
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return (n);
}

/* Whether cp is in one of the n sorted ranges r. */
static int
utf8_in(const struct utf8_range *r, size_t n, uint32_t cp)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (cp < r[i].first)
			return (0);
		if (cp <= r[i].last)
			return (1);
	}
	return (0);
}

/* Whether s[0..len) is well-formed UTF-8 without NUL bytes. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0 || cp == 0)
			return (0);
	}
	return (1);
}

/* Code points in s[0..len): every byte that is not a continuation byte. */
size_t
utf8_length(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/*
 * Length of the end of an OSC, DCS, SOS, PM or APC string starting at s
 * (after its introducer): up to and including BEL, ESC \ or U+009C (ST), or
 * just before another ESC, or the whole rest of the string.
 */
static size_t
utf8_string_end(const unsigned char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == UTF8_BEL)
			return (i + 1);
		if (s[i] == UTF8_ESC) {
			if (i + 1 < len && s[i + 1] == '\\')
				return (i + 2);
			return (i);
		}
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] == 0x9c)
			return (i + 2);
	}
	return (len);
}

/* Length of the escape sequence starting with the ESC at s[0]. */
static size_t
utf8_escape(const unsigned char *s, size_t len)
{
	uint32_t	cp;
	size_t		i, n;

	if (len < 2)
		return (len);	/* a lone trailing ESC */

	switch (s[1]) {
	case '[':
		/* CSI: parameters and intermediates, then a final byte. */
		for (i = 2; i < len && s[i] >= 0x20 && s[i] <= 0x3f; i++)
			;
		if (i < len && s[i] >= 0x40 && s[i] <= 0x7e)
			i++;
		return (i);
	case ']':
	case 'P':
	case 'X':
	case '^':
	case '_':
		return (2 + utf8_string_end(s + 2, len - 2));
	case UTF8_ESC:
		/* ESC ESC: the second one starts the sequence. */
		return (1);
	default:
		if (s[1] >= 0x20 && s[1] <= 0x2f) {
			/* nF: intermediates then a final byte (ESC ( 0). */
			for (i = 2; i < len && s[i] >= 0x20 && s[i] <= 0x2f;
			    i++)
				;
			if (i < len && s[i] >= 0x30 && s[i] <= 0x7e)
				i++;
			return (i);
		}
		/* ESC x: x a whole character so no stray bytes are left. */
		if ((n = utf8_decode(s + 1, len - 1, &cp)) == 0)
			n = 1;
		return (1 + n);
	}
}

/* Remove controls, escape sequences and format characters; trim spaces. */
size_t
utf8_sanitize(char *s, size_t len)
{
	unsigned char	*u = (unsigned char *)s;
	uint32_t	 cp;
	size_t		 i, o, n, start;

	i = o = 0;
	while (i < len) {
		if (u[i] == UTF8_ESC) {
			i += utf8_escape(u + i, len - i);
			continue;
		}
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0) {
			i++;	/* not UTF-8: drop the byte */
			continue;
		}
		if (cp == '\t')
			u[o++] = ' ';
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    utf8_in(utf8_format, nitems(utf8_format), cp))
			;	/* removed */
		else {
			memmove(u + o, u + i, n);
			o += n;
		}
		i += n;
	}

	/* Trim spaces at both ends. */
	while (o > 0 && u[o - 1] == ' ')
		o--;
	for (start = 0; start < o && u[start] == ' '; start++)
		;
	if (start != 0) {
		memmove(u, u + start, o - start);
		o -= start;
	}
	u[o] = '\0';
	return (o);
}

/* Display columns of s[0..len). */
size_t
utf8_width(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i, n, w = 0;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0) {
			n = 1;
			w++;
			continue;
		}
		if (utf8_in(utf8_zero, nitems(utf8_zero), cp))
			continue;
		if (utf8_in(utf8_wide, nitems(utf8_wide), cp))
			w += 2;
		else
			w++;
	}
	return (w);
}
