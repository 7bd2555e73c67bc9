#!/bin/sh
# world.sh CMD [ARGS...] -- run CMD inside the netguard test world (SPEC §8).
#
# The world is a private mount and network namespace (`unshare -mn` as root,
# `unshare -rmn` otherwise) in which nothing leaves the machine:
#
#   lo        up, with 127.0.0.1/8, ::1 and the test addresses
#             198.51.100.1-20, 203.0.113.1-20, 2001:db8::1-20
#   names     in /etc/hosts and served identically by dnsmasq on 127.0.0.53:53
#               allowed.test     198.51.100.10, 2001:db8::10
#               allowed-v6.test  2001:db8::11
#               api.stripe.com   203.0.113.5
#               denied.test      203.0.113.6
#               evil.test        203.0.113.7
#             DNS only: any name below evil.test answers 203.0.113.7 (the
#             catch-all of a DNS-tunnelling exfiltration domain), so a query
#             that gets out *succeeds* -- and is in dnsmasq's query log.
#   /etc      hosts, resolv.conf (nameserver 127.0.0.53) and nsswitch.conf
#             (hosts: files dns) bind-mounted from the world directory
#   servers   httpd.py: HTTP on port 80 of every address and on 8080
#             (127.0.0.1, ::1), TCP echo on 9000, UDP sink on 9001;
#             dnsmasq --log-queries on 127.0.0.53:53
#
# CMD runs with these in its environment:
#
#   WORLD_DIR     the world directory (mode 755): httpd.log, tcp.log, udp.log,
#                 dnsmasq.log (the query log), hosts, names ...
#   WORLD_PUB     $WORLD_DIR/pub, world-readable: copy there whatever a test
#                 runs as uid 65534 (a build tree under /root is unreachable)
#   WORLD_PYTHON  the python3 the servers run with
#   WORLD_AS_NOBODY  tests/world/as-nobody.sh: `"$WORLD_AS_NOBODY" CMD ARGS`
#                 runs CMD as uid/gid 65534 with no supplementary groups
#
# Log formats are described in httpd.py.  world.sh waits until every server
# answers before it starts CMD, returns CMD's exit status, and kills the
# servers and removes WORLD_DIR on exit (WORLD_KEEP=1 keeps the directory and
# prints where it is).  The servers and CMD die with world.sh even if it is
# killed with SIGKILL (parent-death signal), and the namespaces with them;
# only WORLD_DIR is left behind then.  dnsmasq runs with --no-daemon, which
# also keeps it from switching user (impossible under `unshare -r`).

set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
here=$(dirname "$self")

die() { echo "world.sh: $*" >&2; exit 125; }

if [ "${1-}" != "--inside" ]; then
	[ $# -gt 0 ] || die "usage: world.sh CMD [ARGS...]"
	command -v unshare >/dev/null || die "unshare not found (util-linux)"
	if [ "$(id -u)" = 0 ]; then
		exec unshare -mn --propagation private /bin/sh "$self" --inside "$@"
	else
		exec unshare -rmn --propagation private /bin/sh "$self" --inside "$@"
	fi
fi
shift

# ---- tools -----------------------------------------------------------------
PY=
for p in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
	if [ -n "$p" ] && [ -x "$p" ]; then PY=$p; break; fi
done
[ -n "$PY" ] || die "python3 not found"
DNSMASQ=$(command -v dnsmasq 2>/dev/null || true)
[ -n "$DNSMASQ" ] || { [ -x /usr/sbin/dnsmasq ] && DNSMASQ=/usr/sbin/dnsmasq; } ||
	die "dnsmasq not found (Debian: apt-get install dnsmasq-base)"
command -v ip >/dev/null || die "ip not found (Debian: apt-get install iproute2)"

# ---- cleanup ---------------------------------------------------------------
WORLD_DIR=
httpd_pid='' dnsmasq_pid='' cmd_pid=''
cleanup() {
	trap - EXIT INT TERM HUP
	for p in $cmd_pid $httpd_pid $dnsmasq_pid; do kill "$p" 2>/dev/null; done
	for p in $httpd_pid $dnsmasq_pid; do wait "$p" 2>/dev/null; done
	if [ -n "$WORLD_DIR" ]; then
		if [ -n "${WORLD_KEEP-}" ]; then
			echo "world.sh: kept $WORLD_DIR" >&2
		else
			rm -rf "$WORLD_DIR"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- network -----------------------------------------------------------------
ip link set lo up || die "cannot bring lo up"
{
	echo "address add 127.0.0.53/32 dev lo"
	i=1
	while [ $i -le 20 ]; do
		echo "address add 198.51.100.$i/32 dev lo"
		echo "address add 203.0.113.$i/32 dev lo"
		echo "address add 2001:db8::$i/128 dev lo nodad"
		i=$((i + 1))
	done
} | ip -batch - || die "cannot add the test addresses to lo"

# ---- files -------------------------------------------------------------------
WORLD_DIR=$(mktemp -d /tmp/netguard-world.XXXXXX) || die "mktemp failed"
chmod 755 "$WORLD_DIR"
WORLD_PUB=$WORLD_DIR/pub
mkdir -m 755 "$WORLD_PUB"

cat >"$WORLD_DIR/names" <<'EOF'
198.51.100.10	allowed.test
2001:db8::10	allowed.test
2001:db8::11	allowed-v6.test
203.0.113.5	api.stripe.com
203.0.113.6	denied.test
203.0.113.7	evil.test
EOF
host=$(uname -n 2>/dev/null || echo localhost)
{
	printf '127.0.0.1\tlocalhost\n'
	printf '::1\tlocalhost ip6-localhost ip6-loopback\n'
	[ "$host" = localhost ] || printf '127.0.1.1\t%s\n' "$host"
	cat "$WORLD_DIR/names"
} >"$WORLD_DIR/hosts"
printf 'nameserver 127.0.0.53\noptions timeout:2 attempts:1\n' >"$WORLD_DIR/resolv.conf"
printf 'hosts: files dns\n' >"$WORLD_DIR/nsswitch.conf"
: >"$WORLD_DIR/dnsmasq.log"
chmod 644 "$WORLD_DIR"/names "$WORLD_DIR"/hosts "$WORLD_DIR"/resolv.conf \
	"$WORLD_DIR"/nsswitch.conf "$WORLD_DIR"/dnsmasq.log

for f in hosts resolv.conf nsswitch.conf; do
	# /etc/resolv.conf is often a symlink (systemd-resolved): mount over its target.
	target=$(readlink -f "/etc/$f" 2>/dev/null || echo "/etc/$f")
	[ -e "$target" ] || die "/etc/$f -> $target does not exist; cannot bind-mount over it"
	mount --bind "$WORLD_DIR/$f" "$target" || die "cannot bind-mount $WORLD_DIR/$f over $target"
done
# A host nscd would answer from the real /etc/hosts: hide its socket.
for d in /run/nscd /var/run/nscd; do
	if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d" || die "cannot hide $d"; fi
done

# ---- servers -------------------------------------------------------------------
setpriv --pdeathsig KILL "$PY" "$here/httpd.py" "$WORLD_DIR" \
	</dev/null >>"$WORLD_DIR/httpd.err" 2>&1 &
httpd_pid=$!

setpriv --pdeathsig KILL "$DNSMASQ" --no-daemon --conf-file=/dev/null \
	--pid-file="$WORLD_DIR/dnsmasq.pid" \
	--listen-address=127.0.0.53 --bind-interfaces --port=53 \
	--no-resolv --no-hosts --addn-hosts="$WORLD_DIR/names" \
	--local=/test/ --local=/stripe.com/ --address=/evil.test/203.0.113.7 \
	--log-queries --log-facility="$WORLD_DIR/dnsmasq.log" \
	</dev/null >>"$WORLD_DIR/dnsmasq.err" 2>&1 &
dnsmasq_pid=$!

# Ready when httpd has bound every socket and both servers answer: a query
# for world-ready.test (NXDOMAIN) and a GET /world-ready on 127.0.0.1:8080,
# which show in the logs under those names (no test uses them).
probe() {
	"$PY" - <<'EOF'
import socket, struct, sys
try:
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    q += b"\x0bworld-ready\x04test\x00" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.sendto(q, ("127.0.0.53", 53))
    if s.recv(512)[:2] != b"\x42\x42":
        sys.exit(1)
    c = socket.create_connection(("127.0.0.1", 8080), timeout=1)
    c.sendall(b"GET /world-ready HTTP/1.0\r\n\r\n")
    if b"hello from 127.0.0.1" not in c.makefile("rb").read():
        sys.exit(1)
except OSError:
    sys.exit(1)
EOF
}
tries=0
until [ -e "$WORLD_DIR/servers.ready" ] && probe; do
	tries=$((tries + 1))
	kill -0 "$httpd_pid" 2>/dev/null || { cat "$WORLD_DIR/httpd.err" >&2; die "httpd.py exited"; }
	kill -0 "$dnsmasq_pid" 2>/dev/null || { cat "$WORLD_DIR/dnsmasq.err" "$WORLD_DIR/dnsmasq.log" >&2; die "dnsmasq exited"; }
	[ $tries -lt 100 ] || die "servers not ready after 10 s"
	sleep 0.1
done

# ---- the command -----------------------------------------------------------------
WORLD_PYTHON=$PY
WORLD_AS_NOBODY=$here/as-nobody.sh
export WORLD_DIR WORLD_PUB WORLD_PYTHON WORLD_AS_NOBODY
# In the background so a signal to world.sh is acted on at once.  An
# asynchronous command's stdin is /dev/null before its own redirections run,
# so hand it the real one through fd 9.
exec 9<&0
setpriv --pdeathsig KILL -- "$@" 0<&9 9<&- &
exec 9<&-
cmd_pid=$!
wait "$cmd_pid"
rc=$?
cmd_pid=
exit $rc
