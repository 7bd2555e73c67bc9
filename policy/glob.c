/*
 * Globs for exe, program, argv0 and unix: targets.
 *
 *   *      any run of characters, '/' included
 *   ?      exactly one character
 *   [...]  a class: ranges a-z, negation with ! or ^, ']' first is literal
 *          (no escapes inside a class)
 *   \c     the character c
 *
 * The matcher is iterative with one backtrack point (the last '*'), which is
 * enough for '*' that crosses '/', runs in O(len(pat) * len(s)) at worst and
 * never allocates: it runs inside hooks and signal handlers.
 */
#include "config.h"

#include <stddef.h>

#include "policy.h"

/* Match one class at p against c; returns the char after ']' or NULL. */
static const char *
class_match(const char *p, unsigned char c, int *matched)
{
	int neg = 0, ok = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	if (*p == ']') {
		ok = (c == ']');
		p++;
	}
	while (*p && *p != ']') {
		unsigned char lo = (unsigned char)*p, hi = lo;

		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 2;
		}
		if (c >= lo && c <= hi)
			ok = 1;
		p++;
	}
	if (*p != ']')
		return NULL;
	*matched = ok ^ neg;
	return p + 1;
}

int
ng_glob_match(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	if (!pat || !s)
		return 0;
	for (;;) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (!*pat)
				return 1;
			star_p = pat;
			star_s = s;
			continue;
		}
		if (*s) {
			const char *next = NULL;
			int ok = 0;

			if (*pat == '?') {
				ok = 1;
				next = pat + 1;
			} else if (*pat == '[') {
				next = class_match(pat + 1, (unsigned char)*s, &ok);
				if (!next)
					return 0;	/* malformed: never matches */
			} else if (*pat == '\\' && pat[1]) {
				ok = (pat[1] == *s);
				next = pat + 2;
			} else if (*pat) {
				ok = (*pat == *s);
				next = pat + 1;
			}
			if (ok) {
				pat = next;
				s++;
				continue;
			}
		} else if (!*pat) {
			return 1;
		}
		if (!star_p || !*star_s)
			return 0;
		pat = star_p;
		s = ++star_s;
	}
}

int
ng_glob_check(const char *pat, const char **why)
{
	if (!*pat) {
		*why = "empty pattern";
		return -1;
	}
	for (const char *p = pat; *p; p++) {
		if (*p == '\\') {
			if (!p[1]) {
				*why = "trailing backslash";
				return -1;
			}
			p++;
		} else if (*p == '[') {
			int dummy;
			const char *end = class_match(p + 1, 'a', &dummy);

			if (!end) {
				*why = "unterminated [ class";
				return -1;
			}
			p = end - 1;
		}
	}
	return 0;
}
