"""``vane merge-file`` (git's merge driver) and ``vane merge-setup`` (wiring it into a repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.options import EXIT_PROBLEMS, DirOption, handles_errors, say, workspace
from model.base.errors import display_path
from model.teams.gitsetup import CONFIG_LINES, set_up_merges
from model.teams.merge import merge_file as merge_three


@handles_errors
def merge_file(
    base: Annotated[Path, typer.Argument(metavar="BASE", help="The common ancestor's version (git's %O).")],
    ours: Annotated[Path, typer.Argument(metavar="OURS", help="Our version, replaced by the result (git's %A).")],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", help="Their version (git's %B).")],
    path: Annotated[str, typer.Argument(metavar="PATH", help="The file's path in the repository (git's %P).")],
) -> None:
    """Merge a question file or the forecast log for git: items and forecasts from both sides; exit 1 on a conflict."""
    merged = merge_three(base, ours, theirs, path)
    for old, new in merged.renamed:
        say(f"vane: {path}: their {old} is now {new}", err=True)
    if not merged.clean:
        say(f"vane: {path}: conflict, left marked for you to resolve: {'; '.join(merged.conflicts)}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)


@handles_errors
def merge_setup(directory: DirOption = None) -> None:
    """Make git merge this workspace's question files and forecast log with vane merge-file."""
    done = set_up_merges(workspace(directory).root)
    if done.attributes:
        say(f"wrote {display_path(done.attributes)}: git merges question files and the forecast log with vane")
    if done.configured:
        say("configured git in this repository to run: vane merge-file")
    else:
        say("not a git repository yet: once it is one, run 'vane merge-setup' there, or:")
        for line in CONFIG_LINES:
            say(f"  {line}")
