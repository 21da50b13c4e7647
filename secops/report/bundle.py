"""The evidence bundle: append-only JSON Lines, every record chained by SHA-256 and by SM3.

Line ``n`` (from 1) is the canonical JSON of ``{"record": R, "seq": n, "sha256": S, "sm3": M}``
where, for each algorithm H with its own chain::

    H_n = H(canonical({"prev": H_(n-1), "record": R, "seq": n}))     H_0 = "0" * 64

and ``canonical`` is JSON with sorted keys, no spaces, UTF-8, no ASCII escaping (Python:
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``). Because
every line is itself canonical, any byte changed anywhere shows: either a parsed value
changes (and a hash no longer matches) or the line stops being canonical. SM3 (GB/T
32905-2016) is there because Chinese assessors expect the national algorithm; SHA-256 because
every other tool has it. The last hashes pin the whole file: keep them with the report.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes

from secops.report.errors import ReportError
from secops.report.labels import label

GENESIS = "0" * 64
BUNDLE_NAME = "evidence.jsonl"  # its name in an audit's output folder, beside results.json
Algorithm = Literal["sha256", "sm3"]
ALGORITHMS: tuple[Algorithm, ...] = ("sha256", "sm3")
_NAMES = {"sha256": "SHA-256", "sm3": "SM3"}
_KEYS = frozenset({"record", "seq", *ALGORITHMS})


def canonical(value: Any) -> bytes:
    """``value`` as canonical JSON bytes: sorted keys, no spaces, UTF-8."""
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def digest(algorithm: Algorithm, data: bytes) -> str:
    """The hex digest of ``data`` with SHA-256 or SM3."""
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(data)
    return sm3.finalize().hex()


def digests(data: bytes) -> dict[str, str]:
    """SHA-256 and SM3 of ``data``, as bundle records and signatures name them."""
    return {"sha256": digest("sha256", data), "sm3": digest("sm3", data)}


def link(algorithm: Algorithm, seq: int, prev: str, record: dict[str, Any]) -> str:
    """The chain hash of record ``seq`` given the previous hash of the same chain."""
    return digest(algorithm, canonical({"prev": prev, "record": record, "seq": seq}))


@dataclass
class BundleCheck:
    """The outcome of :func:`verify_bundle`."""

    ok: bool
    records: int  # lines in the file
    first_bad_seq: int | None  # the seq expected where the first altered record is
    line: int | None
    reason: str
    head_sha256: str = GENESIS  # the last hashes of the intact part
    head_sm3: str = GENESIS


class BundleWriter:
    """Appends records to a bundle, continuing its chains; refuses a bundle already altered.

    Use as a context manager, or call :meth:`close`. One writer at a time (an exclusive lock).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise ReportError(label("error.bundle_busy", path=self.path)) from None
        try:
            state = verify_bundle(self.path)
        except ReportError:
            os.close(self._fd)
            raise
        if not state.ok:
            os.close(self._fd)
            raise ReportError(
                label(
                    "error.bundle_broken",
                    path=self.path,
                    seq=state.first_bad_seq,
                    line=state.line,
                    reason=state.reason,
                )
            )
        self.seq = state.records
        self.heads: dict[Algorithm, str] = {"sha256": state.head_sha256, "sm3": state.head_sm3}

    def add(self, record: dict[str, Any]) -> None:
        """Append ``record`` (JSON values: strings, integers, lists, objects) as the next seq."""
        if self._fd < 0:
            raise ValueError("the bundle writer is closed")
        seq = self.seq + 1
        if not isinstance(record, dict):
            raise ReportError(
                label("error.bundle_record", seq=seq, problem=label("bundle.reason.not_object"))
            )
        try:
            heads = {a: link(a, seq, self.heads[a], record) for a in ALGORITHMS}
            line = canonical({"record": record, "seq": seq, **heads}) + b"\n"
        except (TypeError, ValueError) as exc:
            # ValueError covers NaN and text that is not Unicode (lone surrogates)
            raise ReportError(label("error.bundle_record", seq=seq, problem=exc)) from exc
        # one write per line: with O_APPEND a line is never interleaved or half-placed
        os.write(self._fd, line)
        self.seq, self.heads = seq, heads

    def sync(self) -> None:
        """Put every record written so far on disk (before anything refers to them)."""
        if self._fd >= 0:
            os.fsync(self._fd)

    def close(self) -> None:
        """Flush the bundle to disk and release it."""
        if self._fd < 0:
            return
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def verify_bundle(
    path: Path | str, on_record: Callable[[dict[str, Any]], None] | None = None
) -> BundleCheck:
    """Replay both chains over the bundle at ``path``; report the first record that is altered.

    ``on_record`` is given each record of the intact part, in order, as it is verified: a
    reader of the records needs no second pass over the file.
    """
    heads: dict[Algorithm, str] = {"sha256": GENESIS, "sm3": GENESIS}
    bad: tuple[int, str] | None = None
    count = 0
    for count, raw in _lines(Path(path)):
        if bad is not None:
            continue  # keep counting: records says how long the file is
        reason = _check_line(raw, count, heads, on_record)
        if reason is not None:
            bad = (count, reason)
    if bad is None:
        return BundleCheck(True, count, None, None, "", heads["sha256"], heads["sm3"])
    at, reason = bad
    return BundleCheck(False, count, at, at, reason, heads["sha256"], heads["sm3"])


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb") as stream:
            yield from enumerate(stream, start=1)
    except FileNotFoundError:
        raise ReportError(label("error.no_bundle", path=path)) from None
    except OSError as exc:
        raise ReportError(label("error.unreadable", path=path, problem=exc.strerror)) from exc


def _check_line(
    raw: bytes,
    seq: int,
    heads: dict[Algorithm, str],
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> str | None:
    """Why line ``seq`` is not the next link of the chains, or None (and ``heads`` move on)."""
    if not raw.endswith(b"\n"):
        return label("bundle.reason.truncated")
    body = raw[:-1]
    try:
        entry = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return label("bundle.reason.utf8")
    except json.JSONDecodeError as exc:
        return label(
            "bundle.reason.json",
            problem=label("bundle.reason.column", problem=exc.msg, column=exc.colno),
        )
    except RecursionError:
        return label("bundle.reason.json", problem=label("bundle.reason.deep"))
    if not isinstance(entry, dict) or set(entry) != _KEYS:
        return label("bundle.reason.shape")
    found = entry["seq"]
    if type(found) is not int or found != seq:
        return label("bundle.reason.seq", found=json.dumps(found), expected=seq)
    if not isinstance(entry["record"], dict):
        return label("bundle.reason.record")
    try:
        computed = {a: link(a, seq, heads[a], entry["record"]) for a in ALGORITHMS}
        for algorithm in ALGORITHMS:
            if entry[algorithm] != computed[algorithm]:
                return label("bundle.reason.hash", algorithm=_NAMES[algorithm])
        if canonical(entry) != body:
            return label("bundle.reason.canonical")
    except ValueError:  # NaN or Infinity: never written by BundleWriter
        return label("bundle.reason.canonical")
    heads.update(computed)
    if on_record is not None:
        on_record(entry["record"])
    return None
