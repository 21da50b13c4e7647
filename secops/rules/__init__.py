"""govsec's own Sigma detection rules: Linux servers, written in the ECS field names our
parsers emit (docs/ingest.md), each with its true-positive and true-negative log lines under
the custom attribute ``govsec.tests`` (docs/rules.md says how to write and test one)."""

from pathlib import Path

RULES_DIR = Path(__file__).parent / "linux"
"""Directory of the rule files (``*.yml``, one rule or a correlation with its base rules)."""
