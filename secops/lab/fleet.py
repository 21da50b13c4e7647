"""The lab as a whole: ``up``, ``status``, ``exec`` and ``down``.

Everything a lab makes is either inside its hosts' namespaces (mounts, eth0: they vanish with
the host's PID 1), or recorded and recognisable on this machine: processes carry the lab's
marker, links carry its id (``gvlab<id>``, ``gv<id>-NN``), files live under ``<data>/lab`` and
the inventory paths kept in the state file. ``down`` (and ``up``, before it starts) removes all
of it, even after a crash that lost the state file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secops.i18n import t
from secops.lab import base as base_
from secops.lab import enter, host, inventory, net, proc, proxy
from secops.lab.proc import LabError, ProcRef
from secops.lab.sources import (
    AptSource,
    base_mirror,
    debian_sources,
    default_source_files,
    read_sources,
)

if TYPE_CHECKING:
    from secops.settings import LabSettings

# tool -> Debian package that provides it
MACHINE_TOOLS: dict[str, str] = {
    "unshare": "util-linux", "nsenter": "util-linux", "mount": "mount",
    "pivot_root": "util-linux", "hostname": "hostname", "ip": "iproute2",
    "ssh-keygen": "openssh-client", "chroot": "coreutils", "apt-cacher-ng": "apt-cacher-ng",
}  # fmt: skip
HOST_MIB = 20  # a fresh host's upper layer is a few hundred KiB; room to install packages
SSH_WAIT = 30.0
SYSLOG_PORT = 5514  # `govsec siem listen` on the lab bridge receives what lab hosts forward

Say = Callable[[str], None]


@dataclass
class HostState:
    name: str
    index: int
    address: str
    host_key: str
    outer: ProcRef  # unshare, on this machine
    init: ProcRef  # the host's PID 1, seen from this machine

    def running(self) -> bool:
        return self.outer.alive() and self.init.alive()


@dataclass
class LabState:
    lab_id: str
    subnet: str
    bridge: str
    gateway: str
    base: str
    proxy_port: int
    key: str
    inventory: str
    proxy: ProcRef | None = None
    hosts: list[HostState] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> LabState:
        raw: dict[str, Any] = json.loads(text)
        hosts = [
            HostState(**{**h, "outer": ProcRef(**h["outer"]), "init": ProcRef(**h["init"])})
            for h in raw.pop("hosts")
        ]
        proxy_ref = raw.pop("proxy")
        return cls(**raw, hosts=hosts, proxy=ProcRef(**proxy_ref) if proxy_ref else None)


@dataclass(frozen=True)
class HostStatus:
    name: str
    address: str
    running: bool
    ssh: bool
    pid: int | None


@dataclass(frozen=True)
class LabStatus:
    lab_id: str
    subnet: str
    bridge: str
    inventory: str
    proxy: str
    proxy_running: bool
    hosts: list[HostStatus]

    @property
    def healthy(self) -> bool:
        return self.proxy_running and all(h.running and h.ssh for h in self.hosts)


def require_root() -> None:
    if os.geteuid() != 0:
        raise LabError(t("lab.need_root"), t("lab.need_root.hint"))


def require_tools(tools: dict[str, str]) -> None:
    """Raise one LabError naming every missing tool and the packages that bring them."""
    path = os.environ.get("PATH", "")
    missing = {
        tool: package for tool, package in tools.items() if shutil.which(tool, path=path) is None
    }
    if missing:
        raise LabError(
            t("lab.missing_tools", tools=", ".join(sorted(missing))),
            t("lab.missing_tools.hint", packages=" ".join(sorted(set(missing.values())))),
        )


class Lab:
    """One lab, kept under ``<data dir>/lab`` with its bases in ``<cache dir>``."""

    def __init__(self, data: Path, cache: Path, settings: LabSettings) -> None:
        self.home = data / "lab"
        self.data = data
        self.cache = cache
        self.settings = settings
        self.lab_id = hashlib.sha256(str(self.home).encode()).hexdigest()[:6]
        self.net = net.LabNet(self.lab_id, settings.subnet)

    @property
    def state_path(self) -> Path:
        return self.home / "state.json"

    # -- the four commands ------------------------------------------------------------

    def up(self, count: int, inventory_path: Path, say: Say) -> LabState:
        """Start ``count`` hosts (replacing any lab that was up) and write the inventory."""
        require_root()
        require_tools(MACHINE_TOOLS)
        if not 1 <= count <= self.net.capacity:
            raise LabError(
                t("lab.bad_hosts", most=self.net.capacity, subnet=self.net.subnet, n=count)
            )
        with self._locked():
            removed = self._teardown()
            if removed:
                say(t("lab.cleaned", what=", ".join(removed)))
            for bridge in net.check_subnet_free(self.net):
                say(t("lab.orphan_removed", bridge=bridge, subnet=self.net.subnet))
            sources = self._sources()
            rootfs = base_.ensure_base(self.cache, base_mirror(sources, base_.SUITE, []), say)
            _check_overlay_path(rootfs)
            _check_overlay_path(self.home)
            base_.require_space(self.home, HOST_MIB * count + 50)
            say(t("lab.starting", n=count))
            try:
                return self._start(count, rootfs, sources, inventory_path.absolute())
            except BaseException:
                self._teardown()
                raise

    def down(self, purge: bool = False) -> int:
        """Stop every host and remove all the lab made; ``purge`` drops the caches too."""
        require_root()
        with self._locked():
            state = self._load_state()
            self._teardown()
            if purge:
                base_.purge(self.cache)
                shutil.rmtree(self.cache / "apt-cacher-ng", ignore_errors=True)
        return len(state.hosts) if state else 0

    def status(self) -> LabStatus:
        """Each host's process and SSH state; raises when no lab is up."""
        state = self._require_state()
        with ThreadPoolExecutor(max_workers=16) as pool:
            ssh = list(pool.map(lambda h: h.running() and _ssh_banner(h.address, 1.0), state.hosts))
        hosts = [
            HostStatus(h.name, h.address, h.running(), ok, h.init.pid if h.running() else None)
            for h, ok in zip(state.hosts, ssh, strict=True)
        ]
        return LabStatus(
            state.lab_id,
            state.subnet,
            state.bridge,
            state.inventory,
            f"{state.gateway}:{state.proxy_port}",
            state.proxy is not None and state.proxy.alive(),
            hosts,
        )

    def exec(self, name: str, argv: Sequence[str]) -> int:
        """Run ``argv`` as root inside host ``name``; returns the command's exit status."""
        require_root()
        state = self._require_state()
        found = next((h for h in state.hosts if h.name == name), None)
        if found is None:
            names = ", ".join(h.name for h in state.hosts)
            raise LabError(t("lab.unknown_host", name=name, names=names))
        if not found.running():
            raise LabError(t("lab.host_down", name=name))
        return enter.run_in_host(
            found.init.pid, argv, enter.host_environment(os.environ.get("TERM"))
        )

    # -- building -----------------------------------------------------------------------

    def _start(
        self, count: int, rootfs: Path, sources: list[AptSource], inventory_path: Path
    ) -> LabState:
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)
        state = LabState(
            lab_id=self.lab_id,
            subnet=str(self.net.subnet),
            bridge=self.net.bridge,
            gateway=str(self.net.gateway),
            base=str(rootfs),
            proxy_port=self.settings.apt_proxy_port,
            key=str(self.home / "keys" / "admin_ed25519"),
            inventory=str(inventory_path),
        )
        self._save(state)
        key = self._admin_key(Path(state.key))
        net.create_bridge(self.net)
        state.proxy = proxy.start(
            self.home / "apt-cacher-ng",
            # by subnet, not lab id: labs never share a subnet at once, and a lab made again on
            # the same subnet (tests, CI) finds the packages it fetched before
            self.cache / "apt-cacher-ng" / str(self.net.subnet).replace("/", "_"),
            state.gateway,
            state.proxy_port,
            sources,
            self.lab_id,
        )
        self._save(state)
        proxy_url = f"http://{state.gateway}:{state.proxy_port}/"
        specs = [
            host.HostSpec(
                f"lab{i:02d}",
                i,
                str(self.net.address(i)),
                self.net.subnet.prefixlen,
                self.home / "hosts" / f"lab{i:02d}",
            )
            for i in range(1, count + 1)
        ]
        peers = [(s.name, s.address) for s in specs]
        admin_public = key.with_suffix(".pub").read_text()
        for spec in specs:
            public = host.prepare(spec, rootfs, admin_public, peers, sources, proxy_url)
            outer, init = host.start(spec, rootfs, self.lab_id)
            state.hosts.append(HostState(spec.name, spec.index, spec.address, public, outer, init))
            self._save(state)
        net.attach(self.net, [(h.index, h.init.pid) for h in state.hosts])
        self._wait_for_ssh(state, specs)
        inventory.write(
            inventory.InventoryFiles.beside(inventory_path),
            [inventory.InventoryHost(h.name, h.address, h.host_key) for h in state.hosts],
            key,
            collector=f"{state.gateway}:{SYSLOG_PORT}",
        )
        return state

    def _sources(self) -> list[AptSource]:
        if self.settings.mirror:
            suites = (base_.SUITE, f"{base_.SUITE}-updates")
            return [AptSource(self.settings.mirror, suites, ("main",), None, "lab.mirror")]
        files = default_source_files()
        found = debian_sources(read_sources(files), base_.SUITE)
        base_mirror(found, base_.SUITE, files)  # raises, naming the files, when none serves it
        return found

    def _admin_key(self, key: Path) -> Path:
        key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key.unlink(missing_ok=True)
        key.with_suffix(".pub").unlink(missing_ok=True)
        proc.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "govsec-lab-admin",
                "-f",
                str(key),
            ]
        )
        return key

    def _wait_for_ssh(self, state: LabState, specs: list[host.HostSpec]) -> None:
        deadline = time.monotonic() + SSH_WAIT
        for record, spec in zip(state.hosts, specs, strict=True):
            while not _ssh_banner(record.address, 0.5):
                if not record.running():
                    tail = _tail(spec.console)
                    raise LabError(
                        t("lab.host_failed", name=spec.name, log=spec.console, tail=tail)
                    )
                if time.monotonic() > deadline:
                    raise LabError(
                        t(
                            "lab.host_no_ssh",
                            name=spec.name,
                            address=spec.address,
                            seconds=int(SSH_WAIT),
                            log=spec.console,
                        )
                    )
                time.sleep(0.02)

    # -- tearing down ---------------------------------------------------------------------

    def _teardown(self) -> list[str]:
        """Remove everything of this lab that exists; returns what was removed."""
        removed: list[str] = []
        state = self._load_state()
        refs: list[ProcRef] = []
        if state is not None:
            refs += [r for h in state.hosts for r in (h.outer, h.init)]
            refs += [state.proxy] if state.proxy else []
        for pid in proc.tree(proc.marked(self.lab_id)):
            found = proc.ref(pid)
            if found is not None:
                refs.append(found)
        live = [r for r in refs if r.alive()]
        survivors = proc.kill_all(live)
        if survivors:
            raise LabError(f"could not stop lab processes: {[r.pid for r in survivors]}")
        if live:
            removed.append(f"{len(live)} processes")
        links = net.remove(self.net)
        if links:
            removed.append("links " + " ".join(links))
        if state is not None:
            inventory.remove(inventory.InventoryFiles.beside(Path(state.inventory)))
        if self.home.exists():
            shutil.rmtree(self.home)
            removed.append(str(self.home))
        return removed

    # -- state --------------------------------------------------------------------------

    def _save(self, state: LabState) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(state.to_json())
        temporary.replace(self.state_path)

    def _load_state(self) -> LabState | None:
        try:
            return LabState.from_json(self.state_path.read_text())
        except FileNotFoundError:
            return None
        except (ValueError, TypeError, KeyError):
            return None  # a state file cut off by a crash: the marker scan still finds it all

    def _require_state(self) -> LabState:
        state = self._load_state()
        if state is None:
            raise LabError(t("lab.not_up"), t("lab.not_up.hint"))
        return state

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One lab command at a time per data dir (a lock on the folder: no file to leave)."""
        self.data.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data, os.O_RDONLY | os.O_DIRECTORY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LabError(t("lab.busy", path=self.home)) from None
            yield
        finally:
            os.close(fd)


def _ssh_banner(address: str, timeout: float) -> bool:
    """True when an SSH server answers at ``address`` with its version banner."""
    try:
        with socket.create_connection((address, 22), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def _check_overlay_path(path: Path) -> None:
    if any(c in str(path) for c in ",: \t\n"):
        raise LabError(t("lab.bad_path", path=path))


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
