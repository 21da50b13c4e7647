"""The report package's root exception."""

from secops.errors import GovsecError


class ReportError(GovsecError):
    """Results, a catalog or an evidence bundle that a report cannot be built or checked from."""
