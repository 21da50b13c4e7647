"""Issue 15 items 7-8 on a real hardened lab host: the new checks pass after `govsec harden
--level 3`, turn FAIL when their requirement is made false on that host, and pass again once
the role's tagged tasks ran.

Made false through `govsec lab exec`: a setuid copy of a program in /usr/local/bin, a file of
no account in /etc, a world-writable folder without the sticky bit in /var/tmp, a
world-writable file in /etc,
``PermitUserEnvironment yes`` in an sshd drop-in read first, and the perm_mod, kmod,
failed-access, network and MAC-policy rules removed from rules.d (a lab host's audit rules are
judged as configured: the audit subsystem is the machine's).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.labkit import Lab, checks, hardened_ok, lab_up

pytestmark = pytest.mark.lab
SUBNET = "10.213.214.0/24"
HOST = "lab01"

# the checks of this module and what breaks each one on the hardened host
BREAKS = {
    "suid_sgid_inventory": [
        ["cp", "/usr/bin/env", "/usr/local/bin/env2"],
        ["chmod", "4755", "/usr/local/bin/env2"],
    ],
    "unowned_files": [["touch", "/etc/orphan.conf"], ["chown", "4242:4242", "/etc/orphan.conf"]],
    "sticky_world_writable_dirs": [["mkdir", "-m", "0777", "/var/tmp/drop"]],
    "world_writable_files": [["touch", "/etc/open.conf"], ["chmod", "0666", "/etc/open.conf"]],
    "sshd_permit_user_environment": [
        [
            "sh",
            "-c",
            "printf 'PermitUserEnvironment yes\\n' > /etc/ssh/sshd_config.d/00-aa-env.conf",
        ]
    ],
    "audit_rules_perm_mod": [["sed", "-i", "/-k perm_mod/d", "/etc/audit/rules.d/audit.rules"]],
    "audit_rules_modules": [
        ["sed", "-i", "/path=\\/usr\\/bin\\/kmod/d", "/etc/audit/rules.d/audit.rules"]
    ],
    "audit_rules_access_failures": [
        ["sed", "-i", "/exit=-EPERM/d", "/etc/audit/rules.d/audit.rules"]
    ],
    "audit_rules_network": [
        ["sed", "-i", "/-w \\/etc\\/hosts /d", "/etc/audit/rules.d/audit.rules"]
    ],
    "audit_rules_mac_policy": [["sed", "-i", "/-k MAC-policy/d", "/etc/audit/rules.d/audit.rules"]],
}
ALSO_PASSING = ["ssh_crypto_factor", "faillock_deny", "shell_timeout", "sshd_strong_kex"]
# Areas this module does not judge, left out of the harden to keep the run short and this
# module independent of them (the password area is proven in tests/secops/harden).
AREAS = {"mlps_passwords_enabled": False, "mlps_malware_enabled": False}


def harden(lab: Lab, *extra: str) -> None:
    """``govsec harden --level 3`` without the AREAS left out; it must succeed."""
    variables = lab.home / "vars.yml"
    variables.write_text(yaml.safe_dump(AREAS))
    hardened_ok(lab.harden("--level", "3", "-e", str(variables), *extra))


def audit(lab: Lab, name: str) -> dict[str, dict]:  # type: ignore[type-arg]
    """Check id -> result of a level-3 audit of the host."""
    return checks(lab.audit(name))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab_up(tmp_path_factory, "inventory", SUBNET) as lab:
        harden(lab)
        yield lab


@pytest.fixture(scope="module")
def rounds(lab: Lab) -> dict[str, dict[str, dict]]:  # type: ignore[type-arg]
    """The audit after the harden, after breaking each requirement, and after re-hardening."""
    found = {"hardened": audit(lab, "audit-hardened")}
    for check_id, commands in BREAKS.items():
        for argv in commands:
            done = lab.exec(*argv)
            assert done.returncode == 0, f"{check_id}: {argv}: {done.stdout}{done.stderr}"
    found["broken"] = audit(lab, "audit-broken")
    lab.exec("rm", "-f", "/etc/ssh/sshd_config.d/00-aa-env.conf")  # the role owns 00-mlps- only
    harden(lab, "--tags", ",".join(BREAKS))
    found["rehardened"] = audit(lab, "audit-rehardened")
    return found


def shown(result: dict) -> str:  # type: ignore[type-arg]
    return f"{result['status']}: {result['message']} {result['evidence']}"


@pytest.mark.parametrize("check_id", [*BREAKS, *ALSO_PASSING])
def test_passes_on_the_hardened_host(rounds: dict, check_id: str) -> None:  # type: ignore[type-arg]
    result = rounds["hardened"][check_id]
    assert result["status"] == "pass", shown(result)


@pytest.mark.parametrize("check_id", list(BREAKS))
def test_fails_once_the_requirement_is_made_false(rounds: dict, check_id: str) -> None:  # type: ignore[type-arg]
    result = rounds["broken"][check_id]
    assert result["status"] == "fail", shown(result)
    assert result["message"]


@pytest.mark.parametrize("check_id", list(BREAKS))
def test_the_role_task_tagged_with_the_id_fixes_it(rounds: dict, check_id: str) -> None:  # type: ignore[type-arg]
    result = rounds["rehardened"][check_id]
    assert result["status"] == "pass", shown(result)


def test_the_evidence_names_what_broke(rounds: dict) -> None:  # type: ignore[type-arg]
    broken = rounds["broken"]
    seen = {c: " ".join(e["seen"] for e in broken[c]["evidence"]) for c in BREAKS}
    assert "/usr/local/bin/env2 (4755 root:root)" in seen["suid_sgid_inventory"]
    assert "/etc/orphan.conf (0644 4242:4242)" in seen["unowned_files"]
    assert "/var/tmp/drop (0777 root:root)" in seen["sticky_world_writable_dirs"]
    assert "chmod" in seen["audit_rules_perm_mod"]


def test_single_user_mode_has_no_init_to_judge_in_the_lab(rounds: dict) -> None:  # type: ignore[type-arg]
    """Lab hosts run no systemd and have no inittab: emergency_mode_auth says so (na)."""
    assert rounds["hardened"]["emergency_mode_auth"]["status"] == "na"
