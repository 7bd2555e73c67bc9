/*
 * Logging: one event per line, one write(2) of a stack buffer, to the sink
 * chosen at init (an fd the library owns and checks by inode before use,
 * since daemons close fd 2 and reuse the number).  Names and paths are
 * escaped.  A flood is rate-limited with atomics: never blocks.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ng.h"

#define LOG_BURST 200		/* lines allowed per second, per process */

static _Atomic long window_sec;
static _Atomic int window_count;
static _Atomic long suppressed;

struct out {
	char buf[2048];
	size_t n;
};

static void
put(struct out *o, const char *s)
{
	while (*s && o->n < sizeof(o->buf) - 2)
		o->buf[o->n++] = *s++;
}

static void
putn(struct out *o, unsigned long v)
{
	char b[24];

	put(o, ng_utoa(v, b));
}

/* Text escaping: printable ASCII except space and backslash as is. */
static void
put_text(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s && o->n < sizeof(o->buf) - 6; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && c != '\\') {
			o->buf[o->n++] = (char)c;
		} else {
			o->buf[o->n++] = '\\';
			o->buf[o->n++] = 'x';
			o->buf[o->n++] = hex[c >> 4];
			o->buf[o->n++] = hex[c & 15];
		}
	}
}

/* like put_text, but spaces stay spaces (the backtrace's separators) */
static void
put_text_sp(struct out *o, const char *s)
{
	char word[256];

	while (*s) {
		size_t n = strcspn(s, " ");

		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, s, n);
		word[n] = '\0';
		put_text(o, word);
		s += n;
		if (*s == ' ') {
			put(o, " ");
			s++;
		}
	}
}

static void
put_json(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	o->buf[o->n++] = '"';
	for (; *s && o->n < sizeof(o->buf) - 10; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			o->buf[o->n++] = '\\';
			o->buf[o->n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* bytes >= 0x7f as \u00XX: the line stays valid JSON
			 * whatever encoding the name had */
			put(o, "\\u00");
			o->buf[o->n++] = hex[c >> 4];
			o->buf[o->n++] = hex[c & 15];
		} else {
			o->buf[o->n++] = (char)c;
		}
	}
	o->buf[o->n++] = '"';
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

static int
sink_ok(void)
{
	struct stat st;

	if (ng.log_fd < 0)
		return 0;
	if (fstat(ng.log_fd, &st) < 0)
		return 0;
	return (unsigned long)st.st_dev == ng.log_dev && (unsigned long)st.st_ino == ng.log_ino;
}

static void
emit(struct out *o)
{
	ssize_t w;
	int saved = errno;

	if (!sink_ok()) {
		errno = saved;
		return;
	}
	o->buf[o->n++] = '\n';
	do {
		w = ng_sys(SYS_write, ng.log_fd, o->buf, o->n);
	} while (w < 0 && errno == EINTR);
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

void
ng_log_line(const char *msg)
{
	struct out o = { .n = 0 };

	if (ng.log_sink == NG_LOG_NONE)
		return;
	prefix(&o);
	put(&o, msg);
	emit(&o);
}

static const char *
proto_word(int proto)
{
	return proto == NG_Q_UDP ? "udp" : proto == NG_Q_TCP ? "tcp" : NULL;
}

void
ng_log_verdict(const struct ng_event *e, const struct ng_verdict *v)
{
	struct out o = { .n = 0 };
	char addr[INET6_ADDRSTRLEN + 110];
	unsigned port = 0;
	int fam = -1;
	const char *word = ng_verdict_word(v);
	char at[PATH_MAX + 24] = "";
	char bt[768];

	if (ng.log_sink == NG_LOG_NONE || !rate_ok())
		return;
	flush_suppressed();
	bt[0] = '\0';
	if (ng.set.log_backtrace && v->action != NG_ALLOW)
		ng_bt_format(bt, sizeof(bt));
	if (e->sa)
		fam = ng_sockaddr_str(e->sa, e->salen, addr, sizeof(addr), &port);
	if (fam == AF_INET6 && strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.')) {
		/* IPv4-mapped: the decision was on the IPv4 address; log that */
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
		fam = AF_INET;
	}
	if (v->file && v->line) {
		char b[24];

		ng_strlcpy(at, v->file, sizeof(at));
		ng_strlcat(at, ":", sizeof(at));
		ng_strlcat(at, ng_utoa(v->line, b), sizeof(at));
	}
	if (ng.log_format == NG_FMT_JSON) {
		put(&o, "{\"v\":1,\"ts\":\"");
		put_ts(&o);
		put(&o, "\",\"pid\":");
		putn(&o, (unsigned long)getpid());
		put(&o, ",\"exe\":");
		put_json(&o, ng.exe_real[0] ? ng.exe_real : ng.exe);
		put(&o, ",\"op\":");
		put_json(&o, e->op);
		if (proto_word(e->proto)) {
			put(&o, ",\"proto\":\"");
			put(&o, proto_word(e->proto));
			put(&o, "\"");
		}
		if (fam == AF_INET || fam == AF_INET6) {
			put(&o, ",\"dst\":");
			put_json(&o, addr);
			put(&o, ",\"port\":");
			putn(&o, port);
		} else if (fam == AF_UNIX) {
			put(&o, ",\"dst\":");
			put_json(&o, addr);
		}
		if (e->name) {
			put(&o, e->sa ? ",\"path\":" : ",\"name\":");
			put_json(&o, e->name);
		}
		if (e->nnames) {
			put(&o, ",\"names\":[");
			for (size_t i = 0; i < e->nnames; i++) {
				if (i)
					put(&o, ",");
				put_json(&o, e->names[i]);
			}
			put(&o, "]");
		}
		put(&o, ",\"verdict\":\"");
		put(&o, word);
		put(&o, "\",\"mode\":\"");
		put(&o, ng_verdict_mode_word(v));
		put(&o, "\",\"rule\":");
		put_json(&o, v->rule_name);
		if (at[0]) {
			put(&o, ",\"at\":");
			put_json(&o, at);
		}
		if (e->detail) {
			put(&o, ",\"detail\":");
			put_json(&o, e->detail);
		}
		if (bt[0]) {
			put(&o, ",\"backtrace\":");
			put_json(&o, bt);
		}
		put(&o, "}");
	} else {
		prefix(&o);
		put(&o, word);
		put(&o, " ");
		put(&o, e->op);
		put(&o, " ");
		if (fam == AF_INET || fam == AF_INET6) {
			if (e->nnames) {
				put_text(&o, e->names[0]);
				put(&o, ":");
				putn(&o, port);
				put(&o, " (");
				put(&o, addr);
				put(&o, ")");
			} else {
				if (fam == AF_INET6)
					put(&o, "[");
				put(&o, addr);
				if (fam == AF_INET6)
					put(&o, "]");
				put(&o, ":");
				putn(&o, port);
			}
			if (proto_word(e->proto) && e->proto == NG_Q_UDP)
				put(&o, "/udp");
		} else if (fam == AF_UNIX) {
			put(&o, "unix:");
			put_text(&o, addr);
		} else if (e->name) {
			put_text(&o, e->name);
		}
		put(&o, " rule=");
		put_text(&o, v->rule_name);
		put(&o, " exe=");
		put_text(&o, ng.exe_real[0] ? ng.exe_real : ng.exe);
		if (e->detail) {
			put(&o, " (");
			put(&o, e->detail);
			put(&o, ")");
		}
		if (bt[0]) {
			put(&o, " backtrace: ");
			put_text_sp(&o, bt);
		}
	}
	emit(&o);
}
