"""docs/checks.md is generated from the catalog and must be the current generation."""

from __future__ import annotations

from pathlib import Path

from secops.catalog.docs import COMMAND, render
from secops.catalog.model import load_catalog

PAGE = Path(__file__).parents[3] / "docs" / "checks.md"


def test_the_committed_page_is_up_to_date() -> None:
    assert PAGE.exists(), f"docs/checks.md is missing: run `{COMMAND}`"
    assert PAGE.read_text() == render(), f"docs/checks.md is out of date: run `{COMMAND}`"


def test_every_check_is_listed_once_with_what_makes_it_fail() -> None:
    page = render()
    for check_id in load_catalog().checks:
        assert page.count(f"### `{check_id}` ") == 1, check_id
    assert page.count("| fails when |") == len(load_catalog().checks)


def test_the_page_is_deterministic() -> None:
    assert render() == render()


def test_a_check_with_fails_when_shows_it_and_its_values_per_level() -> None:
    page = render()
    section = page.split("### `faillock_deny` ", 1)[1].split("\n### ", 1)[0]
    assert "| level 2 | max 5 |" in section
    assert "| level 3 | max 3 |" in section
    assert "8.1.4.1 b)" in section
    suid = page.split("### `suid_sgid_inventory` ", 1)[1].split("\n### ", 1)[0]
    assert "not on the expected list" in suid
