"""Run a command inside a lab host, the way ``docker exec`` does, without trusting the host.

``nsenter`` would execute the host's own binaries with this machine's full capabilities, and a
lab host's root can replace those binaries. Here the machine's Python joins the host's
namespaces, drops every capability the host may not have, and only then execs the command:
nothing from the lab's file system ever runs with more power than the host's own root.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Mapping, Sequence

from secops.lab.caps import drop_bounding_set

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000

# mnt last: after it, every path names the host's file system
NAMESPACES: tuple[tuple[str, int], ...] = (
    ("ipc", CLONE_NEWIPC),
    ("uts", CLONE_NEWUTS),
    ("net", CLONE_NEWNET),
    ("pid", CLONE_NEWPID),
    ("mnt", CLONE_NEWNS),
)

HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def host_environment(term: str | None) -> dict[str, str]:
    """The clean environment a command gets inside a host (nothing leaks from this machine)."""
    env = {"PATH": HOST_PATH, "HOME": "/root", "LANG": "C.UTF-8", "USER": "root"}
    if term:
        env["TERM"] = term
    return env


def run_in_host(init_pid: int, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``argv`` as root inside the namespaces of ``init_pid``; returns its exit status.

    Standard input and output are this process's. A command killed by a signal gives 128+N,
    as a shell reports it; a command that cannot be executed gives 127.
    """
    fds = [(os.open(f"/proc/{init_pid}/ns/{name}", os.O_RDONLY), flag) for name, flag in NAMESPACES]
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through its exit status
        os._exit(_child(libc, fds, list(argv), dict(env)))
    for fd, _ in fds:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _child(
    libc: ctypes.CDLL, fds: list[tuple[int, int]], argv: list[str], env: dict[str, str]
) -> int:  # pragma: no cover
    try:
        for fd, flag in fds:
            if libc.setns(fd, flag) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns: {os.strerror(err)}")
            os.close(fd)
        os.chdir("/")
        drop_bounding_set()
    except OSError as exc:
        print(f"govsec lab exec: cannot enter the host: {exc}", file=sys.stderr)
        return 126
    # the pid namespace applies to children only: the command runs in a grandchild
    pid = os.fork()
    if pid == 0:
        try:
            os.execvpe(argv[0], argv, env)
        except OSError as exc:
            print(f"govsec lab exec: {argv[0]}: {exc.strerror}", file=sys.stderr)
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
