/*
 * Diagnostics: the list of errors and warnings the loader, the compiler
 * and lint return (ng_diag_add), errors at a place in the policy file
 * (ng_err), and running out of memory, which is reported the same way.
 * Calls nothing else of the loader's.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

/*
 * Running out of memory is reported like any other error, and reporting it
 * must not need memory: its strings are static, the list always keeps a
 * free slot for it, and a list that never got any memory at all points at
 * oom_only.  ng_diags_free knows these are not to be freed.
 */
static char oom_file[] = "-";
static char oom_msg[] = "out of memory";
static struct ng_diag oom_only = { NG_SEV_ERROR, oom_file, 0, oom_msg };

/* Room for one more diagnostic and, after it, the slot kept for "out of memory". */
static int
reserve(struct ng_diags *d)
{
	size_t cap;
	struct ng_diag *v;

	if (d->n + 2 <= d->cap)
		return 0;
	cap = d->cap ? d->cap * 2 : 16;
	if (d->v == &oom_only) {
		v = malloc(cap * sizeof(*v));
		if (v)
			memcpy(v, d->v, d->n * sizeof(*v));
	} else {
		v = realloc(d->v, cap * sizeof(*v));
	}
	if (!v)
		return -1;
	d->v = v;
	d->cap = cap;
	return 0;
}

static int
has_oom(const struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev == NG_SEV_ERROR && strcmp(d->v[i].msg, oom_msg) == 0)
			return 1;
	return 0;
}

/* "out of memory", once, without allocating. */
static void
add_oom(struct ng_diags *d)
{
	if (has_oom(d))
		return;
	if (d->n < d->cap) {
		d->v[d->n++] = oom_only;
	} else if (!d->v) {
		d->v = &oom_only;
		d->n = d->cap = 1;
	} else {
		return;		/* cannot happen: reserve() keeps a slot */
	}
	d->errors++;
}

void
ng_diag_add(struct ng_diags *d, enum ng_sev sev, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg, *f;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;
	f = strdup(file ? file : "-");
	if (!msg || !f || reserve(d) < 0) {
		free(msg);
		free(f);
		add_oom(d);
		return;
	}
	d->v[d->n].sev = sev;
	d->v[d->n].file = f;
	d->v[d->n].line = line;
	d->v[d->n].msg = msg;
	d->n++;
	if (sev == NG_SEV_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void
ng_diag_oom(struct ng_diags *d, const char *file)
{
	if (!has_oom(d))
		ng_diag_add(d, NG_SEV_ERROR, file, 0, "%s", oom_msg);
}

void
ng_diags_free(struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].file != oom_file)
			free(d->v[i].file);
		if (d->v[i].msg != oom_msg)
			free(d->v[i].msg);
	}
	if (d->v != &oom_only)
		free(d->v);
	memset(d, 0, sizeof(*d));
}

/* Memory ran out: say so (once) and fail the load. */
void
ng_oom(struct loader *L)
{
	ng_diag_oom(L->d, L->ir->nfiles ? L->ir->files[0] : NULL);
	L->bad = 1;
	L->oom = 1;
}

/* realloc, or NULL with the failure reported; p is left as it was then. */
void *
ng_lrealloc(struct loader *L, void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		ng_oom(L);
	return q;
}

char *
ng_lstrdup(struct loader *L, const char *s)
{
	char *p = strdup(s);

	if (!p)
		ng_oom(L);
	return p;
}

int
ng_where_line(const struct loader *L, int n, int *file, int *line)
{
	if (n < 1 || (size_t)n > L->nmap)
		return -1;
	*file = L->map[n - 1].file;
	*line = L->map[n - 1].line;
	return 0;
}

void
ng_where(const struct loader *L, const config_setting_t *s, int *file, int *line)
{
	*file = 0;
	*line = 0;
	if (s)
		ng_where_line(L, (int)config_setting_source_line(s), file, line);
}

void
ng_err(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int file, line, n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	L->bad = 1;
	if (n < 0) {
		ng_oom(L);
		return;
	}
	ng_where(L, s, &file, &line);
	ng_diag_add(L->d, NG_SEV_ERROR, L->ir->files[file], line, "%s", msg);
	free(msg);
}
