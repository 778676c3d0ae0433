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
import os
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from cli.options import set_debugging, shown

# command name -> ("module:function", its one-line description), in the order --help lists them; the
# description is the command's docstring's first line (a test keeps them equal), here so that the list of
# commands needs no command module imported
COMMANDS = {
    "init": ("cli.setup:init", "Create an empty workspace: scenarios/, reports/, a .gitignore for lock files and a "
                                 ".gitattributes for merges."),
    "new": ("cli.setup:new", "Create a question file in scenarios/ from the options given."),
    "check": ("cli.check:check", "Check question files, source records, settings, the forecast log and the saved "
                                 "calibration; exit 1 if anything is wrong."),
    "add": ("cli.add:add", "Tag one evidence item; in a terminal, what is not given is asked for, else taken as "
                           "the default."),
    "edit": ("cli.correct:edit", "Correct a tagged evidence item: the same checks as add; comments and layout kept."),
    "retract": ("cli.correct:retract", "Withdraw an evidence item from a day on; views of earlier days still count it."),
    "status": ("cli.status:status", "Scenario probabilities now, their 7-day change, evidence counts and days to "
                                    "deadline."),
    "show": ("cli.show:show", "The evidence ledger in date order with each story's contribution, and the weekly "
                              "trajectory."),
    "report": ("cli.report:report", "Write this week's probability report: every open question, what moved it, and "
                                    "what to watch."),
    "resolve": ("cli.resolve:resolve", "Resolve a question to the scenario that happened (or annul it); the file "
                                       "keeps any earlier resolution."),
    "snapshot": ("cli.forecasts:snapshot", "Record the engine's current forecast for every open question in the "
                                           "forecast log."),
    "forecast": ("cli.forecasts:forecast", "Record your own stated forecast for a question, as of now (probabilities "
                                           "cover every scenario and sum to 1)."),
    "score": ("cli.score:score", "Brier, log, Metaculus baseline and peer scores, calibration and Murphy "
                                 "decomposition, against baselines."),
    "post-mortem": ("cli.postmortem:post_mortem", "Look back at a resolved question: stories for and against the "
                                                  "outcome, whose evidence was right, the forecasts."),
    "calibrate": ("cli.calibrate:calibrate", "Fit the calibration model on every resolved question; save it when its "
                                             "diagnostics pass."),
    "import-forecasts": ("cli.forecasts:import_forecasts", "Import other forecasters' histories into the forecast "
                                                           "log; unknown Metaculus questions become question files."),
    "merge-file": ("cli.merge:merge_file", "Merge a question file or the forecast log for git: items and forecasts "
                                           "from both sides; exit 1 on a conflict."),
    "merge-setup": ("cli.merge:merge_setup", "Make git merge this workspace's question files and forecast log with "
                                             "vane merge-file."),
    "indicator": ("cli.indicators:app", "Signposts: add them, record when one is seen, list what is worth watching."),
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


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"vane (Weathervane) {version('weathervane')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("vane (Weathervane), not installed: version unknown")
        raise typer.Exit()


def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors (for bug reports).")] = False,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Weathervane: track competing scenarios, tag evidence, and see honest probabilities."""
    set_debugging(debug)


def build_app(names: list[str] | None = None) -> typer.Typer:
    """The application with the named commands (all of them when ``names`` is None)."""
    application = typer.Typer(
        name="vane",
        cls=SafeGroup,
        help="Weathervane: track competing scenarios, tag evidence, and see honest probabilities.",
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion (README: "Shell completion")
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # help texts are plain: "[default: today]" is text, not a style tag
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(main_options)
    for name in COMMANDS if names is None else names:
        module, attribute = COMMANDS[name][0].split(":")
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


def listing_app():
    """The application as ``vane --help`` (or an unknown command) needs it: every command named, none imported.

    Each command is a stand-in carrying only its name and its whole one-line
    description; a command that is run is always built from its own module.
    """
    from typer.core import TyperCommand

    group = typer.main.get_command(build_app([]))
    for name, (_, summary) in COMMANDS.items():
        group.add_command(TyperCommand(name, help=summary, short_help=summary))
    return group


def main() -> None:
    """Entry point of the ``vane`` console script."""
    if COMPLETING in os.environ:  # the shell asks what may follow: every command's options must be known
        return build_app()(prog_name="vane")
    # NumPy asks Linux for huge pages for every large array; in a virtual machine that backs memory on first
    # touch (as CI's does) each such page costs more than the 512 small ones it replaces: vane score on
    # 10 million forecasts took 38-41 s with them and 32-35 s without. Set to 1 to have them again.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    wanted = invoked_command(sys.argv[1:])
    if wanted != "calibrate":  # (its samplers' processes inherit the environment and choose for themselves)
        # OpenBLAS's threads wait for work by spinning: on 2 cores they took a core from the processes the
        # commands run beside their own (parsing, charts) for products too small to share: vane score on 1,000
        # questions spent 0.6-0.9 s more CPU and 0.2 s more time with them. OPENBLAS_NUM_THREADS=2 has them.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if wanted:  # (a command imports the loader anyway; the listing must not)
        from model.base.memory import keep_freed_memory
        from model.workspace.loader import freeze_loaded

        freeze_loaded()  # this process ends with the command: what it loads lives as long
        keep_freed_memory()  # and so may keep what it frees (model/base/memory.py says why)
    (build_app([wanted]) if wanted else listing_app())()


COMPLETING = "_VANE_COMPLETE"  # set by the completion script --install-completion writes


def __getattr__(name: str):
    # ``from cli.app import app`` (tests, embedding) gets every command
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    main()
