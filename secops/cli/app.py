"""The ``govsec`` command: one Typer app, one module per command group.

The language is settled before the app is built (``--lang`` is read from argv first), so help
texts as well as messages come out in the language asked for. Errors of the GovsecError family
print as ``error: …`` with a hint and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.console import Console
from rich.markup import escape

from secops import __version__
from secops.cli import alerts as alerts_cli
from secops.cli import audit as audit_cli
from secops.cli import detect as detect_cli
from secops.cli import harden as harden_cli
from secops.cli import infra as infra_cli
from secops.cli import inventory as inventory_cli
from secops.cli import lab as lab_cli
from secops.cli import report as report_cli
from secops.cli import serve as serve_cli
from secops.cli import siem as siem_cli
from secops.config import ConfigError, configured_lang
from secops.errors import GovsecError
from secops.i18n import LANGS, Lang, detect_lang, parse_lang, set_lang, t

EXIT_ERROR = 1
EXIT_USAGE = 2


def build_app() -> typer.Typer:
    """The app with every command group that works, its help in the current language."""
    app = typer.Typer(
        name="govsec",
        help=t("app.help"),
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def show_version(value: bool) -> None:
        if value:
            typer.echo(f"govsec {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        version: bool = typer.Option(
            False, "--version", help=t("app.version"), callback=show_version, is_eager=True
        ),
        lang: str | None = typer.Option(
            None, "--lang", help=t("app.lang"), metavar="|".join(LANGS)
        ),
    ) -> None:
        """Settled in main() before parsing; declared here so --help lists them."""

    app.add_typer(lab_cli.build(), name="lab")
    app.command("audit", help=t("audit.help"))(audit_cli.audit)
    app.command("harden", help=t("harden.help"))(harden_cli.harden)
    app.add_typer(report_cli.build(), name="report")
    app.add_typer(siem_cli.build(), name="siem")
    app.add_typer(alerts_cli.build(), name="alerts")
    app.add_typer(detect_cli.build(), name="detect")
    app.add_typer(infra_cli.build(), name="infra")
    app.add_typer(inventory_cli.build(), name="inventory")
    serve_cli.register_commands(app)
    return app


def _lang_from_argv(args: Sequence[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _settle_lang(args: Sequence[str]) -> Lang:
    asked = _lang_from_argv(args)
    if asked is not None:
        return parse_lang(asked)
    return configured_lang() or detect_lang()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``govsec`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        set_lang(_settle_lang(args))
    except ValueError as exc:
        err.print(f"[red]{t('app.error')}:[/] {exc}")
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        _report(err, exc)
        sys.exit(EXIT_ERROR)
    app = build_app()
    try:
        # standalone: usage errors exit 2 and typer.Exit gives its code, as every CLI does
        app(args=args, prog_name="govsec")
    except GovsecError as exc:
        _report(err, exc)
        sys.exit(EXIT_ERROR)


def _report(err: Console, exc: GovsecError) -> None:
    err.print(f"[red]{t('app.error')}:[/] {escape(exc.message)}", soft_wrap=True)
    if exc.hint:
        err.print(f"  {escape(exc.hint)}", soft_wrap=True)
