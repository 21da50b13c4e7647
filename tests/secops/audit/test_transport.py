"""Collecting over SSH from real lab hosts: keys, host keys, sudo, failures with reasons."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from secops.audit.facts import Facts
from secops.audit.inventory import Target, load_targets
from secops.audit.transport import TransportError, collect_local, collect_ssh
from tests.conftest import Fleet, as_nobody

pytestmark = pytest.mark.lab


def first(fleet: Fleet) -> Target:
    return load_targets(fleet.inventory, fleet.names[0])[0]


def test_one_session_collects_as_root_through_sudo(fleet: Fleet) -> None:
    target = first(fleet)
    assert target.user == "labadmin" and target.become
    collected = collect_ssh(target)
    facts = Facts.from_output(collected.raw, collected.boundary)
    assert facts.is_root
    assert facts.in_lab
    assert facts.section("meta:hostname") is not None
    assert facts.section("meta:hostname").text.strip() == fleet.names[0]  # type: ignore[union-attr]
    assert facts.login_defs()["PASS_MAX_DAYS"].value == "99999"
    assert facts.has_shadow
    # shadow metadata only: the hash algorithm's name, never the hash
    assert "$" not in facts.section("shadow:meta").text  # type: ignore[union-attr]


def test_a_refused_key_is_a_reason(fleet: Fleet, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    target = replace(first(fleet), key_file=stranger)
    with pytest.raises(TransportError, match="authentication refused for labadmin@"):
        collect_ssh(target)


def test_unknown_host_key_is_refused_not_trusted(fleet: Fleet, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    target = replace(first(fleet), known_hosts=(empty,))
    with pytest.raises(TransportError, match="not in known_hosts"):
        collect_ssh(target)
    assert empty.read_text() == ""  # nothing was learnt


def test_changed_host_key_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    target = first(fleet)
    other = fleet.known_hosts.read_text().splitlines()[-1].split()[1:]  # lab02's key
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"{target.address} {' '.join(other)}\n")
    with pytest.raises(TransportError, match="differs from known_hosts"):
        collect_ssh(replace(target, known_hosts=(wrong,)))


def test_nothing_listening_is_a_reason(fleet: Fleet) -> None:
    target = replace(first(fleet), address="127.0.0.1", port=1)
    with pytest.raises(TransportError, match=r"cannot reach 127\.0\.0\.1:1"):
        collect_ssh(target)


def test_local_collection_as_root_and_as_nobody() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to compare with an unprivileged run")
    as_root = collect_local()
    assert Facts.from_output(as_root.raw, as_root.boundary).is_root
    script = (
        "from secops.audit.transport import collect_local; from secops.audit.facts import Facts;"
        "c = collect_local(); f = Facts.from_output(c.raw, c.boundary);"
        "print(f.is_root, f.has_shadow, len(f.sections))"
    )
    result = as_nobody("-c", script)
    assert result.returncode == 0, result.stderr
    is_root, has_shadow, sections = result.stdout.split()
    assert (is_root, has_shadow) == ("False", "False")
    assert int(sections) > 40
