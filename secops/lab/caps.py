"""The capabilities a lab host keeps, and how to drop the rest.

A lab host's root may manage its own files, users, processes and its own network namespace,
and nothing of the machine: no modules (sys_module), clock (sys_time), audit configuration or
log (audit_control, audit_read), reboot (sys_boot), raw I/O (sys_rawio), mounts (sys_admin,
so /proc/sys stays read-only), device nodes (mknod), kernel log (syslog) or file handles
outside its root (dac_read_search).

audit_write stays, as in Docker's default set: it only lets a process append a user-space
record (a login, a sudo) to the audit trail, and sshd ends every pty session whose
USER_LOGIN record it cannot write ("linux_audit_write_entry failed").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

# Linux capability numbers (linux/capability.h)
CAP_NUMBERS: dict[str, int] = {
    "chown": 0, "dac_override": 1, "dac_read_search": 2, "fowner": 3, "fsetid": 4, "kill": 5,
    "setgid": 6, "setuid": 7, "setpcap": 8, "linux_immutable": 9, "net_bind_service": 10,
    "net_broadcast": 11, "net_admin": 12, "net_raw": 13, "ipc_lock": 14, "ipc_owner": 15,
    "sys_module": 16, "sys_rawio": 17, "sys_chroot": 18, "sys_ptrace": 19, "sys_pacct": 20,
    "sys_admin": 21, "sys_boot": 22, "sys_nice": 23, "sys_resource": 24, "sys_time": 25,
    "sys_tty_config": 26, "mknod": 27, "lease": 28, "audit_write": 29, "audit_control": 30,
    "setfcap": 31, "mac_override": 32, "mac_admin": 33, "syslog": 34, "wake_alarm": 35,
    "block_suspend": 36, "audit_read": 37, "perfmon": 38, "bpf": 39, "checkpoint_restore": 40,
}  # fmt: skip

# What root inside a lab host keeps. sys_chroot: sshd's privilege separation chroots.
# net_admin: the host's own namespace only (addresses, routes, net.* sysctls, firewall).
KEPT: tuple[str, ...] = (
    "chown", "dac_override", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
    "setfcap", "net_bind_service", "net_raw", "net_admin", "sys_chroot", "audit_write",
)  # fmt: skip

# The minimum; tests prove each one from inside a host.
MUST_LACK: tuple[str, ...] = ("sys_module", "sys_time", "audit_control", "sys_boot", "sys_rawio")

PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4


def setpriv_bounding_spec() -> str:
    """The ``setpriv --bounding-set`` argument that keeps only KEPT."""
    return "-all," + ",".join("+" + name for name in KEPT)


def last_cap() -> int:
    """The highest capability number this kernel knows."""
    return int(Path("/proc/sys/kernel/cap_last_cap").read_text())


def decode(mask: int) -> set[str]:
    """Capability names set in a /proc/PID/status Cap* mask."""
    by_number = {number: name for name, number in CAP_NUMBERS.items()}
    return {by_number.get(bit, f"cap_{bit}") for bit in range(64) if mask >> bit & 1}


def drop_bounding_set() -> None:
    """Drop every capability but KEPT from this process's bounding, inheritable and ambient sets.

    Runs in a forked child before it execs a lab binary, so nothing from the lab's file system
    ever runs with the machine's full privileges.
    """
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    keep = {CAP_NUMBERS[name] for name in KEPT}
    for cap in range(last_cap() + 1):
        if cap not in keep and libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_CAPBSET_DROP, {cap}): {os.strerror(err)}")
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _clear_inheritable(libc)


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def _clear_inheritable(libc: ctypes.CDLL) -> None:
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    for half in data:
        half.inheritable = 0
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
