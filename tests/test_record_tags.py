"""Tags on questions, and the track record cut by them (``vane score --by tag``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from model.fileformat.log_entry import LoggedForecast
from model.record.forecast_log import write_entries
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_question
from tests.helpers import TALKS, vane

RESOLVED = TALKS + "resolution:\n  scenario: stall\n  date: 2025-12-31\n  note: nothing came of it\n"


def tagged(text: str, tags: str) -> str:
    return text.replace("question: Will", f"tags: {tags}\nquestion: Will", 1)


def test_tags_are_read_checked_and_written_by_new(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(tagged(TALKS, "[russia, diplomacy, russia]"))
    question, problems = load_question(path)
    assert not problems and question.tags == ("russia", "diplomacy")
    path.write_text(tagged(TALKS, "[russia, 'two words']"))
    assert any("tag 'two words' must be" in str(problem) for problem in load_question(path)[1])
    path.write_text(tagged(TALKS, "russia"))
    assert load_question(path)[1]
    made = vane("new", "q2", "--dir", str(space), "--question", "Q?", "--closes", "2030-01-01", "--scenario", "a=A",
                "--scenario", "b=B", "--tag", "ukraine", "--tag", "no")
    assert made.code == 0, made.output
    question, problems = load_question(space / "scenarios" / "q2.yaml")
    assert not problems and question.tags == ("ukraine", "no")
    assert 'tags: [ukraine, "no"]' in (space / "scenarios" / "q2.yaml").read_text()


def scored_space(space: Path) -> Path:
    scenarios = space / "scenarios"
    (scenarios / "talks.yaml").write_text(tagged(RESOLVED, "[russia, diplomacy]"))
    (scenarios / "other.yaml").write_text(tagged(RESOLVED.replace("Will the talks", "Will other talks"), "[russia]"))
    (scenarios / "plain.yaml").write_text(RESOLVED.replace("Will the talks", "Will plain talks"))
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)
    entries = []
    for qid, stall in (("talks", 0.8), ("other", 0.2), ("plain", 0.5)):
        entries.append(LoggedForecast(when, qid, "mk", {"deal": (1 - stall) / 2, "ceasefire": (1 - stall) / 2,
                                                        "stall": stall}, "stated", "stated"))
    write_entries(log_path(Workspace(space)), entries)
    return space


def test_score_by_tag_gives_each_tag_its_own_means(space: Path):
    scored_space(space)
    data = json.loads(vane("score", "--dir", str(space), "--json", "--by", "tag").stdout)
    brier = {(q["id"], f["forecaster"]): f["scores"]["brier"]["time_averaged"]
             for q in data["questions"] for f in q["forecasters"]}
    by_tag = {tag: {s["forecaster"]: s for s in found} for tag, found in data["by_tag"].items()}
    assert list(by_tag) == ["russia", "diplomacy", "(no tag)"]
    assert by_tag["russia"]["mk"]["questions"] == 2 and by_tag["diplomacy"]["mk"]["questions"] == 1
    assert by_tag["russia"]["mk"]["time_averaged"]["brier"]["mean"] == pytest.approx(
        np.mean([brier[("talks", "mk")], brier[("other", "mk")]]))
    assert by_tag["(no tag)"]["mk"]["time_averaged"]["brier"]["mean"] == pytest.approx(brier[("plain", "mk")])
    assert "by_tag" not in json.loads(vane("score", "--dir", str(space), "--json").stdout)
    text = vane("score", "--dir", str(space), "--by", "tag").stdout
    assert "By tag" in text and "diplomacy" in text
    wrong = vane("score", "--dir", str(space), "--by", "colour")
    assert wrong.code == 1 and "scores can be cut by tag, month, grade or horizon" in wrong.stderr


def test_coverage_is_the_share_of_the_life_after_the_first_forecast_and_a_small_one_is_noted(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    probabilities = {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5}
    entries = [
        LoggedForecast(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), "talks", "early", probabilities, "stated", "stated"),
        LoggedForecast(dt.datetime(2025, 7, 2, tzinfo=dt.timezone.utc), "talks", "midway", probabilities, "stated", "stated"),
        LoggedForecast(dt.datetime(2025, 12, 31, 12, tzinfo=dt.timezone.utc), "talks", "late", probabilities, "stated",
                       "stated"),
    ]
    write_entries(log_path(Workspace(space)), entries)
    data = json.loads(vane("score", "--dir", str(space), "--json").stdout)
    coverage = {row["forecaster"]: row["coverage"] for row in data["questions"][0]["forecasters"]}
    life = 365.0  # 2025-01-01 00:00 to the end of 2025-12-31
    assert coverage["early"] == pytest.approx(1.0)
    assert coverage["midway"] == pytest.approx(1 - 182 / life)
    assert coverage["late"] == pytest.approx(0.5 / life)
    summary = {entry["forecaster"]: entry for entry in data["summary"]}
    assert summary["late"]["coverage"] == pytest.approx(0.5 / life)
    text = vane("score", "--dir", str(space)).stdout
    assert "note: late's forecasts covered only 0% of their questions' lives" in text
    assert "note: early" not in text and "note: midway" not in text
    csv_text = vane("score", "--dir", str(space), "--csv", "-").stdout.splitlines()
    assert csv_text[0].endswith(",coverage") and csv_text[1].split(",")[-1] in {"1.0", repr(1.0)}


def test_score_by_month_of_resolution(space: Path):
    scored_space(space)
    later = RESOLVED.replace("date: 2025-12-31\n  note", "date: 2025-11-30\n  note").replace(
        "closes: 2025-12-31", "closes: 2025-11-30").replace("Will the talks", "Will later talks")
    (space / "scenarios" / "plain.yaml").write_text(later)
    data = json.loads(vane("score", "--dir", str(space), "--json", "--by", "month", "--by", "tag").stdout)
    months = {month: {s["forecaster"]: s for s in found} for month, found in data["by_month"].items()}
    assert list(months) == ["2025-11", "2025-12"]
    assert months["2025-11"]["mk"]["questions"] == 1 and months["2025-12"]["mk"]["questions"] == 2
    assert "by_tag" in data
    text = vane("score", "--dir", str(space), "--by", "month").stdout
    assert "By month of resolution" in text and "2025-11" in text


def test_score_by_horizon_groups_each_forecast_by_time_before_the_end(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    sure = {"deal": 0.1, "ceasefire": 0.1, "stall": 0.8}
    unsure = {"deal": 0.3, "ceasefire": 0.3, "stall": 0.4}
    at = lambda month, day: dt.datetime(2025, month, day, tzinfo=dt.timezone.utc)  # noqa: E731
    write_entries(log_path(Workspace(space)), [
        LoggedForecast(at(3, 1), "talks", "mk", unsure, "stated", "stated"),   # 306 days before the end
        LoggedForecast(at(10, 15), "talks", "mk", unsure, "stated", "stated"),  # 78 days
        LoggedForecast(at(11, 1), "talks", "mk", sure, "stated", "stated"),    # 61 days
        LoggedForecast(at(12, 20), "talks", "mk", sure, "stated", "stated"),   # 12 days
    ])
    data = json.loads(vane("score", "--dir", str(space), "--json", "--by", "horizon").stdout)
    bands = {band: {s["forecaster"]: s for s in found} for band, found in data["by_horizon"].items()}
    assert list(bands) == ["90 days or more", "30 to 90 days", "under 30 days"]
    brier = lambda p: sum((v - (k == "stall")) ** 2 for k, v in p.items())  # noqa: E731
    assert bands["90 days or more"]["mk"]["questions"] == 1
    assert bands["90 days or more"]["mk"]["time_averaged"]["brier"]["mean"] == pytest.approx(brier(unsure))
    assert bands["30 to 90 days"]["mk"]["questions"] == 2
    assert bands["30 to 90 days"]["mk"]["time_averaged"]["brier"]["mean"] == pytest.approx(
        (brier(unsure) + brier(sure)) / 2)
    assert bands["under 30 days"]["mk"]["time_averaged"]["brier"]["mean"] == pytest.approx(brier(sure))
    text = vane("score", "--dir", str(space), "--by", "horizon").stdout
    assert "By horizon" in text and "forecasts" in text


def test_rolling_calibration_covers_the_six_months_to_each_month_of_resolution(space: Path):
    from model.record.scorecard import murphy

    scenarios = space / "scenarios"
    made = {"q1": "2025-01-20", "q2": "2025-03-10", "q3": "2025-09-05"}
    for qid, day in made.items():
        text = RESOLVED.replace("date: 2025-12-31\n  note", f"date: {day}\n  note").replace(
            "closes: 2025-12-31", f"closes: {day}").replace("Will the talks", f"Will {qid} talks")
        (scenarios / f"{qid}.yaml").write_text(text.replace("date: 2025-03-01", "date: 2025-01-10").replace(
            "date: 2025-02-01", "date: 2025-01-05"))
    (scenarios / "talks.yaml").unlink()
    forecast = {"deal": 0.1, "ceasefire": 0.2, "stall": 0.7}
    write_entries(log_path(Workspace(space)), [
        LoggedForecast(dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc), qid, "mk", forecast, "stated", "stated")
        for qid in made])
    result = vane("score", "--dir", str(space), "--json")
    assert result.code == 0, result.output
    rolling = {point["month"]: point for point in json.loads(result.stdout)["rolling_calibration"]["mk"]}
    assert list(rolling) == ["2025-01", "2025-03", "2025-09"]
    assert [rolling[m]["forecasts"] for m in rolling] == [3, 6, 3]  # 2025-09's window starts in 2025-04
    one = murphy(np.array([0.1, 0.2, 0.7]), np.array([0.0, 0.0, 1.0]))
    assert rolling["2025-09"]["reliability"] == pytest.approx(one.reliability)
    assert rolling["2025-09"]["brier"] == pytest.approx(one.brier)
    text = vane("score", "--dir", str(space), "--by", "month").stdout
    assert "reliability, 6 mo" in text


def test_score_by_grade_groups_questions_by_the_sources_behind_their_evidence(space: Path):
    scored_space(space)
    scenarios = space / "scenarios"
    # talks: one B2 and one C3 item, a tie: the less reliable band; other: A-graded only; plain: no evidence
    (scenarios / "other.yaml").write_text((scenarios / "other.yaml").read_text().replace("grade: B2", "grade: A1")
                                          .replace("grade: C3", "grade: A2"))
    plain = (scenarios / "plain.yaml").read_text()
    (scenarios / "plain.yaml").write_text(plain[:plain.index("evidence:")] + plain[plain.index("resolution:"):])
    result = vane("score", "--dir", str(space), "--json", "--by", "grade")
    assert result.code == 0, result.output
    data = json.loads(result.stdout)
    brier = {q["id"]: f["scores"]["brier"]["time_averaged"] for q in data["questions"] for f in q["forecasters"]
             if f["forecaster"] == "mk"}
    groups = {group: {s["forecaster"]: s for s in found} for group, found in data["by_grade"].items()}
    assert list(groups) == ["mostly A–B sources", "mostly C–D sources", "no evidence"]
    for group, qid in (("mostly A–B sources", "other"), ("mostly C–D sources", "talks"), ("no evidence", "plain")):
        assert groups[group]["mk"]["questions"] == 1
        assert groups[group]["mk"]["time_averaged"]["brier"]["mean"] == pytest.approx(brier[qid], abs=1e-12)
    text = vane("score", "--dir", str(space), "--by", "grade").stdout
    assert "By the source grades of the evidence" in text and "mostly C–D sources" in text
    assert "By the source grades" in (space / "reports" / "track-record.md").read_text()


def test_an_import_tags_the_questions_it_creates(space: Path, tmp_path: Path):
    header = ("question_id,forecast_id,forecaster,forecast_timestamp,type,options,probability_yes,"
              "probability_yes_per_category,published_at,scheduled_close_time,actual_close_time,"
              "spot_scoring_time,resolution,question_title,project_title\n")
    rows = ("31268,7,crowd,2025-02-01T00:00:00Z,binary,,0.3,,2025-01-01T00:00:00Z,2025-06-01T00:00:00Z,"
            "2025-06-01T00:00:00Z,,yes,Will it happen?,Quarterly Cup: Q1 2025\n"
            '31269,8,crowd,2025-02-01T00:00:00Z,multiple_choice,"[""a"",""b"",""c""]",,"[0.2,0.3,0.5]",'
            "2025-01-01T00:00:00Z,2025-06-01T00:00:00Z,2025-06-01T00:00:00Z,,b,Which one?,<script>\n")
    export = tmp_path / "export.csv"
    export.write_text(header + rows)
    refused = vane("import-forecasts", str(export), "--dir", str(space), "--tag", "two words")
    assert refused.code != 0 and "--tag" in refused.output and "two words" in refused.output
    assert not (space / "scenarios" / "metaculus-31268.yaml").exists()
    result = vane("import-forecasts", str(export), "--dir", str(space), "--tag", "cup", "--tag", "metaculus")
    assert result.code == 0, result.output
    binary, _ = load_question(space / "scenarios" / "metaculus-31268.yaml")
    choice, _ = load_question(space / "scenarios" / "metaculus-31269.yaml")
    assert binary.tags == ("cup", "metaculus", "binary", "quarterly-cup-q1-2025")
    assert choice.tags == ("cup", "metaculus", "multiple-choice", "ltscriptgt")  # a project title made an id
    data = json.loads(vane("score", "--dir", str(space), "--json", "--by", "tag").stdout)
    assert {group: len(found) > 0 for group, found in data["by_tag"].items()}["binary"]
    assert [s["questions"] for s in data["by_tag"]["cup"] if s["forecaster"] == "crowd"] == [2]


def test_coherence_worked_out_in_forked_workers_is_the_same(space: Path, monkeypatch):
    scored_space(space)
    when = dt.datetime(2025, 4, 1, 12, tzinfo=dt.timezone.utc)
    write_entries(log_path(Workspace(space)), [LoggedForecast(when, qid, "ann", {"deal": 0.5, "ceasefire": 0.3,
                                                                                 "stall": 0.2}, "stated", "stated")
                                               for qid in ("talks", "other", "plain")])
    import concurrent.futures

    from model.record import scorecard

    pools, original = [], concurrent.futures.ProcessPoolExecutor
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor",
                        lambda max_workers, **options: pools.append(max_workers) or original(max_workers, **options))
    monkeypatch.setattr(scorecard, "COHERENCE_BLOCK", 1)  # a block per question
    threads_at_fork, fork = [], os.fork
    monkeypatch.setattr(os, "fork", lambda: threads_at_fork.append(threading.active_count()) or fork())
    found = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("VANE_WORKERS", workers)
        found[workers] = json.loads(vane("score", "--dir", str(space), "--json").stdout)["coherence"]
    assert pools == [2]  # the second run shared the questions between two processes, forked once for every block
    assert threads_at_fork == [1, 1]  # both forked before the thread that feeds them (and the scores go on) starts
    assert len(found["1"]) == 6 and found["1"] == found["2"]

    def fails(*_):
        raise RuntimeError("the scores failed")

    monkeypatch.setattr(scorecard, "_final_tables", fails)  # while the coherence is worked out beside them
    failed = vane("score", "--dir", str(space), "--json")
    assert failed.code != 0 and "the scores failed" in failed.output, failed.output
    assert threading.active_count() == 1  # its thread and the workers' pool stopped with the error


def test_the_grades_counted_are_those_of_the_items_that_count_at_the_end(space: Path):
    """Read from the engine's arrays, as the items that count at the horizon would give them: later items,
    items withdrawn by then (not those withdrawn after) and ungraded items (F) as ``visible_items`` has them."""
    from model.engine.probabilities import visible_items
    from model.fileformat.grades import DEFAULT_GRADE
    from model.record.scorecard import _counted_letters

    more = ("  - {id: e3, date: 2025-04-01, summary: ungraded, ratings: {deal: '+'}}\n"
            "  - {id: e4, date: 2025-04-02, summary: withdrawn, grade: A1, ratings: {deal: '+'},"
            " retracted: {date: 2025-05-01, reason: wrong}}\n"
            "  - {id: e5, date: 2025-04-03, summary: withdrawn later, grade: A2, ratings: {deal: '+'},"
            " retracted: {date: 2026-02-01, reason: wrong}}\n"
            "  - {id: e6, date: 2025-12-30, summary: last, grade: E5, ratings: {stall: '+'}}\n")
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS + more + "resolution:\n  scenario: stall\n  date: 2025-11-30\n  note: it stalled\n")
    question, problems = load_question(path)
    assert not problems, problems
    expected = [(item.grade or DEFAULT_GRADE)[0] for item in visible_items(question, question.horizon)]
    assert _counted_letters(question) == expected == ["B", "C", "F", "A"]
