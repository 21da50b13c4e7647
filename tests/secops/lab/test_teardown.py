"""`lab down` leaves nothing; `lab up` recovers from crashes; bad conditions fail cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.lab import proc
from tests.conftest import FLEET_SUBNET, Fleet, as_nobody, govsec, lab_env, require_root

pytestmark = pytest.mark.lab
SUBNET = "10.213.201.0/24"


def leftovers(home: Path, lab_id: str, state: dict[str, object] | None = None) -> list[str]:
    """Everything of the lab at ``home`` still on this machine, described."""
    found = [f"process {pid}" for pid in proc.marked(lab_id)]
    if state is not None:
        hosts = state["hosts"]
        assert isinstance(hosts, list)
        for host in hosts:
            for key in ("outer", "init"):
                if proc.ProcRef(**host[key]).alive():
                    found.append(f"{host['name']} {key} pid {host[key]['pid']}")
        if state.get("proxy") and proc.ProcRef(**state["proxy"]).alive():  # type: ignore[arg-type]
            found.append("proxy")
    found += [f"link {p.name}" for p in Path("/sys/class/net").iterdir() if lab_id in p.name]
    for mountinfo in Path("/proc").glob("[0-9]*/mountinfo"):
        try:
            if str(home) in mountinfo.read_text():
                found.append(f"mount seen by {mountinfo.parent.name}")
        except OSError:
            continue
    if (home / "lab").exists():
        found.append(f"folder {home / 'lab'}")
    found += [f"file {p}" for p in (home / "inventory").glob("*")]
    return found


@pytest.fixture
def own_lab(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    require_root()
    env = lab_env(tmp_path / "home", SUBNET)
    yield tmp_path / "home", env
    govsec("lab", "down", env=env)


def up(env: dict[str, str], home: Path, hosts: int = 1) -> dict[str, object]:
    result = govsec(
        "lab",
        "up",
        "--hosts",
        str(hosts),
        "--inventory",
        str(home / "inventory" / "hosts.yml"),
        "--quiet",
        env=env,
        check=True,
    )
    assert result.stdout == ""
    state: dict[str, object] = json.loads((home / "lab" / "state.json").read_text())
    return state


def test_down_removes_every_process_mount_link_and_file(
    own_lab: tuple[Path, dict[str, str]],
) -> None:
    home, env = own_lab
    state = up(env, home, hosts=2)
    lab_id = str(state["lab_id"])
    assert len(leftovers(home, lab_id, state)) > 5  # the check sees a lab when there is one
    # a command left running inside a host must go too
    running = subprocess.Popen(
        [sys.executable, "-m", "secops", "lab", "exec", "lab01", "--", "sleep", "600"],
        env=env,
    )
    time.sleep(0.5)
    result = govsec("lab", "down", env=env, check=True)
    assert "2 hosts stopped" in result.stderr
    assert running.wait(timeout=10) != 0
    assert leftovers(home, lab_id, state) == []


def test_down_without_a_lab_is_harmless(own_lab: tuple[Path, dict[str, str]]) -> None:
    _, env = own_lab
    result = govsec("lab", "down", env=env)
    assert result.returncode == 0
    assert "0 hosts stopped" in result.stderr


def test_up_after_a_crash_that_lost_the_state_cleans_first(
    own_lab: tuple[Path, dict[str, str]],
) -> None:
    home, env = own_lab
    old = up(env, home)
    (home / "lab" / "state.json").unlink()  # as if govsec died before it could write it
    result = govsec(
        "lab",
        "up",
        "--hosts",
        "1",
        "--inventory",
        str(home / "inventory" / "hosts.yml"),
        env=env,
        check=True,
    )
    assert "removed an earlier lab" in result.stderr
    hosts = old["hosts"]
    assert isinstance(hosts, list)
    assert not proc.ProcRef(**hosts[0]["init"]).alive()
    status = json.loads(govsec("lab", "status", "--format", "json", env=env).stdout)
    assert status["healthy"] is True


def test_up_killed_midway_is_cleaned_by_down(own_lab: tuple[Path, dict[str, str]]) -> None:
    home, env = own_lab
    starting = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "secops",
            "lab",
            "up",
            "--hosts",
            "4",
            "--quiet",
            "--inventory",
            str(home / "inventory" / "hosts.yml"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list((home / "lab" / "hosts").glob("lab02")):
        time.sleep(0.01)
    os.kill(starting.pid, signal.SIGKILL)
    starting.wait()
    lab_id = json.loads((home / "lab" / "state.json").read_text())["lab_id"]
    assert proc.marked(lab_id)  # it did leave processes behind
    govsec("lab", "down", env=env, check=True)
    assert leftovers(home, lab_id) == []


def test_non_root_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    require_root()
    home = tmp_path / "home"
    env = lab_env(home, SUBNET)
    result = as_nobody("-m", "secops", "lab", "up", "--hosts", "1", env=env)
    assert result.returncode == 1, result.stderr
    assert "the lab needs root" in result.stderr
    assert not home.exists()


def test_full_disk_is_named_and_nothing_is_left(tmp_path: Path) -> None:
    require_root()
    home = tmp_path / "tiny"
    home.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tiny", str(home)], check=True)
    try:
        env = lab_env(home, SUBNET)
        result = govsec("lab", "up", "--hosts", "3", env=env)
        assert result.returncode == 1
        assert f"not enough disk space in {home / 'lab'}" in result.stderr
        assert "110 MiB needed" in result.stderr
        assert sorted(p.name for p in home.iterdir()) == []
        assert not [
            p
            for p in Path("/sys/class/net").iterdir()
            if p.name.startswith("gvlab")
            and (Path("/sys/class/net") / p.name / "brif").exists()
            and p.name not in _other_bridges()
        ]
    finally:
        subprocess.run(["umount", str(home)], check=True)


def _other_bridges() -> set[str]:
    """Bridges of labs other than the one under test (the session fleet may be up)."""
    return {p.name for p in Path("/sys/class/net").glob("gvlab*")}


def test_missing_tools_are_named_with_their_packages(tmp_path: Path) -> None:
    require_root()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("unshare", "nsenter", "mount", "pivot_root", "hostname", "ssh-keygen", "chroot"):
        found = shutil.which(tool, path=os.environ["PATH"] + ":/usr/sbin:/sbin")
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = lab_env(tmp_path / "home", SUBNET)
    env["PATH"] = str(bin_dir)
    result = subprocess.run(
        [sys.executable, "-m", "secops", "lab", "up"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "missing on this machine: apt-cacher-ng, ip" in result.stderr
    assert "apt-cacher-ng iproute2" in result.stderr
    assert not (tmp_path / "home" / "lab").exists()


def test_a_subnet_in_use_is_refused_naming_it(fleet: Fleet, tmp_path: Path) -> None:
    overlapping = FLEET_SUBNET.replace("/24", "/25")
    env = lab_env(tmp_path / "home", overlapping)
    result = govsec("lab", "up", "--hosts", "1", env=env)
    assert result.returncode == 1
    assert f"subnet {overlapping} overlaps {FLEET_SUBNET}" in result.stderr
    assert fleet.bridge in result.stderr
    assert not (tmp_path / "home" / "lab").exists()
