/* UTF-8 validation and removal of what must not reach another screen. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF, NUL). */
int	utf8_valid(const char *s, size_t len);
/* Code points in valid UTF-8 s[0..len). */
size_t	utf8_length(const char *s, size_t len);
/*
 * Clean text in place for other users' screens. Removed: C0 and C1 controls
 * and DEL (a TAB becomes a space), whole terminal escape sequences (ESC [
 * ... final, ESC ] ... BEL or ESC \, two-byte ESC x), bytes that are not
 * UTF-8, and every code point that libunistring puts in Cc, Cf, Cs, Co, Zl
 * or Zp, or calls a bidi control or default-ignorable; except what emoji
 * need: a ZWJ between two emoji, one variation selector right after a
 * letter, digit, punctuation or symbol, and the tags of a subdivision flag
 * (U+1F3F4, 1-6 tag digits/small letters, CANCEL TAG). Spaces (Zs, U+2800)
 * are trimmed at both ends and a run of them is cut to MESSAGE_SPACES_MAX.
 * Returns the new length (0: nothing visible was left) and NUL-terminates.
 */
size_t	utf8_sanitize(char *s, size_t len);
/*
 * Display columns of valid, sanitized UTF-8: 2 for wide CJK/emoji, 0 for
 * what libunistring gives no width (marks, ZWJ, selectors), else 1.
 */
size_t	utf8_width(const char *s, size_t len);

#endif
