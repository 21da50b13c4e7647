import os
from pathlib import Path

import pytest

from secops.lab import base
from secops.lab.proc import LabError


def test_recipe_id_is_stable_and_follows_the_package_list(monkeypatch: pytest.MonkeyPatch) -> None:
    first = base.recipe_id()
    assert first == base.recipe_id()
    monkeypatch.setattr(base, "PACKAGES", (*base.PACKAGES, "auditd"))
    assert base.recipe_id() != first


def test_space_check_names_the_path_and_both_sizes(tmp_path: Path) -> None:
    free = base.free_mib(tmp_path)
    with pytest.raises(LabError) as caught:
        base.require_space(tmp_path / "not" / "yet", free + 10)
    message = caught.value.message
    assert str(tmp_path / "not" / "yet") in message
    assert f"{free + 10} MiB needed" in message


def test_missing_debootstrap_is_named_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    cache = tmp_path / "cache"
    with pytest.raises(LabError, match="missing on this machine: debootstrap") as caught:
        base.ensure_base(cache, "http://deb.debian.org/debian", lambda _: None)
    assert caught.value.hint is not None and "debootstrap" in caught.value.hint
    assert base.cached_base(cache) is None
    leftovers = [p for p in (cache / "lab-base").iterdir() if p.name != ".lock"]
    assert leftovers == []


def test_failed_build_leaves_no_half_made_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "debootstrap"
    script.write_text("#!/bin/sh\necho 'E: Failed getting release file' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    cache = tmp_path / "cache"
    with pytest.raises(LabError, match="debootstrap failed") as caught:
        base.ensure_base(cache, "http://deb.debian.org/debian", lambda _: None)
    kept = cache / "lab-base" / "debootstrap-failed.log"
    assert str(kept) in caught.value.message
    assert "Failed getting release file" in kept.read_text()
    assert base.cached_base(cache) is None
    assert not list((cache / "lab-base").glob(".build-*"))
