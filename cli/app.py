"""The ``vane`` application: registers the commands and holds the global options.

Commands live one per module and are imported on demand: ``vane status`` loads
only ``cli.status`` and what it needs, so the commands analysts run many times a
day start fast however many other commands exist. ``vane --help`` (or an
unknown command) loads them all. Anything heavy (PyMC, ArviZ, plotting) is
imported inside the commands that sample or draw.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from cli.options import set_debugging, shown

# command name -> "module:function", in the order --help lists them
COMMANDS = {
    "init": "cli.setup:init",
    "new": "cli.setup:new",
    "check": "cli.check:check",
    "add": "cli.add:add",
    "status": "cli.status:status",
    "show": "cli.show:show",
    "report": "cli.report:report",
    "resolve": "cli.resolve:resolve",
    "snapshot": "cli.forecasts:snapshot",
    "forecast": "cli.forecasts:forecast",
    "score": "cli.score:score",
    "calibrate": "cli.calibrate:calibrate",
    "import-forecasts": "cli.forecasts:import_forecasts",
    "indicator": "cli.indicators:app",  # a group of subcommands
}
GLOBAL_FLAGS = ("--debug",)


class SafeGroup(TyperGroup):
    """The command group, with usage errors made safe to print.

    Click's own messages quote what was typed ("No such command '...'",
    "Invalid value for '--week': ..."); like everything else printed, the
    quoted text goes through ``shown`` first.
    """

    def make_context(self, *args, **kwargs):
        with _safe_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _safe_usage_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def _safe_usage_errors():
    try:
        yield
    except Exception as error:  # Click's usage errors (typer may bundle its own copy of Click: no class to name)
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "message", None), str):
            error.message = shown(error.message)
        raise


def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors (for bug reports).")] = False,
) -> None:
    """Weathervane: track competing scenarios, tag evidence, and see honest probabilities."""
    set_debugging(debug)


def build_app(names: list[str] | None = None) -> typer.Typer:
    """The application with the named commands (all of them by default)."""
    application = typer.Typer(
        name="vane",
        cls=SafeGroup,
        help="Weathervane: track competing scenarios, tag evidence, and see honest probabilities.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # help texts are plain: "[default: today]" is text, not a style tag
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(main_options)
    for name in names or COMMANDS:
        module, attribute = COMMANDS[name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        if isinstance(command, typer.Typer):
            application.add_typer(command, name=name)
        else:
            application.command(name)(command)
    return application


def invoked_command(arguments: list[str]) -> str | None:
    """The command a command line asks for, when it names a known one after the global flags."""
    for argument in arguments:
        if argument not in GLOBAL_FLAGS:
            return argument if argument in COMMANDS else None
    return None


def main() -> None:
    """Entry point of the ``vane`` console script."""
    wanted = invoked_command(sys.argv[1:])
    build_app([wanted] if wanted else None)()


def __getattr__(name: str):
    # ``from cli.app import app`` (tests, embedding) gets every command
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    main()
