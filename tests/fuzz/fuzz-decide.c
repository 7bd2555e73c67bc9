/*
 * libFuzzer target: the decision path.  The input is split into a query
 * (family, address, port, protocol, names, exe) decided against a fixed
 * policy with every target kind; with a leading 0xff byte the rest is taken
 * as a snapshot blob instead, which ng_snap_open must either refuse or
 * decide on without reading outside it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/policy.h"

static const char policy_text[] =
	"version = 1;\n"
	"lists = { meta = ( \"169.254.169.254\", \"fd00:ec2::254\" ); };\n"
	"guard = ( { name = \"g\"; to = ( \"@meta\", \"unix:/run/docker.sock\" ); } );\n"
	"rules = (\n"
	" { name = \"a\"; action = \"allow\"; to = ( \"api.example.com\", \".example.org\", \"*.cdn.example\" ); },\n"
	" { name = \"r\"; action = \"allow\"; to = ( \"~api-[0-9]+\\\\.corp\\\\.example\", \"~(a|b)+x\" ); ports = ( 443, \"8000-8080\" ); },\n"
	" { name = \"n\"; action = \"deny\"; to = ( \"10.0.0.0/8\", \"2001:db8::/32\", \"unix:@*\" ); exe = ( \"*/curl\" ); },\n"
	" { name = \"s\"; action = \"allow\"; to = ( \"*\" ); proto = \"udp\"; }\n"
	");\n"
	"exec = { rules = ( { name = \"t\"; program = ( \"@network_tools\" ); argv0 = ( \"x*\" ); action = \"jail\"; } ); };\n";

static struct ng_blob blob;
static struct ng_policy pol;


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/ngfuzz-XXXXXX";
	int fd = mkstemp(path);
	struct ng_diags d = { 0 };
	const char *why;
	FILE *f = fdopen(fd, "w");

	(void)argc;
	(void)argv;
	fputs(policy_text, f);
	fclose(f);
	if (ng_compile_file(path, 0, &blob, &d) != 0 || ng_snap_open(&pol, blob.data, blob.size, &why) != 0)
		abort();
	unlink(path);
	ng_rx_init_heap(&pol);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_query q = { 0 };
	struct ng_verdict v;
	char buf[1024], out[256], *names[4];
	size_t n = 0, len;

	if (size >= 1 && data[0] == 0xff) {
		/* a hostile snapshot: aligned copy, no regex runtime */
		struct ng_policy p;
		const char *why;
		void *copy = aligned_alloc(8, (size + 7) & ~(size_t)7);

		memcpy(copy, data + 1, size - 1);
		if (ng_snap_open(&p, copy, size - 1, &why) == 0) {
			const char *nm[1] = { "api.example.com" };

			q.op = NG_OP_CONNECT;
			q.family = AF_INET;
			q.names = nm;
			q.nnames = 1;
			ng_decide(&p, &q, &v);
			q.op = NG_OP_DNS;
			ng_decide(&p, &q, &v);
		}
		free(copy);
		return 0;
	}
	if (size < 24)
		return 0;
	q.op = data[0] % 3 + 1;
	q.proto = data[1] & 1 ? NG_Q_UDP : NG_Q_TCP;
	q.family = data[2] % 3 == 0 ? AF_INET : data[2] % 3 == 1 ? AF_INET6 : AF_UNIX;
	memcpy(q.addr, data + 3, 16);
	q.port = (uint16_t)(data[19] << 8 | data[20]);
	len = size - 24 < sizeof(buf) - 1 ? size - 24 : sizeof(buf) - 1;
	memcpy(buf, data + 24, len);
	buf[len] = '\0';
	/* NUL-separated strings: names..., the last one is the exe / unix path */
	for (char *p = buf; p < buf + len && n < 4; p += strlen(p) + 1)
		names[n++] = p;
	q.names = (const char *const *)names;
	q.nnames = n > 1 ? n - 1 : n;
	q.exe = n ? names[n - 1] : NULL;
	q.unix_path = q.exe;
	q.hostname = (data[21] & 1) && n ? names[0] : NULL;
	ng_decide(&pol, &q, &v);
	ng_decide_socket(&pol, data[23] % 20, data[21] >> 1, &v);
	ng_decide_dns_message(&pol, &q, data + 24, size - 24, data[22] >> 7, out, sizeof(out), &v);
	{
		struct ng_exec_query e = { .path = q.exe, .real = n > 1 ? names[0] : NULL, .argv0 = q.exe,
					   .flags = data[22] & 3 };

		ng_decide_exec(&pol, &e, &v);
	}
	return 0;
}
