"""The root exception of govsec: what a user sees when a command cannot do its job."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class GovsecError(Exception):
    """An error to report to the user: a message that names what failed, and a hint.

    Each package derives its own (``LabError``, ``ConfigError`` …) so callers can catch one
    family; the CLI catches this root, prints message and hint, and exits non-zero.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


def first_problem(exc: ValidationError, top: str = "(top)") -> tuple[str, str]:
    """Where a schema refused a document (``a.b.0``, or ``top`` for the whole) and why: the
    first of pydantic's errors, which is what every loader here names."""
    error = exc.errors()[0]
    return ".".join(str(part) for part in error["loc"]) or top, str(error["msg"])
