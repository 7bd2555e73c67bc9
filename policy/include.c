/*
 * @include expansion.  The policy and every file it includes become one
 * text for libconfig, before libconfig sees it, so that a relative path
 * resolves from the including file's directory (libconfig 1.5 only knows
 * one include directory); L->map records where each line of that text
 * came from, so every message names the file and line the user wrote.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define MAX_INCLUDE_DEPTH 16

/* Add a source file name; its index, or -1 (out of memory, reported). */
int
ng_add_file(struct loader *L, const char *path)
{
	struct ir_policy *ir = L->ir;
	char **files = ng_lrealloc(L, ir->files, (ir->nfiles + 1) * sizeof(char *));

	if (!files)
		return -1;
	ir->files = files;
	if (!(files[ir->nfiles] = ng_lstrdup(L, path)))
		return -1;
	return (int)ir->nfiles++;
}

static int
emit_line(struct loader *L, const char *p, size_t n, int file, int line)
{
	if (L->ntext + n + 2 > L->captext) {
		size_t cap = (L->ntext + n + 2) * 2;
		char *text = ng_lrealloc(L, L->text, cap);

		if (!text)
			return -1;
		L->text = text;
		L->captext = cap;
	}
	if (L->nmap == L->capmap) {
		size_t cap = L->capmap ? L->capmap * 2 : 64;
		struct srcline *map = ng_lrealloc(L, L->map, cap * sizeof(*map));

		if (!map)
			return -1;
		L->map = map;
		L->capmap = cap;
	}
	memcpy(L->text + L->ntext, p, n);
	L->ntext += n;
	L->text[L->ntext++] = '\n';
	L->text[L->ntext] = '\0';
	L->map[L->nmap].file = file;
	L->map[L->nmap].line = line;
	L->nmap++;
	return 0;
}

/* The whole file, NUL-terminated; NULL with errno (ENOMEM: out of memory). */
static char *
read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *more;
	size_t n = 0, cap = 0, r;
	int e = 0;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if (!(more = realloc(buf, cap + 1))) {
				e = ENOMEM;
				break;
			}
			buf = more;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (!e && ferror(f))
		e = errno;
	fclose(f);
	if (e) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * If the line is `@include "path"`, point *path at the path in the line and
 * return its length (up to its first NUL, as a C string would be); else -1.
 */
static int
include_path(const char *p, size_t n, const char **path)
{
	const char *e = p + n, *q;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(e - p) < 8 || strncmp(p, "@include", 8) != 0)
		return -1;
	p += 8;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= e || *p != '"')
		return -1;
	q = memchr(p + 1, '"', (size_t)(e - p - 1));
	if (!q)
		return -1;
	*path = p + 1;
	return (int)strnlen(p + 1, (size_t)(q - p - 1));
}

/* Expand text into L->text, line by line; -1 only when memory ran out. */
int
ng_expand_text(struct loader *L, const char *text, size_t len, int file, int depth)
{
	const char *p = text, *end = text + len;
	int line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *inc;
		int inclen = include_path(p, n, &inc);

		line++;
		if (inclen >= 0) {
			char full[PATH_MAX];
			const char *base = L->ir->files[file];
			const char *slash = strrchr(base, '/');

			if (inc[0] == '/' || !slash)
				snprintf(full, sizeof(full), "%.*s", inclen, inc);
			else
				snprintf(full, sizeof(full), "%.*s/%.*s", (int)(slash - base), base, inclen, inc);
			if (ng_expand_file(L, full, file, line, depth + 1) < 0 && L->oom)
				return -1;
			if (emit_line(L, "", 0, file, line) < 0)	/* keep numbering */
				return -1;
		} else if (emit_line(L, p, n, file, line) < 0) {
			return -1;
		}
		p += n + 1;
	}
	return 0;
}

int
ng_expand_file(struct loader *L, const char *path, int from_file, int from_line, int depth)
{
	size_t len;
	char *text;
	int file;

	if (depth > MAX_INCLUDE_DEPTH) {
		ng_diag_add(L->d, NG_SEV_ERROR, L->ir->files[from_file], from_line,
			    "@include \"%s\": includes nested more than %d deep; is a file including itself?",
			    path, MAX_INCLUDE_DEPTH);
		L->bad = 1;
		return -1;
	}
	text = read_whole(path, &len);
	if (!text && errno == ENOMEM) {
		ng_oom(L);
		return -1;
	}
	if (!text) {
		if (from_line)
			ng_diag_add(L->d, NG_SEV_ERROR, L->ir->files[from_file], from_line,
				    "@include \"%s\": %s", path, strerror(errno));
		else
			ng_diag_add(L->d, NG_SEV_ERROR, path, 0, "cannot read policy: %s", strerror(errno));
		L->bad = 1;
		return -1;
	}
	file = from_line ? ng_add_file(L, path) : 0;
	if (file < 0 || ng_expand_text(L, text, len, file, depth) < 0) {
		free(text);
		return -1;
	}
	free(text);
	return 0;
}
