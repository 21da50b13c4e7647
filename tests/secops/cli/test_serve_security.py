"""``govsec serve`` as a user runs it: what it refuses to start with, --allowed-host (issue 17)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from monitors.stack import free_port
from tests.conftest import govsec

# TEST-NET-1 (RFC 5737): never an address of this machine, so binding it fails at once and
# nothing is ever sent; the checks under test come before the bind
NOT_LOCAL = "192.0.2.10"


def env(tmp_path: Path, lang: str = "en") -> dict[str, str]:
    return {**os.environ, "GOVSEC_HOME": str(tmp_path / "home"), "GOVSEC_LANG": lang}


def web_config(tmp_path: Path, mode: int = 0o600) -> Path:
    hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    path = tmp_path / "web.yml"
    path.write_text(f"basic_auth_users:\n  alertmanager: '{hashed}'\n")
    path.chmod(mode)
    return path


def test_basic_auth_over_plain_http_off_loopback_is_refused(tmp_path: Path) -> None:
    config = web_config(tmp_path)
    result = govsec(
        "serve", "--listen", f"{NOT_LOCAL}:9713", "--web-config", str(config), env=env(tmp_path)
    )
    assert result.returncode != 0
    assert f"refusing basic auth over plain HTTP on {NOT_LOCAL}" in result.stderr
    assert "--insecure" in result.stderr
    assert "cannot listen" not in result.stderr  # refused before any bind


def test_in_chinese_too(tmp_path: Path) -> None:
    config = web_config(tmp_path)
    result = govsec(
        "serve", "--listen", f"{NOT_LOCAL}:9713", "--web-config", str(config),
        env=env(tmp_path, "zh"),
    )  # fmt: skip
    assert result.returncode != 0
    assert f"拒绝在其他机器可访问的地址 {NOT_LOCAL} 上通过明文 HTTP 使用基本认证" in result.stderr


def test_insecure_lets_it_start_with_a_warning(tmp_path: Path) -> None:
    config = web_config(tmp_path)
    result = govsec(
        "serve", "--listen", f"{NOT_LOCAL}:9713", "--web-config", str(config), "--insecure",
        env=env(tmp_path),
    )  # fmt: skip
    assert f"warning: basic auth over plain HTTP on {NOT_LOCAL} (--insecure)" in result.stderr
    # it went on to bind, which an address not of this machine refuses
    assert result.returncode != 0 and f"cannot listen on {NOT_LOCAL}:9713" in result.stderr


def test_a_web_config_open_to_others_is_refused_naming_the_fix(tmp_path: Path) -> None:
    config = web_config(tmp_path, 0o644)
    result = govsec(
        "serve", "--listen", f"127.0.0.1:{free_port()}", "--web-config", str(config),
        env=env(tmp_path),
    )  # fmt: skip
    assert result.returncode != 0
    stderr = " ".join(result.stderr.split())  # rich wraps long lines
    assert f"the web config {config} holds basic_auth_users" in stderr
    assert "(mode 0644)" in stderr
    assert f"chmod 600 {config}" in stderr


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "serve.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "secops", "serve", "--listen", f"127.0.0.1:{port}",
            "--allowed-host", "govsec.test", "--notifications", str(tmp_path / "n.db"),
            "--audits", str(tmp_path / "audits"),
        ],
        env=env(tmp_path), stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def head(port: int, host: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(
            f"GET /-/healthy HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data.partition(b"\r\n\r\n")[0]


def test_allowed_host_names_another_host_it_answers_to(serving: int) -> None:
    assert head(serving, f"govsec.test:{serving}").startswith(b"HTTP/1.0 200")
    assert head(serving, f"127.0.0.1:{serving}").startswith(b"HTTP/1.0 200")
    refused = head(serving, f"rebind.example:{serving}")
    assert refused.startswith(b"HTTP/1.0 421")
    assert b"\r\nserver:" not in refused.lower()
    assert b"x-content-type-options: nosniff" in refused.lower()


def test_the_textfile_is_readable_by_node_exporter_under_the_private_umask(
    tmp_path: Path,
) -> None:
    target = tmp_path / "textfile" / "govsec.prom"
    target.parent.mkdir()
    result = govsec("metrics", "--textfile", str(target), env=env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert "govsec_build_info" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["govsec.prom"]  # no temporary left


def test_the_notification_store_is_private(serving: int, tmp_path: Path) -> None:
    for path in tmp_path.glob("n.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
