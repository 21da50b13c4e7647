"""One lab of a test module's own: up on its subnet, its hosts entered, hardened, audited.

The lab modules (tests/secops/harden/*_lab.py, tests/secops/audit/*_lab.py) each bring up
their own hosts on a fixed subnet and harden them with their own variables; what they do with
a host is the same everywhere and lives here: ``lab exec`` as root (arguments never a shell
line, secrets on standard input), SSH as the automation account, ``govsec harden`` and a
level-3 ``govsec audit`` read back from results.json.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import govsec, lab_env, require_root


@dataclass(frozen=True)
class Lab:
    """A running lab of one module: its environment, data dir, inventory and bridge."""

    env: dict[str, str]
    home: Path
    inventory: Path
    hosts: tuple[dict[str, Any], ...] = ()
    bridge: str = ""
    host: str = "lab01"  # the host the module works on unless it names another

    def on(self, name: str) -> Lab:
        """The same lab, working on host ``name``."""
        return replace(self, host=name)

    def address(self, name: str | None = None) -> str:
        name = name or self.host
        return next(str(h["address"]) for h in self.hosts if h["name"] == name)

    def exec(
        self, *argv: str, stdin: str | None = None, host: str | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` as root in the host (``govsec lab exec``), ``stdin`` on its standard input."""
        return subprocess.run(
            [sys.executable, "-m", "secops", "lab", "exec", host or self.host, "--", *argv],
            input=stdin or "",
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    def sh(self, script: str, *, host: str | None = None) -> subprocess.CompletedProcess[str]:
        """A root shell script in the host that must succeed."""
        found = self.exec("sh", "-c", script, host=host)
        assert found.returncode == 0, found.stdout + found.stderr
        return found

    def root(self, script: str) -> str:
        """What a root shell script that must succeed prints."""
        return self.sh(script).stdout

    def ssh(
        self, command: str, *extra: str, host: str | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``command`` over SSH as the automation account, checked against the lab's keys."""
        return subprocess.run(
            ["ssh", "-F", str(self.inventory.with_name("ssh_config")), "-o", "BatchMode=yes",
             *extra, host or self.host, command],
            input=stdin, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def harden(
        self, *extra: str, inventory: Path | None = None, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        return govsec(
            "harden", "-i", str(inventory or self.inventory), "--format", "json", *extra,
            env=self.env, timeout=timeout,
        )  # fmt: skip

    def audit(self, name: str, *extra: str) -> dict[str, Any]:
        """A level-3 audit written under ``name``: the first host's results, reached as root."""
        out = self.home / name
        found = govsec(
            "audit", "-i", str(self.inventory), "--level", "3", "-o", str(out), "--quiet",
            *extra, env=self.env, timeout=300,
        )  # fmt: skip
        assert found.returncode in (0, 4), found.stdout[-2000:] + found.stderr[-2000:]
        host: dict[str, Any] = json.loads((out / "results.json").read_text())["hosts"][0]
        assert host["reachable"] and host["as_root"], host
        return host


def hardened_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def checks(host: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Check id -> its result in an audited host."""
    return {c["check_id"]: c for c in host["checks"]}


def controls(host: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Control id -> its verdict record in an audited host."""
    return {c["control_id"]: c for c in host["controls"]}


@contextmanager
def lab_up(
    tmp_path_factory: pytest.TempPathFactory, name: str, subnet: str, hosts: int = 1
) -> Iterator[Lab]:
    """A lab of ``hosts`` hosts on ``subnet`` in a data dir of its own, down again at the end."""
    require_root()
    home = tmp_path_factory.mktemp(f"{name}-home")
    env = lab_env(home, subnet)
    inventory = home / "inventory" / "hosts.yml"
    up = govsec(
        "lab", "up", "--hosts", str(hosts), "--inventory", str(inventory), "--format", "json",
        env=env, check=True, timeout=600,
    )  # fmt: skip
    try:
        status = json.loads(up.stdout)
        yield Lab(env, home, inventory, tuple(status["hosts"]), str(status["bridge"]))
    finally:
        govsec("lab", "down", "--quiet", env=env)


# -- one hardened host shared by the modules that restore what they change --------------------

SHARED_SUBNET = "10.213.211.0/24"
SHARED_GATEWAY = str(ipaddress.ip_network(SHARED_SUBNET).network_address + 1)
# the three administrators (三权分立), each with a key and this run's password: sudo asks for it
ROLE_USERS = {"sysadmin": "sysadm1", "secadmin": "secadm1", "audadmin": "audadm1"}
ROLE_PASSWORD = "Rl-" + secrets.token_urlsafe(12) + "!9a"


@dataclass
class Collector:
    """A TCP syslog receiver on the lab's gateway: every byte any host sends, kept in order."""

    server: socket.socket
    data: bytearray = field(default_factory=bytearray)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        port: int = self.server.getsockname()[1]
        return port

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        with conn:
            while chunk := conn.recv(65536):
                with self.lock:
                    self.data += chunk

    def text(self) -> str:
        with self.lock:
            return self.data.decode(errors="replace")

    def wait_for(self, needle: str, seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            time.sleep(0.5)
        return False


@contextmanager
def collecting(address: str) -> Iterator[Collector]:
    """A Collector listening on ``address`` (only there, never beyond) until the end."""
    server = socket.create_server((address, 0))
    found = Collector(server)
    threading.Thread(target=found.serve, daemon=True).start()
    try:
        yield found
    finally:
        server.close()


@dataclass(frozen=True)
class Hardened:
    """The shared host, hardened at level 3 once: the three administrators with their keys and
    ROLE_PASSWORD, and the audit trail forwarded to ``collector``. Modules using it restore
    whatever they change (in ``finally``), so the next one finds it as hardened."""

    lab: Lab
    collector: Collector
    variables: Path


@contextmanager
def hardened_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    with (
        lab_up(tmp_path_factory, "shared", SHARED_SUBNET) as lab,
        collecting(SHARED_GATEWAY) as collector,
    ):
        secret = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"],
            input=ROLE_PASSWORD, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        keys, accounts = lab.home / "admins", []
        keys.mkdir()
        for role, name in ROLE_USERS.items():
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / role)], check=True
            )
            key = (keys / f"{role}.pub").read_text().strip()
            accounts.append({"name": name, "role": role, "key": key, "password_hash": secret})
        variables = lab.home / "vars.yml"
        variables.write_text(
            yaml.safe_dump(
                {
                    "mlps_admin_accounts": accounts,
                    "mlps_syslog_collector": f"{SHARED_GATEWAY}:{collector.port}",
                }
            )
        )
        hardened_ok(lab.harden("-e", str(variables)))
        yield Hardened(lab, collector, variables)
