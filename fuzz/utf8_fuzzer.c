/*
 * libFuzzer harness for the UTF-8 functions: validation agrees with a
 * reference decoder, and sanitize always leaves text that is safe to show:
 * valid UTF-8 (by libunistring's u8_check too), no C0/C1 control or ESC, no
 * code point of a removed category except where an emoji needs it, no run
 * of more than MESSAGE_SPACES_MAX spaces, no space at either end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <unistr.h>

#include "limits.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int	fuzz_ref_valid(const uint8_t *s, size_t len);
static int	fuzz_removed(ucs4_t cp);
static int	fuzz_space(ucs4_t cp);
static size_t	fuzz_flag_tags(const uint8_t *s, size_t len);
static void	fuzz_check_clean(const uint8_t *s, size_t len);

/* A second, table-free reading of RFC 3629 (without NUL) to compare with. */
static int
fuzz_ref_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] == 0)
			return (0);
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n;
	}
	return (1);
}

/* Whether libunistring puts cp in a set the cleaner must remove. */
static int
fuzz_removed(ucs4_t cp)
{
	return (uc_is_general_category(cp, UC_CATEGORY_Cc) ||
	    uc_is_general_category(cp, UC_CATEGORY_Cf) ||
	    uc_is_general_category(cp, UC_CATEGORY_Cs) ||
	    uc_is_general_category(cp, UC_CATEGORY_Co) ||
	    uc_is_general_category(cp, UC_CATEGORY_Zl) ||
	    uc_is_general_category(cp, UC_CATEGORY_Zp) ||
	    uc_is_property_bidi_control(cp) ||
	    uc_is_property_default_ignorable_code_point(cp));
}

/* Whether cp shows as blank space. */
static int
fuzz_space(ucs4_t cp)
{
	return (uc_is_general_category(cp, UC_CATEGORY_Zs) || cp == 0x2800);
}

/* Bytes of a subdivision flag's tags at s (1-6 letters, CANCEL TAG), or 0. */
static size_t
fuzz_flag_tags(const uint8_t *s, size_t len)
{
	const uint8_t *p = s, *end = s + len;
	ucs4_t cp;
	int letters = 0;

	while (p < end && (p = u8_next(&cp, p)) != NULL) {
		if (cp == 0xe007f)
			return (letters >= 1 && letters <= 6 ? p - s : 0);
		if ((cp < 0xe0030 || cp > 0xe0039) &&
		    (cp < 0xe0061 || cp > 0xe007a))
			return (0);
		letters++;
	}
	return (0);
}

/* Abort unless cleaned text s[0..len) is safe to show, by the rules above. */
static void
fuzz_check_clean(const uint8_t *s, size_t len)
{
	ucs4_t cp, prev = 0, next;
	size_t i, n, t, spaces = 0;

	if (u8_check(s, len) != NULL)
		abort();
	for (i = 0; i < len; i += n) {
		n = u8_mbtouc(&cp, s + i, len - i);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			abort();	/* C0, DEL, C1, ESC */
		if (fuzz_space(cp)) {
			if (i == 0 || i + n == len || ++spaces >
			    MESSAGE_SPACES_MAX)
				abort();
			prev = cp;
			continue;
		}
		if (prev == 0x1f3f4 && cp >= 0xe0000 && cp <= 0xe007f) {
			if ((t = fuzz_flag_tags(s + i, len - i)) == 0)
				abort();	/* tags that are not a flag */
			n = t;
			prev = 0xe007f;
			spaces = 0;
			continue;
		}
		if (fuzz_removed(cp)) {
			if (cp == 0x200d) {
				/* ZWJ: between two emoji only. */
				if (i + n == len)
					abort();
				u8_mbtouc(&next, s + i + n, len - i - n);
				if (!uc_is_property_extended_pictographic(next) ||
				    (!uc_is_property_extended_pictographic(prev) &&
				    !uc_is_property_emoji_modifier(prev) &&
				    prev != 0xfe0f && prev != 0xe007f))
					abort();
			} else if (uc_is_property_variation_selector(cp)) {
				/* One selector, after a base character. */
				if (prev == 0 || !(uc_is_general_category(prev,
				    UC_CATEGORY_L) || uc_is_general_category(prev,
				    UC_CATEGORY_N) || uc_is_general_category(prev,
				    UC_CATEGORY_P) || uc_is_general_category(prev,
				    UC_CATEGORY_S)))
					abort();
			} else
				abort();
		}
		if (!uc_is_general_category(cp, UC_CATEGORY_M))
			spaces = 0;
		prev = cp;
	}
}

/* Check every function on the input as it is and after cleaning. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	const unsigned char *u;
	size_t n, n2, i;
	int valid;

	valid = utf8_valid((const char *)data, size);
	if (valid != fuzz_ref_valid(data, size))
		abort();
	if (valid && utf8_length((const char *)data, size) > size)
		abort();
	(void)utf8_width((const char *)data, size);

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	n = utf8_sanitize(s, size);
	u = (const unsigned char *)s;
	if (n > size || s[n] != '\0' || !utf8_valid(s, n))
		abort();
	for (i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f || u[i] == 0x1b)
			abort();
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] <= 0x9f)
			abort();	/* a C1 control */
	}
	if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
		abort();
	fuzz_check_clean(u, n);
	if (utf8_width(s, n) > 2 * utf8_length(s, n))
		abort();
	n2 = utf8_sanitize(s, n);
	if (n2 != n)
		abort();	/* cleaning is idempotent */
	free(s);
	return (0);
}
