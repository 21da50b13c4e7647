"""Linux audit records (auditd 3.0.9 on Debian 12, RAW or ENRICHED log format).

One audit event is several lines sharing ``msg=audit(EPOCH:SERIAL)``: SYSCALL, EXECVE,
CWD, PATH, PROCTITLE ... then EOE. :class:`AuditAssembler` groups them; user-space
records (USER_*, ADD_USER, DAEMON_* ...) stand alone and complete at once. Untrusted
strings arrive quoted or hex-encoded; both come out decoded. Every raw key/value is kept
under ``auditd.records``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from secops.ingest.ecs import Event, Fields, address, expand, finish, kind, to_int
from secops.ingest.text import decode_line

DATASET = "auditd"
MAX_PENDING = 32  # serials held waiting for EOE before the oldest is given up on

# leading blanks: a record pasted or re-indented by a forwarder is still a record
_HEADER = re.compile(
    r"[ \t]{0,64}(?:audit: )?(?:node=(\S{1,255}) )?type=(\w{1,32}) "
    r"(?:msg=)?audit\((\d{1,12})\.(\d{1,6}):(\d{1,20})\):\s?"
)
_KV = re.compile(r"([\w-]{1,64})=(\"[^\"]*\"|'[^']*'|\S*)")
_OP = re.compile(r"op=(.*?)(?= [\w-]{1,64}=|$)")
_HEX = re.compile(r"(?:[0-9A-F]{2})+")
_ENRICHED = re.compile(r"\x1d|\\x1d")  # ENRICHED format's separator, raw or as text.py escapes it
_ARG = re.compile(r"a(\d{1,5})(?:\[(\d{1,5})\])?")
_UNSET = frozenset({"4294967295", "-1", "unset", "?", "(none)", "(null)", ""})
# fields that hold untrusted strings: quoted when clean, hex-encoded when not
_STRINGS = frozenset(
    {"comm", "exe", "name", "cwd", "proctitle", "acct", "cmd", "key", "data", "grp", "new", "old"}
)
_NUMERIC_TYPES = {
    "1006": "LOGIN", "1100": "USER_AUTH", "1101": "USER_ACCT", "1102": "USER_MGMT",
    "1103": "CRED_ACQ", "1104": "CRED_DISP", "1105": "USER_START", "1106": "USER_END",
    "1107": "USER_AVC", "1108": "USER_CHAUTHTOK", "1109": "USER_ERR", "1110": "CRED_REFR",
    "1111": "USYS_CONFIG", "1112": "USER_LOGIN", "1113": "USER_LOGOUT", "1114": "ADD_USER",
    "1115": "DEL_USER", "1116": "ADD_GROUP", "1117": "DEL_GROUP", "1123": "USER_CMD",
    "1125": "CHUSER_ID", "1127": "SYSTEM_BOOT", "1128": "SYSTEM_SHUTDOWN",
    "1130": "SERVICE_START", "1131": "SERVICE_STOP", "1132": "GRP_MGMT",
    "1135": "ACCT_LOCK", "1136": "ACCT_UNLOCK", "1200": "DAEMON_START", "1201": "DAEMON_END",
    "1202": "DAEMON_ABORT", "1203": "DAEMON_CONFIG", "1204": "DAEMON_RECONFIG",
    "1205": "DAEMON_ROTATE", "1300": "SYSCALL", "1302": "PATH", "1305": "CONFIG_CHANGE",
    "1306": "SOCKADDR", "1307": "CWD", "1309": "EXECVE", "1320": "EOE", "1325": "NETFILTER_CFG",
    "1327": "PROCTITLE", "1400": "AVC", "1701": "ANOM_ABEND",
}  # fmt: skip
# record type -> (event.category, event.type, event.action)
_KINDS = {
    "USER_AUTH": ("authentication", "start", "authenticated"),
    "USER_ACCT": ("authentication", "info", "was_authorized"),
    "USER_LOGIN": ("authentication", "start", "logged_in"),
    "USER_LOGOUT": ("session", "end", "logged_out"),
    "USER_START": ("session", "start", "session_started"),
    "USER_END": ("session", "end", "session_ended"),
    "USER_ERR": ("authentication", "info", "user_error"),
    "CRED_ACQ": ("authentication", "info", "acquired_credentials"),
    "CRED_DISP": ("authentication", "info", "disposed_credentials"),
    "CRED_REFR": ("authentication", "info", "refreshed_credentials"),
    "LOGIN": ("session", "start", "login_uid_set"),
    "USER_CMD": ("process", "start", "ran_command"),
    "USER_CHAUTHTOK": ("iam", "user change", "changed_password"),
    "USER_MGMT": ("iam", "user change", "modified_user"),
    "ADD_USER": ("iam", "user creation", "added_user"),
    "DEL_USER": ("iam", "user deletion", "deleted_user"),
    "ADD_GROUP": ("iam", "group creation", "added_group"),
    "DEL_GROUP": ("iam", "group deletion", "deleted_group"),
    "GRP_MGMT": ("iam", "group change", "modified_group"),
    "ACCT_LOCK": ("iam", "user change", "locked_account"),
    "ACCT_UNLOCK": ("iam", "user change", "unlocked_account"),
    "CHUSER_ID": ("iam", "user change", "changed_user_id"),
    "CONFIG_CHANGE": ("configuration", "change", "changed_audit_configuration"),
    "USYS_CONFIG": ("configuration", "change", "changed_configuration"),
    "DAEMON_CONFIG": ("configuration", "change", "changed_audit_daemon_configuration"),
    "DAEMON_RECONFIG": ("configuration", "change", "reconfigured_audit_daemon"),
    "NETFILTER_CFG": ("configuration", "change", "changed_netfilter"),
    "DAEMON_START": ("process", "start", "started_audit_daemon"),
    "DAEMON_END": ("process", "end", "stopped_audit_daemon"),
    "DAEMON_ABORT": ("process", "end", "aborted_audit_daemon"),
    "DAEMON_ROTATE": ("file", "change", "rotated_audit_logs"),
    "SERVICE_START": ("process", "start", "started_service"),
    "SERVICE_STOP": ("process", "end", "stopped_service"),
    "SYSTEM_BOOT": ("host", "start", "booted"),
    "SYSTEM_SHUTDOWN": ("host", "end", "shutdown"),
    "AVC": ("intrusion_detection", "info", "access_vector"),
    "USER_AVC": ("intrusion_detection", "info", "access_vector"),
    "ANOM_ABEND": ("process", "end", "crashed"),
}
# x86_64 numbers of the syscalls audit rules usually watch (RAW format carries no names)
_SYSCALLS = {
    "59": "execve", "322": "execveat", "2": "open", "257": "openat", "87": "unlink",
    "263": "unlinkat", "82": "rename", "316": "renameat2", "90": "chmod", "268": "fchmodat",
    "92": "chown", "260": "fchownat", "105": "setuid", "106": "setgid", "165": "mount",
    "175": "init_module", "313": "finit_module", "176": "delete_module", "62": "kill",
    "101": "ptrace", "42": "connect", "49": "bind", "43": "accept", "288": "accept4",
}  # fmt: skip
_SYSCALL_KINDS = {
    "execve": ("process", "start"), "execveat": ("process", "start"),
    "init_module": ("driver", "change"), "finit_module": ("driver", "change"),
    "delete_module": ("driver", "change"), "open": ("file", "access"),
    "openat": ("file", "access"), "unlink": ("file", "deletion"), "unlinkat": ("file", "deletion"),
    "rename": ("file", "change"), "renameat2": ("file", "change"), "chmod": ("file", "change"),
    "fchmodat": ("file", "change"), "chown": ("file", "change"), "fchownat": ("file", "change"),
    "connect": ("network", "connection"), "bind": ("network", "start"),
    "accept": ("network", "connection"), "accept4": ("network", "connection"),
    "setuid": ("process", "change"), "setgid": ("process", "change"),
}  # fmt: skip
_KERNEL_RECORDS = frozenset(
    {"SYSCALL", "EXECVE", "PATH", "CWD", "PROCTITLE", "SOCKADDR", "CONFIG_CHANGE", "LOGIN"}
    | {"NETFILTER_CFG", "AVC", "BPRM_FCAPS", "MMAP", "IPC", "OBJ_PID", "SECCOMP", "KERN_MODULE"}
)


@dataclass(frozen=True, slots=True)
class Record:
    """One audit record (one line)."""

    type: str
    epoch: str
    serial: str
    node: str | None
    values: dict[str, str]
    original: str

    @property
    def key(self) -> tuple[str | None, str, str]:
        return (self.node, self.epoch, self.serial)


def parse_record(line: str) -> Record | None:
    """The audit record on ``line`` (decoded text), or None if it is not one."""
    m = _HEADER.match(line)
    if m is None:
        return None
    node, rtype, seconds, millis, serial = m.groups()
    rtype = _NUMERIC_TYPES.get(rtype, rtype)
    raw, enriched = _split(line[m.end() :])
    values = _values(raw, rtype)
    values |= {k: v.strip('"') for k, v in _KV.findall(enriched) if k.isupper()}
    return Record(rtype, f"{seconds}.{millis}", serial, node, values, line)


def _split(body: str) -> tuple[str, str]:
    parts = _ENRICHED.split(body, maxsplit=1)
    return (parts[0], parts[1] if len(parts) > 1 else "")


def _values(body: str, rtype: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in _KV.findall(body):
        if value.startswith("'"):
            inner = value[1:-1]
            if (op := _OP.search(inner)) is not None:
                values["op"] = op.group(1)
            values |= {k: v for k, v in _values(inner, rtype).items() if k != "op"}
            continue
        values[key] = _decode(key, value, rtype)
    return values


def _bare(value: str) -> str:
    """An unquoted value without the punctuation of the sentence around it.

    Some PAM and login paths write ``(hostname=?, addr=?, terminal=pts/0 res=failed)``: the
    comma and the closing parenthesis belong to the text, not to the values. A value that
    opens its own parenthesis (``key=(null)``, ``tty=(none)``) keeps its closing one.
    """
    bare = value.rstrip(",)")
    return value.rstrip(",") if "(" in bare else bare


def _decode(key: str, value: str, rtype: str) -> str:
    if value.startswith('"'):
        return value[1:-1]
    if value.endswith((",", ")")):
        value = _bare(value)
    hexed = key in _STRINGS or (rtype == "EXECVE" and _ARG.fullmatch(key) is not None)
    if hexed and _HEX.fullmatch(value) is not None:
        text = bytes.fromhex(value).decode("utf-8", "backslashreplace")
        # proctitle and multi-keys separate their parts with NUL / \x01
        return text.replace("\x00", " ").replace("\x01", ",").strip()
    return value


def event_from(records: list[Record], tz: tzinfo | None = None, host: str | None = None) -> Event:
    """One ECS event from the records of one audit serial (at least one)."""
    first = records[0]
    by_type: dict[str, list[Record]] = {}
    for record in records:
        by_type.setdefault(record.type, []).append(record)
    primary = by_type.get("SYSCALL", [first])[0]
    v = primary.values
    event: Event = {}
    expand(event, _classify(primary, by_type))
    expand(event, _actor(v) | _process(v, by_type) | _files(by_type))
    seconds = float(first.epoch)
    stamp = datetime.fromtimestamp(seconds, UTC)
    event["@timestamp"] = stamp.astimezone(tz) if tz is not None else stamp.astimezone()
    event["message"] = f"{primary.type} " + " ".join(f"{k}={v[k]}" for k in list(v)[:12])
    event["auditd"] = {
        "message_type": primary.type.lower(),
        "sequence": to_int(first.serial),
        "records": [{"type": r.type, **r.values} for r in records],
    }
    event["event"]["original"] = "\n".join(r.original for r in records)
    event["event"]["sequence"] = to_int(first.serial)
    if (key := v.get("key")) and key not in _UNSET:
        event["tags"] = key.split(",")
    if first.node or host:
        event["host"] = {"name": first.node or host, "hostname": first.node or host}
    return event


def _classify(primary: Record, by_type: dict[str, list[Record]]) -> Fields:
    v = primary.values
    outcome = _outcome(v)
    if primary.type == "SYSCALL":
        name = v.get("SYSCALL") or _SYSCALLS.get(v.get("syscall", ""), "syscall")
        category, types = _SYSCALL_KINDS.get(name, ("process", "info"))
        if "EXECVE" in by_type:
            category, types = "process", "start"
        return kind(
            category,
            types,
            "executed" if types == "start" and category == "process" else name,
            outcome,
        ) | {
            "event.dataset": DATASET,
            "event.kind": "event",
        }
    found = _KINDS.get(primary.type)
    fields: Fields = {"event.dataset": DATASET, "event.kind": "event"}
    if found is not None:
        category, types, action = found
        fields |= kind(category, types, action, outcome)
    else:
        fields |= {"event.action": primary.type.lower(), "event.outcome": outcome}
    return fields


def _outcome(v: dict[str, str]) -> str | None:
    result = v.get("res") or v.get("success") or v.get("result")
    if result in ("success", "yes", "1"):
        return "success"
    if result in ("failed", "no", "0", "failure"):
        return "failure"
    return None


def _actor(v: dict[str, str]) -> Fields:
    fields: Fields = {}
    pairs = (
        ("uid", "UID", "user"), ("auid", "AUID", "user.audit"), ("euid", "EUID", "user.effective"),
        ("gid", "GID", "user.group"),
    )  # fmt: skip
    for raw, named, prefix in pairs:
        if v.get(raw) not in _UNSET:
            fields[f"{prefix}.id"] = v.get(raw)
        if v.get(named) not in _UNSET:
            fields[f"{prefix}.name"] = v.get(named)
    acct = v.get("acct")
    if acct not in _UNSET and acct is not None:
        # user-space records: acct is the account acted on, uid the acting process's
        fields["user.name"] = acct
        fields.pop("user.id", None)
    if "ID" in v and v.get("op", "").startswith(("add", "delet", "modif", "chang")):
        fields["user.target.name"] = v["ID"]
    fields |= address("source", v.get("addr")) or address("source", v.get("hostname"))
    fields["auditd.session"] = None if v.get("ses") in _UNSET else v.get("ses")
    fields["auditd.terminal"] = v.get("terminal") or v.get("tty")
    return fields


def _process(v: dict[str, str], by_type: dict[str, list[Record]]) -> Fields:
    fields: Fields = {
        "process.pid": to_int(v.get("pid")),
        "process.parent.pid": to_int(v.get("ppid")),
        "process.name": v.get("comm"),
        "process.executable": None if v.get("exe") in _UNSET else v.get("exe"),
    }
    if "cmd" in v:
        fields["process.command_line"] = v["cmd"]
    for record in by_type.get("EXECVE", [])[:1]:
        args = _argv(record.values)
        fields |= {"process.args": args, "process.command_line": " ".join(args)}
        fields["process.args_count"] = to_int(record.values.get("argc")) or len(args)
    for record in by_type.get("PROCTITLE", [])[:1]:
        fields["process.title"] = record.values.get("proctitle")
    for record in by_type.get("CWD", [])[:1]:
        fields["process.working_directory"] = record.values.get("cwd")
    if "cwd" in v:
        fields["process.working_directory"] = v["cwd"]
    return fields


def _argv(values: dict[str, str]) -> list[str]:
    parts: dict[int, list[tuple[int, str]]] = {}
    for key, value in values.items():
        m = _ARG.fullmatch(key)
        if m is not None:
            parts.setdefault(int(m.group(1)), []).append((int(m.group(2) or 0), value))
    return ["".join(v for _, v in sorted(chunks)) for _, chunks in sorted(parts.items())]


def _files(by_type: dict[str, list[Record]]) -> Fields:
    paths = [r.values for r in by_type.get("PATH", [])]
    chosen = [p for p in paths if p.get("nametype") != "PARENT"] or paths
    if not chosen:
        return {}
    path = chosen[-1]
    return {
        "file.path": path.get("name"),
        "file.inode": path.get("inode"),
        "file.mode": path.get("mode"),
        "file.uid": path.get("ouid"),
        "file.gid": path.get("ogid"),
        "file.owner": path.get("OUID"),
        "file.group": path.get("OGID"),
    }


@dataclass
class AuditAssembler:
    """Groups audit records by serial into events.

    An event completes on its EOE record, when more than ``max_pending`` serials are waiting
    (the oldest is emitted as it is), or on :meth:`flush`. User-space records that stand
    alone complete at once. Lines that are not audit records come back parsed on their own.
    """

    tz: tzinfo | None = None
    host: str | None = None
    max_pending: int = MAX_PENDING
    _pending: dict[tuple[str | None, str, str], list[Record]] = field(default_factory=dict)

    def feed(self, line: str | bytes) -> list[Event]:
        """Take one line; return the events it completes (often none)."""
        text = decode_line(line)
        record = parse_record(text.text)
        if record is None:
            from secops.ingest.parse import parse_line  # the full dispatcher imports this module

            return [parse_line(line, host=self.host, tz=self.tz)]
        done: list[Event] = []
        pending = self._pending.get(record.key)
        if record.type == "EOE":
            if pending is not None:
                done.append(self._emit(record.key))
        elif pending is not None:
            pending.append(record)
        elif record.type not in _KERNEL_RECORDS:
            done.append(self._finish([record]))
        else:
            self._pending[record.key] = [record]
            while len(self._pending) > self.max_pending:
                done.append(self._emit(next(iter(self._pending))))
        if text.tags and done:
            done[-1].setdefault("tags", []).extend(text.tags)
        return done

    def flush(self) -> list[Event]:
        """Emit every event still waiting, oldest first."""
        return [self._emit(key) for key in list(self._pending)]

    def _emit(self, key: tuple[str | None, str, str]) -> Event:
        return self._finish(self._pending.pop(key))

    def _finish(self, records: Iterable[Record]) -> Event:
        return finish(event_from(list(records), self.tz, self.host))
