"""run_sqlite_backend over the audit.log fixture, hand-checked."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from secops.detect.sqlite_compare import flatten, run_sqlite_backend
from secops.ingest.parsers.auditd import AuditAssembler
from tests.conftest import CORPORA
from tests.secops.detect.test_export import brute_file

FILES = Path(__file__).parents[2] / "files"
CORPUS = CORPORA / "sigma-linux" / "rules" / "linux"


def _events() -> list[dict]:  # type: ignore[type-arg]
    assembler = AuditAssembler(tz=ZoneInfo("UTC"))
    events = []
    for line in (FILES / "ingest" / "audit.log").read_bytes().split(b"\n"):
        if line:
            events += assembler.feed(line)
    return events + assembler.flush()


def test_flatten_walks_lists() -> None:
    event = {
        "event": {"type": ["user", "creation"]},
        "auditd": {"records": [{"a0": "x"}, {"a0": "id"}]},
    }
    assert flatten(event, "event.type") == "user\ncreation"
    assert flatten(event, "auditd.records.a0") == "x\nid"
    assert flatten(event, "missing.field") is None


def test_matches_hand_checked_rules(tmp_path: Path) -> None:
    rules = [
        CORPUS / "auditd/syscall/lnx_auditd_create_account.yml",  # ADD_USER record: 1
        CORPUS / "process_creation/proc_creation_lnx_local_account.yml",  # /usr/bin/id: 1
        CORPUS / "auditd/lnx_auditd_susp_c2_commands.yml",  # key susp_activity: 0
        brute_file(tmp_path),  # no sshd events: 0
    ]
    run = run_sqlite_backend(rules, _events(), tmp_path / "logs.db")
    assert run.rows == 10
    by_title = {label.split(" ", 1)[1]: n for label, n in run.matches_per_rule.items()}
    assert by_title == {
        "Creation Of An User Account": 1,
        "Local System Accounts Discovery - Linux": 1,
        "Suspicious C2 Activities": 0,
        "SSH brute force": 0,
    }
    assert run.seconds_load >= 0 and run.seconds_query >= 0
