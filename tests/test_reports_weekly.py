"""``vane report``: the files, the sections, safe escaping, re-runs, past weeks, and a real browser."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest

from model.fileformat.log_entry import LoggedForecast, read_log
from model.record.forecast_log import write_entries
from model.reports.publish import publish_week
from model.reports.weekly import Week
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_question, load_workspace
from tests.browser import open_alone
from tests.helpers import TALKS, vane

TODAY = dt.date.today()
WEEK = Week.of(TODAY)
HOSTILE = (
    "Leak: <script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> "
    "[click](javascript:window.__pwned=3) | table | cell | `code` *bold*"
)


def open_question(closes: dt.date, extra: str = "") -> str:
    return TALKS.replace("closes: 2025-12-31", f"closes: {closes}") + extra


@pytest.fixture
def reporting(space: Path) -> Path:
    """Two open questions: one near its deadline with fresh hostile evidence, one stale with an overdue indicator."""
    scenarios = space / "scenarios"
    (scenarios / "talks.yaml").write_text(open_question(TODAY + dt.timedelta(days=10)))
    assert vane("add", "talks", "--dir", str(space), "-s", HOSTILE, "--date", str(TODAY), "--grade", "C3",
                "--url", "https://example.org/a?b=1&c=\"2\"", "-r", "deal=++", "-r", "stall=-").code == 0
    overdue = "indicators:\n  - id: i1\n    description: Leaders meet <b>in person</b>\n    due: 2025-06-01\n    probabilities: {deal: 0.9, ceasefire: 0.5, stall: 0.1}\n"
    quiet = open_question(TODAY + dt.timedelta(days=300), overdue).replace("Will the talks produce", "Will quiet talks produce")
    (scenarios / "quiet.yaml").write_text(quiet)
    return space


def run_report(space: Path, *args: str):
    result = vane("report", "--dir", str(space), *args)
    assert result.code == 0, result.output
    return space / "reports" / (args[args.index("--week") + 1] if "--week" in args else WEEK.label)


def test_report_writes_markdown_html_and_charts(reporting: Path):
    folder = run_report(reporting)
    markdown, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    for section in ("Open questions", "Biggest movers", "Gone stale", "Near their deadline", "Track record", "What to watch"):
        assert section in markdown, section
    assert sorted(p.name for p in (folder / "charts").iterdir()) == ["quiet.png", "talks.png"]
    assert 'class="summary stack"' in page and "charts/talks.png" in markdown and "Not calibrated yet" in page
    inline = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert [base64.b64decode(data) for data in inline] == [(folder / "charts" / name).read_bytes()
                                                           for name in ("quiet.png", "talks.png")]
    assert "Overdue" in markdown and "its absence now counts as evidence" in markdown
    near = markdown[markdown.index("## Near their deadline"):markdown.index("## Track record")]
    stale = markdown[markdown.index("## Gone stale"):markdown.index("## Near their deadline")]
    assert "Will the talks" in near and "10 days" in near
    assert "last evidence 2025-03-01" in stale
    assert re.search(r"<(script|link)\b[^>]*(src|href)=[\"']?https?:", page) is None  # nothing from the network


def test_user_text_is_escaped_in_markdown_and_html(reporting: Path):
    folder = run_report(reporting)
    markdown, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    assert "<script>" not in markdown and re.search(r"(?<!\\)<img", markdown) is None
    assert re.search(r"(?<!\\)\]\(javascript:", markdown) is None  # the brackets are escaped: no link forms
    assert "\\| table \\| cell \\|" in markdown and "\\<script\\>" in markdown
    assert "<script" not in page and "<img src=x" not in page and "javascript:" not in page.split("<body>")[1].split("[click]")[0]
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page and "&lt;b&gt;in person&lt;/b&gt;" in page
    assert 'href="https://example.org/a?b=1&amp;c=%222%22"' in page


def test_rerunning_the_same_week_rewrites_its_report_and_adds_to_the_log(reporting: Path):
    run_report(reporting)
    first = log_path(Workspace(reporting)).read_bytes()
    run_report(reporting)
    assert log_path(Workspace(reporting)).read_bytes().startswith(first)  # the earlier forecasts stay
    entries, problems = read_log(log_path(Workspace(reporting)))
    mine = [entry for entry in entries if entry.batch == f"report {WEEK.label}"]
    assert not problems and {entry.question for entry in mine} == {"quiet", "talks"}


def test_a_past_week_is_reconstructed_and_not_published(reporting: Path):
    folder = run_report(reporting, "--week", "2025-W10")
    markdown = (folder / "report.md").read_text()
    assert "reconstructed on" in markdown and "as of 2025-03-09" in markdown
    assert "Leak:" not in markdown  # evidence dated later does not exist yet in that week
    entries, _ = read_log(log_path(Workspace(reporting)))
    assert entries == []


def test_publishing_the_week_is_a_library_use_case(reporting: Path):
    space = Workspace(reporting)
    stages = []
    past = publish_week(space, load_workspace(space), Week.parse("2025-W10"),
                        progress=lambda stage, number, total, name: stages.append((stage, number, total)))
    assert past.report.reconstructed and past.published == 0 and not past.log.exists()
    assert [path.name for path in past.paths[:2]] == ["report.md", "report.html"] and past.paths[0].parent.name == "2025-W10"
    assert {stage for stage, _, _ in stages} == {"forecasting", "drawing"}
    current = publish_week(space, load_workspace(space), WEEK)
    assert current.published == 2 and current.log == log_path(space)
    assert publish_week(space, load_workspace(space), WEEK, now=current.report.generated).published == 0  # same entries


def publish_last_week(space: Path, deal: float) -> dt.datetime:
    """The engine's forecast for ``talks`` as last week's report published it."""
    last = Week.of(TODAY - dt.timedelta(days=7))
    when = dt.datetime.combine(last.end, dt.time(18), dt.timezone.utc)
    probabilities = {"deal": deal, "ceasefire": (1 - deal) / 2, "stall": (1 - deal) / 2}
    write_entries(log_path(Workspace(space)), [
        LoggedForecast(when, "talks", "engine", probabilities, "engine", f"report {last.label}", recorded=when)])
    return when


def test_the_report_compares_with_the_previous_published_report(reporting: Path):
    published = publish_last_week(reporting, deal=0.05)
    assert vane("snapshot", "--dir", str(reporting)).code == 0  # a snapshot is not a report: not compared with
    vane("add", "talks", "--dir", str(reporting), "-s", "Ceasefire lines drawn up", "--date", str(TODAY), "-r", "ceasefire=++")
    markdown = (run_report(reporting) / "report.md").read_text()
    section = markdown[markdown.index("## Will the talks"):]
    assert f"published {published.date()}" in section and "Ceasefire lines drawn up" in section.split("**What moved it**")[1]
    assert "Will the talks produce" in markdown.split("## Biggest movers")[1].split("##")[0]


def test_a_past_week_never_compares_with_a_later_report(reporting: Path):
    publish_last_week(reporting, deal=0.05)
    earlier = Week.of(TODAY - dt.timedelta(days=14)).label
    markdown = (run_report(reporting, "--week", earlier) / "report.md").read_text()
    assert "published" not in markdown and "recomputed" in markdown


def test_a_week_without_open_questions_still_gets_a_report(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(TALKS + "resolution:\n  scenario: stall\n  date: 2025-12-31\n  note: x\n")
    markdown = (run_report(space) / "report.md").read_text()
    assert "No open questions." in markdown and "Track record" in markdown


def test_a_question_past_its_deadline_awaits_resolution_instead_of_being_forecast(space: Path):
    markdown = (run_report(space) / "report.md").read_text()  # talks closed on 2025-12-31, unresolved
    assert "No open questions." in markdown
    assert "## Closed, awaiting resolution" in markdown and "closed 2025-12-31" in markdown
    entries, _ = read_log(log_path(Workspace(space)))
    assert entries == []


def test_evidence_entered_this_week_is_new_even_when_dated_earlier(reporting: Path):
    vane("add", "talks", "--dir", str(reporting), "-s", "Old memo found in an archive", "--date", "2025-02-20", "-r", "stall=+")
    markdown = (run_report(reporting) / "report.md").read_text()
    section = markdown[markdown.index("## Will the talks"):]
    assert "Old memo found in an archive" in section.split("**New evidence this week**")[1]


def test_bad_weeks_are_refused(space: Path):
    for week, words in (("2026-52x", "not an ISO week"), (f"{TODAY.year + 2}-W01", "has not started")):
        result = vane("report", "--dir", str(space), "--week", week)
        assert result.code == 2 and words in result.output


# --- indicators from the command line ---


def test_indicators_are_added_and_observed_with_safe_writes(space: Path):
    path = space / "scenarios" / "talks.yaml"
    assert vane("indicator", "add", "talks", "--dir", str(space), "--description", "Leaders meet", "--due", "2025-09-30",
                "--prob", "deal=0.9", "--prob", "ceasefire=0.6", "--prob", "stall=0.1").code == 0
    before = path.read_text()
    refused = vane("indicator", "add", "talks", "--dir", str(space), "--description", "x", "--due", "2025-09-30", "--prob", "deal=1.5")
    assert refused.code == 1 and "missing ceasefire, stall" in refused.stderr and path.read_text() == before
    seen = vane("indicator", "observe", "talks", "i1", "--dir", str(space), "--date", "2025-08-15", "--source", "Wire")
    assert seen.code == 0 and "evidence e3" in seen.stdout
    question, problems = load_question(path)
    assert not problems
    assert question.indicators[0].observed == dt.date(2025, 8, 15) and question.indicators[0].evidence == "e3"
    assert question.evidence[-1].units["deal"] == pytest.approx(__import__("math").log2(0.9))
    again = vane("indicator", "observe", "talks", "i1", "--dir", str(space))
    assert again.code == 1 and "already observed" in again.stderr
    listed = vane("indicator", "list", "talks", "--dir", str(space))
    assert "i1: seen on 2025-08-15 (evidence e3)" in listed.stdout


# --- a real browser ---


def test_the_html_report_alone_in_a_real_browser_at_a_phone_and_a_desk_width(reporting: Path, tmp_path: Path):
    """The page copied alone to another folder (no charts/ beside it) shows its charts, loads nothing, runs nothing,
    and reads at 420 and 1280 px: no sideways scrolling of the page, no heading or cell one word a line."""
    for page, width in open_alone(run_report(reporting) / "report.html", tmp_path):
        assert page.locator("table.summary tbody tr").count() == 2
        assert [source for source, _ in page.images] == ["data:image/png;base64,"] * 2
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert "<script>window.__pwned = 1</script>" in page.inner_text("body")
        charts = page.evaluate("Array.from(document.images).map(i => i.getBoundingClientRect().width)")
        assert all(width * 0.6 < shown <= width for shown in charts) if width < 600 else all(shown >= 700 for shown in charts)


def test_an_indicator_needs_a_due_date_in_the_questions_life_and_records_when_it_was_entered(space: Path):
    path = space / "scenarios" / "talks.yaml"
    common = ["--dir", str(space), "--description", "Leaders meet", "--prob", "deal=0.5", "--prob", "ceasefire=0.5", "--prob", "stall=0.5"]
    for due, words in (("2024-06-01", "before the question opened"), ("2026-06-01", "after the question closes")):
        refused = vane("indicator", "add", "talks", "--due", due, *common)
        assert refused.code == 1 and f"--due: due date {due} is {words}" in refused.stderr and path.read_text() == TALKS
    added = vane("indicator", "add", "talks", "--due", "2025-09-30", *common)
    assert added.code == 0 and "same chance: seeing it (or not) would change nothing" in added.stdout
    assert "its due date 2025-09-30 has passed" in added.stdout
    question, _ = load_question(path)
    assert question.indicators[0].recorded is not None


def test_a_question_opened_this_week_with_a_uniform_prior_is_charted(space: Path):
    fresh = (TALKS.split("evidence:")[0].replace("opened: 2025-01-01", f"opened: {TODAY}")
             .replace("closes: 2025-12-31", f"closes: {TODAY + dt.timedelta(days=90)}")
             .replace("{deal: 0.2, ceasefire: 0.3, stall: 0.5}", "uniform"))
    (space / "scenarios" / "talks.yaml").write_text(fresh)
    folder = run_report(space)  # one week of history: a single point with its (empty) interval
    assert (folder / "charts" / "talks.png").stat().st_size > 1000
    markdown = (folder / "report.md").read_text()
    stale = markdown[markdown.index("## Gone stale"):markdown.index("## Near their deadline")]
    assert "Will the talks" not in stale  # new this week, not stale for want of evidence
    old = fresh.replace(f"opened: {TODAY}", f"opened: {TODAY - dt.timedelta(days=60)}")
    (space / "scenarios" / "talks.yaml").write_text(old)
    markdown = (run_report(space) / "report.md").read_text()
    assert "Will the talks" in markdown[markdown.index("## Gone stale"):markdown.index("## Near their deadline")]


def test_a_retraction_this_week_is_in_the_report_with_its_reason(reporting: Path):
    reason = 'Denied by both sides: "no such meeting", <b>twice</b>, and the wire withdrew it'
    assert vane("retract", "talks", "e1", "--reason", reason, "--dir", str(reporting)).code == 0
    question, problems = load_question(reporting / "scenarios" / "talks.yaml")
    assert not problems and question.evidence[0].retracted.reason == reason  # a flow mapping keeps ", " and ": "
    folder = run_report(reporting)
    markdown, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    assert "Retracted this week" in markdown and "Envoys meet for the first time." in markdown.split("Retracted")[1]
    assert "Retracted this week" in page and "&lt;b&gt;twice&lt;/b&gt;" in page and "<b>twice</b>" not in page


def test_what_to_watch_names_the_scenario_either_answer_moves_most(space: Path):
    import numpy as np

    from model.engine.indicators import to_watch

    text = open_question(TODAY + dt.timedelta(days=200),
                         "indicators:\n  - id: i1\n    description: A summit\n"
                         f"    due: {TODAY + dt.timedelta(days=100)}\n"
                         "    probabilities: {deal: 0.9, ceasefire: 0.5, stall: 0.5}\n")
    (space / "scenarios" / "talks.yaml").write_text(text)
    question, problems = load_question(space / "scenarios" / "talks.yaml")
    assert not problems
    belief = np.array([0.2, 0.3, 0.5])  # deal, ceasefire, stall
    watch = to_watch(question, belief, TODAY)[0]
    seen = 0.2 * 0.9 / (0.2 * 0.9 + 0.8 * 0.5)  # deal if the summit is seen: 31%
    unseen = 0.2 * 0.1 / (0.2 * 0.1 + 0.8 * 0.5)  # and if not: 5%
    assert watch.moves_most == f"deal 20% → {100 * seen:.0f}% if seen, {100 * unseen:.0f}% if not"
    assert watch.leading(watch.if_observed).startswith("stall")  # the leader stays: only the new column says deal moves
    markdown = (run_report(space) / "report.md").read_text()
    assert "Moves most" in markdown and "% if seen" in markdown


def test_a_first_report_counts_evidence_entered_this_week_as_new_whatever_its_date(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(open_question(TODAY + dt.timedelta(days=60)))
    back = str(TODAY - dt.timedelta(days=40))  # read about this week, dated well before it
    assert vane("add", "talks", "--dir", str(space), "-s", "Old talks transcript surfaces", "--date", back,
                "--grade", "A1", "-r", "deal=++", "-r", "stall=--").code == 0
    markdown = (run_report(space) / "report.md").read_text()
    moved = markdown.split("**What moved it**")[1].split("**New evidence this week**")[0]
    assert "Old talks transcript surfaces" in moved


def test_the_chart_shows_the_prior_and_analysts_stated_forecasts(reporting: Path):
    from model.reports.charts import chart_key
    from model.reports.render import trajectory_of

    chart = run_report(reporting) / "charts" / "talks.png"
    before = chart_key(chart)
    said = vane("forecast", "talks", "deal=0.6", "ceasefire=0.3", "stall=0.1", "--forecaster", "alice",
                "--dir", str(reporting))
    assert said.code == 0, said.output
    space = Workspace(reporting)
    published = publish_week(space, load_workspace(space), WEEK)
    entry = next(entry for entry in published.report.questions if entry.question.id == "talks")
    assert [(forecast.forecaster, forecast.kind) for forecast in entry.stated] == [("alice", "stated")]
    shown = trajectory_of(entry)
    assert [day for day, _ in shown.stated] == [entry.stated[0].time.date()]
    assert shown.stated[0][1] == pytest.approx((0.6, 0.3, 0.1))  # in the question's order of scenarios
    assert shown.opened == dt.date(2025, 1, 1) and shown.prior == pytest.approx((0.2, 0.3, 0.5)) and shown.prior_shown
    assert chart_key(chart) == shown.key() != before  # the chart was drawn again, with the forecast
    quiet = next(entry for entry in published.report.questions if entry.question.id == "quiet")
    assert quiet.stated == ()  # alice said nothing about it
    past = publish_week(space, load_workspace(space), Week.parse("2025-W10"))
    assert all(entry.stated == () for entry in past.report.questions)  # stated after that week: not shown in it


def test_compiled_templates_are_kept_in_the_users_cache_and_a_damaged_one_is_compiled_again(reporting: Path,
                                                                                            tmp_path: Path,
                                                                                            monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    first = (run_report(reporting) / "report.html").read_text()
    kept = sorted((tmp_path / "user-cache" / "weathervane" / "templates").iterdir())
    assert len(kept) >= 3  # report.md, report.html and the style sheet it includes
    for path in kept:
        path.write_bytes(b"not a compiled template")
    again = (run_report(reporting) / "report.html").read_text()
    assert again.split("<footer>")[0] == first.split("<footer>")[0]  # (the footer has the time)
    monkeypatch.setenv("VANE_NO_CACHE", "1")
    (tmp_path / "user-cache").chmod(0o500)  # nothing may be written there now; nothing needs to be
    try:
        assert (run_report(reporting) / "report.html").exists()
    finally:
        (tmp_path / "user-cache").chmod(0o700)
