"""Golden test: import real Metaculus forecasts and reproduce Metaculus' own published scores to 1e-9.

Uses ../shared/data/metaculus-aib-q1-2025 (read there, never copied); skipped
cleanly when ../shared is absent. Runs through the command line: import into a
temporary workspace, then ``vane score --json``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from model.record.scoring import SCORE_NAMES, SPOT_SCORES
from tests.helpers import SHARED, vane

DATA = SHARED / "data" / "metaculus-aib-q1-2025"
pytestmark = pytest.mark.skipif(not (DATA / "forecasts.csv").exists(), reason="../shared/data is not available")


def published_scores() -> dict[tuple[str, str], dict[str, float]]:
    scores: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    with open(DATA / "scores.csv", newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            scores[(f"metaculus-{row['question_id']}", row["forecaster"])][row["score_type"]] = float(row["score"])
    return scores


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> dict:
    space = tmp_path_factory.mktemp("metaculus")
    assert vane("init", str(space)).code == 0
    imported = vane("import-forecasts", str(DATA / "forecasts.csv"), "--dir", str(space))
    assert imported.code == 0, imported.output
    again = vane("import-forecasts", str(DATA / "forecasts.csv"), "--dir", str(space))
    assert "imported 0 forecast(s)" in again.stdout  # re-importing adds nothing twice
    result = vane("score", "--dir", str(space), "--json")
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def test_every_published_score_is_reproduced(scored):
    ours = {(question["id"], row["forecaster"]): row["scores"]
            for question in scored["questions"] for row in question["forecasters"]}
    published = published_scores()
    assert len(published) == 409
    for key, expected in published.items():
        mine = ours[key]
        assert mine["baseline"]["time_averaged"] == pytest.approx(expected["baseline"], abs=1e-9), key
        assert mine["peer"]["time_averaged"] == pytest.approx(expected["peer"], abs=1e-9), key
        assert mine["spot_baseline"] == pytest.approx(expected["spot_baseline"], abs=1e-9), key
        assert mine["spot_peer"] == pytest.approx(expected["spot_peer"], abs=1e-9), key


def test_only_the_annulled_question_goes_unscored(scored):
    scored_questions = {question["id"] for question in scored["questions"]}
    published_questions = {key[0] for key in published_scores()}
    assert scored_questions == published_questions and len(scored_questions) == 42


def test_every_score_is_listed_by_name(scored):
    scores = scored["questions"][0]["forecasters"][0]["scores"]
    for name in SCORE_NAMES:
        assert set(scores[name]) == {"time_averaged", "final"}
    assert set(scores) == set(SCORE_NAMES) | {f"spot_{name}" for name in SPOT_SCORES}
    assert scored["reliability_diagram"].endswith("reliability.png") and Path(scored["reliability_diagram"]).exists()


def test_the_decomposition_on_real_forecasts_adds_up_and_matches_the_calibration_table(scored):
    # real forecasts are continuous: grouped by distinct value, almost every group held one forecast and
    # reliability came out near the Brier score itself; in the table's buckets it is what the table shows
    for name, parts in scored["murphy"].items():
        total = (parts["reliability"] - parts["resolution"] + parts["uncertainty"] + parts["within_variance"]
                 - parts["within_covariance"])
        assert parts["brier"] == pytest.approx(total, abs=1e-12), name
        buckets = [b for b in scored["calibration"][name] if b["count"]]
        count = sum(b["count"] for b in buckets)
        table = sum(b["count"] * (b["mean_forecast"] - b["observed"]) ** 2 for b in buckets) / count
        assert parts["reliability"] == pytest.approx(table, rel=1e-9), name
        assert all(b["observed_low"] <= b["observed"] <= b["observed_high"] for b in buckets), name
    people = [parts for name, parts in scored["murphy"].items() if "baseline" not in name]
    assert people and all(parts["reliability"] < parts["brier"] / 2 for parts in people)


def test_discrimination_on_the_binary_questions(scored):
    found = scored["discrimination"]
    people = {name: entry for name, entry in found.items() if "baseline" not in name and entry["questions"]}
    assert people and all(0.5 < entry["auc"] <= 1 for entry in people.values())  # real forecasters beat chance
    assert found["uniform (baseline)"]["auc"] == pytest.approx(0.5)  # the same forecast everywhere: chance
    assert max(entry["questions"] for entry in people.values()) >= 10
    assert scored["discrimination_plot"].endswith("discrimination.png") and Path(scored["discrimination_plot"]).exists()
