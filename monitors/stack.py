"""A Prometheus and an Alertmanager on loopback with govsec's own configs (demo and tests).

Debian's ``prometheus`` and ``prometheus-alertmanager`` binaries, started on 127.0.0.1 with:

- **Prometheus**: every rule file of ``monitors/rules/`` as shipped, scraping one
  ``govsec serve`` (job ``govsec``) and sending to the Alertmanager below;
- **Alertmanager**: ``monitors/alertmanager/alertmanager.yml`` as shipped — its routing tree,
  inhibitions and templates — with four local changes: the govsec webhook points at the given
  ``govsec serve``, its password file is a local one, every route's timers are shortened (a
  demo cannot wait five minutes for a group interval), and every email and WeCom receiver
  is pointed at a closed port on 127.0.0.1, so nothing ever leaves this machine.

``python -m monitors.stack --dir D --serve 127.0.0.1:9713`` runs both until SIGTERM/SIGINT
and prints their URLs; the end-to-end test drives :class:`LocalStack` directly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from secops.files import private_dir

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules"
ALERTMANAGER_CONFIG = HERE / "alertmanager" / "alertmanager.yml"
LOCAL = "127.0.0.1"


class StackError(RuntimeError):
    """A binary is missing or a server did not come up."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCAL, 0))
        return int(probe.getsockname()[1])


def binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise StackError(
        f"none of {', '.join(names)} is installed (Debian: apt-get install prometheus"
        " prometheus-alertmanager; make setup does it)"
    )


@dataclass(frozen=True)
class Timers:
    """The route timers the local Alertmanager uses instead of the shipped ones."""

    group_wait: str = "1s"
    group_interval: str = "2s"
    repeat_interval: str = "1h"


def local_alertmanager_config(
    webhook_url: str,
    password_file: Path,
    blackhole_port: int,
    timers: Timers = Timers(),
    source: Path = ALERTMANAGER_CONFIG,
) -> dict[str, Any]:
    """The shipped Alertmanager config with the local changes described above."""
    config: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    blackhole = f"{LOCAL}:{blackhole_port}"
    glob = config.setdefault("global", {})
    glob["smtp_smarthost"] = blackhole
    glob["smtp_require_tls"] = False
    glob.pop("smtp_auth_username", None)
    glob.pop("smtp_auth_password_file", None)
    glob.pop("smtp_auth_password", None)
    glob["wechat_api_url"] = f"http://{blackhole}/"
    glob["wechat_api_secret"] = "local-placeholder"  # noqa: S105 - never sent anywhere
    config["templates"] = [str(source.parent / "templates" / "*.tmpl")]

    def shorten(route: dict[str, Any]) -> None:
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if key in route or route is config["route"]:
                route[key] = getattr(timers, key)
        for child in route.get("routes", []):
            shorten(child)

    shorten(config["route"])
    for receiver in config.get("receivers", []):
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook_url
            auth = hook.get("http_config", {}).get("basic_auth")
            if auth is not None:
                auth["password_file"] = str(password_file)
        for mail in receiver.get("email_configs", []):
            mail["smarthost"] = blackhole
            mail["require_tls"] = False
        for wechat in receiver.get("wechat_configs", []):
            wechat["api_url"] = f"http://{blackhole}/"
    return config


def prometheus_config(
    serve: str, alertmanager: str, *, interval: str = "2s", scheme: str = "http"
) -> dict[str, Any]:
    """A Prometheus config: every rule file, one govsec serve, one Alertmanager."""
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(path) for path in sorted(RULES.glob("*.yml"))],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": [
            {
                "job_name": "govsec",
                "scheme": scheme,
                "static_configs": [{"targets": [serve]}],
            }
        ],
    }


def launch_alertmanager(
    config: Path, home: Path, port: int, *, log_level: str = "info"
) -> tuple[subprocess.Popen[bytes], Path]:
    """Debian's Alertmanager on 127.0.0.1:``port``, no cluster port, data and log in ``home``.

    Raises:
        StackError: the binary is not installed.
    """
    return _launch(
        "alertmanager",
        [
            binary("prometheus-alertmanager", "alertmanager"),
            f"--config.file={config}",
            f"--storage.path={home / 'alertmanager-data'}",
            f"--web.listen-address={LOCAL}:{port}",
            "--cluster.listen-address=",
            f"--log.level={log_level}",
        ],
        home,
    )


def launch_prometheus(
    config: Path, home: Path, port: int, *, log_level: str = "info"
) -> tuple[subprocess.Popen[bytes], Path]:
    """Debian's Prometheus on 127.0.0.1:``port``, its TSDB and log in ``home``.

    Raises:
        StackError: the binary is not installed.
    """
    return _launch(
        "prometheus",
        [
            binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={home / 'prometheus-data'}",
            f"--web.listen-address={LOCAL}:{port}",
            "--rules.alert.resend-delay=2s",  # a resolved alert reaches Alertmanager quickly
            f"--log.level={log_level}",
        ],
        home,
    )


def write_private(path: Path, text: str) -> None:
    """Write ``path`` mode 0600 from its first byte (a password, a config naming one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a file that was there keeps its mode otherwise
        handle.write(text)


def _launch(name: str, argv: list[str], home: Path) -> tuple[subprocess.Popen[bytes], Path]:
    private_dir(home)
    log = home / f"{name}.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as stderr:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return process, log


def wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float = 60
) -> None:
    """Until ``url``/-/ready answers 200.

    Raises:
        StackError: the process exited or did not become ready in ``timeout`` seconds.
    """
    name = Path(str(process.args[0] if isinstance(process.args, list) else process.args)).name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{name} exited ({process.returncode}); its log: {log}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise StackError(f"{name} did not become ready in {timeout:.0f} s; its log: {log}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 30 s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class LocalStack:
    """Prometheus and Alertmanager under ``home``, for one ``govsec serve`` at ``serve``."""

    home: Path
    serve: str  # HOST:PORT of govsec serve
    webhook_password: str = ""
    timers: Timers = field(default_factory=Timers)
    prometheus_port: int = field(default_factory=free_port)
    alertmanager_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def prometheus_url(self) -> str:
        return f"http://{LOCAL}:{self.prometheus_port}"

    @property
    def alertmanager_url(self) -> str:
        return f"http://{LOCAL}:{self.alertmanager_port}"

    def write_configs(self) -> tuple[Path, Path]:
        private_dir(self.home)  # 0700: its files hold a password and the stores' data
        self.home = self.home.resolve()  # Alertmanager reads files relative to its config
        password = self.home / "webhook-password"
        write_private(password, self.webhook_password or "unused")
        am = self.home / "alertmanager.yml"
        write_private(
            am,
            yaml.safe_dump(
                local_alertmanager_config(
                    f"http://{self.serve}/webhook/alertmanager",
                    password,
                    free_port(),  # bound by nobody: mail and WeCom fail here, locally
                    self.timers,
                ),
                sort_keys=False,
                allow_unicode=True,
            ),
        )
        prom = self.home / "prometheus.yml"
        write_private(
            prom,
            yaml.safe_dump(
                prometheus_config(self.serve, f"{LOCAL}:{self.alertmanager_port}"),
                sort_keys=False,
            ),
        )
        return am, prom

    def start(self) -> LocalStack:
        """Start Alertmanager, then Prometheus; both ready when this returns.

        Raises:
            StackError: a binary is missing or a server did not come up.
        """
        am_config, prom_config = self.write_configs()
        am, log = launch_alertmanager(am_config, self.home, self.alertmanager_port)
        self.processes.append(am)
        wait_ready(self.alertmanager_url, am, log)
        prom, log = launch_prometheus(prom_config, self.home, self.prometheus_port)
        self.processes.append(prom)
        wait_ready(self.prometheus_url, prom, log)
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_process(process)
        self.processes.clear()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the local stack until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m monitors.stack", description=__doc__)
    parser.add_argument("--dir", type=Path, required=True, help="configs, data and logs here")
    parser.add_argument("--serve", required=True, help="HOST:PORT of govsec serve")
    parser.add_argument("--prometheus-port", type=int, default=0)
    parser.add_argument("--alertmanager-port", type=int, default=0)
    args = parser.parse_args(argv)
    stack = LocalStack(args.dir, args.serve)
    if args.prometheus_port:
        stack.prometheus_port = args.prometheus_port
    if args.alertmanager_port:
        stack.alertmanager_port = args.alertmanager_port
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stack.start()
    except StackError as exc:
        stack.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"prometheus {stack.prometheus_url} alertmanager {stack.alertmanager_url}", flush=True)
    try:
        while not stop.wait(0.5):
            if any(p.poll() is not None for p in stack.processes):
                print("error: prometheus or alertmanager exited", file=sys.stderr)
                return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
