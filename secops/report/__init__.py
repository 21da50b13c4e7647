"""The auditor's report: HTML, PDF, JSON and JUnit from an audit's results, in zh or en,
and the evidence bundle (JSON Lines chained by SHA-256 and SM3) with its verifier.

Writers read one model, :class:`~secops.report.view.ReportView`, built from the results and
the control catalog; the CLI is ``govsec report build`` and ``govsec report verify``.
"""

from secops.report.build import Built, build_reports, load_results
from secops.report.bundle import BUNDLE_NAME, BundleCheck, BundleWriter, verify_bundle
from secops.report.errors import ReportError
from secops.report.html import render_html
from secops.report.json_report import render_json
from secops.report.junit import render_junit
from secops.report.pdf import write_pdf

__all__ = [
    "BUNDLE_NAME",
    "Built",
    "BundleCheck",
    "BundleWriter",
    "ReportError",
    "build_reports",
    "load_results",
    "render_html",
    "render_json",
    "render_junit",
    "verify_bundle",
    "write_pdf",
]
