"""`govsec siem` as a user runs it: ingest, search, stats, purge, listen over real sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secops.cli.siem import SiemError, parse_address, parse_when
from secops.ingest.status import read_status
from tests.conftest import CORPORA, govsec

CORPUS = CORPORA / "loghub"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    found = dict(os.environ, GOVSEC_HOME=str(tmp_path / "home"), GOVSEC_LANG="en")
    found.pop("GOVSEC_STORE", None)
    found.pop("GOVSEC_CONFIG", None)
    return found


def as_json(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_ingest_stores_every_line_once_and_reingesting_duplicates(env: dict[str, str]) -> None:
    sshd = str(CORPUS / "OpenSSH_2k.log")
    first = as_json(govsec("siem", "ingest", sshd, "--format", "json", env=env))
    assert isinstance(first, dict)
    assert (first["lines"], first["created"], first["quarantined"]) == (2000, 2000, 0)
    again = as_json(govsec("siem", "ingest", sshd, "--format", "json", env=env))
    assert isinstance(again, dict)
    assert (again["created"], again["duplicates"]) == (0, 2000)
    stats = as_json(govsec("siem", "stats", "--format", "json", env=env))
    assert isinstance(stats, dict)
    assert stats["total"] == 2000 and stats["by_dataset"]["sshd"] > 1300
    assert stats["unparsed_share"] == 0.0


def test_search_by_words_host_and_time(env: dict[str, str]) -> None:
    assert govsec("siem", "ingest", str(CORPUS / "OpenSSH_2k.log"), env=env).returncode == 0
    found = as_json(
        govsec(
            "siem", "search", "Accepted password", "--host", "LabSZ", "--format", "json", env=env
        )
    )
    assert isinstance(found, list) and found
    assert all("Accepted password" in e["message"] for e in found)
    none = as_json(
        govsec("siem", "search", "", "--host", "nosuchhost", "--format", "json", env=env)
    )
    assert none == []
    future = as_json(
        govsec("siem", "search", "", "--since", "2099-01-01T00:00:00", "--format", "json", env=env)
    )
    assert future == []


def test_stdin_and_an_explicit_store_url(env: dict[str, str], tmp_path: Path) -> None:
    store = f"sqlite://{tmp_path / 'other.db'}"
    line = "Nov 21 08:00:00 lab01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
    line += "COMMAND=/usr/bin/id\n"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "secops",
            "siem",
            "ingest",
            "-",
            "--store",
            store,
            "--format",
            "json",
        ],
        input=line,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert json.loads(result.stdout)["created"] == 1, result.stderr
    found = as_json(
        govsec("siem", "search", "COMMAND", "--store", store, "--format", "json", env=env)
    )
    assert isinstance(found, list) and found[0]["user"]["name"] == "alice"
    default = as_json(govsec("siem", "stats", "--format", "json", env=env))
    assert isinstance(default, dict) and default["total"] == 0  # the default store is untouched


def test_escapes_are_shown_escaped_never_raw(env: dict[str, str], tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.log"
    hostile.write_bytes(
        b"Nov 21 08:00:00 lab01 app[1]: \x1b[2J\x1b]0;owned\x07 [red]markup[/red] \xff\xfe bad\n"
    )
    assert govsec("siem", "ingest", str(hostile), env=env).returncode == 0
    shown = govsec("siem", "search", "bad", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "\\x1b" in shown.stdout and "[red]markup[/red]" in shown.stdout


def test_retention_under_180_days_needs_force(env: dict[str, str]) -> None:
    assert govsec("siem", "ingest", str(CORPUS / "OpenSSH_2k.log"), env=env).returncode == 0
    refused = govsec("siem", "purge", "--keep-days", "30", env=env)
    assert refused.returncode == 1 and "180" in refused.stderr
    kept = govsec("siem", "purge", env=env)  # 180 days: the corpus is from 2025, so it goes
    assert kept.returncode == 0, kept.stderr
    stats = as_json(govsec("siem", "stats", "--format", "json", env=env))
    assert isinstance(stats, dict) and stats["total"] < 2000


def test_bad_input_is_named(env: dict[str, str], tmp_path: Path) -> None:
    missing = govsec("siem", "ingest", str(tmp_path / "nope.log"), env=env)
    assert missing.returncode == 1 and "nope.log" in missing.stderr
    when = govsec("siem", "search", "x", "--since", "yesterday-ish", env=env)
    assert when.returncode == 1 and "yesterday-ish" in when.stderr
    url = govsec("siem", "stats", "--store", "ftp://x", env=env)
    assert url.returncode == 1 and "ftp://x" in url.stderr


def test_time_and_address_forms() -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert parse_when("2h", now) == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert parse_when("2026-11-20T00:00:00+08:00", now).utcoffset() is not None
    assert parse_address("[::1]:5514") == ("::1", 5514)
    for bad in ("5514", "host:", "host:99999", ":514"):
        with pytest.raises(SiemError):
            parse_address(bad)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def listening(env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[str]]:
    """`govsec siem listen ARGS` running; stopped with SIGINT (Ctrl-C), which must exit 0."""
    listener = subprocess.Popen(
        [sys.executable, "-m", "secops", "siem", "listen", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield listener
    finally:
        listener.send_signal(signal.SIGINT)
        _, stderr = listener.communicate(timeout=60)
    assert listener.returncode == 0, stderr[-2000:]


def searched(env: dict[str, str], query: str, want: int, *extra: str, wait: float = 30) -> list:  # type: ignore[type-arg]
    """The events ``govsec siem search`` finds, polled until ``want`` of them or ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        found = as_json(govsec("siem", "search", query, *extra, "--format", "json", env=env))
        assert isinstance(found, list)
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


@pytest.mark.timeout(120)
def test_listen_receives_syslog_over_tcp_and_udp_and_stops_cleanly(env: dict[str, str]) -> None:
    port = free_port()
    with listening(env, "--syslog", f"127.0.0.1:{port}"):
        deadline = time.monotonic() + 30
        while True:
            try:
                tcp = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "listen never opened its port"
                time.sleep(0.2)
        login = (
            "Accepted publickey for labadmin from 10.213.0.1 port 50122 ssh2: ED25519 SHA256:abc"
        )
        frame = f"<38>1 2026-11-21T08:00:00.000+08:00 lab01 sshd 77 - - {login}".encode()
        with tcp:
            tcp.sendall(str(len(frame)).encode() + b" " + frame)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(
                b"<86>Nov 21 08:00:01 lab02 su[9]: FAILED SU (to root) bob on pts/0",
                ("127.0.0.1", port),
            )
        found = searched(env, "", 2)
    by_host = {e["host"]["name"]: e for e in found}
    assert by_host["lab01"]["event"]["action"] == "ssh_login"
    assert by_host["lab01"]["user"]["name"] == "labadmin"
    assert by_host["lab02"]["event"]["dataset"] == "su"
    # what it tells govsec serve: its counters, the hosts it heard, and that it stopped
    status = read_status(Path(env["GOVSEC_HOME"]) / "siem" / "events.listen.json")
    assert status is not None and status.stopped and not status.alive()
    assert status.counters.lines == 2
    assert status.counters.datasets == {"sshd": 1, "su": 1}
    assert set(status.counters.hosts) == {"lab01", "lab02"}
    metrics = govsec("metrics", env=env).stdout
    assert "govsec_siem_listener_up 0.0" in metrics
    assert "govsec_siem_lines_total 2.0" in metrics
    assert 'govsec_siem_events_stored{dataset="su"} 1.0' in metrics


@pytest.mark.timeout(120)
def test_listen_follows_a_file_and_resumes_where_it_stopped(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Nov 21 08:00:00 lab01 sshd[1]: Invalid user alpha from 10.0.0.9 port 4000\n")
    with listening(env, "--tail", str(log)):
        assert len(searched(env, "alpha", 1)) == 1
    with log.open("a") as more:  # written while nothing listens
        more.write("Nov 21 08:00:05 lab01 sshd[1]: Invalid user beta from 10.0.0.9 port 4001\n")
    with listening(env, "--tail", str(log)):
        assert len(searched(env, "beta", 1)) == 1
    every = searched(env, "", 2)
    assert sorted(e["user"]["name"] for e in every) == ["alpha", "beta"]  # nothing read twice


def test_a_password_on_the_command_line_is_refused_and_never_echoed(env: dict[str, str]) -> None:
    result = govsec("siem", "stats", "--store", "https://elastic:s3cret@127.0.0.1:9", env=env)
    assert result.returncode == 1 and "GOVSEC_STORE" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    bad = dict(env, GOVSEC_STORE="ftp://elastic:s3cret@x")
    refused = govsec("siem", "stats", env=bad)
    assert refused.returncode == 1 and "s3cret" not in refused.stdout + refused.stderr


def test_ingest_names_what_is_no_file_and_still_ingests_the_others(
    env: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "good.log"
    good.write_text("Nov 21 08:00:00 lab01 sshd[1]: Invalid user alpha from 10.0.0.9 port 4000\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "logs"
    folder.mkdir()
    result = govsec(
        "siem", "ingest", str(folder), str(fifo), str(good), "--format", "json", env=env
    )
    assert result.returncode == 1, result.stderr
    assert f"{folder}: is a directory, not a regular file" in result.stderr
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in result.stderr
    assert "no such file" not in result.stderr
    assert json.loads(result.stdout)["created"] == 1  # the regular file went in all the same
    zh = govsec("--lang", "zh", "siem", "ingest", str(folder), env=env)
    assert zh.returncode == 1 and f"{folder}：是目录，不是普通文件" in zh.stderr


def test_ingest_holds_back_a_last_line_still_being_written(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Nov 21 08:00:00 lab01 sshd[1]: Accepted password for PART")
    held = govsec("siem", "ingest", str(log), env=env)
    assert held.returncode == 4, held.stderr
    assert "held back 1 last line(s) without a newline" in held.stdout
    with log.open("a") as more:
        more.write("IAL from 10.0.0.9 port 4000 ssh2\n")
    done = as_json(govsec("siem", "ingest", str(log), "--format", "json", env=env))
    assert isinstance(done, dict)
    assert (done["created"], done["duplicates"], done["held"]) == (1, 0, 0)
    [event] = searched(env, "", 1)
    assert event["message"].endswith("for PARTIAL from 10.0.0.9 port 4000 ssh2")


def test_ingest_into_an_unreachable_elasticsearch_says_what_it_spooled(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Nov 21 08:00:00 lab01 sshd[1]: Invalid user alpha from 10.0.0.9 port 4000\n")
    store = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = govsec("siem", "ingest", str(log), "--store", store, env=env)
    assert result.returncode == 3, result.stderr
    assert "spooled 1 event(s) for later delivery" in result.stdout
    as_data = govsec("siem", "ingest", str(log), "--store", store, "--format", "json", env=env)
    assert as_data.returncode == 3 and json.loads(as_data.stdout)["spooled"] == 1
