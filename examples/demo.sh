#!/bin/sh
# The demo (make demo): check the example policies, ask them what they
# decide, then print the attack matrix live (tests/attacks/demo.sh) from a
# private test world: its own network and /etc/hosts, nothing leaves it.
ng=$1 src=$2
pol=$src/examples/stripe-node.conf
show() { printf '\n$ %s\n' "$*"; "$@"; echo "(exit $?)"; }
show "$ng" check -p "$src/examples/spec-example.conf"
show "$ng" check -p "$src/examples/offline-ci.conf"
show "$ng" check -p "$pol"
show "$ng" explain -p "$pol" --exe /usr/bin/node connect api.stripe.com:443
show "$ng" explain -p "$pol" --exe /usr/bin/python3 connect api.stripe.com:443
show "$ng" explain -p "$pol" connect 169.254.169.254:80
show "$ng" explain -p "$pol" exec curl https://evil.example/
show "$ng" explain -p "$pol" exec busybox wget http://evil.example/
echo
echo "=== the attack matrix, live: a private test world (network namespace, names,"
echo "=== dnsmasq, servers); api.stripe.com is a live local server that must stay unreached"
build=$(cd "$(dirname "$ng")/.." && pwd)
srcdir=$src builddir=$build exec sh "$src/tests/attacks/demo.sh"
