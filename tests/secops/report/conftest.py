"""Fixtures of the report tests: the small catalog, a realistic run, and one with hostile values."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from secops.audit.results import AuditRun
from secops.catalog.model import Catalog
from tests.secops.report.sample import catalog as sample_catalog
from tests.secops.report.sample import sample_run


@pytest.fixture
def catalog() -> Catalog:
    return sample_catalog()


@pytest.fixture
def run() -> AuditRun:
    return sample_run()


@pytest.fixture
def hostile_run() -> AuditRun:
    return sample_run(hostile=True)


def write_results(folder: Path, run: AuditRun) -> Path:
    """``run`` as results.json in ``folder``; ASCII escapes, as a lone surrogate needs them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    path.write_text(json.dumps(asdict(run), indent=2))
    return path


def require_tool(path: str) -> str:
    """The tool at ``path`` (or on PATH); skip without it, except in CI, which must have it."""
    found = shutil.which(path)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: scripts/setup-debian.sh installs it")
        pytest.skip(f"{path} is missing (scripts/setup-debian.sh installs it)")
    return found
