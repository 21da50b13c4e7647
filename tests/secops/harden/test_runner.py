from pathlib import Path

import pytest

from secops.harden import runner
from secops.harden.runner import HardenError, HostSummary, Progress, strategy_env


def event(kind: str, host: str = "lab01", task: str = "Set PASS_MAX_DAYS", **res: object) -> dict:  # type: ignore[type-arg]
    return {"event": kind, "event_data": {"host": host, "task": task, "res": res}}


def test_events_become_live_progress_and_failure_messages() -> None:
    seen: list[Progress] = []
    summaries: dict[str, HostSummary] = {}
    for item in (
        event("playbook_on_task_start"),
        event("runner_on_ok", changed=False),
        event("runner_on_ok", changed=True),
        event("runner_on_skipped"),
        event("runner_on_failed", msg="no admin path: add a key-authenticated sudo user\nmore"),
        event("runner_on_unreachable", host="lab02", msg="ssh: connect refused"),
    ):
        runner._count(item, summaries, seen.append)
    assert [p.outcome for p in seen] == ["ok", "changed", "skipped", "failed", "unreachable"]
    assert summaries["lab01"].messages == [
        "Set PASS_MAX_DAYS: no admin path: add a key-authenticated sudo user more"
    ]
    assert summaries["lab02"].messages == ["Set PASS_MAX_DAYS: ssh: connect refused"]


def test_ignored_failures_count_as_ok() -> None:
    seen: list[Progress] = []
    item = event("runner_on_failed", msg="x")
    item["event_data"]["ignore_errors"] = True
    runner._count(item, {}, seen.append)
    assert seen[0].outcome == "ok"


def test_missing_playbook_folder_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOVSEC_PLAYBOOKS", str(tmp_path))
    with pytest.raises(HardenError, match="the hardening playbook is not there"):
        runner.playbooks_dir()


def test_missing_inventory_and_variables_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(HardenError, match="no such inventory"):
        runner.run_harden(tmp_path / "none.yml", tmp_path, level=3)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all: {hosts: {h: {}}}\n")
    with pytest.raises(HardenError, match="no such variables file"):
        runner.run_harden(inventory, tmp_path, level=3, extra_vars_files=(tmp_path / "v.yml",))


def test_mitogen_runs_the_playbook_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVSEC_HARDEN_MITOGEN", raising=False)
    found = strategy_env()
    assert found["ANSIBLE_STRATEGY"] == "mitogen_linear"
    assert (Path(found["ANSIBLE_STRATEGY_PLUGINS"]) / "mitogen_linear.py").is_file()
    monkeypatch.setenv("GOVSEC_HARDEN_MITOGEN", "0")
    assert strategy_env() == {}
