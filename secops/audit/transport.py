"""Running the collector on a host: one SSH session (paramiko), or locally.

Host keys are checked against the inventory's known_hosts with paramiko's RejectPolicy: an
unknown or changed key is a refusal, never a prompt. Keys come from the inventory's key file
or the SSH agent; passwords are not used. The collector goes on standard input and its
command line is fixed text, so no inventory value ever reaches a shell.
"""

from __future__ import annotations

import errno
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from importlib.resources import files

from secops.audit.inventory import Target
from secops.audit.results import describe_error
from secops.errors import GovsecError
from secops.i18n import current_lang

# paramiko imports invoke (50 ms, with asyncio and unittest.mock) only to run `Match exec` of
# ssh_config files, which the audit never reads: refused while paramiko loads, as if absent
_BLOCKED = "invoke" not in sys.modules
if _BLOCKED:
    sys.modules["invoke"] = None  # type: ignore[assignment]
try:
    import paramiko
finally:
    if _BLOCKED:
        del sys.modules["invoke"]

CONNECT_TIMEOUT = 10.0
COLLECT_TIMEOUT = 120.0
# Fixed text. Root collects directly; another user collects through sudo when it may,
# and as itself otherwise (the facts then say so, and root-only checks report "needs root").
AS_ROOT = "sh -s"
# sudo -n refuses before it reads anything, so the script is still there for the plain sh
THROUGH_SUDO = "sudo -n sh -s 2>/dev/null || sh -s"


class TransportError(GovsecError):
    """A host could not be reached or refused us; the message says which and why.

    ``key`` and ``fields`` name the message in the catalog (secops/i18n.py), so a report in
    another language than the run's says it in its own; the fields are values, never sentences.
    """

    def __init__(self, key: str, **fields: str) -> None:
        super().__init__(describe_error(current_lang(), key, fields))
        self.key = key
        self.fields = fields


_REASONS = {  # errno -> the message of its usual cause
    errno.ECONNREFUSED: "audit.reason.refused",
    errno.ETIMEDOUT: "audit.reason.timeout",
    errno.EHOSTUNREACH: "audit.reason.no_route",
    errno.ENETUNREACH: "audit.reason.net_unreachable",
    errno.ECONNRESET: "audit.reason.closed",
}


def _reason(exc: BaseException) -> str:
    """Why a connection failed: the key of a usual cause (said in the report's language),
    else the error's symbol (EPIPE, SSLError…) — the C library's English never reaches a
    report."""
    inner = getattr(exc, "errors", None)  # paramiko's NoValidConnectionsError: one per address
    if isinstance(inner, dict) and inner:
        return _reason(next(iter(inner.values())))
    if isinstance(exc, socket.gaierror):
        return "audit.reason.no_name"
    if isinstance(exc, TimeoutError):  # socket.timeout is the same class
        return "audit.reason.timeout"
    if isinstance(exc, EOFError):
        return "audit.reason.closed"
    number = getattr(exc, "errno", None)
    if isinstance(number, int) and number in _REASONS:
        return _REASONS[number]
    if isinstance(number, int) and number in errno.errorcode:
        return errno.errorcode[number]
    return type(exc).__name__


@dataclass(frozen=True)
class Collected:
    raw: bytes
    boundary: str
    stderr: str


def collector_script() -> tuple[str, str]:
    """The collector with a fresh random boundary, and that boundary."""
    boundary = "@@govsec-" + secrets.token_hex(16)
    text = files("secops.audit").joinpath("collect.sh").read_text(encoding="utf-8")
    return text.replace("@@GOVSEC_BOUNDARY@@", boundary), boundary


def collect_local(timeout: float = COLLECT_TIMEOUT) -> Collected:
    """Run the collector on this machine, as the current user."""
    script, boundary = collector_script()
    result = subprocess.run(
        ["sh", "-s"], input=script.encode(), capture_output=True, timeout=timeout, check=False
    )
    return Collected(result.stdout, boundary, result.stderr.decode(errors="replace"))


def collect_ssh(target: Target, timeout: float = COLLECT_TIMEOUT) -> Collected:
    """Run the collector on ``target`` over one SSH connection."""
    script, boundary = collector_script()
    client = paramiko.SSHClient()
    for path in target.known_hosts:
        if path.exists():
            client.load_host_keys(str(path))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            hostname=target.address,
            port=target.port,
            username=target.user,
            key_filename=str(target.key_file) if target.key_file else None,
            allow_agent=True,
            look_for_keys=target.key_file is None,
            timeout=CONNECT_TIMEOUT,
            banner_timeout=CONNECT_TIMEOUT,
            auth_timeout=CONNECT_TIMEOUT,
        )
        command = THROUGH_SUDO if target.become else AS_ROOT
        stdin, stdout, stderr = client.exec_command(command, timeout=timeout)
        stdin.write(script)
        stdin.channel.shutdown_write()
        raw = stdout.read()
        err = stderr.read().decode(errors="replace")
        return Collected(raw, boundary, err)
    except paramiko.BadHostKeyException as exc:
        raise TransportError(
            "audit.err.host_key_changed",
            address=target.address,
            expected=exc.expected_key.get_name(),
            got=exc.key.get_name(),
        ) from exc
    except paramiko.AuthenticationException as exc:
        raise TransportError(
            "audit.err.auth_refused", user=target.user, address=target.address
        ) from exc
    except paramiko.SSHException as exc:
        if "not found in known_hosts" in str(exc):
            raise TransportError(
                "audit.err.unknown_host",
                address=target.address,
                files=", ".join(str(p) for p in target.known_hosts),
            ) from exc
        # paramiko's own wording, quoted as the detail: there is no code to name it by
        raise TransportError(
            "audit.err.ssh", address=target.address, detail=repr(str(exc))
        ) from exc
    except (TimeoutError, OSError, EOFError) as exc:
        raise TransportError(
            "audit.err.unreachable",
            address=target.address,
            port=str(target.port),
            reason=_reason(exc),
        ) from exc
    finally:
        client.close()
