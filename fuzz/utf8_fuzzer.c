/*
 * libFuzzer harness for the UTF-8 functions: validation agrees with a
 * reference decoder, and sanitize always leaves text that is safe to show.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int	fuzz_ref_valid(const uint8_t *s, size_t len);

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
	if (utf8_width(s, n) > 2 * utf8_length(s, n))
		abort();
	n2 = utf8_sanitize(s, n);
	if (n2 != n)
		abort();	/* cleaning is idempotent */
	free(s);
	return (0);
}
