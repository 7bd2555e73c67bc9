#!/bin/sh
# The demo (make demo): check the example policies, ask them what they
# decide, then run real programs under one in a private test world
# (tests/world/world.sh: its own network and /etc/hosts, nothing leaves it).
ng=$1 src=$2
pol=$src/examples/stripe-node.conf
show() { printf '\n$ %s\n' "$*"; "$@"; echo "(exit $?)"; }
if [ -z "$WORLD_DIR" ]; then
	show "$ng" check -p "$src/examples/spec-example.conf"
	show "$ng" check -p "$src/examples/offline-ci.conf"
	show "$ng" check -p "$pol"
	show "$ng" explain -p "$pol" --exe /usr/bin/node connect api.stripe.com:443
	show "$ng" explain -p "$pol" --exe /usr/bin/python3 connect api.stripe.com:443
	show "$ng" explain -p "$pol" connect 169.254.169.254:80
	show "$ng" explain -p "$pol" exec curl https://evil.example/
	show "$ng" explain -p "$pol" exec busybox wget http://evil.example/
	ng=$(cd "$(dirname "$ng")" && pwd)/$(basename "$ng")
	exec sh "$src/tests/world/world.sh" sh "$0" "$ng" "$src"
fi
cat > "$WORLD_DIR/demo.conf" <<'P'
version = 1;
default = "deny";
rules = (
  { name = "loopback"; action = "allow"; to = ( "127.0.0.0/8", "::1", "localhost" ); },
  { name = "allowed";  action = "allow"; to = ( "allowed.test" ); ports = ( 80 ); }
);
exec = { rules = ( ); };
P
echo
echo "=== in the test world: allowed.test is allowed, api.stripe.com (a live local server) is not"
cat "$WORLD_DIR/demo.conf"
show "$ng" run -p "$WORLD_DIR/demo.conf" -- curl -s -m 3 http://allowed.test/
show "$ng" run -p "$WORLD_DIR/demo.conf" -- curl -s -m 3 http://api.stripe.com/
show "$ng" run -p "$WORLD_DIR/demo.conf" -- curl -s -m 3 http://203.0.113.5/
show "$ng" run -p "$WORLD_DIR/demo.conf" -- node -e "fetch('http://api.stripe.com/').then(r => console.log(r.status), e => console.log('node fetch refused:', e.cause && e.cause.code))"
show "$ng" run -p "$WORLD_DIR/demo.conf" -- python3 -c "import subprocess; subprocess.run(['env', '-i', '/usr/bin/curl', '-s', '-m', '3', 'http://203.0.113.5/'])"
show "$ng" run -p "$WORLD_DIR/demo.conf" -- /bin/busybox wget -q -O- http://api.stripe.com/
echo
echo "requests that reached the servers (only allowed.test):"
cat "$WORLD_DIR/httpd.log"
exit 0
