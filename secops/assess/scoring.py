"""The score and the conclusion, as the public 2021 测评报告 template's transcriptions compute them.

What is relied on (docs/assess.md says where each comes from and what could not be consulted):

- an item on one object scores 符合 1, 部分符合 0.5, 不符合 0; 不适用 is left out; an open cell
  (evidence missing) scores 0 — it never counts as passing;
- an item on several objects scores the mean over them;
- a control point (安全控制点, the catalog's family) scores
  Σ(item score × item weight) / Σ item weight × 10, out of 10;
- the overall score is the mean of the control points' scores × 10, out of 100 (the 2021
  template's own formula was not found in a public source: this is the project's reading);
- the conclusion is the first band of :data:`BANDS` whose minimum the score reaches and whose
  allowed worst risk the findings do not exceed: any 高风险 (not compensated) means 差.

Weights: every item weighs 1 unless :data:`WEIGHTS` says otherwise; the template's per-item
weights were not found publicly, so none are invented here.
"""

from __future__ import annotations

from dataclasses import dataclass

from secops.assess.judge import ItemResult

# (band, minimum score, worst risk allowed among the findings) — first match wins
BANDS: tuple[tuple[str, float, str], ...] = (
    ("excellent", 90.0, "low"),  # 优: ≥ 90, no 中/高风险
    ("good", 80.0, "medium"),  # 良: ≥ 80, no 高风险
    ("fair", 70.0, "medium"),  # 中: ≥ 70, no 高风险
    ("poor", 0.0, "high"),  # 差: under 70, or any 高风险
)
RISK_RANK = {"": 0, "low": 1, "medium": 2, "high": 3}
WEIGHTS: dict[str, float] = {}  # item id -> weight, where the template's weight is known


@dataclass
class FamilyScore:
    area: str  # area code, e.g. "ce"
    family: str  # "ce.ia"
    score: float | None  # 0-10; None when every item is 不适用
    items: int
    counts: dict[str, int]  # verdict -> items


@dataclass
class Score:
    overall: float | None
    families: list[FamilyScore]
    worst_risk: str
    conclusion: str  # excellent | good | fair | poor


def family_scores(items: list[ItemResult]) -> list[FamilyScore]:
    groups: dict[str, list[ItemResult]] = {}
    for item in items:
        groups.setdefault(item.id.rsplit(".", 1)[0], []).append(item)
    scores = []
    for family, members in groups.items():
        counted = [i for i in members if i.score is not None]
        counts: dict[str, int] = {}
        for i in members:
            counts[i.verdict] = counts.get(i.verdict, 0) + 1
        if counted:
            weights = sum(WEIGHTS.get(i.id, 1.0) for i in counted)
            total = sum((i.score or 0.0) * WEIGHTS.get(i.id, 1.0) for i in counted)
            value: float | None = round(total / weights * 10, 2)
        else:
            value = None
        scores.append(FamilyScore(family.split(".")[0], family, value, len(members), counts))
    return scores


def conclude(items: list[ItemResult], worst_risk: str) -> Score:
    families = family_scores(items)
    judged = [f.score for f in families if f.score is not None]
    overall = round(sum(judged) / len(judged) * 10, 2) if judged else None
    value = overall if overall is not None else 0.0
    for band, minimum, allowed in BANDS:
        if value >= minimum and RISK_RANK[worst_risk] <= RISK_RANK[allowed]:
            return Score(overall, families, worst_risk, band)
    return Score(overall, families, worst_risk, "poor")
