"""``vane post-mortem``: a resolved question's stories for and against the outcome, whose evidence pointed right,
and how every forecaster moved; printed, and written as a page in reports/post-mortems/."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.options import (
    DirOption,
    FaceValueOption,
    JsonOption,
    handles_errors,
    print_json,
    say,
    viewing,
    workspace,
)
from cli.render import table, terminal_width, wrapped
from model.base.errors import display_path
from model.base.numbers import number, percent, signed

STORIES_SHOWN = 5  # stories printed each way (the page has them all)


@handles_errors
def post_mortem(
    question_id: Annotated[str, typer.Argument(metavar="QUESTION", help="A resolved question's id (its file name without .yaml).")],
    face_value: FaceValueOption = False,
    json_output: JsonOption = False,
    directory: DirOption = None,
) -> None:
    """Look back at a resolved question: stories for and against the outcome, whose evidence was right, the forecasts.

    Writes the page reports/post-mortems/QUESTION.html (and .md) and prints the same in short.
    """
    from model.fileformat.log_entry import KINDS
    from model.record.log_reading import entries_on
    from model.record.track_record import score_workspace
    from model.reports.postmortem import post_mortem as build
    from model.reports.postmortem import write_post_mortem
    from model.workspace.folder import log_path

    loaded, parameters, _ = viewing(directory, None, face_value, question_id)
    space = workspace(directory)
    question = loaded.question(question_id)
    entries, problems = entries_on(log_path(space), {question.id}, set(KINDS))
    for problem in problems:
        say(str(problem), err=True)
    scores = score_workspace(space, [question], loaded.settings.grades)[0] if question.outcome else None
    found = build(question, parameters, entries, scores)
    paths = write_post_mortem(found, space.reports / "post-mortems")
    if json_output:
        print_json(_as_dict(found, paths))
        return
    say(render(found))
    say(wrapped(f"post-mortem page: {display_path(paths[1])} (and {paths[0].name} beside it)"))


def render(found) -> str:
    """The post-mortem as text: the forecasters, the strongest stories each way, the analysts and sources."""
    width = terminal_width()
    k = found.outcome_index
    head = [wrapped(f"{found.question.id}: {found.question.title}"),
            wrapped(f"resolved {found.resolved}: {found.outcome}. The evidence gave it "
                    f"{percent(found.engine.mean[0][k], 0)} at the start and {percent(found.engine.mean[-1][k], 0)} "
                    "at the resolution.")]
    rows = [[f"{trail.forecaster} ({trail.kind})", str(len(trail.times)),
             f"{percent(trail.first, 0)} {trail.times[0]:%Y-%m-%d}", f"{percent(trail.last, 0)} {trail.times[-1]:%Y-%m-%d}",
             number(trail.brier), number(trail.log)] for trail in found.forecasters]
    parts = ["\n".join(head)]
    if rows:
        parts.append(wrapped(f"Forecasts of {found.outcome} (first and last; time-averaged scores)") + "\n"
                     + table(["forecaster", "forecasts", "first", "last", "Brier", "log"], rows, right={1, 2, 3, 4, 5},
                             width=width))
    for title, stories in ((f"Stories that pointed toward {found.outcome}", found.toward),
                           ("Stories that pointed away from it", found.away)):
        shown = [[signed(story.ratio, 2), str(story.date), " ".join(story.items[0].summary.split())]
                 for story in stories[:STORIES_SHOWN]]
        more = f" (the {STORIES_SHOWN} strongest of {len(stories)})" if len(stories) > STORIES_SHOWN else ""
        parts.append(wrapped(f"{title}{more}: log likelihood ratio, {found.outcome} against the rest") + "\n"
                     + (table(["ratio", "first seen", "story"], shown, right={0}, free=2, width=width) if shown else "  none"))
    for title, records in (("analyst", found.analysts), ("source", found.sources)):
        rows = [[record.name, str(record.items), str(record.toward), str(record.away), signed(record.mean_ratio, 2)]
                for record in records]
        parts.append(wrapped(f"Whose evidence pointed right, by {title} (items as rated)") + "\n"
                     + table([title, "items", "toward", "away", "mean ratio"], rows, right={1, 2, 3, 4}, width=width))
    return "\n\n".join(parts)


def _as_dict(found, paths) -> dict:
    """The post-mortem as plain data (``--json``)."""
    k = found.outcome_index
    return {
        "question": found.question.id, "outcome": found.outcome, "resolved": found.resolved.isoformat(),
        "evidence": {"start": float(found.engine.mean[0][k]), "resolution": float(found.engine.mean[-1][k])},
        "stories": [{"story": story.story, "first_seen": story.date.isoformat(), "log_ratio": story.ratio,
                     "direction": story.direction, "items": [item.id for item in story.items]}
                    for story in found.stories],
        "analysts": [vars(record) for record in found.analysts],
        "sources": [vars(record) for record in found.sources],
        "forecasters": [{"forecaster": trail.forecaster, "kind": trail.kind, "brier": trail.brier, "log": trail.log,
                         "forecasts": [{"time": time.isoformat(), "probability": p}
                                       for time, p in zip(trail.times, trail.outcome_probability)]}
                        for trail in found.forecasters],
        "files": [str(path) for path in paths],
    }
