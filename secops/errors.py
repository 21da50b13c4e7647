"""The root exception of govsec: what a user sees when a command cannot do its job."""


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
