"""Running the collector on a host: one SSH session (paramiko), or locally.

Host keys are checked against the inventory's known_hosts with paramiko's RejectPolicy: an
unknown or changed key is a refusal, never a prompt. Keys come from the inventory's key file
or the SSH agent; passwords are not used. The collector goes on standard input and its
command line is fixed text, so no inventory value ever reaches a shell.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass
from importlib.resources import files

from secops.audit.inventory import Target
from secops.errors import GovsecError

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
    """A host could not be reached or refused us; the message says which and why."""


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
            f"host key of {target.address} differs from known_hosts: refused "
            f"(expected {exc.expected_key.get_name()}, got {exc.key.get_name()})"
        ) from exc
    except paramiko.AuthenticationException as exc:
        raise TransportError(
            f"authentication refused for {target.user}@{target.address}: {exc}"
        ) from exc
    except paramiko.SSHException as exc:
        if "not found in known_hosts" in str(exc):
            raise TransportError(
                f"{target.address} is not in known_hosts "
                f"({', '.join(str(p) for p in target.known_hosts)}): refused"
            ) from exc
        raise TransportError(f"SSH error with {target.address}: {exc}") from exc
    except (TimeoutError, OSError, EOFError) as exc:
        raise TransportError(
            f"cannot reach {target.address}:{target.port}: {getattr(exc, 'strerror', None) or exc}"
        ) from exc
    finally:
        client.close()
