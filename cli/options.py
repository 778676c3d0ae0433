"""Options shared by several commands, defined once, and the clean-exit wrapper every command uses."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.render import wrapped
from model.base.clock import Clock
from model.base.dates import parse_day
from model.base.errors import Refused, VaneError, display_path
from model.base.numbers import probability_value
from model.base.textsafe import visible
from model.workspace.folder import ENVIRONMENT_VARIABLE, Workspace, locate

EXIT_PROBLEMS = 1
EXIT_INTERNAL = 70

QuestionArgument = Annotated[str, typer.Argument(metavar="QUESTION", help="Question id (its file name without .yaml).")]


DirOption = Annotated[
    Optional[Path],
    typer.Option(
        "--dir", "-C", metavar="DIR", envvar=ENVIRONMENT_VARIABLE, show_envvar=True,
        help="Workspace folder holding scenarios/ and reports/ [default: this folder or a parent].",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]
AnalystOption = Annotated[
    Optional[str],
    typer.Option("--analyst", metavar="NAME", help="Probabilities from this analyst's evidence alone (indicators left out)."),
]
StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="Also require evidence to have been recorded by the as-of date, not just dated by it."),
]


def parse_date(value: Optional[str], option: str) -> Optional[dt.date]:
    """A YYYY-MM-DD option value as a date; a bad one is refused in one line naming the option."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as error:
        raise VaneError(f"{option} '{value}' {error}") from None


def as_of_date(value: Optional[str]) -> dt.date:
    """The ``--as-of`` day (today by default); a day still in the future is refused.

    A view from the future would count every indicator not yet due as missed.
    """
    clock = Clock.system()
    day = parse_date(value, "--as-of") or clock.today
    if clock.is_future(day):
        raise VaneError(f"--as-of {day} is in the future; views are of today or earlier")
    return day


def warn_before_opened(questions, day: dt.date) -> None:
    """A warning on standard error for each question a view's day comes before (it shows only the prior then)."""
    early = [question for question in questions if day < question.opened]
    for question in early[:3]:
        say(wrapped(f"warning: --as-of {day} is before {question.id} opened on {question.opened}: it shows only "
                    "the prior", indent="  "), err=True)
    if len(early) > 3:
        say(f"warning: and {len(early) - 3} more questions opened after {day}", err=True)


FaceValueOption = Annotated[
    bool,
    typer.Option("--face-value", help="Take ratings and prior exactly as written (s = 1, kappa = 1, no decay), without parameter draws."),
]
AsOfOption = Annotated[
    Optional[str],
    typer.Option("--as-of", metavar="YYYY-MM-DD", help="Show the view from evidence dated up to this day [default: today]."),
]


def with_dir(command: str, directory: Optional[Path]) -> str:
    """``command`` as the user would type it next: with the ``--dir`` they gave this one, if any."""
    if directory is None:
        return command
    import shlex

    return f"{command} --dir {shlex.quote(display_path(directory))}"


def workspace(directory: Optional[Path]) -> Workspace:
    """The workspace the command works on."""
    return locate(directory)


def viewing(directory: Optional[Path], as_of: Optional[str], face_value: bool, question: Optional[str] = None):
    """What a command that shows probabilities starts from: the workspace loaded, the parameters, the day.

    With ``question``, only that question (and the settings) is loaded.

    Returns
    -------
    (Loaded, Parameters, date)
    """
    from model.engine.parameters import workspace_parameters
    from model.workspace.loader import load_one_question, load_workspace

    space = workspace(directory)
    loaded = load_one_question(space, question) if question else load_workspace(space)
    return loaded, workspace_parameters(space, face_value, loaded.settings.grades), as_of_date(as_of)


def writable_workspace(directory: Optional[Path]) -> Workspace:
    """The workspace a writing command works on; refused while two question files share an id."""
    return locate(directory).refuse_clashes()


def shown(text: str) -> str:
    """Text for the terminal: every control and bidi character made visible, line breaks kept.

    Everything ``vane`` prints goes through here (``say``), because any of it
    may carry text from a file, a flag or an import: an ESC sequence in a
    summary must not clear the screen, and a right-to-left override must not
    disguise a file name.
    """
    return "\n".join(visible(line) for line in str(text).split("\n"))


def say(message: str = "", err: bool = False, nl: bool = True) -> None:
    """Print a line (standard error with ``err``), made safe by ``shown``."""
    typer.echo(shown(message), err=err, nl=nl)


def print_json(data) -> None:
    """Write ``data`` as indented JSON to standard output.

    ASCII only: every other character is a ``\\u`` escape, so no control or
    bidi character reaches the terminal and any JSON reader gets the text back.
    """
    typer.echo(json.dumps(data, indent=2, ensure_ascii=True))


OPTION_NAMES = {
    "summary": "--summary", "date": "--date", "url": "--url", "grade": "--grade", "story": "--story",
    "ratings": "--rate", "likelihoods": "--likelihood", "description": "--description", "due": "--due",
    "probabilities": "--prob", "scenario": "SCENARIO", "note": "--note", "reason": "--reason",
}
"""The option (or argument) that sets each field the library checks, so a refusal names what the user typed."""


def report_error(error: VaneError) -> None:
    """Print a user error and its located problems to standard error."""
    message = error.worded(OPTION_NAMES) if isinstance(error, Refused) else error.message
    say(wrapped(f"vane: {message}", indent="  "), err=True)
    for problem in error.problems:
        if str(problem) != error.message:
            say(wrapped(f"  {problem}", indent="  "), err=True)


_debug = {"on": False}  # set by the global --debug option for the current run


def set_debugging(on: bool) -> None:
    """Record whether this run asked for tracebacks (``--debug``)."""
    _debug["on"] = on


def debugging() -> bool:
    """True when ``--debug`` or ``VANE_DEBUG=1`` asks for tracebacks."""
    return _debug["on"] or os.environ.get("VANE_DEBUG", "") not in ("", "0")


def handles_errors(command):
    """Turn the library's ``VaneError`` into a message and exit code 1, and bugs into exit 70.

    No traceback is shown unless debugging; Ctrl-C exits quietly with 130.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except VaneError as error:
            if debugging():
                raise
            report_error(error)
            raise typer.Exit(EXIT_PROBLEMS) from None
        except KeyboardInterrupt:
            say("vane: interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # the reader went away (e.g. "| head"): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(141) from None
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except OSError as error:  # the machine said no (permissions, a full disk, a folder in the way)
            if debugging():
                raise
            where = f"{display_path(error.filename)}: " if error.filename else ""
            say(f"vane: {where}{error.strerror or error}", err=True)
            raise typer.Exit(EXIT_PROBLEMS) from None
        except Exception as error:  # a bug, not the user's mistake: say so briefly
            if debugging():
                raise
            say(f"vane: internal error ({type(error).__name__}: {error}); rerun with --debug for details", err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def interactive() -> bool:
    """True when both standard input and output are terminals (prompts make sense)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def load_reporting(space: Workspace):
    """Everything in the workspace; problems in files are printed (the valid questions carry on)."""
    from model.workspace.loader import load_workspace

    loaded = load_workspace(space)
    if loaded.problems:
        report_problems(loaded.problems)
    return loaded


SkipBrokenOption = Annotated[
    bool,
    typer.Option("--skip-broken", help="Publish for the questions that can be read, listing the files left out, instead of refusing."),
]


def load_publishing(space: Workspace, skip_broken: bool):
    """Everything in the workspace, for a command that publishes forecasts for every open question.

    A publication must never silently leave a question out: with problems in
    any file it refuses, unless ``skip_broken`` asks to go on without them (the
    problems are printed, and the caller lists them in what it writes).

    Raises
    ------
    VaneError
        Listing every problem, when there are any and ``skip_broken`` is off.
    """
    from model.workspace.loader import load_workspace

    loaded = load_workspace(space)
    if loaded.problems and not skip_broken:
        files = sorted({problem.path for problem in loaded.problems})
        raise VaneError(f"{len(files)} file(s) have problems: publishing now could leave questions out or use the wrong "
                        f"settings, so nothing was written. Fix {', '.join(files)} (see 'vane check'), or pass --skip-broken",
                        loaded.problems)
    if loaded.problems:
        report_problems(loaded.problems)
    return loaded


def report_problems(problems) -> None:
    """Print located problems to standard error, with a pointer to ``vane check``."""
    for problem in problems:
        say(wrapped(str(problem), indent="  "), err=True)
    say(f"vane: {len(problems)} problem(s) in the workspace; see 'vane check'", err=True)


def parse_assignments(values: list[str], what: str, example: str = "deal=+") -> dict[str, str]:
    """``["deal=+", "stall=--"]`` as ``{"deal": "+", "stall": "--"}``.

    Raises
    ------
    VaneError
        For an entry without ``=`` or a scenario given twice.
    """
    parsed: dict[str, str] = {}
    for value in values:
        name, sep, given = value.partition("=")
        if not sep or not name.strip() or not given.strip():
            raise VaneError(f"{what} '{value}' must look like scenario=value, e.g. {example}")
        if name.strip() in parsed:
            raise VaneError(f"{what} for '{name.strip()}' is given twice")
        parsed[name.strip()] = given.strip()
    return parsed


def parse_numbers(values: list[str], what: str) -> dict[str, float]:
    """``["deal=0.3", "stall=70%"]`` as ``{"deal": 0.3, "stall": 0.7}``, naming ``what`` on a bad entry.

    Probabilities may be written ``0.3``, ``30%`` or as odds ``1:4``.

    Raises
    ------
    VaneError
        For an entry that is not scenario=probability.
    """
    numbers = {}
    for name, text in parse_assignments(values, what, example="deal=0.3").items():
        try:
            numbers[name] = probability_value(text)
        except ValueError as error:
            raise VaneError(f"{what} {name}={text}: '{text}' {error}") from None
    return numbers
