"""The auditor's report: HTML, PDF, JSON and JUnit from an audit's results, in zh or en,
and the evidence bundle (JSON Lines chained by SHA-256 and SM3) with its verifier.

Writers read one model, :class:`~secops.report.view.ReportView`, built from the results and
the control catalog; the CLI is ``govsec report build`` and ``govsec report verify``.
"""
