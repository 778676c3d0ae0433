"""Who said what: one analyst's evidence alone, and the stories analysts rated differently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import vane

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "ukraine-talks-2027.yaml"


def workspace(root: Path) -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "reports").mkdir()
    text = EXAMPLE.read_text()
    (root / "scenarios" / "talks.yaml").write_text(text[:text.index("\nevidence:")] + "\n")  # no evidence yet
    return root


def add(root: Path, analyst: str, summary: str, day: int, *rating: str, story: str = "") -> None:
    extra = ["--story", story] if story else []
    result = vane("add", "talks", "--dir", str(root), "-s", summary, "--date", f"2026-11-{day:02d}", "--grade", "B2",
                  "--analyst", analyst, *[part for r in rating for part in ("-r", r)], *extra)
    assert result.code == 0, result.output


ITEMS = [  # analyst, summary, day, ratings, story
    ("Alice", "Talks resume in Geneva", 1, ("deal=+",), "geneva"),
    ("Bob", "Geneva talks are theatre", 2, ("deal=--", "stall=+"), "geneva"),
    ("Alice", "Prisoner exchange agreed", 3, ("deal=+", "synthesis=+"), "exchange"),
    ("Bob", "Prisoner exchange agreed (same report)", 4, ("deal=+", "synthesis=+"), "exchange"),
    ("bob", "Offensive announced", 5, ("stall=++",), ""),
    ("Carol", "Sanctions eased", 6, ("synthesis=+",), "sanctions"),
    ("Bob", "Sanctions eased, barely", 7, ("synthesis=0",), "sanctions"),
]


def status(root: Path, *extra: str) -> dict:
    result = vane("status", "--dir", str(root), "--json", "--face-value", "--as-of", "2026-11-30", *extra)
    assert result.code == 0, result.output
    return json.loads(result.stdout)["questions"][0]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "team")
    for analyst, summary, day, rating, story in ITEMS:
        add(root, analyst, summary, day, *rating, story=story)
    return root


@pytest.mark.parametrize("name", ["Alice", "bob", "  BOB "])
def test_one_analysts_view_is_the_question_with_their_evidence_alone(team: Path, tmp_path: Path, name: str):
    alone = workspace(tmp_path / "alone")
    for analyst, summary, day, rating, story in ITEMS:
        if analyst.casefold() == name.strip().casefold():
            add(alone, analyst, summary, day, *rating, story=story)
    mine, theirs = status(team, "--analyst", name), status(alone)
    assert mine["scenarios"] == theirs["scenarios"] and (mine["evidence"], mine["stories"]) == (theirs["evidence"], theirs["stories"])
    shown = vane("show", "talks", "--dir", str(team), "--analyst", name, "--face-value", "--as-of", "2026-11-30")
    assert shown.code == 0 and "'s alone" in shown.stdout


def test_an_unknown_analyst_is_refused_with_the_closest_name(team: Path):
    result = vane("status", "--dir", str(team), "--analyst", "Alcie")
    assert result.code == 1 and "no evidence by analyst 'Alcie' (did you mean 'Alice'?)" in result.stderr
    result = vane("show", "talks", "--dir", str(team), "--analyst", "Zed")
    assert result.code == 1 and "analysts named on the evidence: Alice, Bob, Carol" in result.stderr


def test_disagreements_are_the_stories_rated_differently_ranked_by_their_spread(team: Path, tmp_path: Path):
    shown = vane("show", "talks", "--dir", str(team), "--json", "--face-value", "--as-of", "2026-11-30")
    found = json.loads(shown.stdout)["disagreements"]
    assert [entry["story"] for entry in found] == sorted(["geneva", "sanctions"], key=lambda story: -next(
        entry["spread"] for entry in found if entry["story"] == story))  # "exchange" was rated alike: no dispute
    geneva = next(entry for entry in found if entry["story"] == "geneva")
    assert [version["analyst"] for version in geneva["analysts"]] == ["Alice", "Bob"]
    for version in geneva["analysts"]:  # each version is the question with the story as that analyst rated it
        root = workspace(tmp_path / version["analyst"])
        for analyst, summary, day, rating, story in ITEMS:
            if story != "geneva" or analyst == version["analyst"]:
                add(root, analyst, summary, day, *rating, story=story)
        assert version["probabilities"] == pytest.approx({row["id"]: row["probability"] for row in
                                                          status(root)["scenarios"]}, abs=1e-12)
    rows = [version["probabilities"] for version in geneva["analysts"]]
    assert geneva["spread"] == pytest.approx(max(abs(rows[0][k] - rows[1][k]) for k in rows[0]), abs=1e-12)
    text = vane("show", "talks", "--dir", str(team), "--face-value", "--as-of", "2026-11-30").stdout
    assert "Where analysts disagree" in text and text.index("geneva") < text.index("Weekly trajectory")


def test_no_disagreement_section_when_analysts_agree(tmp_path: Path):
    root = workspace(tmp_path / "calm")
    add(root, "Alice", "Talks resume", 1, "deal=+", story="s")
    add(root, "Bob", "Talks resume (again)", 2, "deal=+", story="s")
    shown = vane("show", "talks", "--dir", str(root), "--face-value")
    assert shown.code == 0 and "disagree" not in shown.stdout
