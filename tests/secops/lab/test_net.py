import ipaddress
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.lab import net
from secops.lab.proc import LabError
from tests.conftest import require_root


def lab(subnet: str = "10.213.0.0/24") -> net.LabNet:
    return net.LabNet("a1b2c3", ipaddress.IPv4Network(subnet))


def test_names_fit_the_kernel_limit_and_carry_the_lab_id() -> None:
    assert lab().bridge == "gvlaba1b2c3"
    assert lab().veth(7) == "gva1b2c3-07"
    assert all(len(n) <= 15 for n in (lab().bridge, lab().veth(99)))


def test_addresses_leave_room_for_the_machine() -> None:
    assert str(lab().gateway) == "10.213.0.1"
    assert str(lab().address(1)) == "10.213.0.11"
    assert lab().capacity == 244
    assert lab("10.213.0.0/28").capacity == 4


def fake_routes(monkeypatch: pytest.MonkeyPatch, routes: list[dict[str, str]]) -> None:
    def run(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        assert argv[:2] == ["ip", "-j"]
        return subprocess.CompletedProcess(argv, 0, json.dumps(routes), "")

    monkeypatch.setattr(net, "run", run)


def test_overlapping_route_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_routes(
        monkeypatch,
        [
            {"dst": "default", "dev": "eth0"},
            {"dst": "10.213.0.0/16", "dev": "tun0"},
        ],
    )
    with pytest.raises(LabError, match=r"10\.213\.0\.0/16 .*tun0") as caught:
        net.check_subnet_free(lab())
    assert caught.value.hint is not None and "--subnet" in caught.value.hint


def test_own_bridge_and_unrelated_routes_are_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_routes(
        monkeypatch,
        [
            {"dst": "default", "dev": "eth0"},
            {"dst": "10.213.0.0/24", "dev": "gvlaba1b2c3"},
            {"dst": "192.0.2.0/24", "dev": "eth0"},
            {"dst": "127.0.0.0/8", "dev": "lo", "type": "local"},
            {"dst": "10.9.9.9", "dev": "eth1"},
        ],
    )
    net.check_subnet_free(lab())


def test_single_address_route_inside_the_subnet_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_routes(monkeypatch, [{"dst": "10.213.0.77", "dev": "wg0"}])
    with pytest.raises(LabError, match="wg0"):
        net.check_subnet_free(lab())


@pytest.fixture
def stale_bridge() -> Iterator[str]:
    """A real lab bridge on 10.213.249.0/24 with no host on it, as a killed lab leaves it."""
    require_root()
    name = "gvlabdeadbe"
    subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)
    subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", "10.213.249.1/24", "dev", name], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)
    yield name
    subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)
    subprocess.run(["ip", "link", "del", "gvdeadbe-01"], capture_output=True, check=False)


def test_a_bridge_left_by_a_dead_lab_is_reclaimed(stale_bridge: str) -> None:
    reclaimed = net.check_subnet_free(lab("10.213.249.0/24"))
    assert reclaimed == [stale_bridge]
    assert not net.link_exists(stale_bridge)


def test_a_bridge_with_a_host_attached_is_never_taken(stale_bridge: str) -> None:
    # a live lab: one port on the bridge, a veth as a host's would be
    subprocess.run(
        ["ip", "link", "add", "gvdeadbe-01", "type", "veth", "peer", "name", "gvdeadbe-p1"],
        check=True,
    )
    subprocess.run(["ip", "link", "set", "gvdeadbe-01", "master", stale_bridge], check=True)
    with pytest.raises(LabError, match=stale_bridge):
        net.check_subnet_free(lab("10.213.249.0/24"))
    assert net.link_exists(stale_bridge)


def test_only_lab_bridges_are_ever_orphans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path
    for name in ("gvlabcafe01", "br0"):
        (root / name / "brif").mkdir(parents=True)
    monkeypatch.setattr(net, "SYS_NET", root)
    assert net.orphan_bridge("gvlabcafe01")
    assert not net.orphan_bridge("br0")  # somebody else's bridge, however empty
    assert not net.orphan_bridge("gvlabmissing")
