"""What the tool publishes is never silently partial, and hostile input never escapes the workspace."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from model.engine.probabilities import stories_of
from model.fileformat.log_entry import LoggedForecast, read_log
from model.record.forecast_log import write_entries
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_question, load_workspace
from tests.helpers import TALKS, vane

OPEN = TALKS.replace("closes: 2025-12-31", "closes: 2099-12-31")


@pytest.fixture
def open_space(space: Path) -> Path:
    (space / "scenarios" / "talks.yaml").write_text(OPEN)
    return space


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, lock files and the parse cache (``.vane/``, which any command may refresh) aside."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.endswith(".lock") and ".vane" not in path.relative_to(folder).parts}


# --- a publication never silently leaves a question out ---


@pytest.mark.parametrize("breakage", [
    ("scenarios/broken.yaml", "question: [unclosed\n"),
    ("vane.yaml", "report:\n  stale_weeks: four\n"),
])
def test_report_and_snapshot_refuse_a_workspace_with_problems(open_space: Path, breakage):
    name, text = breakage
    (open_space / name).write_text(text)
    before = files_under(open_space)
    for command in ("report", "snapshot"):
        result = vane(command, "--dir", str(open_space))
        assert result.code == 1 and f"{Path(name).name}:" in result.stderr and "--skip-broken" in result.stderr
        assert files_under(open_space) == before, command


def test_skip_broken_lists_the_questions_left_out_first(open_space: Path):
    (open_space / "scenarios" / "broken.yaml").write_text("question: [unclosed\n")
    result = vane("report", "--skip-broken", "--dir", str(open_space))
    assert result.code == 0, result.output
    markdown = next((open_space / "reports").glob("*-W*/report.md")).read_text()
    assert markdown.index("broken.yaml") < markdown.index("Will the talks")
    entries, _ = read_log(log_path(Workspace(open_space)))
    assert [entry.question for entry in entries] == ["talks"]


# --- two files, one question ---


def test_two_files_with_one_id_stop_every_write(open_space: Path):
    (open_space / "scenarios" / "talks.yml").write_text(OPEN.replace("deal: 0.2", "deal: 0.3").replace("stall: 0.5", "stall: 0.4"))
    check = vane("check", "--dir", str(open_space))
    assert check.code == 1 and "talks.yml:1: question id 'talks' is also the id of" in check.stdout
    before = files_under(open_space)
    writes = [
        ("snapshot",), ("report",), ("add", "talks", "-s", "New item", "-r", "deal=+"),
        ("forecast", "talks", "deal=0.2", "ceasefire=0.3", "stall=0.5"),
        ("resolve", "talks", "deal", "--note", "x"),
        ("new", "TALKS", "-q", "Again?", "--closes", "2099-01-01", "--scenario", "a=A", "--scenario", "b=B"),
    ]
    for words in writes:
        result = vane(*words, "--dir", str(open_space))
        assert result.code == 1 and "talks" in result.stderr, words
    assert files_under(open_space) == before
    assert "also the id of" in vane("status", "--dir", str(open_space)).stderr  # reading says what is wrong


def test_a_new_question_may_not_take_an_id_that_differs_only_in_case(open_space: Path):
    result = vane("new", "Talks", "--dir", str(open_space), "-q", "Again?", "--closes", "2099-01-01",
                  "--scenario", "a=A", "--scenario", "b=B")
    assert result.code == 1 and "already exists" in result.stderr
    assert not (open_space / "scenarios" / "Talks.yaml").exists()


# --- ids, stories and repeated evidence ---


@pytest.mark.parametrize("old, new, words", [
    ("- id: e2", '- id: "e2\\n"', "must be"),
    ("  deal: A deal is signed", '  "deal\\n": A deal is signed', "scenario id"),
])
def test_an_id_must_match_the_rule_in_full(space: Path, old, new, words):
    (space / "scenarios" / "talks.yaml").write_text(TALKS.replace(old, new))
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and words in result.stdout


def test_a_file_name_that_is_not_an_id_is_a_problem(space: Path):
    (space / "scenarios" / "| x | [a](javascript:alert(1)).yaml").write_text(TALKS)
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and "rename the file" in result.stdout


def test_story_naming_an_item_joins_that_items_story(space: Path):
    text = TALKS.replace("    grade: B2\n", "    grade: B2\n    story: envoys\n").replace(
        "    grade: C3\n", "    grade: C3\n    story: e1\n")
    path = space / "scenarios" / "talks.yaml"
    path.write_text(text)
    question, problems = load_question(path)
    assert not problems and list(stories_of(question.evidence)) == ["envoys"]


@pytest.mark.parametrize("copy, words", [
    ("summary: Envoys meet for the first time.", "the same summary"),
    ("url: https://example.org/envoys-meet", "the same link"),
])
def test_evidence_entered_twice_by_hand_is_a_problem(space: Path, copy, words):
    text = TALKS.replace("    summary: Strikes continue during the talks.", f"    {copy}\n    summary: Second item") \
        if copy.startswith("url") else TALKS.replace("summary: Strikes continue during the talks.", copy)
    (space / "scenarios" / "talks.yaml").write_text(text)
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and words in result.stdout and "'e2'" in result.stdout
    joined = text.replace("    grade: C3\n", "    grade: C3\n    story: e1\n")
    (space / "scenarios" / "talks.yaml").write_text(joined)
    assert vane("check", "--dir", str(space)).code == 0


# --- check reads the forecast log too ---


def test_check_reports_the_forecast_log(open_space: Path):
    path = log_path(Workspace(open_space))
    when = dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)
    write_entries(path, [
        LoggedForecast(when, "talks", "me", {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5}, "stated", "stated"),
        LoggedForecast(when, "gone", "me", {"a": 0.5, "b": 0.5}, "stated", "stated"),
        LoggedForecast(when, "talks", "me", {"deal": 0.5, "stall": 0.5}, "stated", "stated"),
        LoggedForecast(when, "talks", "engine", {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5}, "imported", "x"),
    ])
    with open(path, "ab") as stream:
        stream.write(b"{not json\n")
    result = vane("check", "--dir", str(open_space))
    assert result.code == 1
    for line, words in [(2, "'gone', which is not a question"), (3, "scenarios are deal, ceasefire, stall"),
                        (4, "kept for the tool's own"), (5, "unreadable forecast entry")]:
        assert f"forecasts.jsonl:{line}: " in result.stdout and words in result.stdout, (line, result.stdout)


# --- nothing outside the workspace, nothing read-only ---


METACULUS_HEADER = ("question_id,forecast_id,forecaster,forecast_timestamp,type,options,probability_yes,"
                    "probability_yes_per_category,published_at,scheduled_close_time,actual_close_time,"
                    "spot_scoring_time,resolution,question_title\n")


def metaculus_row(question_id: str = "31268", stamp: str = "2025-02-01T00:00:00Z", published: str = "2025-01-01T00:00:00Z") -> str:
    return (f"{question_id},7,crowd,{stamp},binary,,0.3,,{published},2025-06-01T00:00:00Z,"
            f"2025-06-01T00:00:00Z,,,Will it happen?\n")


def test_an_import_cannot_create_files_outside_the_workspace(space: Path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    export = folder / "export.csv"
    export.write_text(METACULUS_HEADER + metaculus_row("1/../../../../../x"))
    outside = files_under(space.parent)
    result = vane("import-forecasts", str(export), "--dir", str(space))
    assert result.code == 1 and "export.csv:2:" in result.stderr and "not a Metaculus question id" in result.stderr
    assert files_under(space.parent) == outside and not list(Path("/").glob("x.yaml"))


@pytest.mark.parametrize("row, words", [
    (metaculus_row(stamp="0001-01-01T00:00:00+01:00"), "outside the years"),
    (metaculus_row(stamp="1000-06-01T00:00:00Z"), "outside the years"),
    (metaculus_row(published="0001-01-01T00:00:00Z"), "outside the years"),
])
def test_import_times_follow_the_one_date_rule(space: Path, tmp_path_factory, row, words):
    export = tmp_path_factory.mktemp("dates") / "export.csv"
    export.write_text(METACULUS_HEADER + row)
    result = vane("import-forecasts", str(export), "--dir", str(space))
    assert result.code == 1 and "export.csv:2:" in result.stderr and words in result.stderr
    assert "internal error" not in result.output and not log_path(Workspace(space)).exists()


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "2026-W60"])
def test_report_weeks_follow_the_one_date_rule(space: Path, week: str):
    result = vane("report", "--week", week, "--dir", str(space))
    assert result.code == 2 and "--week" in result.output and "internal error" not in result.output
    assert not any((space / "reports").iterdir())


def test_a_read_only_question_file_is_never_replaced(open_space: Path):
    path = open_space / "scenarios" / "talks.yaml"
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        result = vane("add", "talks", "--dir", str(open_space), "-s", "New item", "-r", "deal=+")
        assert result.code == 1 and "read-only" in result.stderr and "talks.yaml" in result.stderr
        assert path.read_text() == OPEN and stat.S_IMODE(path.stat().st_mode) == 0o444
    finally:
        os.chmod(path, 0o644)


def test_the_bundled_workspace_loads_without_problems():
    from tests.helpers import ROOT

    assert not load_workspace(Workspace(ROOT)).problems


def test_damaged_calibration_draws_are_never_used_and_check_reports_them(space: Path):
    import json

    import numpy as np

    from model.engine.parameters import MODEL_VERSION, SavedFit, file_digest

    saved = SavedFit.of(Workspace(space))
    saved.folder.mkdir(parents=True)
    saved.record.write_bytes(b"a stand-in for fit.nc")
    provenance = {"model_version": MODEL_VERSION, "record_sha256": file_digest(saved.record), "summary_line": "x"}
    np.savez(saved.extract, strength=np.array([np.nan, 1.0]), half_life=np.array([np.inf, -3.0]),
             prior_strength=np.ones(2), analysts=np.array([], dtype=str), analyst_strength=np.zeros((0, 2)),
             letters=np.array([], dtype=str), reliability=np.zeros((0, 2)), provenance=np.array(json.dumps(provenance)))
    status = vane("status", "--dir", str(space))
    assert status.code == 0 and "damaged" in status.stdout and "nan" not in status.stdout.lower()
    check = vane("check", "--dir", str(space))
    assert check.code == 1 and "draws.npz:1: the saved calibration's draws are damaged" in check.stdout


def test_a_read_only_forecast_log_stops_the_report_before_anything_is_written(open_space: Path):
    path = log_path(Workspace(open_space))
    write_entries(path, [LoggedForecast(dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc), "talks", "me",
                                        {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5}, "stated", "stated")])
    os.chmod(path, 0o444)
    try:
        before = files_under(open_space)
        result = vane("report", "--dir", str(open_space))
        assert result.code == 1 and "read-only" in result.stderr and files_under(open_space) == before
    finally:
        os.chmod(path, 0o644)
