"""The real flow: a lab host's rsyslog, set up by the role, forwards to `govsec siem listen`,
and an SSH login made to the host arrives as its event."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import govsec, lab_env, require_root
from tests.secops.cli.test_siem import listening, searched

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
    with listening(env, "--syslog", f"{GATEWAY}:5514"):
        # only the logging area: rsyslog installed, forwarding to the collector in the inventory
        harden = govsec(
            "harden", "-i", str(inventory), "--tags", "logging", "--quiet", env=env, timeout=400
        )
        assert harden.returncode == 0, harden.stdout[-3000:] + harden.stderr[-3000:]
        ssh_config = str(inventory.with_name("ssh_config"))
        login = subprocess.run(
            ["ssh", "-F", ssh_config, "-o", "BatchMode=yes", "lab01", "true"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert login.returncode == 0, login.stderr
        found = searched(env, "Accepted publickey", 1, "--host", "lab01", wait=90)
    assert found, "the login never reached the store"
    event = found[0]
    assert event["event"]["action"] == "ssh_login" and event["event"]["outcome"] == "success"
    assert event["user"]["name"] == "labadmin"
    assert event["source"]["ip"] == GATEWAY
    assert event["log"]["syslog"]["version"] == "1"  # RFC 5424 framing from the role's rsyslog
