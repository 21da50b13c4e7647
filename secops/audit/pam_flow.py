"""Whether a PAM auth stack can succeed without a given module succeeding.

``mfa_enforced`` needs more than "the OTP module is named in /etc/pam.d/sshd": the code must be
*required*, i.e. no path through the stack ends in success when the OTP module fails. This is
Linux-PAM's stack semantics (pam.conf(5): ok, done, bad, die, ignore, reset, jumps; required,
requisite, sufficient, optional as their documented shorthands), walked over every outcome the
other modules can have. The state space is small (line x impression), so the walk is exact for
the model: pam_permit always succeeds, pam_deny and ``pam_faillock authfail`` always fail,
``pam_faillock authsucc`` succeeds, every other module may succeed, fail or be ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from secops.audit.facts import PamLine

SHORTHANDS = {
    "required": {"success": "ok", "new_authtok_reqd": "ok", "ignore": "ignore", "default": "bad"},
    "requisite": {"success": "ok", "new_authtok_reqd": "ok", "ignore": "ignore", "default": "die"},
    "sufficient": {"success": "done", "new_authtok_reqd": "done", "default": "ignore"},
    "optional": {"success": "ok", "new_authtok_reqd": "ok", "default": "ignore"},
}
RESULTS = ("success", "auth_err", "ignore")


def controls(control: str) -> dict[str, str] | None:
    """A control field as {return value: action}; None when it does not parse."""
    if control in SHORTHANDS:
        return SHORTHANDS[control]
    if not (control.startswith("[") and control.endswith("]")):
        return None
    found = {}
    for item in control[1:-1].split():
        value, sep, action = item.partition("=")
        if not sep:
            return None
        found[value] = action
    return found


def outcomes(line: PamLine) -> tuple[str, ...]:
    """What a module may return, in the model."""
    name = PurePosixPath(line.module).name
    if name == "pam_permit.so":
        return ("success",)
    if name == "pam_deny.so":
        return ("auth_err",)
    if name == "pam_faillock.so":
        if "authfail" in line.args:
            return ("auth_err",)
        if "authsucc" in line.args:
            return ("success",)
    return RESULTS


def can_succeed(
    stack: Sequence[PamLine], forced: Callable[[PamLine], tuple[str, ...] | None]
) -> bool:
    """Whether some path through ``stack`` ends in success; ``forced`` fixes some outcomes.

    ``forced(line)`` returns the only results a line may have (e.g. the OTP module: failure),
    or None to use the model. A line whose control does not parse is taken as ``required``.
    """
    seen: set[tuple[int, str]] = set()
    todo: list[tuple[int, str]] = [(0, "undef")]
    while todo:
        index, impression = todo.pop()
        if (index, impression) in seen:
            continue
        seen.add((index, impression))
        if index >= len(stack):
            if impression == "good":
                return True
            continue
        line = stack[index]
        actions = controls(line.control) or SHORTHANDS["required"]
        for result in forced(line) or outcomes(line):
            action = actions.get(result, actions.get("default", "bad"))
            if action == "ignore":
                todo.append((index + 1, impression))
            elif action == "ok":  # a failure taken as "ok" still makes the stack fail
                good = impression != "bad" and result == "success"
                todo.append((index + 1, "good" if good else "bad"))
            elif action == "done":
                if impression != "bad" and result == "success":
                    return True
            elif action == "bad":
                todo.append((index + 1, "bad"))
            elif action == "die":
                continue
            elif action == "reset":
                todo.append((index + 1, "undef"))
            elif action.isdigit():
                todo.append((index + 1 + int(action), impression))
            else:
                todo.append((index + 1, "bad"))
    return False
