/* UTF-8 validation and removal of what must not reach another screen. */
#include <stdint.h>
#include <string.h>

#include <unictype.h>
#include <uniwidth.h>

#include "limits.h"
#include "utf8.h"

/*
 * Every function here is safe on any bytes: none reads past len. Given
 * invalid UTF-8, utf8_sanitize() drops the bytes that do not decode and the
 * others count such a byte as one code point of width 1.
 */

#define UTF8_ESC	0x1b
#define UTF8_BEL	0x07
#define UTF8_ZWJ	0x200d
#define UTF8_VS16	0xfe0f
#define UTF8_BLANK_CELL	0x2800		/* braille pattern blank */
#define UTF8_BLACK_FLAG	0x1f3f4		/* base of the subdivision flags */
#define UTF8_TAG_FIRST	0xe0000
#define UTF8_CANCEL_TAG	0xe007f
#define UTF8_TAGS_MAX	6		/* tag letters in a flag: "gbsct" */

/*
 * General categories removed: controls, format characters, surrogates,
 * private use, line and paragraph separators.
 */
#define UTF8_REMOVED	(UC_CATEGORY_MASK_Cc | UC_CATEGORY_MASK_Cf | \
			 UC_CATEGORY_MASK_Cs | UC_CATEGORY_MASK_Co | \
			 UC_CATEGORY_MASK_Zl | UC_CATEGORY_MASK_Zp)
/* What a variation selector may follow. */
#define UTF8_BASE	(UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_N | \
			 UC_CATEGORY_MASK_P | UC_CATEGORY_MASK_S)

/* A range of code points, inclusive. */
struct utf8_range {
	uint32_t	first;
	uint32_t	last;
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

static size_t	utf8_decode(const unsigned char *, size_t, uint32_t *);
static int	utf8_in(const struct utf8_range *, size_t, uint32_t);
static size_t	utf8_escape(const unsigned char *, size_t);
static size_t	utf8_string_end(const unsigned char *, size_t);
static int	utf8_removed(uint32_t, uint32_t);
static int	utf8_kept_anyway(uint32_t, uint32_t, const unsigned char *,
		    size_t);
static size_t	utf8_tags(const unsigned char *, size_t, int *);

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

/*
 * Whether a code point of general category bits gc is invisible or acts on
 * the terminal: a control, format, private-use, surrogate or line/paragraph
 * separator code point, or default-ignorable (which covers ZWJ, variation
 * selectors, tags and the Hangul fillers). Bidi controls are all Cf
 * (check_utf8 tests that against libunistring over the whole code space).
 */
static int
utf8_removed(uint32_t cp, uint32_t gc)
{
	return ((gc & UTF8_REMOVED) != 0 ||
	    uc_is_property_default_ignorable_code_point(cp));
}

/*
 * Whether removed cp stays because an emoji or its base needs it: a ZWJ
 * between two emoji, or one variation selector right after a base character
 * (prev is the last code point kept, 0 if none; rest is what follows cp).
 */
static int
utf8_kept_anyway(uint32_t cp, uint32_t prev, const unsigned char *rest,
    size_t len)
{
	uint32_t	next;

	if (cp == UTF8_ZWJ) {
		if (!uc_is_property_extended_pictographic(prev) &&
		    !uc_is_property_emoji_modifier(prev) &&
		    prev != UTF8_VS16 && prev != UTF8_CANCEL_TAG)
			return (0);
		return (utf8_decode(rest, len, &next) != 0 &&
		    uc_is_property_extended_pictographic(next));
	}
	if (uc_is_property_variation_selector(cp))
		return (prev != 0 &&
		    uc_is_general_category_withtable(prev, UTF8_BASE));
	return (0);
}

/*
 * Length of the run of tag characters at s; *flag is 1 if the run is what a
 * subdivision flag (after U+1F3F4) needs: 1 to UTF8_TAGS_MAX tag digits or
 * small letters, then CANCEL TAG. Longer runs can hide text.
 */
static size_t
utf8_tags(const unsigned char *s, size_t len, int *flag)
{
	uint32_t	cp, last = 0;
	size_t		i, n, tags = 0, letters = 0;

	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp < UTF8_TAG_FIRST || cp > UTF8_CANCEL_TAG)
			break;
		if (letters == tags && ((cp >= 0xe0030 && cp <= 0xe0039) ||
		    (cp >= 0xe0061 && cp <= 0xe007a)))
			letters++;
		tags++;
		last = cp;
	}
	*flag = (letters > 0 && letters <= UTF8_TAGS_MAX &&
	    tags == letters + 1 && last == UTF8_CANCEL_TAG);
	return (i);
}

/*
 * Remove controls, escape sequences and invisible characters, cut runs of
 * spaces to MESSAGE_SPACES_MAX and trim spaces at both ends. One pass in
 * place; printable ASCII is copied without a look-up.
 */
size_t
utf8_sanitize(char *s, size_t len)
{
	unsigned char	*u = (unsigned char *)s;
	uint32_t	 cp, gc, prev = 0;
	size_t		 i, o, n, end, spaces;
	int		 flag;

	i = o = end = spaces = 0;
	while (i < len) {
		if (u[i] > ' ' && u[i] < 0x7f) {
			do
				u[o++] = u[i++];
			while (i < len && u[i] > ' ' && u[i] < 0x7f);
			prev = u[o - 1];
			spaces = 0;
			end = o;
			continue;
		}
		if (u[i] == UTF8_ESC) {
			i += utf8_escape(u + i, len - i);
			continue;
		}
		if (u[i] == ' ' || u[i] == '\t') {
			cp = u[i];	/* no look-up for ASCII spaces */
			n = 1;
			gc = UC_CATEGORY_MASK_Zs;
		} else if ((n = utf8_decode(u + i, len - i, &cp)) == 0) {
			i++;	/* not UTF-8: drop the byte */
			continue;
		} else
			gc = uc_general_category(cp).bitmask;
		if ((gc & UC_CATEGORY_MASK_Zs) != 0 || cp == UTF8_BLANK_CELL) {
			/* Not at the start (end == 0) and not too many. */
			if (end != 0 && spaces < MESSAGE_SPACES_MAX) {
				if (cp == '\t')
					u[o++] = ' ';
				else {
					memmove(u + o, u + i, n);
					o += n;
				}
				spaces++;
			}
			prev = ' ';	/* U+2800 is a symbol: no base */
			i += n;
			continue;
		}
		if (cp >= UTF8_TAG_FIRST && cp <= UTF8_CANCEL_TAG) {
			/* A whole run of tags stays or goes. */
			n = utf8_tags(u + i, len - i, &flag);
			if (prev == UTF8_BLACK_FLAG && flag) {
				memmove(u + o, u + i, n);
				o += n;
				prev = UTF8_CANCEL_TAG;
				spaces = 0;
				end = o;
			}
			i += n;
			continue;
		}
		if (!utf8_removed(cp, gc) ||
		    utf8_kept_anyway(cp, prev, u + i + n, len - i - n)) {
			memmove(u + o, u + i, n);
			o += n;
			prev = cp;
			/* A mark has no width: it does not end a run. */
			if ((gc & UC_CATEGORY_MASK_M) == 0)
				spaces = 0;
			end = o;
		}
		i += n;
	}

	/* Spaces after the last character go. */
	u[end] = '\0';
	return (end);
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
		if (cp >= 0x300 && uc_width(cp, "UTF-8") == 0)
			continue;	/* marks, ZWJ, selectors */
		if (utf8_in(utf8_wide, nitems(utf8_wide), cp))
			w += 2;
		else
			w++;
	}
	return (w);
}
