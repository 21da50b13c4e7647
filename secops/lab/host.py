"""One lab host: its copy-on-write layer, its identity files, its processes.

The upper layer is written before the host starts, so sshd comes up with the host's own
ed25519 key and the lab's admin key already in place. Directories created in the upper layer
copy owner and mode from the base, so the merged view looks exactly like Debian's.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from secops.lab.base import ADMIN_USER
from secops.lab.caps import setpriv_bounding_spec
from secops.lab.proc import MARKER, LabError, ProcRef, children, ref, run
from secops.lab.sources import AptSource

SSHD_DROPIN = """\
# Written by govsec lab: this host's own key only (the base ships none).
HostKey /etc/ssh/ssh_host_ed25519_key
"""


@dataclass(frozen=True)
class HostSpec:
    """What a host is: its name, index, address and where its files live."""

    name: str
    index: int
    address: str
    prefixlen: int
    home: Path

    @property
    def upper(self) -> Path:
        return self.home / "upper"

    @property
    def work(self) -> Path:
        return self.home / "work"

    @property
    def merged(self) -> Path:
        return self.home / "merged"

    @property
    def console(self) -> Path:
        return self.home / "console.log"


def prepare(
    spec: HostSpec,
    base: Path,
    admin_public_key: str,
    peers: list[tuple[str, str]],
    sources: list[AptSource],
    proxy_url: str,
) -> str:
    """Write the host's upper layer; returns its public host key line."""
    for folder in (spec.upper, spec.work, spec.merged):
        folder.mkdir(parents=True)
    spec.home.chmod(0o700)
    files_ = _Upper(spec.upper, base)
    files_.write("etc/hostname", spec.name + "\n")
    hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    hosts += "".join(f"{address}\t{name}\n" for name, address in peers)
    files_.write("etc/hosts", hosts)
    files_.write(
        "etc/govsec-lab",
        f"# This is a govsec lab host; see docs/lab.md.\nGOVSEC_LAB_HOST={spec.name}\n"
        "GOVSEC_LAB_FORBIDS=kernel-sysctl,modules,clock,audit,mount\n",
    )
    files_.write("etc/ssh/sshd_config.d/00-govsec-lab.conf", SSHD_DROPIN)
    public_key = _host_key(files_, spec.name)
    uid, gid = _user_ids(base, ADMIN_USER)
    files_.write(
        f"home/{ADMIN_USER}/.ssh/authorized_keys",
        admin_public_key.strip() + "\n",
        mode=0o600,
        owner=(uid, gid),
        dir_mode=0o700,
    )
    files_.write("etc/apt/sources.list", sources_list(sources))
    files_.write(
        "etc/apt/apt.conf.d/01govsec-lab-proxy",
        f"// govsec lab: packages come through this machine; the host has no route out.\n"
        f'Acquire::http::Proxy "{proxy_url}";\n'
        # Ten hosts revalidating one index in the same second can make apt-cacher-ng answer
        # one of them with an error and half-close the connection, on which a pipelining
        # apt then waits forever: one request at a time, a bounded wait, and retries.
        'Acquire::http::Pipeline-Depth "0";\n'
        'Acquire::http::Timeout "30";\n'
        'Acquire::Retries "3";\n',
    )
    return public_key


def sources_list(sources: list[AptSource]) -> str:
    """The machine's Debian sources for a lab host, as http through the proxy.

    One-line format in /etc/apt/sources.list, as Debian 12's installer writes it (tools such as
    Lynis look for the security suite there). An https mirror is fetched over https by the
    proxy; the host asks the proxy in plain http (apt's signatures vouch for the packages).
    """
    lines = ["# Written by govsec lab from this machine's apt sources."]
    for source in sources:
        options = ""
        if source.signed_by and "\n" not in source.signed_by and " " not in source.signed_by:
            options = f"[signed-by={source.signed_by}] "
        for suite in source.suites:
            lines.append(f"deb {options}http://{source.host_path}/ {suite} main")
    return "\n".join(lines) + "\n"


def start(spec: HostSpec, base: Path, lab_id: str) -> tuple[ProcRef, ProcRef]:
    """Start the host; returns (unshare process on this machine, the host's PID 1)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        MARKER: lab_id,
        "GOVSEC_LAB_HOST": spec.name,
    }
    with (
        as_file(files("secops.lab").joinpath("scripts/stage1.sh")) as stage1,
        spec.console.open("ab") as console,
    ):
        process = subprocess.Popen(
            [
                "unshare",
                "--fork",
                "--pid",
                "--mount",
                "--uts",
                "--ipc",
                "--net",
                "--kill-child",
                "--",
                "/bin/sh",
                str(stage1),
                str(base),
                str(spec.upper),
                str(spec.work),
                str(spec.merged),
                spec.name,
                setpriv_bounding_spec(),
            ],
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    outer = ref(process.pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kids = children(process.pid)
        inner = ref(kids[0]) if kids else None
        if outer is not None and inner is not None:
            return outer, inner
        if process.poll() is not None:
            break
        time.sleep(0.002)
    raise LabError(f"lab host {spec.name} did not start; console: {spec.console}")


class _Upper:
    """Writes files into an upper layer, making parent folders look like the base's."""

    def __init__(self, upper: Path, base: Path) -> None:
        self.upper = upper
        self.base = base

    def write(
        self,
        relative: str,
        text: str,
        mode: int = 0o644,
        owner: tuple[int, int] = (0, 0),
        dir_mode: int | None = None,
    ) -> Path:
        target = self.upper / relative
        self.folders(Path(relative).parent, owner if dir_mode is not None else None, dir_mode)
        target.write_text(text, encoding="utf-8")
        os.chown(target, *owner)
        target.chmod(mode)
        return target

    def folders(
        self, relative: Path, owner: tuple[int, int] | None = None, mode: int | None = None
    ) -> None:
        """Create ``relative`` and parents; the last gets owner/mode where the base lacks it."""
        parts = relative.parts
        for depth in range(1, len(parts) + 1):
            sub = Path(*parts[:depth])
            folder = self.upper / sub
            if folder.is_dir():
                continue
            folder.mkdir()
            like = self.base / sub
            if like.is_dir():
                info = like.stat()
                os.chown(folder, info.st_uid, info.st_gid)
                folder.chmod(info.st_mode & 0o7777)
            elif depth == len(parts) and owner is not None and mode is not None:
                os.chown(folder, *owner)
                folder.chmod(mode)


def _host_key(upper: _Upper, name: str) -> str:
    upper.folders(Path("etc/ssh"))
    key = upper.upper / "etc" / "ssh" / "ssh_host_ed25519_key"
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{name}", "-f", str(key)])
    key.chmod(0o600)
    return key.with_suffix(".pub").read_text().strip()


def _user_ids(base: Path, user: str) -> tuple[int, int]:
    for line in (base / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise LabError(f"the lab base has no user {user}: rebuild it with govsec lab down --purge")
