"""Importing other forecasters' histories: a Metaculus export, or a simple CSV.

The Metaculus layout is that of ``forecasts.csv`` in Metaculus' public data
(one row per forecast: ``question_id``, ``forecast_id``, ``forecaster``,
``forecast_timestamp``, ``probability_yes`` or ``probability_yes_per_category``
with ``options``, ``type``, ``resolution``, ``published_at``, close and
spot-scoring times). Its questions that the workspace does not have become new
question files; forecasts go into the forecast log, once each however often
the file is imported.

The simple layout is a CSV with the columns ``question``, ``forecaster``,
``time`` and one column per scenario id of that question.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from model.base.clock import Clock
from model.base.dates import parse_utc
from model.base.errors import Problem, VaneError, display_path
from model.base.safewrite import create_new
from model.fileformat.log_entry import (
    LoggedForecast,
    check_forecaster,
    check_probabilities,
)
from model.fileformat.question import Prior, Question, Scenario, render_question
from model.fileformat.resolution import ANNULLED, Resolution
from model.fileformat.values import is_identifier
from model.workspace.folder import new_question_file
from model.workspace.loader import load_question_text

METACULUS_COLUMNS = ("question_id", "forecast_id", "forecaster", "forecast_timestamp", "type", "options",
                     "probability_yes", "probability_yes_per_category", "published_at", "scheduled_close_time",
                     "actual_close_time", "spot_scoring_time", "resolution", "question_title")


SIMPLE_COLUMNS = ("question", "forecaster", "time")


METACULUS_BATCH = "import metaculus"


@dataclass(frozen=True)
class Imported:
    """What an import found: forecasts for the log, and question files to create."""

    forecasts: tuple[LoggedForecast, ...]
    new_questions: tuple[Question, ...]


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and (line, row) pairs of a CSV file.

    Raises
    ------
    VaneError
        When the file cannot be read as CSV.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            rows = [(reader.line_num, row) for row in reader]
            return list(reader.fieldnames or []), rows
    except FileNotFoundError:
        raise VaneError(f"{display_path(path)}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise VaneError(f"{display_path(path)}: cannot be read as CSV ({error})") from None


def import_forecasts(path: Path, questions: dict[str, Question], clock: Clock | None = None,
                     tags: tuple[str, ...] = ()) -> Imported:
    """Forecasts (and any new questions) from a Metaculus export or a simple CSV; all or nothing.

    A question the import creates is tagged with ``tags``, then ``metaculus``, its type and its project
    (``metaculus_tags``), so the track record can be cut by them (``vane score --by tag``).

    Raises
    ------
    VaneError
        With every problem found (file:line), when any row cannot be imported.
    """
    header, rows = read_rows(path)
    if all(column in header for column in METACULUS_COLUMNS):
        return _metaculus(path, rows, questions, clock or Clock.system(), tags)
    if all(column in header for column in SIMPLE_COLUMNS):
        return _simple(path, rows, questions)
    raise VaneError(
        f"{display_path(path)}:1: not a forecast file: expected Metaculus export columns "
        f"({', '.join(METACULUS_COLUMNS[:4])}, ...) or {', '.join(SIMPLE_COLUMNS)} and one column per scenario"
    )


def parse_time(text: str) -> dt.datetime:
    """A timestamp such as ``2025-03-14 22:11:38.093513+00`` or ``2025-03-14T22:11:38Z`` (UTC if no zone).

    Raises
    ------
    ValueError
        For text that is not a time, or a time outside the accepted years.
    """
    try:
        return parse_utc(text)
    except ValueError as error:
        raise ValueError(f"time '{text.strip()}' {error}") from None


def slug(label: str) -> str:
    """A scenario id for an option label: "3 or more" -> "3-or-more", ">70" -> "gt70"."""
    text = label.strip().lower().replace(">", "gt").replace("<", "lt").replace("%", "pct").replace("+", "plus")
    text = re.sub(r"[^a-z0-9.]+", "-", text).strip("-.")
    return text if text and is_identifier(text) else "option"


def _simple(path: Path, rows, questions: dict[str, Question]) -> Imported:
    shown, forecasts, problems = display_path(path), [], []
    for line, row in rows:
        try:
            forecasts.append(_simple_forecast(row, questions, f"import {path.name}"))
        except (VaneError, ValueError) as error:
            problems.append(Problem(shown, line, _one_line(error)))
    _refuse(problems)
    return Imported(tuple(forecasts), ())


def _simple_forecast(row: dict, questions: dict[str, Question], batch: str) -> LoggedForecast:
    if None in row:  # csv puts values beyond the header's columns under None
        raise VaneError(f"{len(row[None])} more value(s) than the header has columns")
    question = questions.get((row.get("question") or "").strip())
    if question is None:
        raise VaneError(f"no question '{row.get('question') or ''}' in the workspace")
    written = {name: (value or "").strip() for name, value in row.items() if name not in SIMPLE_COLUMNS}
    values = {}
    for name, text in written.items():
        if text:
            try:
                values[name] = float(text)
            except ValueError:
                raise VaneError(f"column '{name}': '{text}' is not a number") from None
    probabilities = check_probabilities(values, question.scenario_ids, "the forecast")
    return LoggedForecast(
        time=_row_time(row.get("time") or ""), question=question.id, forecaster=check_forecaster(row.get("forecaster") or ""),
        probabilities=probabilities, kind="imported", batch=batch,
    )


def _row_time(text: str) -> dt.datetime:
    try:
        return parse_time(text)
    except ValueError as error:
        raise VaneError(str(error)) from None


def _one_line(error: Exception) -> str:
    """A multi-line message ("...:\n  a\n  b") as one line ("...: a; b") for a file:line problem."""
    return str(error).replace(":\n  ", ": ").replace("\n  ", "; ")


def _metaculus(path: Path, rows, questions: dict[str, Question], clock: Clock, tags: tuple[str, ...] = ()) -> Imported:
    shown = display_path(path)
    by_question: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for line, row in rows:
        by_question[row["question_id"].strip()].append((line, row))
    forecasts, new_questions, problems = [], [], []
    for metaculus_id, question_rows in by_question.items():
        try:
            question = _known_question(metaculus_id, question_rows[0][1], questions)
            if question is None:
                question = metaculus_question(question_rows[0][1], clock, tags)
                new_questions.append(question)
            labels = _labels(question_rows[0][1])
            mapping = _scenario_mapping(question, labels)
        except (VaneError, ValueError, KeyError) as error:
            problems.append(Problem(shown, question_rows[0][0], f"question {metaculus_id}: {error}"))
            continue
        for line, row in question_rows:
            try:
                forecasts.append(_metaculus_forecast(row, question, labels, mapping))
            except (VaneError, ValueError, KeyError) as error:
                problems.append(Problem(shown, line, _one_line(error)))
    _refuse(problems)
    return Imported(tuple(forecasts), tuple(new_questions))


def _known_question(metaculus_id: str, row: dict, questions: dict[str, Question]) -> Question | None:
    """The workspace's question for this Metaculus question: by id ``metaculus-<id>``, else by identical title."""
    if f"metaculus-{metaculus_id}" in questions:
        return questions[f"metaculus-{metaculus_id}"]
    title = row["question_title"].strip()
    return next((question for question in questions.values() if question.title == title), None)


def _labels(row: dict) -> list[str]:
    if row["type"].strip() == "binary":
        return ["yes", "no"]
    labels = json.loads(row["options"])
    if not isinstance(labels, list) or len(labels) < 2:
        raise VaneError("a multiple-choice question needs at least two options")
    return [str(label) for label in labels]


def _scenario_mapping(question: Question, labels: list[str]) -> dict[str, str]:
    """Option label -> scenario id of ``question`` (by id, its slug, or the scenario's description)."""
    mapping, unknown = {}, []
    for label in labels:
        match = next((s.id for s in question.scenarios if label in (s.id, s.description) or s.id == slug(label)), None)
        if match is None:
            unknown.append(label)
        else:
            mapping[label] = match
    if unknown:
        raise VaneError(f"option(s) {', '.join(repr(u) for u in unknown)} match no scenario of {question.id} "
                        f"({', '.join(question.scenario_ids)})")
    return mapping


def _metaculus_forecast(row: dict, question: Question, labels: list[str], mapping: dict[str, str]) -> LoggedForecast:
    if row["type"].strip() == "binary":
        yes = float(row["probability_yes"])
        values = [yes, 1.0 - yes]
    else:
        values = [float(value) for value in json.loads(row["probability_yes_per_category"])]
        if len(values) != len(labels):
            raise VaneError(f"{len(values)} probabilities for {len(labels)} options")
    probabilities = check_probabilities({mapping[label]: value for label, value in zip(labels, values)},
                                        question.scenario_ids, "the forecast")
    return LoggedForecast(
        time=parse_time(row["forecast_timestamp"]), question=question.id, forecaster=check_forecaster(row["forecaster"]),
        probabilities=probabilities, kind="imported", batch=METACULUS_BATCH, external_id=row["forecast_id"].strip(),
    )


def metaculus_question(row: dict, clock: Clock, tags: tuple[str, ...] = ()) -> Question:
    """A question built from an export row: its title, options as scenarios with a uniform prior, times, resolution,
    and ``tags`` with the export's own (``metaculus_tags``)."""
    question_id = f"metaculus-{row['question_id'].strip()}"
    if not is_identifier(question_id):  # the id becomes a file name: nothing that could name a path elsewhere
        raise VaneError(f"'{row['question_id'].strip()}' is not a Metaculus question id")
    labels = _labels(row)
    ids = _unique_slugs(labels)
    opened = parse_time(row["published_at"])
    closes = min(parse_time(row["actual_close_time"]), parse_time(row["scheduled_close_time"]))
    spot = parse_time(row["spot_scoring_time"]) if row.get("spot_scoring_time", "").strip() else None
    post = row.get("post_id", "").strip() or row["question_id"].strip()
    return Question(
        id=question_id, path="", title=row["question_title"].strip(),
        opened=opened.date(), closes=closes.date(), opened_at=opened, closes_at=closes,
        spot_scoring_at=spot if spot and spot != closes else None,
        scenarios=tuple(Scenario(sid, label.capitalize() if row["type"].strip() == "binary" else label)
                        for sid, label in zip(ids, labels)),
        prior=Prior({sid: 1.0 / len(ids) for sid in ids}, "uniform: imported from a Metaculus export, which gives no prior"),
        description=f"Imported from a Metaculus export: question {row['question_id'].strip()}"
                    + (f" ({row['project_title'].strip()})" if row.get("project_title", "").strip() else "") + ".",
        resolution=_resolution(row, dict(zip(labels, ids)), opened, clock, post),
        tags=tuple(dict.fromkeys((*tags, *metaculus_tags(row)))),
    )


def metaculus_tags(row: dict) -> tuple[str, ...]:
    """What an export row says of its question's topic: ``metaculus``, its type (``binary``,
    ``multiple-choice``) and its project's title as an id, when it makes one."""
    found = ["metaculus", slug(row["type"])]
    project = slug(row.get("project_title", "")) if row.get("project_title", "").strip() else ""
    return tuple(tag for tag in (*found, project) if tag and tag != "option" and is_identifier(tag))


def _unique_slugs(labels: list[str]) -> list[str]:
    ids: list[str] = []
    for label in labels:
        base = slug(label)
        candidate, number = base, 2
        while candidate in ids or candidate == ANNULLED:
            candidate, number = f"{base}-{number}", number + 1
        ids.append(candidate)
    return ids


def _resolution(row: dict, ids: dict[str, str], opened: dt.datetime, clock: Clock, post: str) -> Resolution | None:
    outcome = row["resolution"].strip()
    if not outcome:
        return None
    resolved_at = row.get("actual_resolve_time", "").strip() or row["actual_close_time"]
    date = min(max(parse_time(resolved_at).date(), opened.date()), clock.today)
    if outcome in ("annulled", "ambiguous"):
        scenario = ANNULLED
    elif outcome in ids:
        scenario = ids[outcome]
    else:
        raise VaneError(f"resolution '{outcome}' is not one of the options {', '.join(ids)}")
    return Resolution(scenario, date, f"Resolved '{outcome}' on Metaculus (question {row['question_id'].strip()}).",
                      f"https://www.metaculus.com/questions/{post}/" if post.isascii() and post.isdigit() else "")


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise VaneError(f"nothing was imported: {len(problems)} problem(s)", problems)


def write_new_questions(folder: Path, imported: Imported, clock: Clock | None = None) -> list[Path]:
    """Create the files of the questions an import brought (each checked before it is written)."""
    planned = []
    for question in imported.new_questions:  # every file checked before the first is written
        path = new_question_file(folder, question.id)
        text = render_question(question, "Imported by vane import-forecasts.")
        _, problems = load_question_text(text, path, clock)
        if problems:
            raise VaneError(f"the imported question {question.id} would not be valid", problems)
        planned.append((path, text))
    for path, text in planned:
        create_new(path, text)
    return [path for path, _ in planned]
