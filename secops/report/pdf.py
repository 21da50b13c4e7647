"""The PDF report: the HTML report laid out for A4 by WeasyPrint.

Chinese needs a CJK font installed on the machine (fonts-wqy-microhei, see
scripts/setup-debian.sh); WeasyPrint embeds the glyphs used. Nothing is fetched while
rendering: the report is self-contained, and a value that looks like a URL stays text.
"""

from __future__ import annotations

from pathlib import Path

from secops.files import atomic_writer
from secops.report.errors import ReportError
from secops.report.labels import label


def write_pdf(html: str, target: Path) -> None:
    """Render ``html`` to a PDF file at ``target``: private (0600, or 0640 with
    ``files.group_read``) whatever the umask, and whole or not at all."""
    try:
        # imported here: loading Pango costs a second that HTML-only builds need not pay
        from weasyprint import HTML  # type: ignore[import-untyped]
        from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # OSError: Pango or its libraries missing
        raise ReportError(label("error.pdf", problem=exc), label("error.pdf.hint")) from exc
    refuse_all = URLFetcher(allowed_protocols=())
    document = HTML(string=html, url_fetcher=refuse_all).render()
    try:
        with atomic_writer(target, sync=False) as stream:
            document.write_pdf(stream)
    except OSError as exc:
        raise ReportError(label("error.write", path=target, problem=exc.strerror)) from exc
