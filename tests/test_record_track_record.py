"""Resolution, the forecast log, imports, and ``vane score`` on a workspace."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import multiprocessing
from pathlib import Path

import pytest

from model.base.errors import VaneError
from model.fileformat.log_entry import LoggedForecast, read_log
from model.record.forecast_log import write_entries
from model.record.scorecard import CSV_HEADER
from model.record.track_record import score_workspace
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_question
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


def test_a_stated_forecast_is_validated_and_stamped_now(space: Path):
    (space / "scenarios" / "later.yaml").write_text(TALKS.replace("closes: 2025-12-31", "closes: 2099-12-31"))
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    ok = in_space(space, "forecast", "later", "deal=0.2", "ceasefire=0.3", "stall=0.5", "--forecaster", "mk")
    assert ok.code == 0, ok.output
    for bad, words in ((["deal=0.2", "stall=0.5"], "no probability for ceasefire"),
                       (["deal=0.2", "ceasefire=0.3", "stal=0.5"], "did you mean 'stall'"),
                       (["deal=0.5", "ceasefire=0.3", "stall=0.5"], "sum to 1.3"),
                       (["deal", "0.2"], "e.g. deal=0.3"),
                       (["deal=0.2", "ceasefire=0.3", "stall=0.5", "--forecaster", "engine"], "keeps for the tool's own"),
                       (["deal=0.2", "ceasefire=0.3", "stall=0.5", "--forecaster", "prior (baseline)"], "keeps for the tool's own"),
                       (["deal=0.2", "ceasefire=0.3", "stall=0.5", "--forecaster", " "], "needs a name")):
        result = in_space(space, "forecast", "later", *bad)
        assert result.code == 1 and words in result.stderr, (bad, result.stderr)
    entries, _ = read_log(log_path(Workspace(space)))
    assert len(entries) == 1 and entries[0].forecaster == "mk" and entries[0].kind == "stated"
    assert before <= entries[0].time == entries[0].recorded


def test_no_forecast_once_the_answer_is_known(space: Path):
    closed = in_space(space, "forecast", "talks", "deal=0.2", "ceasefire=0.3", "stall=0.5")
    assert closed.code == 1 and "closed on 2025-12-31" in closed.stderr
    (space / "scenarios" / "talks.yaml").write_text(
        TALKS.replace("closes: 2025-12-31", "closes: 2099-12-31") + "resolution:\n  scenario: stall\n  date: 2025-12-31\n  note: x\n")
    resolved = in_space(space, "forecast", "talks", "deal=0.2", "ceasefire=0.3", "stall=0.5")
    assert resolved.code == 1 and "was resolved on 2025-12-31" in resolved.stderr
    assert not log_path(Workspace(space)).exists()


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


def test_a_damaged_last_line_stops_writes_and_is_kept(space: Path):
    path = log_path(Workspace(space))
    _write_many(str(path), 0)
    with open(path, "a", encoding="utf-8") as stream:
        stream.write('{"time": "2025-')  # what a crash mid-line would leave
    damaged = path.read_bytes()
    entries, problems = read_log(path)
    assert len(entries) == 25 and problems[0].line == 26 and "unreadable" in problems[0].message
    with pytest.raises(VaneError, match="cannot be read"):
        _write_many(str(path), 1)
    assert path.read_bytes() == damaged


def test_a_complete_last_line_without_its_newline_is_an_entry(space: Path):
    path = log_path(Workspace(space))
    _write_many(str(path), 0)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # e.g. saved by an editor that drops the final newline
    before = path.read_bytes()
    entries, problems = read_log(path)
    assert len(entries) == 25 and not problems
    _write_many(str(path), 1)
    entries, problems = read_log(path)
    assert len(entries) == 50 and not problems and path.read_bytes().startswith(before + b"\n")


@pytest.mark.parametrize("line, words", [
    (b'{"time": "2025-01-01T00:00:00Z", "question": "talks", "forecaster": "x\xff", "kind": "stated"}', "not valid UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"time": "2025-01-01T00:00:00Z", "question": "talks", "forecaster": "x", "kind": "stated", '
     b'"probabilities": {"deal": NaN, "stall": 0.5}}', "NaN is not a number"),
    (b'{"time": "2025-01-01T00:00:00Z", "question": "talks", "forecaster": "x", "kind": "stated", '
     b'"probabilities": {"deal": 1e308, "stall": 0.5}}', "not a probability"),
    (b'{"time": "2025-01-01T00:00:00Z", "question": "talks", "forecaster": "x", "kind": "stated", '
     b'"probabilities": {"deal": 0.6, "stall": 0.5}}', "sum to 1"),
    (b'{"time": "0001-01-01T00:00:00+01:00", "question": "talks", "forecaster": "x", "kind": "stated", '
     b'"probabilities": {"deal": 0.5, "stall": 0.5}}', "outside the years"),
    (b'{"time": "2025-01-01T00:00:00Z", "question": "../../x", "forecaster": "x", "kind": "stated", '
     b'"probabilities": {"deal": 0.5, "stall": 0.5}}', "not a question id"),
    (b'"just text"', "not a JSON object"),
])
def test_damage_is_reported_on_its_line_and_stops_writes(space: Path, line: bytes, words: str):
    path = log_path(Workspace(space))
    _write_many(str(path), 0)
    path.write_bytes(path.read_bytes() + line + b"\n")
    damaged = path.read_bytes()
    result = in_space(space, "score")
    assert "forecasts.jsonl:26: " in result.stderr and words in result.stderr and "internal error" not in result.output
    written = in_space(space, "snapshot")
    assert written.code == 1 and "forecasts.jsonl:26: " in written.stderr and path.read_bytes() == damaged


def test_the_log_is_append_only_and_a_rerun_supersedes(space: Path):
    path = log_path(Workspace(space))
    entry = lambda p, minute: LoggedForecast(  # noqa: E731
        dt.datetime(2025, 3, 1, 0, minute, tzinfo=dt.timezone.utc), "talks", "engine",
        {"deal": p, "ceasefire": 0.5 - p, "stall": 0.5}, "engine", "report 2025-W09")
    write_entries(path, [entry(0.2, 0)])
    first = path.read_bytes()
    write_entries(path, [entry(0.3, 1)])
    entries, _ = read_log(path)
    assert [e.probabilities["deal"] for e in entries] == [0.2, 0.3] and path.read_bytes().startswith(first)


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


def stated(space: Path, forecaster: str, day: str, **probabilities: float) -> None:
    """A stated forecast as it would have been recorded on ``day``."""
    when = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
    write_entries(log_path(Workspace(space)), [
        LoggedForecast(when, "talks", forecaster, probabilities, "stated", "stated", recorded=when)])


@pytest.fixture
def resolved(space: Path) -> Path:
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    stated(space, "mk", "2025-03-05", deal=0.1, ceasefire=0.2, stall=0.7)
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
    stated(resolved, "=HYPERLINK(\"http://x\")", "2025-04-01", deal=0.3, ceasefire=0.3, stall=0.4)
    result = in_space(resolved, "score", "--csv", "-")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:4] == ["question", "forecaster", "kind", "forecasts"]
    forecasters = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in forecasters and not any(f.startswith("=") for f in forecasters)


def test_the_track_record_is_a_library_use_case(resolved: Path):
    question, _ = load_question(resolved / "scenarios" / "talks.yaml")
    report, problems = score_workspace(Workspace(resolved), [question], backtest=True)
    assert not problems and {row.kind for row in report.rows} == {"stated", "baseline", "backtest"}
    assert report.as_dict()["reliability_diagram"] is None and report.as_dict(Path("r.png"))["reliability_diagram"] == "r.png"
    rows = list(csv.reader(io.StringIO(report.as_csv())))
    assert tuple(rows[0]) == CSV_HEADER and len(rows) == 1 + len(report.rows)
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    without, _ = score_workspace(Workspace(resolved), [question])
    assert "backtest" not in {row.kind for row in without.rows}


def test_score_without_resolved_questions_says_so(space: Path):
    result = in_space(space, "score")
    assert result.code == 0 and "No resolved questions" in result.stdout


def test_a_damaged_line_in_the_log_stops_writes_instead_of_being_dropped(space: Path):
    path = log_path(Workspace(space))
    _write_many(str(path), 0)
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(3, '{"time": "2025-01-01T00:00:00Z",}\n')  # a hand edit gone wrong, in the middle
    path.write_text("".join(lines))
    before = path.read_bytes()
    with pytest.raises(Exception, match="cannot be read"):
        _write_many(str(path), 1)
    assert path.read_bytes() == before


def test_a_csv_row_with_too_many_values_is_a_located_problem(space: Path, tmp_path_factory):
    crowd = tmp_path_factory.mktemp("csv") / "crowd.csv"
    crowd.write_text("question,forecaster,time,deal,ceasefire,stall\n"
                     "talks,crowd,2025-05-01T00:00:00Z,0.1,0.3,0.6,0.2\n"
                     "talks,,2025-05-01T00:00:00Z,0.1,0.3,0.6\n"
                     "talks,engine,2025-05-01T00:00:00Z,0.1,0.3,0.6\n"
                     "talks,crowd,yesterday,0.1,0.3,0.6\n")
    result = in_space(space, "import-forecasts", str(crowd))
    assert result.code == 1 and "Traceback" not in result.output and "internal error" not in result.stderr
    for line, words in ((2, "1 more value(s) than the header"), (3, "the forecaster needs a name"),
                        (4, "'engine' is a name the track record keeps"), (5, "time 'yesterday' is not a time")):
        assert f"crowd.csv:{line}: {words}" in result.stderr, result.stderr


def test_forecasts_after_the_resolution_score_nothing(space: Path):
    early = TALKS + "resolution:\n  scenario: stall\n  date: 2025-06-30\n  note: talks broke off\n"
    (space / "scenarios" / "talks.yaml").write_text(early)
    stated(space, "honest", "2025-03-05", deal=0.2, ceasefire=0.3, stall=0.5)
    stated(space, "late", "2025-07-15", deal=0.0, ceasefire=0.0, stall=1.0)  # after the answer was known
    data = json.loads(in_space(space, "score", "--json").stdout)
    rows = {row["forecaster"]: row for row in data["questions"][0]["forecasters"]}
    assert "late" not in rows or rows["late"]["forecasts"] == 0
    assert rows["honest"]["scores"]["brier"]["final"] == pytest.approx(0.2 ** 2 + 0.3 ** 2 + 0.5 ** 2)


def test_an_entry_under_the_engines_name_is_not_the_engines(resolved: Path):
    stated(resolved, "engine", "2025-03-06", deal=0.0, ceasefire=0.01, stall=0.99)  # a hand-edited log
    data = json.loads(in_space(resolved, "score", "--json").stdout)
    assert "engine" not in {row["forecaster"] for row in data["questions"][0]["forecasters"]}
    assert any("under a name the tool keeps" in entry for entry in data["skipped_forecasts"])


def test_forecasters_are_compared_with_the_baselines_on_their_own_questions(resolved: Path):
    other = RESOLVED.replace("closes: 2025-12-31", "closes: 2025-11-30").replace("date: 2025-12-31", "date: 2025-11-30")
    (resolved / "scenarios" / "other.yaml").write_text(other)  # mk did not forecast this one
    data = json.loads(in_space(resolved, "score", "--json").stdout)
    summary = {entry["forecaster"]: entry for entry in data["summary"]}
    brier = {(q["id"], f["forecaster"]): f["scores"]["brier"]["time_averaged"]
             for q in data["questions"] for f in q["forecasters"]}
    assert summary["mk"]["questions"] == 1 and summary["prior (baseline)"]["questions"] == 2
    assert summary["mk"]["brier_versus_baselines"]["prior (baseline)"] == pytest.approx(
        brier[("talks", "mk")] - brier[("talks", "prior (baseline)")])
    assert "Brier − prior" in in_space(resolved, "score", "--wide").stdout


def test_json_and_csv_on_standard_output_together_are_refused(resolved: Path):
    result = in_space(resolved, "score", "--json", "--csv", "-")
    assert result.code == 2 and "--csv" in result.output


def test_a_reports_track_record_from_the_logs_columns_is_the_one_from_its_entries(resolved: Path):
    from model.record.scorecard import score_questions
    from model.record.track_record import scored_before

    for forecaster, day in [("ann", "2025-05-01"), ("bo", "2025-06-01"), ("ann", "2025-09-01T12:00:00")]:
        stated(resolved, forecaster, day, deal=0.3, ceasefire=0.3, stall=0.4)
    question, _ = load_question(resolved / "scenarios" / "talks.yaml")
    entries = read_log(log_path(Workspace(resolved)))[0]
    for before in ("2025-05-01T00:00:00", "2025-06-01T00:00:00", "2025-09-01T11:59:59", "2026-01-01T00:00:00"):
        moment = dt.datetime.fromisoformat(before).replace(tzinfo=dt.timezone.utc)
        expected = score_questions([question], [entry for entry in entries if entry.time <= moment])
        got = scored_before(Workspace(resolved), [question], moment)
        shown = got.as_dict()
        assert "by_horizon" in shown  # the track record page shows it; score_questions computes it only when asked
        del shown["by_horizon"]
        assert json.dumps(shown) == json.dumps(expected.as_dict())  # (as text: NaN equals NaN)
