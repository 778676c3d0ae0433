"""Resolution, the forecast log, imports, and ``vane score`` on a workspace."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import multiprocessing
from pathlib import Path

import pytest

from model.forecast_log import LoggedForecast, log_path, read_log, write_entries
from model.loader import load_question
from model.workspace import Workspace
from tests.helpers import TALKS, vane

RESOLVED = TALKS + "resolution:\n  scenario: stall\n  date: 2025-12-31\n  note: nothing came of it\n"


def in_space(space: Path, *args: str):
    return vane(*args, "--dir", str(space))


# --- vane resolve ---


def test_resolve_records_the_outcome_and_keeps_an_earlier_one_in_history(space: Path):
    path = space / "scenarios" / "talks.yaml"
    assert in_space(space, "resolve", "talks", "stall", "--date", "2025-12-31", "--note", "Talks ended").code == 0
    again = in_space(space, "resolve", "talks", "deal", "--date", "2025-12-31", "--note", "A deal after all")
    assert again.code == 1 and "--force" in again.stderr
    forced = in_space(space, "resolve", "talks", "deal", "--date", "2025-12-31", "--note", "A deal after all", "--force")
    assert forced.code == 0 and "replaced stall" in forced.stdout
    question, problems = load_question(path)
    assert not problems and question.resolution.outcome == "deal"
    assert [earlier.outcome for earlier in question.resolution.history] == ["stall"]
    assert question.resolution.history[0].replaced is not None
    assert path.read_text().startswith(TALKS)  # everything before the resolution is as it was


@pytest.mark.parametrize("args, words", [
    (["stal", "--note", "x"], "did you mean 'stall'"),
    (["stall", "--note", "x", "--date", "2024-06-01"], "before the question opened"),
    (["stall", "--note", "x", "--date", "2999-01-01"], "in the future"),
    (["stall", "--note", " "], "--note"),
])
def test_bad_resolutions_are_refused_and_nothing_is_written(space: Path, args, words):
    path = space / "scenarios" / "talks.yaml"
    result = in_space(space, "resolve", "talks", *args)
    assert result.code == 1 and words in result.stderr and "Traceback" not in result.output
    assert path.read_text() == TALKS


def test_a_question_can_be_annulled(space: Path):
    assert in_space(space, "resolve", "talks", "annulled", "--note", "The talks were never held").code == 0
    question, _ = load_question(space / "scenarios" / "talks.yaml")
    assert question.resolution.annulled


# --- the forecast log ---


def test_snapshot_records_open_questions_with_parameters_and_file_hash(space: Path):
    (space / "scenarios" / "later.yaml").write_text(TALKS.replace("closes: 2025-12-31", "closes: 2099-12-31"))
    result = in_space(space, "snapshot")
    assert result.code == 0 and "1 open question" in result.stdout
    entries, problems = read_log(log_path(Workspace(space)))
    assert not problems and [e.question for e in entries] == ["later"]
    entry = entries[0]
    assert entry.forecaster == "engine" and entry.kind == "engine" and len(entry.question_sha256) == 64
    assert entry.parameters.startswith("prior draws") and set(entry.interval) == {"deal", "ceasefire", "stall"}
    assert sum(entry.probabilities.values()) == pytest.approx(1.0)


def test_a_stated_forecast_is_validated(space: Path):
    ok = in_space(space, "forecast", "talks", "deal=0.2", "ceasefire=0.3", "stall=0.5", "--forecaster", "mk", "--time", "2025-06-01T12:00:00Z")
    assert ok.code == 0, ok.output
    for bad, words in ((["deal=0.2", "stall=0.5"], "no probability for ceasefire"),
                       (["deal=0.2", "ceasefire=0.3", "stal=0.5"], "did you mean 'stall'"),
                       (["deal=0.5", "ceasefire=0.3", "stall=0.5"], "sum to 1.3")):
        result = in_space(space, "forecast", "talks", *bad)
        assert result.code == 1 and words in result.stderr
    entries, _ = read_log(log_path(Workspace(space)))
    assert len(entries) == 1 and entries[0].forecaster == "mk" and entries[0].kind == "stated"


def _write_many(path: str, writer: int) -> None:
    for number in range(25):
        write_entries(Path(path), [LoggedForecast(
            dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=number), "talks", f"w{writer}",
            {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5}, "stated", "stated")])


def test_concurrent_writers_keep_every_entry(space: Path):
    path = log_path(Workspace(space))
    context = multiprocessing.get_context("spawn")  # fresh processes: the test process may hold JAX threads
    writers = [context.Process(target=_write_many, args=(str(path), w)) for w in range(2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
    entries, problems = read_log(path)
    assert not problems and len(entries) == 50


def test_an_interrupted_write_is_ignored_and_dropped_by_the_next(space: Path):
    path = log_path(Workspace(space))
    _write_many(str(path), 0)
    with open(path, "a", encoding="utf-8") as stream:
        stream.write('{"time": "2025-')  # what a crash mid-line would leave
    entries, problems = read_log(path)
    assert len(entries) == 25 and "incomplete last line" in problems[0].message
    _write_many(str(path), 1)
    entries, problems = read_log(path)
    assert len(entries) == 50 and not problems


def test_rerunning_a_batch_replaces_its_entries(space: Path):
    path = log_path(Workspace(space))
    entry = lambda p: LoggedForecast(dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc), "talks", "engine",  # noqa: E731
                                     {"deal": p, "ceasefire": 0.5 - p, "stall": 0.5}, "engine", "report 2025-W09")
    write_entries(path, [entry(0.2)], replace_batch="report 2025-W09")
    write_entries(path, [entry(0.3)], replace_batch="report 2025-W09")
    entries, _ = read_log(path)
    assert [e.probabilities["deal"] for e in entries] == [0.3]


# --- imports ---


def test_a_simple_csv_is_mapped_to_the_workspaces_questions(space: Path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    good = folder / "crowd.csv"
    good.write_text("question,forecaster,time,deal,ceasefire,stall\ntalks,crowd,2025-05-01T00:00:00Z,0.1,0.3,0.6\n")
    assert in_space(space, "import-forecasts", str(good)).code == 0
    assert "imported 0" in in_space(space, "import-forecasts", str(good)).stdout
    bad = folder / "bad.csv"
    bad.write_text("question,forecaster,time,deal,truce,stall\ntalks,crowd,2025-05-02,0.1,0.3,0.6\nnope,crowd,2025-05-02,0.5,0,0.5\n")
    result = in_space(space, "import-forecasts", str(bad))
    assert result.code == 1 and "bad.csv:2:" in result.stderr and "unknown scenario 'truce'" in result.stderr
    assert "bad.csv:3:" in result.stderr and "no question 'nope'" in result.stderr
    entries, _ = read_log(log_path(Workspace(space)))
    assert len(entries) == 1 and entries[0].kind == "imported"


# --- vane score ---


@pytest.fixture
def resolved(space: Path) -> Path:
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    in_space(space, "forecast", "talks", "deal=0.1", "ceasefire=0.2", "stall=0.7", "--forecaster", "mk", "--time", "2025-03-05T00:00:00Z")
    return space


def test_score_compares_forecasters_with_the_baselines(resolved: Path):
    result = in_space(resolved, "score", "--json")
    assert result.code == 0, result.output
    data = json.loads(result.stdout)
    rows = {row["forecaster"]: row["scores"] for row in data["questions"][0]["forecasters"]}
    assert set(rows) == {"mk", "uniform (baseline)", "prior (baseline)"}
    assert rows["uniform (baseline)"]["baseline"]["time_averaged"] == 0.0
    assert rows["mk"]["brier"]["final"] == pytest.approx(0.1 ** 2 + 0.2 ** 2 + 0.3 ** 2)
    assert data["murphy"]["mk"]["brier"] == pytest.approx((0.1 ** 2 + 0.2 ** 2 + 0.3 ** 2) / 3)
    coherence = data["coherence"][0]
    assert coherence["forecaster"] == "mk" and 0 <= coherence["gap"] <= 1 and coherence["stated_log"] == pytest.approx(-0.35667, abs=1e-4)


def test_backtests_are_labelled_and_strict_by_default(resolved: Path):
    strict = json.loads(in_space(resolved, "score", "--json", "--backtest").stdout)
    hindsight = json.loads(in_space(resolved, "score", "--json", "--backtest", "--hindsight").stdout)
    names = lambda data: {row["forecaster"] for row in data["questions"][0]["forecasters"]}  # noqa: E731
    assert "engine (backtest, strict)" in names(strict) and "engine (backtest, hindsight)" in names(hindsight)
    text = in_space(resolved, "score", "--backtest").stdout
    assert "engine (backtest, strict)" in text and "Calibration" in text and "Murphy" in text


def test_csv_output_neutralises_formula_cells(resolved: Path):
    in_space(resolved, "forecast", "talks", "deal=0.3", "ceasefire=0.3", "stall=0.4", "--forecaster", "=HYPERLINK(\"http://x\")", "--time", "2025-04-01T00:00:00Z")
    result = in_space(resolved, "score", "--csv", "-")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:4] == ["question", "forecaster", "kind", "forecasts"]
    forecasters = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in forecasters and not any(f.startswith("=") for f in forecasters)


def test_score_without_resolved_questions_says_so(space: Path):
    result = in_space(space, "score")
    assert result.code == 0 and "No resolved questions" in result.stdout
