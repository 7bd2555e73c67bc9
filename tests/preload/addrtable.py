# addrtable.py IP PORT: every address family x length x socket type, through
# libc's connect() and sendto() (ctypes: the calls a C program makes), aimed
# at IP:PORT.  One line per combination that reached IP -- a connect whose
# peer became IP, a datagram sent -- and "total N" at the end.  Run plainly
# it shows which claims the kernel accepts; under the preload, aimed at a
# denied address, it must print no line but the total.
import ctypes, errno, socket, struct, sys

ip, port = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
families = [("INET", 2), ("INET6", 10), ("UNSPEC", 0), ("UNIX", 1), ("255", 255)]
lengths = [2, 8, 15, 16, 20, 24, 27, 28, 32, 110, 128]
socks = [("v4/tcp", socket.AF_INET, socket.SOCK_STREAM), ("v4/udp", socket.AF_INET, socket.SOCK_DGRAM),
         ("v6/tcp", socket.AF_INET6, socket.SOCK_STREAM), ("v6/udp", socket.AF_INET6, socket.SOCK_DGRAM)]

def addr(fam):
    if fam == 10:
        return struct.pack("<H", fam) + struct.pack(">HI", port, 0) + socket.inet_pton(socket.AF_INET6, "::ffff:" + ip) + b"\0" * 4
    return struct.pack("<H", fam) + struct.pack(">H", port) + socket.inet_aton(ip) + b"\0" * 8

def reached(s):
    try:
        peer = s.getpeername()[0]
    except OSError:
        return False
    return peer in (ip, "::ffff:" + ip)

total = 0
for sname, dom, typ in socks:
    for fname, fam in families:
        for n in lengths:
            for op in ("connect", "sendto"):
                s = socket.socket(dom, typ)
                s.setblocking(False)
                buf = (addr(fam) + b"\0" * 128)[:n]
                if op == "connect":
                    rc = libc.connect(s.fileno(), buf, n)
                    e = ctypes.get_errno()
                    hit = (rc == 0 or e == errno.EINPROGRESS) and reached(s)
                else:
                    rc = libc.sendto(s.fileno(), b"x", 1, 0, buf, n)
                    hit = rc > 0
                total += 1
                if hit:
                    print(sname, fname, n, op)
                s.close()
print("total", total)
