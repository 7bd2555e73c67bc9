#!/usr/bin/env python3
"""The servers of the netguard test world (tests/world/world.sh).

One process, one thread per listening socket plus one per connection:

  tcp  80    HTTP on every address of the world (wildcard, IPv4 and IPv6)
  tcp  8080  HTTP, likewise (the loopback test port: 127.0.0.1, ::1)
  tcp  9000  echo: logs the connection, sends back what it receives
  udp  9001  sink: logs every datagram (and answers "ack N" to its sender)

The HTTP body names the address the request arrived on, so a client can tell
which host answered:  "hello from 198.51.100.10 path /x\n".  Every request,
connection and datagram is appended to a log file in DIR, one line each,
flushed at once, so a test can prove a request did (or did not) arrive:

  httpd.log  LOCALADDR LOCALPORT METHOD PATH host=HOSTHEADER peer=PEERADDR
  tcp.log    LOCALADDR 9000 open|BYTES peer=PEERADDR
  udp.log    LOCALADDR 9001 BYTES peer=PEERADDR data=REPR

The sockets are bound to the wildcard addresses: inside the world's network
namespace the only interface is lo, which holds 127.0.0.1, ::1 and every test
address, so "every address" is exactly the world.  When every socket is bound
the script writes DIR/servers.ready.

usage: httpd.py DIR
"""

import os
import socket
import sys
import threading

LOCK = threading.Lock()
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Python < 3.12 lacks the name


def addr_of(sockaddr):
    a = sockaddr[0]
    if a.startswith("::ffff:") and "." in a:
        a = a[len("::ffff:"):]
    return a


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        os.chmod(path, 0o644)

    def write(self, line):
        with LOCK:
            self.f.write(line.replace("\n", "\\n") + "\n")
            self.f.flush()


def listeners(port, kind):
    socks = []
    for fam, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, port))
        if kind == socket.SOCK_STREAM:
            s.listen(128)
        elif fam == socket.AF_INET:
            # IP_PKTINFO / IPV6_RECVPKTINFO: the address a datagram was sent to
            s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        socks.append(s)
    return socks


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def http_conn(conn, peer, log):
    try:
        conn.settimeout(10)
        local = addr_of(conn.getsockname())
        port = conn.getsockname()[1]
        data = read_request(conn)
        lines = data.decode("latin-1").splitlines()
        method, path = "-", "-"
        if lines:
            parts = lines[0].split()
            if len(parts) >= 2:
                method, path = parts[0], parts[1]
        host = "-"
        for line in lines[1:]:
            if line.lower().startswith("host:"):
                host = line.split(":", 1)[1].strip()
        log.write("%s %d %s %s host=%s peer=%s" % (local, port, method, path, host, addr_of(peer)))
        body = ("hello from %s path %s\n" % (local, path)).encode()
        head = ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode()
        conn.sendall(head + (body if method != "HEAD" else b""))
    except OSError:
        pass
    finally:
        conn.close()


def echo_conn(conn, peer, log):
    try:
        conn.settimeout(10)
        local = addr_of(conn.getsockname())
        log.write("%s %d open peer=%s" % (local, conn.getsockname()[1], addr_of(peer)))
        total = 0
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            total += len(chunk)
            conn.sendall(chunk)
        log.write("%s %d %d peer=%s" % (local, conn.getsockname()[1], total, addr_of(peer)))
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(s, handler, log):
    while True:
        try:
            conn, peer = s.accept()
        except OSError:
            continue
        threading.Thread(target=handler, args=(conn, peer, log), daemon=True).start()


def udp_loop(s, log):
    while True:
        try:
            data, anc, _flags, peer = s.recvmsg(65536, 1024)
        except OSError:
            continue
        local = "-"
        for level, typ, val in anc:
            if level == socket.IPPROTO_IP and typ == IP_PKTINFO:
                local = socket.inet_ntop(socket.AF_INET, val[8:12])
            elif level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                local = socket.inet_ntop(socket.AF_INET6, val[:16])
        log.write("%s 9001 %d peer=%s data=%r" % (local, len(data), addr_of(peer), data))
        try:
            s.sendto(b"ack %d\n" % len(data), peer)
        except OSError:
            pass


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: httpd.py DIR")
    d = sys.argv[1]
    http_log = Log(os.path.join(d, "httpd.log"))
    tcp_log = Log(os.path.join(d, "tcp.log"))
    udp_log = Log(os.path.join(d, "udp.log"))
    threads = []
    for port in (80, 8080):
        for s in listeners(port, socket.SOCK_STREAM):
            threads.append(threading.Thread(target=accept_loop, args=(s, http_conn, http_log), daemon=True))
    for s in listeners(9000, socket.SOCK_STREAM):
        threads.append(threading.Thread(target=accept_loop, args=(s, echo_conn, tcp_log), daemon=True))
    for s in listeners(9001, socket.SOCK_DGRAM):
        threads.append(threading.Thread(target=udp_loop, args=(s, udp_log), daemon=True))
    for t in threads:
        t.start()
    with open(os.path.join(d, "servers.ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    threading.Event().wait()


if __name__ == "__main__":
    main()
