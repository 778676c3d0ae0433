"""``vane check``: load everything and list every problem as path:line: message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.options import (
    EXIT_PROBLEMS,
    DirOption,
    JsonOption,
    handles_errors,
    print_json,
    say,
    workspace,
)
from cli.render import wrapped
from model.record.check import check_paths


@handles_errors
def check(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="[DIR|FILE]...", help="Files or folders to check [default: the workspace].")] = None,
    json_output: JsonOption = False,
    directory: DirOption = None,
) -> None:
    """Check question files, source records, settings, the forecast log and the saved calibration; exit 1 if anything is wrong."""
    targets = list(paths) if paths else [workspace(directory).root]
    loaded = check_paths(targets)
    problems = sorted(loaded.problems, key=lambda p: (p.path, p.line))
    if json_output:
        print_json({"files": loaded.files, "problems": [problem.as_dict() for problem in problems]})
    else:
        for problem in problems:
            say(wrapped(str(problem), indent="    "))  # whole lines in a pipe, for editors and grep
        noun = "file" if loaded.files == 1 else "files"
        verdict = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems else "no problems"
        say(f"checked {loaded.files} {noun}: {verdict}", err=bool(problems))
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)
