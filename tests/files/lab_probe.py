"""Runs as root inside a lab host and tries what a lab host must not do to its machine.

Prints one JSON object: attempt -> "ok" or the errno name it failed with. Every attempt is
chosen to be harmless even if it succeeded (it writes back the value it read, sets the clock
to the time it already is, asks the audit subsystem for its status, loads no real module),
so a broken lab shows up as a failed test, not as a changed machine.
"""

import ctypes
import errno
import json
import os
import socket
import struct
import time

libc = ctypes.CDLL(None, use_errno=True)
results = {}


def attempt(name, action):
    try:
        action()
        results[name] = "ok"
    except OSError as exc:
        results[name] = errno.errorcode.get(exc.errno, str(exc.errno))


def syscall(number, *args):
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    if libc.syscall(ctypes.c_long(number), *args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def rewrite(path):
    def action():
        with open(path) as handle:
            value = handle.read()
        with open(path, "w") as handle:
            handle.write(value)

    return action


def audit(message_type, payload=b""):
    """Send one audit netlink request; raise with the errno the kernel answers."""

    def action():
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
        try:
            sock.bind((0, 0))
            header = struct.pack("=IHHII", 16 + len(payload), message_type, 0x5, 1, 0)
            sock.send(header + payload)  # NLM_F_REQUEST | NLM_F_ACK
            sock.settimeout(2)
            while True:
                reply = sock.recv(65536)
                _, kind, _, _, _ = struct.unpack("=IHHII", reply[:16])
                if kind == 2:  # NLMSG_ERROR
                    (code,) = struct.unpack("=i", reply[16:20])
                    if code:
                        raise OSError(-code, os.strerror(-code))
                    return
                if kind == message_type:  # the status itself: the request was allowed
                    return
        finally:
            sock.close()

    return action


SYS_INIT_MODULE, SYS_DELETE_MODULE, SYS_FINIT_MODULE = 175, 176, 313
SYS_IOPERM, SYS_IOPL, SYS_REBOOT, SYS_SETTIMEOFDAY = 173, 172, 169, 164
MS_REMOUNT, MS_BIND = 32, 4096

for key in (
    "kernel/dmesg_restrict",
    "kernel/randomize_va_space",
    "vm/swappiness",
    "fs/suid_dumpable",
    "kernel/modules_disabled",
):
    attempt(f"sysctl:{key}", rewrite(f"/proc/sys/{key}"))
attempt("sysctl:net (own namespace)", rewrite("/proc/sys/net/ipv4/conf/eth0/rp_filter"))
attempt(
    "remount /proc/sys rw",
    lambda: syscall(0xA5, b"proc", b"/proc/sys", None, MS_REMOUNT | MS_BIND, None),
)  # mount(2)


def finit_module():
    fd = os.open("/dev/null", os.O_RDONLY)
    try:
        syscall(SYS_FINIT_MODULE, fd, b"", 0)
    finally:
        os.close(fd)


attempt("finit_module", finit_module)
attempt("init_module", lambda: syscall(SYS_INIT_MODULE, b"\0" * 64, 64, b""))
attempt("delete_module", lambda: syscall(SYS_DELETE_MODULE, b"govsec_no_such_module", 0))

attempt("clock_settime", lambda: time.clock_settime(time.CLOCK_REALTIME, time.time()))


class Timeval(ctypes.Structure):
    _fields_ = (("sec", ctypes.c_long), ("usec", ctypes.c_long))


attempt(
    "settimeofday",
    lambda: syscall(SYS_SETTIMEOFDAY, ctypes.byref(Timeval(int(time.time()), 0)), None),
)

attempt("audit: get status", audit(1000))  # AUDIT_GET
attempt("audit: list rules", audit(1013))  # AUDIT_LIST_RULES
attempt("audit: set (no change)", audit(1001, b"\0" * 40))  # AUDIT_SET, mask 0

attempt("reboot (cad off)", lambda: syscall(SYS_REBOOT, 0xFEE1DEAD, 672274793, 0, None))
attempt("ioperm", lambda: syscall(SYS_IOPERM, 0x80, 1, 1))
attempt("iopl", lambda: syscall(SYS_IOPL, 3))


def fibmap():
    """FIBMAP reveals where a file lies on the raw disk: the kernel asks for sys_rawio first."""
    import fcntl

    with open("/etc/hostname", "rb") as handle:
        fcntl.ioctl(handle.fileno(), 1, struct.pack("i", 0))  # FIBMAP


attempt("fibmap (raw disk block)", fibmap)


def mknod_disk():
    path = "/tmp/govsec-probe-disk"
    try:
        os.mknod(path, 0o600 | 0o060000, os.makedev(8, 0))  # S_IFBLK: the machine's sda
    finally:
        if os.path.exists(path):
            os.unlink(path)


attempt("mknod block device", mknod_disk)

with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("CapBnd:"):
            results["CapBnd"] = line.split()[1]
results["uid"] = os.getuid()
print(json.dumps(results))
