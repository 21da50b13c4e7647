"""The ``govsec`` command: one Typer app, one module per command group.

The language is settled before the app is built (``--lang`` is read from argv first), so help
texts as well as messages come out in the language asked for. Errors of the GovsecError family
print as ``error: …`` with a hint and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import gc
import sys
import unicodedata
from collections.abc import Callable, Sequence
from importlib import import_module
from types import ModuleType

import typer
from rich.console import Console
from rich.markup import escape

from secops import __version__
from secops.cli import toolkit_text
from secops.config import ConfigError, configured_group_read, configured_lang
from secops.errors import GovsecError
from secops.files import private_files, set_group_read
from secops.i18n import (
    LANGS,
    Lang,
    current_lang,
    detect_lang,
    parse_lang,
    register,
    set_lang,
    t,
)

EXIT_ERROR = 1
EXIT_USAGE = 2

register(
    {
        "app.bad_argument": {
            "en": "{where}: {value} is not valid UTF-8 text",
            "zh": "{where}：{value} 不是有效的 UTF-8 文本",
        },
        "app.bad_argument.hint": {
            "en": "give names, hosts and queries as UTF-8 (check the terminal's encoding)",
            "zh": "主机名、名称和查询请使用 UTF-8 编码（请检查终端的字符编码）",
        },
        "app.argument": {"en": "argument {n}", "zh": "第 {n} 个参数"},
    }
)

# Commands that change machines (lab, harden) or drive other tools' state (infra, inventory)
# keep the user's umask: what they make on a host must have that host's usual modes. The rest
# only write govsec's own data, which is private (secops.files).
KEEP_UMASK = frozenset({"lab", "harden", "infra", "inventory"})


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
        err.print(f"[red]{t('app.error')}[/]{safe(exc)}")
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        _report(err, exc)
        sys.exit(EXIT_ERROR)
    bad = undecodable(args)
    if bad is not None:
        _report(err, GovsecError(bad, hint=t("app.bad_argument.hint")))
        sys.exit(EXIT_USAGE)
    command = command_of(args)
    app = build_app(command)
    try:
        set_group_read(configured_group_read())
        # standalone: usage errors exit 2 and typer.Exit gives its code, as every CLI does
        if command in KEEP_UMASK:
            app(args=args, prog_name="govsec")
        else:
            with private_files():
                app(args=args, prog_name="govsec")
    except GovsecError as exc:
        _report(err, exc)
        sys.exit(EXIT_ERROR)
    finally:
        if argv is None:
            _quick_exit()


def undecodable(args: Sequence[str]) -> str | None:
    """The message for the first argument that is not UTF-8 (Python holds its bytes as lone
    surrogates, which no output can encode), naming the option it belongs to; None if all are.
    """
    for index, arg in enumerate(args):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            continue
        where, value = t("app.argument", n=index + 1), arg
        if arg.startswith("--") and "=" in arg:
            where, value = arg.split("=", 1)
        elif index > 0 and args[index - 1].startswith("-") and "=" not in args[index - 1]:
            where = args[index - 1]
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        # printed by _report, which spells control characters and escapes markup
        return t("app.bad_argument", where=where, value=f"'{shown}'")
    return None


def safe(value: object) -> str:
    """``value`` as text a terminal shows as it is: control and format characters as
    ``\\xNN``/``\\uNNNN``, Rich markup escaped. For every value that comes from a file, a
    log line or a host."""
    text = "" if value is None else str(value)
    if any(unicodedata.category(ch) in UNSHOWN for ch in text):
        text = "".join(_spell(ch) for ch in text)
    return escape(text)


UNSHOWN = ("Cc", "Cf", "Zl", "Zp", "Cs")


def _spell(ch: str) -> str:
    if unicodedata.category(ch) not in UNSHOWN:
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _quick_exit() -> None:
    """Spare the process the interpreter's last garbage collection: with every module
    cleared it walks the whole heap (~0.15 s of a one-host audit) only to free memory the
    exit returns anyway. Objects still go by reference counting and files still flush;
    only cyclic garbage is left to the exit. Console-script runs only: a test calling
    main() in-process keeps its collector."""
    gc.freeze()


def _report(err: Console, exc: GovsecError) -> None:
    err.print(f"[red]{t('app.error')}[/]{_lines(exc.message)}", soft_wrap=True)
    if exc.hint:
        err.print(f"  {_lines(exc.hint)}", soft_wrap=True)


def _lines(text: str) -> str:
    """``text`` made safe line by line: a message may span lines, a value in it may not."""
    return "\n".join(safe(line) for line in text.split("\n"))
