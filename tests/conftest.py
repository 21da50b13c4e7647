"""Shared fixtures: the govsec command as a subprocess, and a session-wide lab fleet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from secops import config

if TYPE_CHECKING:
    from tests.labkit import Hardened

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "files"
# public logs and Sigma rules the tests read, kept in the repository with their notices
CORPORA = FILES / "corpora"
FLEET_SUBNET = "10.213.200.0/24"


def govsec(
    *args: str, env: Mapping[str, str] | None = None, check: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the govsec CLI as a user would, in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-m", "secops", *args],
        capture_output=True,
        text=True,
        env=dict(env or os.environ),
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"govsec {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


def as_nobody(*argv: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run this Python with ``argv`` as the unprivileged user nobody, from /."""
    return subprocess.run(
        [*AS_NOBODY, sys.executable, *argv],
        capture_output=True,
        text=True,
        cwd="/",
        env={**(env or os.environ), "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
        check=False,
    )


def shared_cache() -> Path:
    """The lab base cache of this machine's default data dir, so tests build it once."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOVSEC_HOME", "GOVSEC_CACHE_DIR")}
    return config.cache_dir(env)


def lab_env(home: Path, subnet: str) -> dict[str, str]:
    """An environment for a lab of its own: its data dir and subnet, the shared base cache."""
    env = dict(os.environ)
    env.update(
        {
            "GOVSEC_HOME": str(home),
            "GOVSEC_CACHE_DIR": str(shared_cache()),
            "GOVSEC_LAB_SUBNET": subnet,
            "GOVSEC_LANG": "en",
        }
    )
    env.pop("GOVSEC_CONFIG", None)
    env.pop("ANSIBLE_HOST_KEY_CHECKING", None)
    return env


def require_root() -> None:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the lab tests need root, and CI must run them")
        pytest.skip("the lab needs root (namespaces, mounts, links)")


@dataclass(frozen=True)
class Fleet:
    """A running lab, as its users see it: inventory, keys, hosts."""

    env: dict[str, str]
    home: Path
    inventory: Path
    known_hosts: Path
    ssh_config: Path
    hosts: list[dict[str, object]]
    lab_id: str
    bridge: str

    @property
    def names(self) -> list[str]:
        return [str(h["name"]) for h in self.hosts]

    def address(self, name: str) -> str:
        return next(str(h["address"]) for h in self.hosts if h["name"] == name)

    def ssh(
        self, name: str, command: str, *, stdin: str | None = None, extra: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config), "-o", "BatchMode=yes", *extra, name, command],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def exec(self, name: str, *argv: str) -> subprocess.CompletedProcess[str]:
        return govsec("lab", "exec", name, "--", *argv, env=self.env)


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """Two real lab hosts for the whole session, torn down at its end."""
    require_root()
    home = tmp_path_factory.mktemp("fleet-home")
    env = lab_env(home, FLEET_SUBNET)
    inventory = home / "inventory" / "hosts.yml"
    up = govsec(
        "lab",
        "up",
        "--hosts",
        "2",
        "--inventory",
        str(inventory),
        "--format",
        "json",
        env=env,
        check=True,
        timeout=600,
    )
    status = json.loads(up.stdout)
    try:
        yield Fleet(
            env,
            home,
            inventory,
            inventory.with_name("known_hosts"),
            inventory.with_name("ssh_config"),
            status["hosts"],
            status["lab_id"],
            status["bridge"],
        )
    finally:
        govsec("lab", "down", env=env, check=True)


@pytest.fixture(scope="session")
def shared_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    """One lab host hardened at level 3 for the modules that only restore what they change
    (tests/labkit.py: the three administrators, the audit trail forwarded to a collector)."""
    from tests.labkit import hardened_host  # it builds on the helpers above

    with hardened_host(tmp_path_factory) as host:
        yield host
