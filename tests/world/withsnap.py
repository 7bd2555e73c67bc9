# withsnap.py NETGUARD POLICY CMD [ARGS...]: compile POLICY with NETGUARD,
# seal it in a memfd and exec CMD with NETGUARD_SNAPSHOT naming it -- what
# `netguard run` hands its program.  For tests that run CMD as uid 65534,
# which may not reach the build tree to compile the policy itself.
import fcntl, os, subprocess, sys

blob = subprocess.run([sys.argv[1], "compile", "-p", sys.argv[2], "-o", "-"], check=True, capture_output=True).stdout
fd = os.memfd_create("netguard-policy", os.MFD_ALLOW_SEALING)
os.write(fd, blob)
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
os.set_inheritable(fd, True)
st = os.fstat(fd)
os.environ["NETGUARD_SNAPSHOT"] = "%d:%d:%d" % (fd, st.st_dev, st.st_ino)
os.execvp(sys.argv[3], sys.argv[3:])
