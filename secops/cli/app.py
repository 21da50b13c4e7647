"""The ``govsec`` command: one Typer app, one module per command group.

The language is settled before the app is built (``--lang`` is read from argv first), so help
texts as well as messages come out in the language asked for. Errors of the GovsecError family
print as ``error: …`` with a hint and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from types import ModuleType

import typer
from rich.console import Console
from rich.markup import escape

from secops import __version__
from secops.cli import toolkit_text
from secops.config import ConfigError, configured_lang
from secops.errors import GovsecError
from secops.i18n import LANGS, Lang, current_lang, detect_lang, parse_lang, set_lang, t

EXIT_ERROR = 1
EXIT_USAGE = 2


def _module(name: str) -> ModuleType:
    return import_module(f"secops.cli.{name}")


def _group(name: str) -> Callable[[typer.Typer], None]:
    def add(app: typer.Typer) -> None:
        app.add_typer(_module(name).build(), name=name)

    return add


def _command(name: str) -> Callable[[typer.Typer], None]:
    def add(app: typer.Typer) -> None:
        module = _module(name)  # first: a command module may register its own messages
        app.command(name, help=t(f"{name}.help"))(getattr(module, name))

    return add


def _serve(app: typer.Typer) -> None:
    _module("serve").register_commands(app)


# Every command, in the order --help lists them, and how to add it. A command's module is
# imported only when that command runs (or for --help): `govsec audit` need not load the SIEM,
# alerting and cloud code, a tenth of a second of imports.
COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "lab": _group("lab"),
    "audit": _command("audit"),
    "harden": _command("harden"),
    "report": _group("report"),
    "assess": _command("assess"),
    "siem": _group("siem"),
    "alerts": _group("alerts"),
    "detect": _group("detect"),
    "infra": _group("infra"),
    "inventory": _group("inventory"),
    "serve": _serve,
    "metrics": _serve,
}


def build_app(command: str | None = None) -> typer.Typer:
    """The app with every command group that works, its help in the current language.

    Args:
        command: the command about to run (see :func:`command_of`): only it is added; None
            adds them all.
    """
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

    if command in COMMANDS:
        COMMANDS[command](app)
    else:
        for add in dict.fromkeys(COMMANDS.values()):  # serve adds metrics too: once
            add(app)
    return app


def command_of(args: Sequence[str]) -> str | None:
    """The command ``args`` run, or None when they ask for the app's own help or version."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif arg in ("--", "--version", "-h", "--help"):
            return None
        elif not arg.startswith("-"):
            return arg
    return None


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
        toolkit_text.use(current_lang())
    except ValueError as exc:
        err.print(f"[red]{t('app.error')}[/]{exc}")
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        _report(err, exc)
        sys.exit(EXIT_ERROR)
    app = build_app(command_of(args))
    try:
        # standalone: usage errors exit 2 and typer.Exit gives its code, as every CLI does
        app(args=args, prog_name="govsec")
    except GovsecError as exc:
        _report(err, exc)
        sys.exit(EXIT_ERROR)
    finally:
        if argv is None:
            _quick_exit()


def _quick_exit() -> None:
    """Spare the process the interpreter's last garbage collection: with every module
    cleared it walks the whole heap (~0.15 s of a one-host audit) only to free memory the
    exit returns anyway. Objects still go by reference counting and files still flush;
    only cyclic garbage is left to the exit. Console-script runs only: a test calling
    main() in-process keeps its collector."""
    gc.freeze()


def _report(err: Console, exc: GovsecError) -> None:
    err.print(f"[red]{t('app.error')}[/]{escape(exc.message)}", soft_wrap=True)
    if exc.hint:
        err.print(f"  {escape(exc.hint)}", soft_wrap=True)
