"""A new question file, ready to edit: ``vane new``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from model.dates import utc_iso, utc_seconds
from model.errors import VaneError
from model.loader import load_question_text
from model.question import Evidence, Indicator, Question
from model.ratings import symbol
from model.safewrite import create_new
from model.schema import Clock
from model.workspace import new_question_file
from model.yamlwrite import render_entry, render_mapping, render_value


def question_text(
    title: str, opened: dt.date, closes: dt.date, scenarios: dict[str, str],
    prior: dict[str, float] | None = None, basis: str = "", ordered: bool = False,
) -> str:
    """The YAML text of a new question, commented for a first-time user."""
    quoted = render_value
    if prior:
        probabilities = render_value(prior)
    else:
        probabilities = "uniform"
    lines = [
        f"# {title}",
        "# A Weathervane question; the format is described in docs/format.md.",
        "# Tag evidence with: vane add <question> --summary \"...\" --rate <scenario>=+",
        f"question: {quoted(title)}",
        f"opened: {opened}",
        f"closes: {closes}",
    ]
    lines += ["ordered: true   # scenarios are in order (date bins, escalation levels)"] if ordered else []
    lines += ["scenarios:   # mutually exclusive, together exhaustive"]
    lines += [f"  {sid}: {quoted(description)}" for sid, description in scenarios.items()]
    lines += [
        "prior:",
        f"  basis: {quoted(basis or 'uniform: no base rate chosen yet')}",
        f"  probabilities: {probabilities}",
        "evidence: []",
        "indicators: []",
    ]
    return "\n".join(lines) + "\n"


def create_question(
    folder: Path, question_id: str, title: str, closes: dt.date, scenarios: dict[str, str],
    prior: dict[str, float] | None = None, basis: str = "", ordered: bool = False,
    opened: dt.date | None = None, clock: Clock | None = None,
) -> Path:
    """Write ``<folder>/<question_id>.yaml``; refuses ids that are taken and files that would not validate.

    Raises
    ------
    VaneError
        With every problem the new file would have.
    """
    clock = clock or Clock.system()
    path = new_question_file(folder, question_id)
    text = question_text(title, opened or clock.today, closes, scenarios, prior, basis, ordered)
    _, problems = load_question_text(text, path, clock)
    if problems:
        raise VaneError("the new question would not be valid:", problems)
    create_new(path, text)
    return path


def render_question(question: Question, comment: str = "") -> str:
    """The complete YAML text of a ``Question`` (the file ``load_question`` would read it from)."""
    lines = [f"# {line}\n" for line in comment.splitlines()]
    lines.append(render_mapping({
        "question": question.title, "description": question.description,
        "opened": _moment(question.opened_at) or question.opened, "closes": _moment(question.closes_at) or question.closes,
        "spot_scoring": _moment(question.spot_scoring_at), "ordered": question.ordered or None,
    }, 0))
    lines.append("scenarios:\n" + render_mapping({s.id: s.description for s in question.scenarios}, 2))
    lines.append("prior:\n" + render_mapping({"basis": question.prior.basis, "probabilities": {
        sid: round(p, 12) for sid, p in question.prior.probabilities.items()}}, 2))
    lines.append("evidence:" + ("\n" if question.evidence else " []\n"))
    lines += [render_entry(_evidence_entry(item), 2, 4) for item in question.evidence]
    lines.append("indicators:" + ("\n" if question.indicators else " []\n"))
    lines += [render_entry(_indicator_entry(indicator), 2, 4) for indicator in question.indicators]
    if question.resolution:
        lines.append("resolution:\n" + render_resolution(question.resolution))
    return "".join(lines)


def render_resolution(resolution) -> str:
    """The body of a ``resolution:`` mapping (indented two spaces), with any earlier resolutions."""
    text = render_mapping({"scenario": resolution.outcome, "date": resolution.date, "note": resolution.note,
                           "url": resolution.url}, 2)
    if resolution.history:
        text += "  history:\n" + "".join(
            render_entry({"scenario": earlier.outcome, "date": earlier.date, "note": earlier.note, "url": earlier.url,
                          "replaced": _moment(earlier.replaced)}, 4, 6)
            for earlier in resolution.history
        )
    return text


def _moment(moment: dt.datetime | None) -> str | None:
    return utc_iso(moment) if moment else None


def _evidence_entry(item: Evidence) -> dict:
    whole = all(float(units).is_integer() and -2 <= units <= 2 for units in item.units.values())
    scale = (
        {"ratings": {sid: symbol(units) for sid, units in item.units.items()}} if whole
        else {"likelihoods": {sid: round(2.0 ** units, 12) for sid, units in item.units.items()}}
    )
    recorded = utc_seconds(item.recorded) if item.recorded else None
    return {"id": item.id, "date": item.date, "recorded": recorded, "summary": item.summary, "source": item.source,
            "url": item.url, "grade": item.grade, "story": item.story, "analyst": item.analyst, **scale}


def _indicator_entry(indicator: Indicator) -> dict:
    return {"id": indicator.id, "description": indicator.description, "due": indicator.due,
            "probabilities": indicator.probabilities, "observed": indicator.observed, "evidence": indicator.evidence}
