"""A file still being written (issue 17): `siem ingest` run while a writer appends loses, cuts
and doubles nothing, and gives the events a one-shot import of the finished file gives.

A writer appends 100,000 numbered lines, every write ending in the middle of a line, so that
whenever an ingest reaches the end of the file its last line is half-written. Three `govsec
siem ingest` runs go while it writes, a fourth once it is done; `govsec siem listen --tail`
follows the file all along. Every number must then be stored exactly once and whole, and the
three stores (ingests, tail, one-shot import of the finished file) must hold the same events.
Run with the compiled intake (when built) and as plain Python.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from secops import native
from secops.store import open_store

LINES = 100_000
INGESTS = 3  # while the writer writes; one more once it is done
PACED = 90_000  # lines written at a writer's pace; the rest once the ingests are done
PER_WRITE = 100  # with 20 ms between writes: ~5,000 lines/s, slower than an ingest
NUMBER = re.compile(r": line (\d{6}) complete$")
ROOT = Path(__file__).resolve().parents[3]


def numbered(n: int) -> bytes:
    # "complete" ends the line: a stored message cut anywhere misses it
    return f"Nov 21 08:00:00 lab01 app[1]: line {n:06d} complete\n".encode()


class Writer:
    """Appends the numbered lines; after every write the file ends in the middle of a line."""

    def __init__(self, path: Path, seed: int) -> None:
        self.path = path
        self.rng = random.Random(seed)  # noqa: S311 - where writes split, not cryptography
        self.written = 0  # lines complete in the file
        self.ingests_done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # the test thread reports it
            self.error = exc

    def _run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        rest = b""
        try:
            for start in range(0, LINES, PER_WRITE):
                if start == PACED:
                    self.ingests_done.wait(300)  # paused mid-line, as a slow writer would
                chunk = b"".join(numbered(n) for n in range(start, start + PER_WRITE))
                last = len(numbered(start + PER_WRITE - 1))
                cut = len(chunk) - self.rng.randrange(2, last)  # inside the chunk's last line
                os.write(fd, rest + chunk[:cut])
                rest = chunk[cut:]
                self.written = start + PER_WRITE - 1
                time.sleep(0.02)
            os.write(fd, rest)
            self.written = LINES
        finally:
            os.close(fd)


def env_for(home: Path, pure: bool) -> dict[str, str]:
    env = {**os.environ, "GOVSEC_HOME": str(home), "GOVSEC_LANG": "en", "PYTHONPATH": str(ROOT)}
    env.pop("GOVSEC_STORE", None)
    env.pop("GOVSEC_CONFIG", None)
    env["GOVSEC_NATIVE"] = "0" if pure else "1"
    return env


def ingest(path: Path, store: str, env: dict[str, str]) -> tuple[int, dict[str, int]]:
    argv = [sys.executable, "-m", "secops", "siem", "ingest", str(path), "--store", store]
    result = subprocess.run(
        [*argv, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode in (0, 4), result.stderr[-2000:]
    return result.returncode, json.loads(result.stdout)


def events(store: str) -> dict[str, str]:
    """event.id -> event.original of every stored event."""
    opened = open_store(store)
    try:
        found = opened.search("", limit=LINES * 2)
    finally:
        opened.close()
    return {e["event"]["id"]: e["event"]["original"] for e in found}


def tally(stored: dict[str, str]) -> tuple[set[int], dict[int, int], list[str]]:
    """Numbers missing, numbers stored more than once, and events that are no whole line."""
    counts: Counter[int] = Counter()
    cut: list[str] = []
    for original in stored.values():
        m = NUMBER.search(original)
        if m is None:
            cut.append(original)
        else:
            counts[int(m.group(1))] += 1
    missing = set(range(LINES)) - set(counts)
    return missing, {n: c for n, c in counts.items() if c > 1}, cut


def wait_for(store: str, want: int, listener: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert listener.poll() is None, listener.stderr.read() if listener.stderr else ""
        opened = open_store(store)
        try:
            if opened.stats().total >= want:
                return
        finally:
            opened.close()
        time.sleep(0.3)


@pytest.mark.timeout(400)
@pytest.mark.parametrize("pure", [False, True], ids=["compiled", "python"])
def test_ingests_of_a_growing_file_lose_cut_and_double_nothing(tmp_path: Path, pure: bool) -> None:
    if not pure and not (native.build_dir() / native.COMPLETE).is_file():
        pytest.skip("no compiled build for these sources (make setup builds it)")
    seed = int(os.environ.get("GOVSEC_GROWING_SEED") or random.SystemRandom().randrange(1 << 30))
    print(f"growing-file test seed: {seed} (set GOVSEC_GROWING_SEED to replay)")
    log = tmp_path / "auth.log"
    log.touch()
    growing, tailed, oneshot = (f"sqlite://{tmp_path / name}.db" for name in ("g", "t", "o"))
    env = env_for(tmp_path / "home", pure)
    listener = subprocess.Popen(
        [sys.executable, "-m", "secops", "siem", "listen", "--tail", str(log), "--store", tailed],
        env=env_for(tmp_path / "tail-home", pure),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = Writer(log, seed)
    thread = threading.Thread(target=writer.run, daemon=True)
    runs: list[tuple[int, dict[str, int], int]] = []  # exit, counters, lines written at the end
    try:
        thread.start()
        for k in range(INGESTS):
            while writer.written < (k + 1) * PACED // (INGESTS + 1) and thread.is_alive():
                time.sleep(0.05)
            code, counters = ingest(log, growing, env)
            runs.append((code, counters, writer.written))
        writer.ingests_done.set()
        thread.join(timeout=300)
        assert writer.error is None, repr(writer.error)
        assert writer.written == LINES
        runs.append((*ingest(log, growing, env), LINES))  # the later ingest picks the rest up
        wait_for(tailed, LINES, listener, timeout=120)
    finally:
        writer.ingests_done.set()
        listener.send_signal(signal.SIGINT)
        _, stderr = listener.communicate(timeout=60)
    assert listener.returncode == 0, stderr[-2000:]
    final_code, final_counters = ingest(log, oneshot, env_for(tmp_path / "oneshot-home", pure))

    stored = events(growing)
    missing, doubled, cut = tally(stored)
    print(f"ingests (exit, counters, lines written at the end): {runs}")
    assert not missing, f"{len(missing)} lost, e.g. {sorted(missing)[:10]}"
    assert not cut, f"{len(cut)} stored cut off, e.g. {cut[:3]}"
    assert not doubled, f"{len(doubled)} duplicated, e.g. {sorted(doubled.items())[:10]}"
    assert len(stored) == LINES
    # every ingest met a half-written last line (that is the case) and said it held it back
    for code, counters, written in runs[:INGESTS]:
        assert written < LINES
        assert (code, counters.get("held")) == (4, 1), counters
    assert runs[-1][0] == 0 and runs[-1][1]["held"] == 0
    assert sum(counters["created"] for _, counters, _ in runs) == LINES
    # the same events, line for line, whichever way the file went in
    assert (final_code, final_counters["created"]) == (0, LINES)
    assert events(tailed) == stored
    assert events(oneshot) == stored
