"""Static properties of the hardening role that keep its extra (non-catalog) controls safe.

Read from the role's files, no lab: every variable has an argument spec, both families name
the same per-family values, and the controls whose hooks run inside other programs (apt's
listchanges hook in the administrators' wrappers, USBGuard's policy) are configured so they
never wait for a terminal and never hand the policy to a group other than root.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROLE = Path(__file__).parents[3] / "playbooks" / "roles" / "mlps_baseline"


def _defaults() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted((ROLE / "defaults" / "main").glob("*.yml")):
        found.update(yaml.safe_load(path.read_text()) or {})
    return found


def _spec() -> dict[str, Any]:
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
    return dict(spec["argument_specs"]["main"]["options"])


def _tasks(name: str) -> list[dict[str, Any]]:
    def walk(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        flat = []
        for task in tasks:
            flat.append(task)
            flat.extend(walk(task.get("block", [])))
        return flat

    return walk(yaml.safe_load((ROLE / "tasks" / name).read_text()))


def test_every_default_has_an_argument_spec() -> None:
    assert not set(_defaults()) - set(_spec())


def test_both_families_name_the_extra_controls_values() -> None:
    debian = yaml.safe_load((ROLE / "vars" / "Debian.yml").read_text())
    redhat = yaml.safe_load((ROLE / "vars" / "RedHat.yml").read_text())
    extra = ("tmpdir", "listchanges", "acct", "rootkit", "usbguard", "shell_rc")
    for key in [k for k in debian if any(word in k for word in extra)]:
        assert key in redhat, f"vars/RedHat.yml lacks {key}"


def test_the_listchanges_hook_never_waits_for_a_terminal() -> None:
    """apt runs the hook in every install, the sysadmin wrapper's and unattended-upgrades'."""
    (task,) = [t for t in _tasks("packages.yml") if "listchanges.conf.d" in str(t)]
    settings = dict(
        line.split("=", 1)
        for line in task["ansible.builtin.copy"]["content"].splitlines()
        if "=" in line
    )
    assert settings["frontend"] in ("syslog", "log", "none")
    assert settings["confirm"] == "false"


def test_usbguard_blocks_by_default_and_only_root_may_change_the_policy() -> None:
    conf = dict(
        line.split("=", 1)
        for line in (ROLE / "templates" / "as_usbguard-daemon.conf.j2").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert conf["ImplicitPolicyTarget"] == "block"
    assert conf["InsertedDevicePolicy"] == "apply-policy"
    assert conf["IPCAllowedUsers"] == "root" and conf["IPCAllowedGroups"] == "root"
    tasks = _tasks("kernel.yml")
    assert any(
        t.get("ansible.builtin.file", {}).get("path", "").endswith(":plugdev")
        and t["ansible.builtin.file"]["state"] == "absent"
        for t in tasks
    )


def test_usbguard_keeps_hubs_so_an_allowed_keyboard_can_reach_the_console() -> None:
    (rules,) = [
        t
        for t in _tasks("kernel.yml")
        if "rules.d/50-mlps.conf" in str(t.get("ansible.builtin.copy", ""))
    ]
    content = rules["ansible.builtin.copy"]["content"]
    assert re.search(r"^allow with-interface equals \{ 09:00:\* \}$", content, re.MULTILINE)
    assert "03:01:01" in content


def test_a_new_package_of_the_batch_is_installed_by_its_area_too() -> None:
    """A run limited by tags skips the one-transaction install: each area installs its own."""
    batch = str(next(t for t in _tasks("packages.yml") if "mlps_pkg_batch" in str(t)))
    areas = {
        "mlps_ia_tmpdir_packages": "pam.yml",
        "mlps_as_listchanges_packages": "packages.yml",
        "mlps_as_acct_packages": "audit.yml",
        "mlps_as_rootkit_packages": "malware.yml",
        "mlps_as_usbguard_packages": "kernel.yml",
    }
    for variable, area in areas.items():
        assert variable in batch
        own = [
            t
            for t in _tasks(area)
            if variable in str(t.get("ansible.builtin.apt", t.get("ansible.builtin.package", "")))
        ]
        assert own, f"{area} never installs {variable}"
