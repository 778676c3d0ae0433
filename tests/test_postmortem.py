"""``vane post-mortem``: a resolved question's stories for and against the outcome, whose evidence pointed right,
and how the forecasts moved."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from model.engine.parameters import workspace_parameters
from model.engine.views import ledger
from model.fileformat.log_entry import LoggedForecast
from model.record.forecast_log import write_entries
from model.reports.postmortem import direction, log_ratio
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_question
from tests.browser import open_alone
from tests.helpers import TALKS, vane
from tests.test_record_tags import RESOLVED, scored_space

LN2 = math.log(2.0)


def post_mortem_json(space: Path) -> dict:
    result = vane("post-mortem", "talks", "--dir", str(space), "--json")
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def test_the_log_ratio_weighs_the_rest_by_the_prior():
    # two scenarios: the plain ratio of the likelihoods, whatever the weights
    assert log_ratio(np.log([0.6, 0.2]), 0, np.array([0.9, 0.1])) == pytest.approx(math.log(3.0), abs=1e-12)
    # three: the outcome's likelihood against the prior-weighted mean of the others'
    likelihoods, weights = np.array([0.5, 0.1, 0.4]), np.array([0.2, 0.3, 0.5])
    rest = (0.3 * 0.1 + 0.5 * 0.4) / 0.8
    assert log_ratio(np.log(likelihoods), 0, weights) == pytest.approx(math.log(0.5 / rest), abs=1e-12)
    assert log_ratio(np.log(likelihoods) + 7.0, 0, weights) == pytest.approx(math.log(0.5 / rest), abs=1e-12)  # scale-free
    assert [direction(r) for r in (0.06, 0.04, -0.04, -0.06)] == ["toward", "neither", "neither", "away"]


def test_items_as_rated_and_stories_as_weighed_point_toward_or_away_from_the_outcome(space: Path):
    scored_space(space)  # talks resolved stall; prior deal 0.2, ceasefire 0.3, stall 0.5
    found = post_mortem_json(space)
    # e1 (Wire): deal +, ceasefire +, stall -  ->  ln 2^-1 - ln((0.2 * 2 + 0.3 * 2) / 0.5) = -2 ln 2
    # e2 (no source): deal -, ceasefire 0, stall +  ->  ln 2 - ln((0.2 / 2 + 0.3) / 0.5) = ln 2 - ln 0.8
    sources = {record["name"]: record for record in found["sources"]}
    assert sources["Wire"]["mean_ratio"] == pytest.approx(-2 * LN2, abs=1e-12)
    assert sources["(no source)"]["mean_ratio"] == pytest.approx(LN2 - math.log(0.8), abs=1e-12)
    assert (sources["Wire"]["toward"], sources["Wire"]["away"]) == (0, 1)
    [analyst] = found["analysts"]
    assert analyst["name"] == "(no analyst)" and (analyst["items"], analyst["toward"], analyst["away"]) == (2, 1, 1)
    assert analyst["mean_ratio"] == pytest.approx((-2 * LN2 + LN2 - math.log(0.8)) / 2, abs=1e-12)
    # stories: the engine's contribution at the resolution, the rest weighed by the prior
    question, _ = load_question(space / "scenarios" / "talks.yaml")
    lines = {line.story: line for line in ledger(question, workspace_parameters(Workspace(space)), question.resolution.date)}
    for story in found["stories"]:
        odds = np.asarray(lines[story["story"]].log_odds)
        rest = math.log((0.2 * math.exp(odds[0]) + 0.3 * math.exp(odds[1])) / 0.5)
        assert story["log_ratio"] == pytest.approx(odds[2] - rest, abs=1e-9)
    assert [(story["story"], story["direction"]) for story in found["stories"]] == [("e2", "toward"), ("e1", "away")]


def test_each_forecaster_is_followed_and_scored_as_vane_score_does(space: Path):
    scored_space(space)
    found = post_mortem_json(space)
    [mk] = found["forecasters"]
    assert mk["forecaster"] == "mk" and mk["kind"] == "stated" and [f["probability"] for f in mk["forecasts"]] == [0.8]
    scored = json.loads(vane("score", "talks", "--dir", str(space), "--json").stdout)
    row = next(f for q in scored["questions"] for f in q["forecasters"] if f["forecaster"] == "mk")
    assert mk["brier"] == pytest.approx(row["scores"]["brier"]["time_averaged"], abs=1e-12)
    assert mk["log"] == pytest.approx(row["scores"]["log"]["time_averaged"], abs=1e-12)
    assert 0 < found["evidence"]["start"] < 1 and 0 < found["evidence"]["resolution"] < 1


def test_the_page_holds_its_chart_and_the_text_says_where_it_is(space: Path):
    scored_space(space)
    result = vane("post-mortem", "talks", "--dir", str(space))
    assert result.code == 0, result.output
    assert "Stories that pointed toward stall" in result.stdout and "Envoys meet" in result.stdout
    assert "post-mortem page:" in result.stdout and "post-mortems/talks.html" in result.stdout
    folder = space / "reports" / "post-mortems"
    assert sorted(path.name for path in folder.iterdir()) == ["talks.html", "talks.md", "talks.png"]
    html, markdown = (folder / "talks.html").read_text(), (folder / "talks.md").read_text()
    assert html.count('src="data:image/png;base64,') == 1 and "talks.png" not in html
    assert "](talks.png)" in markdown and "| Wire | 1 | 0 | 1 | -1.39 |" in markdown


def test_an_open_or_annulled_question_has_no_post_mortem(space: Path):
    result = vane("post-mortem", "talks", "--dir", str(space))
    assert result.code == 1 and "talks is not resolved yet" in result.stderr and "Traceback" not in result.output
    (space / "scenarios" / "talks.yaml").write_text(TALKS + "resolution:\n  scenario: annulled\n  date: 2025-12-31\n"
                                                            "  note: the talks were called off\n")
    result = vane("post-mortem", "talks", "--dir", str(space))
    assert result.code == 1 and "talks was annulled" in result.stderr
    assert not (space / "reports" / "post-mortems").exists()
    missing = vane("post-mortem", "nothing", "--dir", str(space))
    assert missing.code == 1 and "nothing" in missing.stderr


def test_hostile_text_is_inert_on_the_page(space: Path):
    hostile = "<script>alert(1)</script> [x](javascript:alert(2)) \u202e| cell |"
    text = RESOLVED.replace("Envoys meet for the first time.", json.dumps(hostile)).replace("source: Wire", "source: '<b>W</b>'")
    (space / "scenarios" / "talks.yaml").write_text(text)
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)
    write_entries(log_path(Workspace(space)), [LoggedForecast(when, "talks", "a $\\frac{1$ <i>b</i>",
                                                              {"deal": 0.2, "ceasefire": 0.2, "stall": 0.6},
                                                              "stated", "stated")])
    result = vane("post-mortem", "talks", "--dir", str(space))
    assert result.code == 0, result.output
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout
    folder = space / "reports" / "post-mortems"
    html, markdown = (folder / "talks.html").read_text(), (folder / "talks.md").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>W</b>" not in html and "\u202e" not in html
    assert "<i>b</i>" not in html and "a $\\frac{1$ &lt;i&gt;b&lt;/i&gt;" in html
    assert "<script>" not in markdown and "\\| cell \\|" in markdown and "\u202e" not in markdown


def test_the_page_alone_in_a_real_browser(space: Path, tmp_path: Path):
    scored_space(space)
    assert vane("post-mortem", "talks", "--dir", str(space)).code == 0
    for page, _ in open_alone(space / "reports" / "post-mortems" / "talks.html", tmp_path / "browser"):
        assert [source for source, _ in page.images] == ["data:image/png;base64,"]
