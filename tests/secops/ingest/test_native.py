"""The compiled intake modules (secops.native): used when built, identical to the Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from secops import native
from tests.conftest import CORPORA as ALL_CORPORA
from tests.conftest import ROOT

CORPORA = ALL_CORPORA / "loghub"

DIGEST_OF_EVENTS = """
import hashlib, sys
from datetime import UTC, datetime
from pathlib import Path
import orjson
from secops import native
from secops.ingest.parse import parse_line
from tests.conftest import CORPORA as ALL_CORPORA
received = datetime(2026, 11, 21, tzinfo=UTC)
sha = hashlib.sha256()
for path in sys.argv[1:]:
    for line in Path(path).read_bytes().splitlines():
        event = parse_line(line, received=received, tz=UTC)
        sha.update(orjson.dumps(event, option=orjson.OPT_SORT_KEYS))
print(native.active(), sha.hexdigest())
"""

built = pytest.mark.skipif(
    not (native.build_dir() / native.COMPLETE).is_file(),
    reason="no compiled build for these sources (make setup builds it)",
)


def run(code: str, *args: str, pure: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GOVSEC_NATIVE": "0" if pure else "1"}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


@built
def test_the_intake_runs_compiled_when_built_and_as_python_when_told() -> None:
    code = "from secops import native; print(native.active())"
    assert run(code, pure=False) == "True"
    assert run(code, pure=True) == "False"


@built
def test_compiled_and_python_parsers_give_identical_events() -> None:
    corpora = [str(path) for path in sorted(CORPORA.glob("*_2k.log"))]
    corpora += [str(path) for path in sorted((ROOT / "tests" / "files").rglob("*.log"))]
    assert len(corpora) >= 3
    compiled = run(DIGEST_OF_EVENTS, *corpora, pure=False)
    python = run(DIGEST_OF_EVENTS, *corpora, pure=True)
    assert compiled.startswith("True ") and python.startswith("False ")
    assert compiled.split()[1] == python.split()[1]


def test_an_edited_source_is_not_shadowed_by_an_old_build(tmp_path: Path) -> None:
    for module in native.MODULES:
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / module, tmp_path / module)
    assert native.digest(tmp_path) == native.digest(ROOT)
    edited = tmp_path / native.MODULES[0]
    edited.write_text(edited.read_text() + "\n# edited\n")
    assert native.build_dir(tmp_path) != native.build_dir(ROOT)


def test_a_build_cut_short_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "build_dir", lambda root=ROOT: tmp_path)
    monkeypatch.setenv("GOVSEC_NATIVE", "1")
    monkeypatch.setattr(sys, "path", list(sys.path))  # activate() adds the build to it
    native._usable.cache_clear()
    try:
        (tmp_path / "secops" / "ingest").mkdir(parents=True)  # the files, but no COMPLETE
        path: list[str] = []
        native.activate("secops.ingest", path)
        assert path == []
        (tmp_path / native.COMPLETE).write_text("x\n")
        native._usable.cache_clear()
        native.activate("secops.ingest", path)
        assert path == [str(tmp_path / "secops" / "ingest")]
    finally:
        native._usable.cache_clear()
