"""A lab host must not be able to change the machine it runs on (issue acceptance).

The probe in tests/files/lab_probe.py runs as root inside a host, both ways root appears
there: `govsec lab exec` and the admin's real path, SSH then sudo. Each attempt must fail
with the error that shows the lab's protection stopped it.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

from secops.lab import caps
from tests.conftest import FILES, Fleet

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(
        platform.machine() != "x86_64", reason="the probe uses x86_64 syscall numbers"
    ),
]

PROBE = (FILES / "lab_probe.py").read_text()
MACHINE_SYSCTLS = (
    "kernel/dmesg_restrict",
    "kernel/randomize_va_space",
    "vm/swappiness",
    "fs/suid_dumpable",
)
# kernels built without module support answer ENOSYS to every module call, root or not
MODULES_IN_KERNEL = Path("/proc/modules").exists()


def machine_sysctls() -> dict[str, str]:
    return {key: Path("/proc/sys", key).read_text() for key in MACHINE_SYSCTLS}


@pytest.fixture(params=["lab exec", "ssh + sudo"])
def probe(request: pytest.FixtureRequest, fleet: Fleet) -> dict[str, str]:
    before = machine_sysctls()
    if request.param == "lab exec":
        result = fleet.exec(fleet.names[0], "python3", "-c", PROBE)
    else:
        result = fleet.ssh(fleet.names[-1], "sudo -n python3 -", stdin=PROBE)
    assert result.returncode == 0, result.stderr
    assert machine_sysctls() == before
    found: dict[str, str] = json.loads(result.stdout)
    assert found["uid"] == 0  # the probe ran as the host's root
    return found


def test_kernel_sysctls_are_read_only(probe: dict[str, str]) -> None:
    for key in MACHINE_SYSCTLS:
        assert probe[f"sysctl:{key}"] == "EROFS", key
    assert probe["remount /proc/sys rw"] == "EPERM"


def test_own_network_sysctls_stay_writable(probe: dict[str, str]) -> None:
    # the probe can write where the lab allows it: its failures above are the lab's doing
    assert probe["sysctl:net (own namespace)"] == "ok"


def test_modules_cannot_be_loaded_or_removed(probe: dict[str, str]) -> None:
    expected = "EPERM" if MODULES_IN_KERNEL else "ENOSYS"
    for call in ("finit_module", "init_module", "delete_module"):
        assert probe[call] == expected, call
    assert "sys_module" not in caps.decode(int(probe["CapBnd"], 16))


def test_clock_cannot_be_set(probe: dict[str, str]) -> None:
    assert probe["clock_settime"] == "EPERM"
    assert probe["settimeofday"] == "EPERM"


def test_audit_subsystem_cannot_be_read_or_changed(probe: dict[str, str]) -> None:
    assert probe["audit: get status"] == "EPERM"
    assert probe["audit: list rules"] == "EPERM"
    assert probe["audit: set (no change)"] == "EPERM"


def test_no_reboot_raw_io_or_device_nodes(probe: dict[str, str]) -> None:
    assert probe["reboot (cad off)"] == "EPERM"
    assert probe["fibmap (raw disk block)"] == "EPERM"
    assert probe["mknod block device"] == "EPERM"


def test_bounding_set_lacks_what_reaches_the_machine(probe: dict[str, str]) -> None:
    bounding = caps.decode(int(probe["CapBnd"], 16))
    assert not bounding & (set(caps.MUST_LACK) | {"sys_admin", "mknod", "dac_read_search"})
    assert bounding == set(caps.KEPT)
