"""The JSON report: the audit's results joined with the catalog's words, for other tools.

Codes (verdict, status, severity, ids) are stable; the texts beside them (``*_label``, titles,
requirements, remediation) are in the report's language, given in ``lang``. What a check said
(``message`` and its evidence) is given as results.json keeps it, in English, with the message
keys and fields beside it (``message_key``, ``seen_key``, …) for a tool to say it otherwise.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from secops.audit.results import STATUSES, VERDICTS, AuditRun
from secops.catalog.model import Catalog
from secops.i18n import Lang
from secops.report.labels import label
from secops.report.view import BundleSummary, ReportView, build_view, clean

REPORT_VERSION = 1


def report_dict(view: ReportView) -> dict[str, Any]:
    """``view`` as plain JSON data, with the label of every verdict and status code."""
    return {
        "report_version": REPORT_VERSION,
        **_recorded(asdict(view)),
        "catalog_matches": view.catalog_matches,
        "verdict_labels": {code: label(f"verdict.{code}", view.lang) for code in VERDICTS},
        "status_labels": {code: label(f"status.{code}", view.lang) for code in STATUSES},
    }


def _recorded(value: Any) -> Any:
    """The view's data with what checks said as results.json keeps it (English and keys)."""
    if isinstance(value, list):
        return [_recorded(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "recorded" in value and "seen" in value:  # an evidence view
        return _cleaned(value["recorded"])
    found = {key: _recorded(item) for key, item in value.items() if key != "message_en"}
    if "message_en" in value:
        found["message"] = value["message_en"]
        found["message_fields"] = _cleaned(value["message_fields"])
    return found


def _cleaned(value: Any) -> Any:
    """Host values in ``value`` made encodable (see :func:`clean`), at any depth."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    return value


def render_json(
    run: AuditRun,
    catalog: Catalog,
    lang: Lang,
    *,
    bundle: BundleSummary | None = None,
    now: datetime | None = None,
) -> str:
    """The JSON report of ``run`` in ``lang``."""
    return render_view_json(build_view(run, catalog, lang, bundle=bundle, now=now))


def render_view_json(view: ReportView) -> str:
    """The JSON document of an already built report view."""
    return json.dumps(report_dict(view), ensure_ascii=False, indent=2) + "\n"
