"""Issue 17.5: arguments that are not UTF-8 get a usage error naming them, values from files
reach the terminal escaped, and ``--since`` takes what its help says."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from secops.audit.runner import write
from secops.report.signing import ensure_key
from secops.store.sqlite import SqliteStore
from tests.conftest import govsec
from tests.secops.report.sample import CATALOG_DIR, sample_run
from tests.secops.store.events import event

BAD = "\udcff"  # how Python holds the byte 0xff of a command line: the shell's $'\xff'


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if not k.startswith(("GOVSEC_", "LC_", "LANG"))}
    found.update({"GOVSEC_HOME": str(tmp_path / "home"), "LANG": "C.UTF-8", "COLUMNS": "250"})
    return found


def refused(result: subprocess.CompletedProcess[str], named: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (1, 2), result.stderr
    assert named in result.stderr and "\\xff" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("siem", "search", BAD), "argument 3"),
        (("siem", "search", "x", "--host", BAD), "--host"),
        (("alerts", "list", "--host", BAD), "--host"),
        (("alerts", "list", f"--host={BAD}"), "--host"),
        (("report", "build", f"/tmp/{BAD}"), "argument 3"),
    ],
)
def test_an_argument_that_is_not_utf8_is_named_without_a_traceback(
    env: dict[str, str], args: tuple[str, ...], named: str
) -> None:
    refused(govsec(*args, env=env), named)
    chinese = govsec("--lang", "zh", *args, env=env)  # two arguments more: counted from 1
    refused(chinese, named if named.startswith("--") else "第 5 个参数")
    assert "不是有效的 UTF-8 文本" in chinese.stderr


def test_a_catalog_version_with_terminal_escapes_is_shown_escaped(
    env: dict[str, str], tmp_path: Path
) -> None:
    run = sample_run()
    run.catalog_version = "\x1b]0;owned\x07\x1b[2J[red]v9[/red]"
    audit = tmp_path / "audit"
    write(run, [], audit, ensure_key(tmp_path / "home" / "keys"))
    result = govsec("report", "build", str(audit), "--catalog", str(CATALOG_DIR), env=env)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b]0;owned\\x07\\x1b[2J[red]v9[/red]" in result.stderr


def test_search_and_stats_print_stored_values_escaped(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    hostile = event(1, host="lab\x1b[2J01", dataset="ssh\x07d", message="boom \x1b]0;x\x07")
    with SqliteStore(db) as store:
        store.put([hostile])
    for args in (("search", "boom"), ("stats",)):
        result = govsec("siem", *args, "--store", f"sqlite://{db}", env=env)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "\\x07" in result.stdout


@pytest.mark.parametrize("since", ["1w ago", "1w", "2 hours ago", "15m", "3 days ago", "7D"])
def test_since_takes_the_forms_its_help_gives(
    env: dict[str, str], tmp_path: Path, since: str
) -> None:
    store = f"sqlite://{tmp_path / 'events.db'}"
    searched = govsec("siem", "search", "x", "--since", since, "--store", store, env=env)
    assert searched.returncode == 0, searched.stderr
    listed = govsec(
        "alerts", "list", "--since", since, "--store", store, "--format", "json", env=env
    )
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []


@pytest.mark.parametrize("since", ["1 fortnight ago", "999999999w", "ago"])
def test_a_time_it_cannot_read_is_an_error_not_a_traceback(
    env: dict[str, str], tmp_path: Path, since: str
) -> None:
    store = f"sqlite://{tmp_path / 'events.db'}"
    result = govsec("siem", "search", "x", "--since", since, "--store", store, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a time" in result.stderr
