"""The real flow: a lab host's rsyslog, set up by the role, forwards to `govsec siem listen`,
and an SSH login made to the host arrives as its event."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import govsec, lab_env, require_root

pytestmark = pytest.mark.lab
SUBNET = "10.213.203.0/24"
GATEWAY = "10.213.203.1"  # the machine's side of the lab bridge


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    require_root()
    home = tmp_path_factory.mktemp("siem-lab-home")
    env = lab_env(home, SUBNET)
    env.pop("GOVSEC_STORE", None)
    inventory = home / "inventory" / "hosts.yml"
    up = govsec("lab", "up", "--hosts", "1", "--quiet", "--inventory", str(inventory), env=env)
    assert up.returncode == 0, up.stderr
    try:
        yield env, inventory
    finally:
        govsec("lab", "down", "--quiet", env=env)


@pytest.mark.timeout(600)
def test_an_ssh_login_to_a_lab_host_arrives_through_its_rsyslog(
    lab: tuple[dict[str, str], Path],
) -> None:
    env, inventory = lab
    listener = subprocess.Popen(
        [sys.executable, "-m", "secops", "siem", "listen", "--syslog", f"{GATEWAY}:5514"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # only the logging area: rsyslog installed, forwarding to the collector in the inventory
        harden = govsec(
            "harden", "-i", str(inventory), "--tags", "logging", "--quiet", env=env, timeout=400
        )
        assert harden.returncode == 0, harden.stdout[-3000:] + harden.stderr[-3000:]
        login = subprocess.run(
            [
                "ssh",
                "-F",
                str(inventory.with_name("ssh_config")),
                "-o",
                "BatchMode=yes",
                "lab01",
                "true",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert login.returncode == 0, login.stderr
        found: list[dict] = []  # type: ignore[type-arg]
        deadline = time.monotonic() + 90
        while not found and time.monotonic() < deadline:
            search = govsec(
                "siem",
                "search",
                "Accepted publickey",
                "--host",
                "lab01",
                "--format",
                "json",
                env=env,
            )
            assert search.returncode == 0, search.stderr
            found = [e for e in json.loads(search.stdout) if e["user"]["name"] == "labadmin"]
            time.sleep(1)
    finally:
        listener.send_signal(signal.SIGINT)
        _, stderr = listener.communicate(timeout=60)
    assert listener.returncode == 0, stderr[-2000:]
    assert found, "the login never reached the store"
    event = found[0]
    assert event["event"]["action"] == "ssh_login" and event["event"]["outcome"] == "success"
    assert event["source"]["ip"] == GATEWAY
    assert event["log"]["syslog"]["version"] == "1"  # RFC 5424 framing from the role's rsyslog
