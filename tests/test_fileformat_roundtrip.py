"""The file format (model/fileformat/): any valid record written as text reads back as the same record.

Questions are generated whole (scenarios, prior, evidence in both scales,
stories, indicators, a resolution with history), written by the writers the
tool uses (``render_question``, ``evidence_entry``...), and read by the reader
``vane check`` uses. Forecast-log entries go through their line writer and reader.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.base.clock import Clock
from model.edits.tag import add_evidence, rated
from model.fileformat import yamlread
from model.fileformat.evidence import Evidence
from model.fileformat.indicator import Indicator
from model.fileformat.log_entry import KINDS, LoggedForecast, entry_line, parse_line
from model.fileformat.question import Prior, Question, Scenario, render_question
from model.fileformat.ratings import likelihood_units
from model.fileformat.resolution import ANNULLED, Resolution
from model.workspace.loader import load_question_text
from tests.helpers import TALKS

NOW = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
CLOCK = Clock(NOW)
UTC = dt.timezone.utc

identifiers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,11}", fullmatch=True)
# text as people type it: letters, digits, punctuation, symbols and spaces (read back without surrounding spaces)
words = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40).map(str.strip).filter(bool)
days = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
grades = st.sampled_from(["", *(letter + digit for letter in "ABCDEF" for digit in "123456")])


def seconds_after(day: dt.date) -> st.SearchStrategy[dt.datetime]:
    """A time to the second, on ``day`` (UTC) or later, and not after NOW."""
    start = dt.datetime.combine(day, dt.time(), UTC)
    return st.integers(0, int((NOW - start).total_seconds())).map(lambda s: start + dt.timedelta(seconds=s))


@st.composite
def priors(draw, ids: tuple[str, ...]) -> dict[str, float]:
    """Probabilities that are exact binary fractions summing to exactly 1 (the reader divides by the sum)."""
    cuts = sorted(draw(st.lists(st.integers(1, 63), min_size=len(ids) - 1, max_size=len(ids) - 1, unique=True)))
    counts = [b - a for a, b in zip([0, *cuts], [*cuts, 64])]
    return {sid: count / 64 for sid, count in zip(ids, counts)}


@st.composite
def evidence_items(draw, ids: tuple[str, ...], opened: dt.date) -> list[Evidence]:
    items = []
    for number in range(draw(st.integers(0, 5))):
        date = draw(st.dates(opened, NOW.date() - dt.timedelta(days=1)))
        if draw(st.booleans()):
            scale, units = "ratings", {sid: float(draw(st.integers(-2, 2))) for sid in ids}
        else:
            scale = "likelihoods"
            units = {sid: likelihood_units(draw(st.integers(1, 1000)) / 1000) for sid in ids}
        items.append(Evidence(
            id=f"e{number + 1}", date=date, summary=f"{draw(words)} #{number}", units=units, scale=scale,
            recorded=draw(st.none() | seconds_after(date)), source=draw(st.just("") | words),
            url=draw(st.just("") | identifiers.map(lambda path, n=number: f"https://example.org/{n}/{path}")),
            grade=draw(grades), story=draw(st.sampled_from(["", "talks", "leak"])), analyst=draw(st.just("") | words),
        ))
    return items


@st.composite
def indicators(draw, ids: tuple[str, ...], opened: dt.date, closes: dt.date, evidence: list[Evidence]) -> list[Indicator]:
    found = []
    for number in range(draw(st.integers(0, 3))):
        observed = draw(st.none() | st.dates(opened, NOW.date() - dt.timedelta(days=1)))
        link = draw(st.sampled_from(["", *(item.id for item in evidence)])) if observed else ""
        found.append(Indicator(
            id=f"i{number + 1}", description=draw(words), due=draw(st.dates(opened, closes)),
            probabilities={sid: draw(st.integers(0, 100)) / 100 for sid in ids}, observed=observed, evidence=link,
            recorded=draw(st.none() | seconds_after(opened)),
        ))
    return found


@st.composite
def resolutions(draw, ids: tuple[str, ...], opened: dt.date) -> Resolution:
    def one(replaced):
        return Resolution(draw(st.sampled_from([*ids, ANNULLED])), draw(st.dates(opened, NOW.date() - dt.timedelta(days=1))),
                          draw(words), draw(st.just("") | st.just("https://example.org/what-happened")), replaced=replaced)

    history = tuple(one(draw(seconds_after(opened))) for _ in range(draw(st.integers(0, 2))))
    final = one(None)
    return Resolution(final.outcome, final.date, final.note, final.url, history=history)


@st.composite
def questions(draw) -> Question:
    ids = tuple(draw(st.lists(identifiers.filter(lambda text: text != ANNULLED), min_size=2, max_size=5,
                              unique_by=str.casefold)))
    opened = draw(days)
    closes = draw(st.dates(opened, dt.date(2035, 12, 31)))
    evidence = draw(evidence_items(ids, opened))
    return Question(
        id="q", path="q.yaml", title=draw(words), opened=opened, closes=closes,
        scenarios=tuple(Scenario(sid, draw(words)) for sid in ids),
        prior=Prior(draw(priors(ids)), draw(words)), evidence=tuple(evidence),
        indicators=tuple(draw(indicators(ids, opened, closes, evidence))),
        resolution=draw(st.none() | resolutions(ids, opened)), ordered=draw(st.booleans()),
        description=draw(st.just("") | words),
        spot_scoring_at=draw(st.none() | seconds_after(opened)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(questions())
def test_any_question_written_reads_back_the_same(question: Question):
    text = render_question(question, "written by a property test")
    read, problems = load_question_text(text, Path("q.yaml"), CLOCK)
    assert not problems, (problems, text)
    assert read == question, text
    assert [item.scale for item in read.evidence] == [item.scale for item in question.evidence]  # as written


@settings(max_examples=150, deadline=None)
@given(
    time=seconds_after(dt.date(2020, 1, 1)), forecaster=words, kind=st.sampled_from(KINDS),
    numbers=st.lists(st.integers(1, 100), min_size=2, max_size=5), batch=words,
    external=st.just("") | identifiers, question=identifiers,
)
def test_any_log_entry_written_reads_back_the_same(time, forecaster, kind, numbers, batch, external, question):
    total = sum(numbers)
    probabilities = {f"s{k}": count / total for k, count in enumerate(numbers)}
    entry = LoggedForecast(time=time, question=question, forecaster=" ".join(forecaster.split()),
                           probabilities=probabilities, kind=kind, batch=batch, external_id=external)
    line = entry_line(entry)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert parse_line(line[:-1].encode("utf-8")) == entry
    assert json.loads(line)["question"] == question


def test_an_edit_parses_the_file_once_and_its_result_once(tmp_path: Path, monkeypatch):
    path = tmp_path / "talks.yaml"
    path.write_text(TALKS, encoding="utf-8")
    calls = []
    parse = yamlread.parse_text
    monkeypatch.setattr(yamlread, "parse_text", lambda text: calls.append(len(text)) or parse(text))
    add_evidence(path, rated("Envoys agree an agenda", dt.date(2025, 5, 1), ratings={"deal": "+"}), clock=CLOCK)
    assert calls == [len(TALKS), len(path.read_text(encoding="utf-8"))]  # the file as read, then as written
