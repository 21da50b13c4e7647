"""``govsec harden``: the hardening playbook run through ansible-runner.

ansible-runner writes every event of a run atomically under ``<data>/harden/artifacts/<ident>/``
(STYLE rule 8), so the summary here — ok / changed / failed / skipped / unreachable per host —
is built from the runner's events and can be rebuilt after the fact from the artifacts.
Host-key checking stays on; extra variables come from files, never from the command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secops.errors import GovsecError

PLAYBOOK = "harden.yml"
FORKS = 20  # hosts hardened at once (Ansible's default of 5 would queue a fleet)


class HardenError(GovsecError):
    """The hardening run could not start, or its inputs are wrong."""


@dataclass
class HostSummary:
    """What the run did on one host, counted from the runner's events."""

    name: str
    ok: int = 0
    changed: int = 0
    failed: int = 0
    skipped: int = 0
    unreachable: bool = False
    messages: list[str] = field(default_factory=list)  # the failures, task: message


@dataclass
class HardenRun:
    ident: str
    artifacts: str
    level: int
    check: bool
    status: str  # ansible-runner's: successful, failed, timeout, canceled
    rc: int
    hosts: list[HostSummary] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(h.changed for h in self.hosts)


@dataclass(frozen=True)
class Progress:
    """One line of live progress: a host finished a task."""

    host: str
    task: str
    outcome: str  # ok, changed, failed, skipped, unreachable


def playbooks_dir() -> Path:
    """``$GOVSEC_PLAYBOOKS``, else the playbooks/ folder of this checkout."""
    explicit = os.environ.get("GOVSEC_PLAYBOOKS")
    folder = Path(explicit) if explicit else Path(__file__).resolve().parents[2] / "playbooks"
    if not (folder / PLAYBOOK).is_file():
        raise HardenError(
            f"{folder / PLAYBOOK}: the hardening playbook is not there",
            "run govsec from a govcloud-secops checkout, or set GOVSEC_PLAYBOOKS",
        )
    return folder


def strategy_env() -> dict[str, str]:
    """Ansible settings that run the playbook through Mitogen, unless GOVSEC_HARDEN_MITOGEN=0.

    Mitogen keeps one Python interpreter per host for the whole run instead of starting one
    (and unpacking every module) per task: about half the CPU per host, which is what bounds a
    fleet on a small controller. It still connects with the system ssh and the inventory's
    ssh arguments, so host keys are checked exactly as before.
    """
    if os.environ.get("GOVSEC_HARDEN_MITOGEN", "1").strip().lower() in ("0", "false", "no"):
        return {}
    try:
        import ansible_mitogen
    except ImportError:  # an install without it runs Ansible's own strategy
        return {}
    plugins = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}


def run_harden(
    inventory: Path,
    data: Path,
    *,
    level: int,
    check: bool = False,
    diff: bool = False,
    tags: str | None = None,
    limit: str | None = None,
    extra_vars_files: tuple[Path, ...] = (),
    on_progress: Callable[[Progress], None] | None = None,
) -> HardenRun:
    """Run playbooks/harden.yml against ``inventory`` and summarise it per host."""
    import ansible_runner  # ~0.3 s to import: only when hardening

    if not inventory.exists():
        raise HardenError(f"{inventory}: no such inventory")
    for path in extra_vars_files:
        if not path.is_file():
            raise HardenError(f"{path}: no such variables file")
    playbook = playbooks_dir() / PLAYBOOK
    ident = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + ("-check" if check else "")
    private = data / "harden"
    private.mkdir(parents=True, exist_ok=True)
    private.chmod(0o700)  # the runner records the environment of each run in its artifacts
    cmdline = [f"-e @{p.absolute()}" for p in extra_vars_files]
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")
    summaries: dict[str, HostSummary] = {}

    def handle(event: Mapping[str, Any]) -> bool:
        _count(event, summaries, on_progress)
        return True

    result = ansible_runner.run(
        private_data_dir=str(private),
        ident=ident,
        playbook=str(playbook),
        inventory=str(inventory.absolute()),
        extravars={"mlps_level": level},
        tags=tags or None,
        limit=limit or None,
        cmdline=" ".join(cmdline) or None,
        envvars={
            "ANSIBLE_HOST_KEY_CHECKING": "True",
            "ANSIBLE_FORKS": str(FORKS),
            # one SSH round trip per task instead of three (mkdir, copy, run); needs sudo
            # without requiretty, which no supported family sets
            "ANSIBLE_PIPELINING": "True",
            # the ansible-playbook installed beside this Python (the .venv) comes first
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_ROLES_PATH": str(playbook.parent / "roles"),
            "ANSIBLE_FORCE_COLOR": "False",
            "ANSIBLE_NOCOLOR": "True",
            **strategy_env(),
        },
        event_handler=handle,
        suppress_env_files=True,  # extra variables may hold keys: not copied into env/
        quiet=True,
        rotate_artifacts=50,
    )
    stats = result.stats or {}
    if not stats and result.status != "successful":
        raise HardenError(
            f"ansible-playbook did not run ({result.status}, exit {result.rc}): "
            f"{_tail(private / 'artifacts' / ident / 'stdout')}",
            f"its artifacts: {private / 'artifacts' / ident}",
        )
    for name in _hosts_in(stats):
        summary = summaries.setdefault(name, HostSummary(name))
        summary.ok = stats.get("ok", {}).get(name, 0)
        summary.changed = stats.get("changed", {}).get(name, 0)
        summary.failed = stats.get("failures", {}).get(name, 0)
        summary.skipped = stats.get("skipped", {}).get(name, 0)
        summary.unreachable = stats.get("dark", {}).get(name, 0) > 0
    return HardenRun(
        ident=ident,
        artifacts=str(private / "artifacts" / ident),
        level=level,
        check=check,
        status=str(result.status),
        rc=int(result.rc or 0),
        hosts=sorted(summaries.values(), key=lambda h: h.name),
    )


def _tail(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    return " / ".join(lines[-3:]) or "no output"


def _hosts_in(stats: Mapping[str, Mapping[str, int]]) -> set[str]:
    return {host for counts in stats.values() if isinstance(counts, dict) for host in counts}


OUTCOMES = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}


def _count(
    event: Mapping[str, Any],
    summaries: dict[str, HostSummary],
    on_progress: Callable[[Progress], None] | None,
) -> None:
    kind = event.get("event", "")
    if kind not in OUTCOMES:
        return
    data = event.get("event_data", {})
    host = str(data.get("host", "?"))
    task = str(data.get("task", ""))
    outcome = OUTCOMES[kind]
    result = data.get("res", {}) or {}
    if outcome == "ok" and result.get("changed"):
        outcome = "changed"
    if outcome == "failed" and data.get("ignore_errors"):
        outcome = "ok"
    summary = summaries.setdefault(host, HostSummary(host))
    if outcome in ("failed", "unreachable"):
        message = str(result.get("msg", "")).strip().splitlines()[:3]
        summary.messages.append(f"{task}: {' '.join(message)}")
    if on_progress is not None:
        on_progress(Progress(host, task, outcome))
