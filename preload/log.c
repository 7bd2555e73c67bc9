/*
 * Logging: one event per line, one write(2) of a stack buffer, to the sink
 * chosen at init (an fd the library owns and checks by inode before use,
 * since daemons close fd 2 and reuse the number).  Names and paths are
 * escaped.  A flood is rate-limited with atomics: never blocks.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ng.h"

#define LOG_BURST 200		/* lines allowed per second, per process */

/* the rate limiter's counters live in the state (ng.h): the exit check
 * below then reads a page every process has touched already */
#define window_sec (ng.log_window_sec)
#define window_count (ng.log_window_count)
#define suppressed (ng.log_suppressed)

/*
 * The line being built.  Every byte goes through put_ch(), which never
 * writes past LINE_ROOM: the rest is kept for the newline and the mark of
 * a cut line.  Each variable field has its own budget (field_cap), so the
 * fixed parts of a line -- verdict, rule, and in JSON the closing braces --
 * always fit, and a field that is too long ends in "..." inside its own
 * quotes: the line says it was shortened and stays valid JSON.
 */
#define LINE_MAX_OUT 3072
#define LINE_ROOM (LINE_MAX_OUT - 8)

struct out {
	char buf[LINE_MAX_OUT];
	size_t n;
	int cut;		/* something did not fit */
};

static void
put_ch(struct out *o, char c)
{
	if (o->n < LINE_ROOM)
		o->buf[o->n++] = c;
	else
		o->cut = 1;
}

static void
put(struct out *o, const char *s)
{
	while (*s)
		put_ch(o, *s++);
}

static void
putn(struct out *o, unsigned long v)
{
	char b[24];

	put(o, ng_utoa(v, b));
}

/* per-field output budgets (bytes); their sum stays well below LINE_ROOM */
enum { CAP_PATH = 320, CAP_NAMES = 400, CAP_RULE = 100, CAP_AT = 200, CAP_DETAIL = 640, CAP_BT = 300 };

/* Text escaping: printable ASCII except space and backslash as is; at most
 * cap bytes out, then "..." */
static void
put_text(struct out *o, const char *s, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = o->n;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (o->n - start + 4 > cap) {
			put(o, "...");
			return;
		}
		if (c > 0x20 && c < 0x7f && c != '\\') {
			put_ch(o, (char)c);
		} else {
			put(o, "\\x");
			put_ch(o, hex[c >> 4]);
			put_ch(o, hex[c & 15]);
		}
	}
}

/* like put_text, but spaces stay spaces (the backtrace's separators) */
static void
put_text_sp(struct out *o, const char *s, size_t cap)
{
	char word[256];
	size_t start = o->n;

	while (*s) {
		size_t n = strcspn(s, " ");

		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, s, n);
		word[n] = '\0';
		if (o->n - start >= cap)
			break;
		put_text(o, word, cap - (o->n - start));
		s += n;
		if (*s == ' ') {
			put(o, " ");
			s++;
		}
	}
}

/* A JSON string: at most cap bytes between its quotes, then "..." */
static void
put_json(struct out *o, const char *s, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t start;

	put_ch(o, '"');
	start = o->n;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (o->n - start + 6 > cap) {
			put(o, "...");
			break;
		}
		if (c == '"' || c == '\\') {
			put_ch(o, '\\');
			put_ch(o, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			/* bytes >= 0x7f as \u00XX: the line stays valid JSON
			 * whatever encoding the name had */
			put(o, "\\u00");
			put_ch(o, hex[c >> 4]);
			put_ch(o, hex[c & 15]);
		} else {
			put_ch(o, (char)c);
		}
	}
	put_ch(o, '"');
}

/* UTC timestamp 2026-11-29T08:00:00.123Z without gmtime (not AS-safe). */
static void
put_ts(struct out *o)
{
	struct timespec ts;
	long days, secs, y, m, d, era, doe, yoe, doy, mp;
	char b[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	days = ts.tv_sec / 86400;
	secs = ts.tv_sec % 86400;
	/* civil from days (H. Hinnant's algorithm) */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	b[0] = (char)('0' + y / 1000 % 10); b[1] = (char)('0' + y / 100 % 10);
	b[2] = (char)('0' + y / 10 % 10); b[3] = (char)('0' + y % 10); b[4] = '-';
	b[5] = (char)('0' + m / 10); b[6] = (char)('0' + m % 10); b[7] = '-';
	b[8] = (char)('0' + d / 10); b[9] = (char)('0' + d % 10); b[10] = 'T';
	b[11] = (char)('0' + secs / 36000); b[12] = (char)('0' + secs / 3600 % 10); b[13] = ':';
	b[14] = (char)('0' + secs % 3600 / 600); b[15] = (char)('0' + secs % 600 / 60); b[16] = ':';
	b[17] = (char)('0' + secs % 60 / 10); b[18] = (char)('0' + secs % 10); b[19] = '.';
	b[20] = (char)('0' + ts.tv_nsec / 100000000); b[21] = (char)('0' + ts.tv_nsec / 10000000 % 10);
	b[22] = (char)('0' + ts.tv_nsec / 1000000 % 10); b[23] = 'Z'; b[24] = '\0';
	put(o, b);
}

static int
rate_ok(void)
{
	struct timespec ts;
	long sec;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	sec = ts.tv_sec;
	if (atomic_load(&window_sec) != sec) {
		atomic_store(&window_sec, sec);
		atomic_store(&window_count, 0);
	}
	if (atomic_fetch_add(&window_count, 1) >= LOG_BURST) {
		atomic_fetch_add(&suppressed, 1);
		return 0;
	}
	return 1;
}

/*
 * The sink, opened for one line and closed again: the library holds no
 * descriptor of its own for logging, so a child started with close_fds
 * sees none, and a daemon that closes its stderr really lets it go.
 * stderr: fd 2 while it is still the file it was at start (a daemon that
 * closed fd 2 and reused the number must not get log lines in its data);
 * -1: nowhere to write now.
 */
static int
sink_open(int *ours)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	struct stat st;
	int fd;

	*ours = 1;
	switch (ng.log_sink) {
	case NG_LOG_STDERR:
		*ours = 0;
		if (ng_sys(SYS_fstat, 2, &st) < 0 || (unsigned long)st.st_dev != ng.log_dev ||
		    (unsigned long)st.st_ino != ng.log_ino)
			return -1;
		return 2;
	case NG_LOG_FILE:
		return (int)ng_sys(SYS_openat, AT_FDCWD, ng.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	case NG_LOG_SYSLOG:
		fd = (int)ng_sys(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && ng_sys(SYS_connect, fd, &un, sizeof(un)) < 0) {
			ng_sys(SYS_close, fd);
			fd = -1;
		}
		return fd;
	default:
		return -1;
	}
}

static void
emit(struct out *o)
{
	long w;
	int saved = errno, ours, fd = sink_open(&ours);

	if (fd < 0) {
		errno = saved;
		return;
	}
	if (o->cut) {
		memcpy(o->buf + o->n, " [cut]", 6);	/* LINE_ROOM left room for it */
		o->n += 6;
	}
	o->buf[o->n++] = '\n';
	do {
		w = ng_sys(SYS_write, fd, o->buf, o->n);
	} while (w < 0 && errno == EINTR);
	if (ours)
		ng_sys(SYS_close, fd);
	errno = saved;
}

static void
prefix(struct out *o)
{
	if (ng.log_sink == NG_LOG_SYSLOG)
		put(o, "<36>");	/* LOG_AUTH|LOG_WARNING */
	put(o, "netguard[");
	putn(o, (unsigned long)getpid());
	put(o, "]: ");
}

static void
flush_suppressed(void)
{
	long n = atomic_exchange(&suppressed, 0);
	struct out o = { .n = 0 };

	if (n <= 0)
		return;
	prefix(&o);
	putn(&o, (unsigned long)n);
	put(&o, " log lines suppressed (rate limit)");
	emit(&o);
}

/* a flood that ended inside its window still says what it dropped */
__attribute__((destructor)) static void
flush_at_exit(void)
{
	if (atomic_load(&suppressed) > 0 && ng.log_sink != NG_LOG_NONE)
		flush_suppressed();
}

static const char *
proto_word(int proto)
{
	return proto == NG_Q_UDP ? "udp" : proto == NG_Q_TCP ? "tcp" : NULL;
}

/* what a line says, worked out once for both formats */
struct fields {
	char addr[INET6_ADDRSTRLEN + 110];
	unsigned port;
	int fam;			/* AF_INET, AF_INET6, AF_UNIX, or -1: no address */
	char at[PATH_MAX + 24];		/* FILE:LINE of the rule, or "" */
	char bt[768];			/* the call stack, or "" */
	const char *exe;
};

static void
fields_of(const struct ng_event *e, const struct ng_verdict *v, struct fields *f)
{
	f->fam = -1;
	f->port = 0;
	f->at[0] = f->bt[0] = '\0';
	if (ng.set.log_backtrace && v->action != NG_ALLOW)
		ng_bt_format(f->bt, sizeof(f->bt));
	if (e->sa)
		f->fam = ng_sockaddr_str(e->sa, e->salen, f->addr, sizeof(f->addr), &f->port);
	if (f->fam == AF_INET6 && strncmp(f->addr, "::ffff:", 7) == 0 && strchr(f->addr + 7, '.')) {
		/* IPv4-mapped: the decision was on the IPv4 address; log that */
		memmove(f->addr, f->addr + 7, strlen(f->addr + 7) + 1);
		f->fam = AF_INET;
	}
	if (v->file && v->line) {
		char b[24];

		ng_strlcpy(f->at, v->file, sizeof(f->at));
		ng_strlcat(f->at, ":", sizeof(f->at));
		ng_strlcat(f->at, ng_utoa(v->line, b), sizeof(f->at));
	}
	f->exe = ng.exe_real[0] ? ng.exe_real : ng.exe;
}

/* ,"key":"value" */
static void
put_json_field(struct out *o, const char *key, const char *val, size_t cap)
{
	put(o, ",\"");
	put(o, key);
	put(o, "\":");
	put_json(o, val, cap);
}

static void
put_json_names(struct out *o, const struct ng_event *e)
{
	size_t start = o->n;

	put(o, ",\"names\":[");
	for (size_t i = 0; i < e->nnames && o->n - start < CAP_NAMES; i++) {
		if (i)
			put(o, ",");
		put_json(o, e->names[i], CAP_NAMES - (o->n - start));
	}
	put(o, "]");
}

static void
put_json_where(struct out *o, const struct ng_event *e, const struct fields *f)
{
	if (proto_word(e->proto)) {
		put(o, ",\"proto\":\"");
		put(o, proto_word(e->proto));
		put(o, "\"");
	}
	if (f->fam == AF_INET || f->fam == AF_INET6 || f->fam == AF_UNIX)
		put_json_field(o, "dst", f->addr, CAP_PATH);
	if (f->fam == AF_INET || f->fam == AF_INET6) {
		put(o, ",\"port\":");
		putn(o, f->port);
	}
	if (e->name)
		put_json_field(o, e->sa ? "path" : "name", e->name, CAP_PATH);
	if (e->nnames)
		put_json_names(o, e);
}

static void
format_json(struct out *o, const struct ng_event *e, const struct ng_verdict *v, const struct fields *f)
{
	put(o, "{\"v\":1,\"ts\":\"");
	put_ts(o);
	put(o, "\",\"pid\":");
	putn(o, (unsigned long)getpid());
	put_json_field(o, "exe", f->exe, CAP_PATH);
	put_json_field(o, "op", e->op, 32);
	put_json_where(o, e, f);
	put_json_field(o, "verdict", ng_verdict_word(v), 16);
	put_json_field(o, "mode", ng_verdict_mode_word(v), 16);
	put_json_field(o, "rule", v->rule_name, CAP_RULE);
	if (f->at[0])
		put_json_field(o, "at", f->at, CAP_AT);
	if (e->detail)
		put_json_field(o, "detail", e->detail, CAP_DETAIL);
	if (f->bt[0])
		put_json_field(o, "backtrace", f->bt, CAP_BT);
	put(o, "}");
}

/* api.stripe.com:443 (198.51.100.3), [2001:db8::1]:443, unix:/path, or the name */
static void
put_text_where(struct out *o, const struct ng_event *e, const struct fields *f)
{
	if (f->fam == AF_INET || f->fam == AF_INET6) {
		if (e->nnames) {
			put_text(o, e->names[0], CAP_PATH);
			put(o, ":");
			putn(o, f->port);
			put(o, " (");
			put(o, f->addr);
			put(o, ")");
		} else {
			put(o, f->fam == AF_INET6 ? "[" : "");
			put(o, f->addr);
			put(o, f->fam == AF_INET6 ? "]:" : ":");
			putn(o, f->port);
		}
		if (e->proto == NG_Q_UDP)
			put(o, "/udp");
	} else if (f->fam == AF_UNIX) {
		put(o, "unix:");
		put_text(o, f->addr, CAP_PATH);
	} else if (e->name) {
		put_text(o, e->name, CAP_PATH);
	}
}

static void
format_text(struct out *o, const struct ng_event *e, const struct ng_verdict *v, const struct fields *f)
{
	prefix(o);
	put(o, ng_verdict_word(v));
	put(o, " ");
	put(o, e->op);
	put(o, " ");
	put_text_where(o, e, f);
	put(o, " rule=");
	put_text(o, v->rule_name, CAP_RULE);
	put(o, " exe=");
	put_text(o, f->exe, CAP_PATH);
	if (e->detail) {
		put(o, " (");
		put_text_sp(o, e->detail, CAP_DETAIL);
		put(o, ")");
	}
	if (f->bt[0]) {
		put(o, " backtrace: ");
		put_text_sp(o, f->bt, CAP_BT);
	}
}

void
ng_log_verdict(const struct ng_event *e, const struct ng_verdict *v)
{
	struct out o = { .n = 0 };
	struct fields f;

	if (ng.log_sink == NG_LOG_NONE || !rate_ok())
		return;
	flush_suppressed();
	fields_of(e, v, &f);
	if (ng.log_format == NG_FMT_JSON)
		format_json(&o, e, v, &f);
	else
		format_text(&o, e, v, &f);
	emit(&o);
}
