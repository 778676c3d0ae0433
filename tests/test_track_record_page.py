"""The track record page (``reports/track-record.md`` and ``.html``): written by ``vane score`` and ``vane report``."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from model.fileformat.log_entry import LoggedForecast
from model.record.forecast_log import write_entries
from model.workspace.folder import Workspace, log_path
from tests.browser import open_alone
from tests.helpers import TALKS, vane
from tests.test_record_tags import RESOLVED, scored_space, tagged

HOSTILE = "<script>alert(1)</script> [x](javascript:alert(2)) \u202eevil $\\frac{1$"  # two $: never read as mathtext


def pages(space: Path) -> tuple[str, str]:
    folder = space / "reports"
    return (folder / "track-record.md").read_text(encoding="utf-8"), (folder / "track-record.html").read_text(encoding="utf-8")


def section(text: str, start: str, end: str | None = None) -> str:
    """The text from ``start`` to ``end`` (or the end)."""
    tail = text[text.index(start):]
    return tail[:tail.index(end, len(start))] if end and end in tail[len(start):] else tail


def test_score_writes_the_page_with_each_forecaster_and_its_charts_inside(space: Path):
    scored_space(space)
    result = vane("score", "--dir", str(space))
    assert result.code == 0, result.output
    assert "track record page:" in result.stdout and "reports/track-record.html" in result.stdout
    markdown, html = pages(space)
    for text in (markdown, html):
        assert "Across questions" in text and "uniform (baseline)" in text and "prior (baseline)" in text
        assert "mk" in text and "Calibration of final forecasts" in text and "Murphy decomposition" in text
        assert "By horizon" in text and "90 days or more" in text
    assert "](scores/reliability.png)" in markdown and "](scores/discrimination.png)" not in markdown  # no binary
    assert html.count('src="data:image/png;base64,') == 1 and "scores/" not in html
    # a baseline is in the table, but has no section of its own
    assert '<section class="question" id="mk">' in html and 'id="uniform' not in html


def test_the_worst_questions_come_first_and_tags_cut_the_record(space: Path):
    scored_space(space)  # mk gave the outcome (stall) 80% on talks, 50% on plain, 20% on other
    assert vane("score", "--dir", str(space)).code == 0
    markdown, _ = pages(space)
    wrong = section(markdown, "**Most wrong**", "**")
    assert [wrong.index(f"({qid})") for qid in ("other", "plain", "talks")] == sorted(
        wrong.index(f"({qid})") for qid in ("other", "plain", "talks"))
    assert "**Most right**" not in markdown  # three questions: all of them shown once, worst first
    tags = section(markdown, "**By tag**", "**")
    assert re.search(r"\| russia \| 2 \|", tags) and re.search(r"\| diplomacy \| 1 \|", tags)
    assert re.search(r"\| \(no tag\) \| 1 \|", tags)


def test_without_tags_there_is_no_tag_cut(space: Path):
    scored_space(space)
    for path in (space / "scenarios").glob("*.yaml"):
        path.write_text(re.sub(r"tags: \[[^]]*\]\n", "", path.read_text()))
    assert vane("score", "--dir", str(space)).code == 0
    markdown, html = pages(space)
    assert "By tag" not in markdown and "By tag" not in html


def test_scoring_some_questions_leaves_the_page_as_it_was(space: Path):
    scored_space(space)
    assert vane("score", "--dir", str(space)).code == 0
    before = pages(space)
    result = vane("score", "talks", "--dir", str(space), "--json")
    assert result.code == 0 and json.loads(result.stdout)["track_record_page"] is None
    assert pages(space) == before
    whole = json.loads(vane("score", "--dir", str(space), "--json").stdout)
    assert whole["track_record_page"].endswith("track-record.html") and "by_horizon" not in whole  # not asked for


def test_nothing_resolved_writes_no_page(space: Path):
    assert vane("score", "--dir", str(space)).code == 0
    assert not (space / "reports" / "track-record.html").exists()


def test_hostile_names_and_titles_are_inert_on_the_page(space: Path):
    scenarios = space / "scenarios"
    (scenarios / "talks.yaml").write_text(RESOLVED.replace("Will the talks produce a deal by the end of 2025?",
                                                           json.dumps(HOSTILE)))
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)
    write_entries(log_path(Workspace(space)), [LoggedForecast(when, "talks", HOSTILE, {"deal": 0.2, "ceasefire": 0.2,
                                                                                       "stall": 0.6}, "stated", "stated")])
    assert vane("score", "--dir", str(space)).code == 0
    markdown, html = pages(space)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "\u202e" not in html
    assert "<script>" not in markdown and "\\<script\\>" in markdown and "\u202e" not in markdown
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown) and "\\[x\\](javascript:" in markdown
    names = re.findall(r'\b(?:id|href)="#?([^"]*)"', html)
    assert names and all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) for name in names), names


def test_the_weekly_report_writes_the_page_too(space: Path):
    scored_space(space)
    (space / "scenarios" / "open.yaml").write_text(tagged(TALKS.replace("Will the talks", "Will open talks"), "[x]"))
    result = vane("report", "--dir", str(space))
    assert result.code == 0, result.output
    assert "wrote the track record page" in result.stdout and "reports/track-record.html" in result.stdout
    markdown, _ = pages(space)
    assert "mk" in markdown and "Most wrong" in markdown


def test_the_page_alone_in_a_real_browser(space: Path, tmp_path: Path):
    scored_space(space)
    assert vane("score", "--dir", str(space)).code == 0
    for page, _ in open_alone(space / "reports" / "track-record.html", tmp_path / "browser"):
        assert [source for source, _ in page.images] == ["data:image/png;base64,"]
        assert page.locator("section.question").count() == 1


def test_with_only_the_baselines_the_page_says_what_will_come(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)  # resolved, and nobody forecast it
    assert vane("score", "--dir", str(space)).code == 0
    markdown, html = pages(space)
    assert "Only the baselines so far" in markdown and "Only the baselines so far" in html
    scored_space(space)
    assert vane("score", "--dir", str(space)).code == 0
    assert "Only the baselines so far" not in pages(space)[0]
