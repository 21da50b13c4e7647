"""The lab fleet as its users meet it: SSH with checked host keys, Ansible, exec, packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Fleet, govsec

pytestmark = pytest.mark.lab


def new_key(folder: Path, name: str) -> Path:
    """A fresh ed25519 key pair the lab has never seen."""
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def test_each_host_answers_over_ssh_with_its_name_and_os(fleet: Fleet) -> None:
    for name in fleet.names:
        result = fleet.ssh(name, 'hostname; . /etc/os-release; echo "$ID $VERSION_ID"')
        assert result.returncode == 0, result.stderr
        assert result.stdout.split("\n")[:2] == [name, "debian 12"]


def test_admin_has_sudo_and_root_cannot_log_in(fleet: Fleet) -> None:
    name = fleet.names[0]
    assert fleet.ssh(name, "sudo -n id -u").stdout.strip() == "0"
    as_root = fleet.ssh(name, "true", extra=("-l", "root"))
    assert as_root.returncode == 255
    assert "Permission denied" in as_root.stderr


def test_a_key_the_lab_did_not_make_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    stranger = new_key(tmp_path, "stranger")
    name = fleet.names[0]
    result = subprocess.run(
        [
            "ssh",
            "-F",
            "none",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            f"UserKnownHostsFile={fleet.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-i",
            str(stranger),
            f"labadmin@{fleet.address(name)}",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 255
    assert "Permission denied" in result.stderr


def test_a_changed_host_key_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    impostor = new_key(tmp_path, "impostor")
    name = fleet.names[0]
    key = impostor.with_suffix(".pub").read_text().split()[:2]
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"{name},{fleet.address(name)} {key[0]} {key[1]}\n")
    result = fleet.ssh(name, "true", extra=("-o", f"UserKnownHostsFile={wrong}"))
    assert result.returncode == 255
    assert "Host key verification failed" in result.stderr


def test_ansible_pings_every_host_with_host_key_checking_on(fleet: Fleet) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_HOST_KEY_CHECKING"] = "True"
    env["ANSIBLE_LOCAL_TEMP"] = str(fleet.home / "ansible-tmp")
    ansible = Path(sys.executable).with_name("ansible")
    result = subprocess.run(
        [str(ansible), "-i", str(fleet.inventory), "all", "-m", "ping"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in fleet.names:
        assert f"{name} | SUCCESS" in result.stdout


def test_hosts_have_their_own_keys_and_the_base_ships_none(fleet: Fleet) -> None:
    keys = [
        line.split()[2]
        for line in fleet.known_hosts.read_text().splitlines()
        if not line.startswith("#")
    ]
    assert len(set(keys)) == len(fleet.names)
    listing = fleet.exec(fleet.names[0], "sh", "-c", "ls /etc/ssh/ | grep host_ || true")
    assert listing.stdout.split() == ["ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"]


def test_status_reports_every_host_healthy(fleet: Fleet) -> None:
    result = govsec("lab", "status", "--format", "json", env=fleet.env)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["healthy"] is True
    assert [h["name"] for h in status["hosts"]] == fleet.names
    assert all(h["running"] and h["ssh"] for h in status["hosts"])


def test_exec_passes_arguments_as_data_not_shell(fleet: Fleet) -> None:
    hostile = "$(touch /tmp/pwned); `touch /tmp/pwned2` && echo owned"
    result = fleet.exec(fleet.names[0], "printf", "%s", hostile)
    assert result.returncode == 0
    assert result.stdout == hostile
    check = fleet.exec(fleet.names[0], "sh", "-c", "ls /tmp/pwned* 2>/dev/null | wc -l")
    assert check.stdout.strip() == "0"
    assert not Path("/tmp/pwned").exists()


def test_exec_gives_back_the_exit_status(fleet: Fleet) -> None:
    assert fleet.exec(fleet.names[0], "sh", "-c", "exit 7").returncode == 7
    missing = fleet.exec(fleet.names[0], "no-such-command-here")
    assert missing.returncode == 127
    assert "no-such-command-here" in missing.stderr


def test_exec_on_an_unknown_host_names_the_real_ones(fleet: Fleet) -> None:
    result = fleet.exec("nohost", "true")
    assert result.returncode == 1
    assert "no lab host named 'nohost'" in result.stderr
    assert fleet.names[0] in result.stderr


def test_exec_runs_in_the_hosts_namespaces(fleet: Fleet) -> None:
    name = fleet.names[0]
    kinds = ("pid", "mnt", "net", "uts", "ipc")
    script = "hostname; " + "; ".join(f"readlink /proc/self/ns/{k}" for k in kinds)
    lines = fleet.exec(name, "sh", "-c", script).stdout.splitlines()
    assert lines[0] == name
    init = next(h["pid"] for h in fleet.hosts if h["name"] == name)
    host = [str(Path(f"/proc/{init}/ns/{kind}").readlink()) for kind in kinds]
    machine = [str(Path(f"/proc/self/ns/{kind}").readlink()) for kind in kinds]
    assert lines[1:] == host
    assert not set(host) & set(machine)


def test_hosts_have_no_route_out(fleet: Fleet) -> None:
    name = fleet.names[0]
    assert fleet.exec(name, "ip", "-4", "route", "show", "default").stdout.strip() == ""
    # a route lookup only: it sends nothing, and must find no way out
    lookup = fleet.exec(name, "ip", "route", "get", "192.0.2.1")
    assert lookup.returncode != 0
    assert "unreachable" in lookup.stderr.lower()
    bridge = Path("/proc/sys/net/ipv4/conf", fleet.bridge, "forwarding")
    assert bridge.read_text().strip() == "0"


def test_hosts_reach_each_other_and_the_machine(fleet: Fleet) -> None:
    first, second = fleet.names[:2]
    probe = (
        "import socket,sys; s=socket.create_connection((sys.argv[1], 22), 5); "
        "print(s.recv(8).decode())"
    )
    result = fleet.exec(first, "python3", "-c", probe, fleet.address(second))
    assert result.stdout.startswith("SSH-")


def test_packages_install_through_the_machines_proxy(fleet: Fleet) -> None:
    name = fleet.names[-1]
    update = fleet.exec(name, "apt-get", "-q", "update")
    assert update.returncode == 0, update.stdout + update.stderr
    install = fleet.exec(name, "apt-get", "-q", "install", "-y", "--no-install-recommends", "hello")
    assert install.returncode == 0, install.stdout + install.stderr
    assert fleet.exec(name, "hello").stdout.strip() == "Hello, world!"


def test_changes_stay_in_their_host(fleet: Fleet) -> None:
    first, second = fleet.names[:2]
    assert fleet.exec(first, "sh", "-c", "echo mine > /etc/govsec-test-marker").returncode == 0
    assert fleet.exec(second, "test", "-e", "/etc/govsec-test-marker").returncode == 1
    state = json.loads((fleet.home / "lab" / "state.json").read_text())
    assert not Path(state["base"], "etc", "govsec-test-marker").exists()
