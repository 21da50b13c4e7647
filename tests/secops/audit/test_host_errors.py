"""Why a host was not audited, in the language of whoever reads it.

The reason is kept as a message key and its values, so the zh report of an English run (and
the reverse) says it in its own language; the C library's and paramiko's English never stands
in for a sentence of ours.
"""

from __future__ import annotations

import errno
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.audit.inventory import Target
from secops.audit.results import AuditRun, HostResult, describe_error
from secops.audit.transport import TransportError, _reason, collect_ssh
from secops.i18n import current_lang, set_lang
from secops.report.html import render_html
from tests.secops.report.sample import catalog, sample_run


@pytest.fixture
def zh() -> Iterator[None]:
    before = current_lang()
    set_lang("zh")
    yield
    set_lang(before)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def target(port: int) -> Target:
    return Target("nowhere", "127.0.0.1", port, "labadmin", None, (Path("/nonexistent"),), True)


def test_a_refused_connection_keeps_its_key_and_is_said_in_the_runs_language(zh: None) -> None:
    with pytest.raises(TransportError) as raised:
        collect_ssh(target(closed_port()))
    error = raised.value
    assert error.key == "audit.err.unreachable"
    assert error.fields["reason"] == "audit.reason.refused"
    assert "连接被拒绝" in error.message and "无法连接 127.0.0.1" in error.message
    assert not re.search(r"[A-Za-z]{4,}", error.message), error.message
    assert "connection refused" in describe_error("en", error.key, error.fields)


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "audit.reason.refused"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "audit.reason.no_route"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "audit.reason.net_unreachable"),
        (TimeoutError("timed out"), "audit.reason.timeout"),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "audit.reason.no_name"),
        (EOFError(), "audit.reason.closed"),
        (OSError(errno.EPIPE, "Broken pipe"), "EPIPE"),  # no message of ours: its symbol
        (ValueError("odd"), "ValueError"),
    ],
)
def test_reasons_are_keys_or_symbols_never_the_librarys_text(exc: Exception, said: str) -> None:
    assert _reason(exc) == said


def unreachable_run() -> AuditRun:
    run = sample_run()
    run.hosts[-1] = HostResult(
        name="lab04",
        address="10.20.3.31",
        reachable=False,
        error="cannot reach 10.20.3.31:22: no answer in time",  # the run was in English
        error_key="audit.err.unreachable",
        error_fields={"address": "10.20.3.31", "port": "22", "reason": "audit.reason.timeout"},
    )
    return run


def test_the_report_says_the_reason_in_its_own_language() -> None:
    run = AuditRun.from_json(unreachable_run().to_json())  # kept through results.json
    chinese = render_html(run, catalog(), "zh")
    assert "无法连接 10.20.3.31:22：超时无响应" in chinese
    assert "cannot reach" not in chinese and "no answer in time" not in chinese
    english = render_html(run, catalog(), "en")
    assert "cannot reach 10.20.3.31:22: no answer in time" in english


def test_results_written_before_the_key_was_kept_show_their_text() -> None:
    old = unreachable_run()
    old.hosts[-1].error_key, old.hosts[-1].error_fields = "", {}
    text = old.to_json().replace('"error_key": "",', "").replace('"error_fields": {},', "")
    assert "error_key" not in text
    run = AuditRun.from_json(text)
    assert "cannot reach 10.20.3.31:22: no answer in time" in render_html(run, catalog(), "zh")
