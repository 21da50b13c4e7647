"""The control catalog checked whole: every control, check, evaluator and test case agree."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from secops.audit.checks import EVALUATORS
from secops.catalog.model import HERE, Catalog, CatalogError, Localized, load_catalog
from tests.conftest import FILES, ROOT

CATALOG = load_catalog()
CASES = FILES / "checks"
ROLE = ROOT / "playbooks" / "roles" / "mlps_baseline"
CJK = re.compile(r"[\u4e00-\u9fff]")

# Section numbers of each family per level: level 2 has no 数据保密性, so the families after
# 数据完整性 are numbered one lower than at level 3; 集中管控 exists at level 3 only.
SECTIONS = {
    "ce.ia": ("7.1.4.1", "8.1.4.1"),
    "ce.ac": ("7.1.4.2", "8.1.4.2"),
    "ce.au": ("7.1.4.3", "8.1.4.3"),
    "ce.ip": ("7.1.4.4", "8.1.4.4"),
    "ce.mw": ("7.1.4.5", "8.1.4.5"),
    "ce.tv": ("7.1.4.6", "8.1.4.6"),
    "ce.di": ("7.1.4.7", "8.1.4.7"),
    "ce.dc": (None, "8.1.4.8"),
    "ce.br": ("7.1.4.8", "8.1.4.9"),
    "ce.ri": ("7.1.4.9", "8.1.4.10"),
    "ce.pi": ("7.1.4.10", "8.1.4.11"),
    "mc.sm": ("7.1.5.1", "8.1.5.1"),
    "mc.am": ("7.1.5.2", "8.1.5.2"),
    "mc.sa": (None, "8.1.5.3"),
    "mc.cm": (None, "8.1.5.4"),
    "cn.na": ("7.1.2.1", "8.1.2.1"),
    "ab.bp": ("7.1.3.1", "8.1.3.1"),
    "ab.ac": ("7.1.3.2", "8.1.3.2"),
    "ab.ip": ("7.1.3.3", "8.1.3.3"),
    "ab.au": ("7.1.3.5", "8.1.3.5"),
    "cx.na": ("7.2.2.1", "8.2.2.1"),
    "cx.ac": ("7.2.3.1", "8.2.3.1"),
    "cx.au": ("7.2.3.3", "8.2.3.3"),
    "cx.dc": (None, "8.2.4.5"),
}
# 网络架构 has two items at level 2 and five at level 3: the ids carry the level-3 letter.
LEVEL2_LETTERS = {"cn.na.c": "a", "cn.na.d": "b"}
# Items that exist at level 3 only (GB/T 22239-2019 8.1 adds them to 7.1).
LEVEL3_ONLY = {
    "ce.ia.d", "ce.ac.e", "ce.ac.f", "ce.ac.g", "ce.au.d", "ce.ip.f", "ce.di.b", "ce.dc.a",
    "ce.dc.b", "ce.br.c", "ce.ri.b", "mc.cm.d", "mc.cm.a", "mc.cm.b", "mc.cm.e", "cx.dc.d",
    "mc.sa.a", "mc.sa.b",
}  # fmt: skip


def cases_of(check_id: str) -> list[dict[str, Any]]:
    path = CASES / f"{check_id}.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else []


def texts(catalog: Catalog) -> list[tuple[str, Localized]]:
    found: list[tuple[str, Localized]] = []
    for c in catalog.controls.values():
        found += [
            (f"{c.id}.{f}", getattr(c, f)) for f in ("area", "family", "title", "requirement")
        ]
        found += [(f"{c.id}.evidence", c.evidence)] if c.evidence else []
    for k in catalog.checks.values():
        found += [(f"{k.id}.title", k.title), (f"{k.id}.remediation", k.remediation)]
    return found


def test_catalog_loads_with_enough_automated_checks() -> None:
    assert len(CATALOG.checks) >= 60
    assert len(CATALOG.version) == 12


def test_every_automated_control_has_a_check_at_each_of_its_levels() -> None:
    missing = [
        f"{c.id}@{level}"
        for c in CATALOG.controls.values()
        if c.kind == "automated" and c.scope == "host"  # cloud ones: tests/infra/test_policies.py
        for level in c.levels
        if not CATALOG.checks_of(c.id, level)
    ]
    assert not missing


def test_every_check_serves_existing_controls_at_a_shared_level() -> None:
    for check in CATALOG.checks.values():
        for control_id in check.controls:
            control = CATALOG.controls[control_id]
            assert set(check.levels) & set(control.levels), f"{check.id} -> {control_id}"
            assert control.scope == "host", f"{check.id} -> cloud control {control_id}"


def test_checks_and_evaluators_match_one_to_one() -> None:
    assert set(CATALOG.checks) == set(EVALUATORS)


def test_each_evaluator_lives_in_the_module_named_like_its_catalog_file() -> None:
    """A check's id finds its evaluator: checks/<family>.yaml -> secops/audit/checks/<family>.py,
    or, for a check declared by its kind, the kind's function in secops/audit/checks/kinds.py."""
    misplaced = []
    for path in sorted((HERE / "checks").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text()):
            module = EVALUATORS[entry["id"]].__module__
            declared = entry.get("kind", "evaluator") != "evaluator"
            if module != (
                "secops.audit.checks.kinds" if declared else f"secops.audit.checks.{path.stem}"
            ):
                misplaced.append(f"{entry['id']}: {module}")
    assert not misplaced


@pytest.mark.parametrize("check_id", sorted(CATALOG.checks))
def test_every_check_has_passing_and_failing_cases(check_id: str) -> None:
    expected = {case["expect"] for case in cases_of(check_id)}
    assert {"pass", "fail"} <= expected, f"tests/files/checks/{check_id}.yaml"


def test_every_case_file_names_a_check() -> None:
    files = {p.stem for p in CASES.glob("*.yaml") if not p.name.startswith("_")}
    assert files <= set(CATALOG.checks)


def test_params_are_given_for_every_level_a_check_runs_at() -> None:
    for check in CATALOG.checks.values():
        if check.params:
            assert set(check.params) == set(check.levels), check.id
            keys = {frozenset(p) for p in check.params.values()}
            assert len(keys) == 1, f"{check.id}: the same parameters at every level"


def test_zh_and_en_everywhere() -> None:
    for where, text in texts(CATALOG):
        assert CJK.search(text.zh), f"{where}.zh is not Chinese"
        assert not CJK.search(text.en), f"{where}.en is not English"


def test_manual_controls_say_what_evidence_to_attach() -> None:
    for control in CATALOG.controls.values():
        assert (control.evidence is not None) == (control.kind == "manual"), control.id


def test_checks_cite_public_sources() -> None:
    assert all(check.sources for check in CATALOG.checks.values())


def test_clauses_follow_the_numbering_of_each_level() -> None:
    for control in CATALOG.controls.values():
        family = control.id.rsplit(".", 1)[0]
        for level, clause in control.clauses.items():
            section = SECTIONS[family][level - 2]
            assert section is not None, f"{control.id} cannot exist at level {level}"
            letter = LEVEL2_LETTERS.get(control.id, control.item) if level == 2 else control.item
            assert clause == f"{section} {letter})", control.id
        assert control.reference.strip()


def test_level3_only_items_are_absent_at_level_2() -> None:
    at_two = {c.id for c in CATALOG.controls_at(2, scope=None)}
    at_three = {c.id for c in CATALOG.controls_at(3, scope=None)}
    assert not LEVEL3_ONLY & at_two
    assert at_three >= LEVEL3_ONLY
    assert at_two < at_three
    assert not {c.id for c in CATALOG.checks_at(2)} - {c.id for c in CATALOG.checks_at(3)}


def test_computing_environment_is_complete() -> None:
    items = {c.id for c in CATALOG.controls.values() if c.id.startswith("ce.")}
    counts = {
        family: sum(i.startswith(f"{family}.") for i in items)
        for family in SECTIONS
        if family.startswith(("ce.", "mc."))
    }
    assert counts == {
        "ce.ia": 4, "ce.ac": 7, "ce.au": 4, "ce.ip": 6, "ce.mw": 1, "ce.tv": 1, "ce.di": 2,
        "ce.dc": 2, "ce.br": 3, "ce.ri": 2, "ce.pi": 2, "mc.sm": 0, "mc.am": 0, "mc.sa": 0,
        "mc.cm": 0,
    }  # fmt: skip


def test_host_audits_see_host_controls_only() -> None:
    cloud = {c.id for c in CATALOG.controls.values() if c.scope == "cloud"}
    assert cloud >= {"ab.ac.a", "cn.na.c", "cx.ac.a"}
    for level in (2, 3):
        assert not cloud & {c.id for c in CATALOG.controls_at(level)}
        assert {c.id for c in CATALOG.controls_at(level, scope="cloud")} <= cloud
    assert all(c.id.startswith(("ce.", "mc.")) for c in CATALOG.controls_at(3))


def test_cloud_controls_are_judged_by_cloud_policies_not_checks() -> None:
    cloud = [c for c in CATALOG.controls.values() if c.scope == "cloud"]
    assert all(c.kind == "automated" for c in cloud)
    assert not [c.id for c in cloud if CATALOG.checks_of(c.id, max(c.levels))]


def test_check_ids_are_their_own_names() -> None:
    for check_id, function in EVALUATORS.items():
        assert function.__name__ == check_id
        assert re.fullmatch(r"[a-z][a-z0-9_]+", check_id)


@pytest.mark.skipif(not ROLE.exists(), reason="the hardening role is not in this tree yet")
def test_every_check_is_a_tag_of_the_hardening_role() -> None:
    tags: set[str] = set()
    for path in ROLE.rglob("*.yml"):
        tags |= set(
            re.findall(r"[a-z][a-z0-9_]+", " ".join(re.findall(r"tags:.*", path.read_text())))
        )
    assert not set(CATALOG.checks) - tags


# -- the loader says where a catalog is broken ------------------------------------------------


def broken(tmp_path: Path, name: str, text: str) -> Path:
    """A copy of the catalog with one more check file."""
    folder = tmp_path / "catalog"
    shutil.copytree(HERE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (folder / "checks" / name).write_text(text)
    return folder


ENTRY = """
- id: extra_check
  title: {en: "Extra", zh: "额外"}
  controls: [ce.ia.a]
  levels: [2]
  severity: low
  remediation: {en: "Fix it", zh: "修复"}
  sources: ["test"]
"""


def test_a_missing_field_is_named_with_file_and_entry(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", ENTRY.replace("  severity: low\n", ""))
    with pytest.raises(CatalogError, match=r"zz\.yaml: extra_check: severity: Field required"):
        load_catalog(folder)


def test_a_wrong_value_is_named_with_file_entry_and_field(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", ENTRY.replace("severity: low", "severity: severe"))
    with pytest.raises(CatalogError, match=r"zz\.yaml: extra_check: severity: "):
        load_catalog(folder)


def test_a_nested_field_is_named(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", ENTRY.replace('zh: "额外"', 'zh: ""'))
    with pytest.raises(CatalogError, match=r"zz\.yaml: extra_check: title\.zh: "):
        load_catalog(folder)


def test_an_unknown_control_is_named(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", ENTRY.replace("[ce.ia.a]", "[ce.ia.z]"))
    with pytest.raises(CatalogError, match=r"extra_check: controls: unknown control 'ce\.ia\.z'"):
        load_catalog(folder)


def test_a_duplicate_id_is_refused(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", ENTRY.replace("extra_check", "pass_max_days"))
    with pytest.raises(CatalogError, match=r"zz\.yaml: pass_max_days: id: defined twice"):
        load_catalog(folder)


def test_invalid_yaml_is_named(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", "- id: [unclosed\n")
    with pytest.raises(CatalogError, match=r"zz\.yaml: not valid YAML"):
        load_catalog(folder)


def test_a_manual_control_without_evidence_is_refused(tmp_path: Path) -> None:
    folder = broken(tmp_path, "zz.yaml", "[]\n")
    controls = folder / "controls.yaml"
    text = controls.read_text()
    start = text.index("  evidence:\n", text.index("id: ce.ip.d"))
    end = text.index("  reference:", start)
    controls.write_text(text[:start] + text[end:])
    with pytest.raises(CatalogError, match=r"controls\.yaml: ce\.ip\.d: evidence: "):
        load_catalog(folder)


def test_a_declared_kind_without_its_args_is_refused(tmp_path: Path) -> None:
    entry = ENTRY.replace(
        "  severity: low\n", "  severity: low\n  kind: sysctl\n  args: {key: [a.b]}\n"
    )
    folder = broken(tmp_path, "zz.yaml", entry)
    with pytest.raises(CatalogError, match=r"zz\.yaml: extra_check: .*kind sysctl needs keys"):
        load_catalog(folder)
