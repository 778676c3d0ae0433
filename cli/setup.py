"""``vane init`` and ``vane new``: a workspace and a question file to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    handles_errors,
    parse_assignments,
    parse_date,
    parse_numbers,
    say,
    with_dir,
    writable_workspace,
)
from model.base.errors import display_path
from model.edits.new import create_question
from model.teams.gitsetup import CONFIG_LINES, set_up_merges
from model.workspace.folder import init_workspace


@handles_errors
def init(folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to make a workspace (created if missing).")]) -> None:
    """Create an empty workspace: scenarios/, reports/, a .gitignore for lock files and a .gitattributes for merges."""
    space, created = init_workspace(folder)
    merges = set_up_merges(space.root)  # .gitattributes, and the driver in .git/config inside a repository
    for path in created:
        say(f"created {display_path(path)}")
    if merges.attributes:
        say(f"wrote {display_path(merges.attributes)}: git merges question files and the forecast log with vane")
    if not created and not merges.attributes:
        say(f"{display_path(space.root)} is already a workspace; nothing changed")
    if merges.configured and (created or merges.attributes):
        say("configured git in this repository to run: vane merge-file")
    elif not merges.configured:
        say("not in a git repository: once it is, run 'vane merge-setup' there, or:")
        for line in CONFIG_LINES:
            say(f"  {line}")
    say(f"next: {with_dir('vane new QUESTION', space.root)} --question '...' --closes YYYY-MM-DD --scenario a='...' --scenario b='...'")


@handles_errors
def new(
    question_id: Annotated[str, typer.Argument(metavar="QUESTION", help="Id of the new question (becomes its file name).")],
    title: Annotated[str, typer.Option("--question", "-q", help="The question, as a reader would ask it.")],
    closes: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="Resolution deadline.")],
    scenario: Annotated[list[str], typer.Option(metavar="ID=DESCRIPTION", help="A scenario (repeat; at least two).")],
    opened: Annotated[Optional[str], typer.Option(metavar="YYYY-MM-DD", help="Opening date [default: today].")] = None,
    prior: Annotated[Optional[list[str]], typer.Option(metavar="ID=P", help="Prior probability per scenario [default: uniform].")] = None,
    basis: Annotated[str, typer.Option(help="Where the prior comes from (a base rate, ideally).")] = "",
    ordered: Annotated[bool, typer.Option(help="The scenarios are ordered (date bins, escalation levels).")] = False,
    tag: Annotated[Optional[list[str]], typer.Option(metavar="TAG", help="A topic to cut the track record by (repeat).")] = None,
    directory: DirOption = None,
) -> None:
    """Create a question file in scenarios/ from the options given."""
    space = writable_workspace(directory)
    priors = parse_numbers(prior or [], "--prior")
    path = create_question(
        space.scenarios, question_id, title, parse_date(closes, "--closes"),
        parse_assignments(scenario, "--scenario"), priors or None, basis, ordered, parse_date(opened, "--opened"),
        tags=tuple(tag or ()),
    )
    say(f"created {display_path(path)}; edit it, then tag evidence with: {with_dir(f'vane add {question_id}', directory)} ...")
