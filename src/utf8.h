/* UTF-8 validation and removal of what must not reach another screen. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF, NUL). */
int	utf8_valid(const char *s, size_t len);
/* Code points in valid UTF-8 s[0..len). */
size_t	utf8_length(const char *s, size_t len);
/*
 * Remove in place, from valid UTF-8: C0 and C1 controls and DEL (a TAB
 * becomes a space), whole terminal escape sequences (ESC [ ... final,
 * ESC ] ... BEL or ESC \, and two-byte ESC x), and invisible or
 * bidirectional format characters (U+00AD, U+061C, U+180E, U+200B-U+200F,
 * U+202A-U+202E, U+2060-U+2064, U+2066-U+206F, U+FEFF, U+FFF9-U+FFFB).
 * Leading and trailing spaces are trimmed. Returns the new length and
 * NUL-terminates.
 */
size_t	utf8_sanitize(char *s, size_t len);
/* Display columns of valid, sanitized UTF-8 (1 per code point, 2 for wide CJK/emoji). */
size_t	utf8_width(const char *s, size_t len);

#endif
