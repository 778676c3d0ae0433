"""The analyst's everyday: quick entry, corrections, numbers as people write them, warnings, errors in plain words."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from msgspec import structs

from model.base.numbers import probability_value
from model.engine.parameters import Parameters
from model.engine.probabilities import probabilities_at, visible_items
from model.workspace.loader import load_question
from tests.helpers import TALKS, vane

TODAY = dt.date.today()


def talks(space: Path):
    question, problems = load_question(space / "scenarios" / "talks.yaml")
    assert not problems, problems
    return question


def run(space: Path, *words: str, input: str | None = None):
    return vane(*words, "--dir", str(space), input=input)


# --- numbers as people write them ---


@pytest.mark.parametrize("text, value", [("0.3", 0.3), ("30%", 0.3), ("1:4", 0.2), (" 12.5% ", 0.125), ("3:1", 0.75)])
def test_probabilities_are_read_as_decimals_percentages_or_odds(text, value):
    assert probability_value(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "%", "1:0:1", "0:0", "-1:2", "nan", "thirty", "inf"])
def test_what_is_not_a_probability_says_how_to_write_one(text):
    with pytest.raises(ValueError, match=r"0\.3, 30% or odds 1:4"):
        probability_value(text)


def test_forecasts_priors_and_likelihoods_take_percentages_and_odds(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS.replace("closes: 2025-12-31", f"closes: {TODAY.year + 1}-12-31")
                    .replace("{deal: 0.2, ceasefire: 0.3, stall: 0.5}", "{deal: 20%, ceasefire: '3:7', stall: 0.5}"))
    assert talks(space).prior.probabilities == pytest.approx({"deal": 0.2, "ceasefire": 0.3, "stall": 0.5})
    added = run(space, "add", "talks", "-s", "Odds given", "--date", "2025-04-01", "-l", "deal=1:1", "-l",
                "ceasefire=25%", "-l", "stall=0.1")
    assert added.code == 0, added.output
    assert talks(space).evidence[-1].units["deal"] == pytest.approx(-1.0)  # log2(0.5)
    stated = run(space, "forecast", "talks", "deal=10%", "ceasefire=1:4", "stall=0.7")
    assert stated.code == 0, stated.output
    assert "deal 10%, ceasefire 20%, stall 70%" in stated.stdout
    bad = run(space, "forecast", "talks", "deal=ten", "ceasefire=0.2", "stall=0.7")
    assert bad.code == 1 and "'ten' is not a probability (write 0.3, 30% or odds 1:4)" in bad.stderr


def test_a_forecast_of_exactly_0_or_1_is_clamped_with_a_warning(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(TALKS.replace("closes: 2025-12-31", f"closes: {TODAY.year + 1}-12-31"))
    result = run(space, "forecast", "talks", "deal=0", "ceasefire=0%", "stall=100%")
    assert result.code == 0, result.output
    assert "deal 0% taken as 0.1%" in result.stdout and "ceasefire 0% taken as 0.1%" in result.stdout
    assert "-34 on the log score" in result.stdout
    logged = [json.loads(line) for line in (space / "reports" / "forecasts.jsonl").read_text().splitlines()]
    assert logged[-1]["probabilities"] == pytest.approx({"deal": 0.001, "ceasefire": 0.001, "stall": 0.998})


# --- dates ---


@pytest.mark.parametrize("given, said", [
    ("2026-02-30", "--date '2026-02-30' does not exist: February 2026 has 28 days"),
    ("2024-02-30", "--date '2024-02-30' does not exist: February 2024 has 29 days"),
    ("2026-13-01", "there is no month 13"),
    ("30/01/2026", "--date '30/01/2026' is not a date written YYYY-MM-DD"),
])
def test_a_bad_date_is_refused_in_one_line_naming_the_option(space: Path, given, said):
    result = run(space, "add", "talks", "-s", "x", "-r", "deal=+", "--date", given)
    assert result.code == 1 and result.stdout == ""
    assert result.stderr.startswith("vane: ") and said in result.stderr and len(result.stderr.splitlines()) == 1
    assert talks(space).evidence[-1].id == "e2"


def test_as_of_in_the_future_or_before_the_question_opened(space: Path):
    future = run(space, "status", "--as-of", (TODAY + dt.timedelta(days=3)).isoformat())
    assert future.code == 1 and future.stderr.startswith("vane: --as-of") and "is in the future" in future.stderr
    early = run(space, "status", "--as-of", "2024-06-01")
    assert early.code == 0 and "before talks opened on 2025-01-01: it shows only the prior" in early.stderr
    assert "warning" not in run(space, "status", "--as-of", "2025-06-01").stderr


# --- entering evidence ---


def test_defaults_are_said_when_not_given(space: Path):
    result = run(space, "add", "talks", "-s", "Undated, ungraded", "-r", "deal=+")
    assert result.code == 0, result.output
    assert f"date: {TODAY} (today, as no date was given" in result.stdout
    assert "grade: F6 (no grade was given, nor ever to this source" in result.stdout and "weight 0.36" in result.stdout
    given = run(space, "add", "talks", "-s", "Dated, graded", "-r", "deal=+", "--date", "2025-05-01", "--grade", "B2")
    assert "date:" not in given.stdout and "grade:" not in given.stdout


def test_the_grade_defaults_to_the_one_last_given_to_the_source(space: Path):
    other = TALKS.replace("source: Wire", "source: Courier").replace("grade: B2", "grade: A3")
    (space / "scenarios" / "other.yaml").write_text(other)
    here = run(space, "add", "talks", "-s", "More from the wire", "-r", "deal=+", "--source", " wire ",
               "--date", "2025-05-01")
    assert "grade: B2 (the grade last given to wire)" in here.stdout and talks(space).evidence[-1].grade == "B2"
    elsewhere = run(space, "add", "talks", "-s", "The courier again", "-r", "deal=+", "--source", "Courier",
                    "--date", "2025-05-02")
    assert "grade: A3 (the grade last given to Courier)" in elsewhere.stdout
    assert talks(space).evidence[-1].grade == "A3"


def test_in_a_terminal_add_asks_for_every_field_with_its_default(space: Path, monkeypatch):
    monkeypatch.setattr("cli.add.interactive", lambda: True)
    answers = "\n".join(["Asked for everything", "2025-02-30", "2025-05-03", "Wire", "", "", "", "+", "", "-"]) + "\n"
    result = run(space, "add", "talks", input=answers)
    assert result.code == 0, result.output
    assert "does not exist: February 2025 has 28 days" in result.stdout  # asked again
    assert "grade (source A-F, credibility 1-6) [B2]" in result.stdout  # the source's grade offered
    item = talks(space).evidence[-1]
    assert (item.summary, item.date, item.source, item.grade) == ("Asked for everything", dt.date(2025, 5, 3), "Wire", "B2")
    assert item.units == {"deal": 1.0, "ceasefire": 0.0, "stall": -1.0}
    assert "grade: B2 (the grade last given to Wire)" in result.stdout and "date:" not in result.stdout


def test_missing_ratings_are_asked_for_in_a_terminal(space: Path, monkeypatch):
    monkeypatch.setattr("cli.add.interactive", lambda: True)
    result = run(space, "add", "talks", "-s", "Asked", "-r", "deal=+", "--date", "2025-05-01", "--source", "",
                 "--grade", "C3", "--url", "", "--story", "", input="maybe\n-\n\n")
    assert result.code == 0, result.output
    assert "please answer" in result.stdout  # "maybe" was refused and asked again
    assert talks(space).evidence[-1].units == {"deal": 1.0, "ceasefire": -1.0, "stall": 0.0}


# --- warnings ---


def test_warnings_where_the_analyst_probably_erred(space: Path):
    early = run(space, "add", "talks", "-s", "Old news", "-r", "deal=+", "--date", "2024-11-01", "--grade", "B2")
    assert "before the question opened on 2025-01-01" in early.stdout
    same_day = run(space, "add", "talks", "-s", "Wire again, same day", "-r", "deal=+", "--date", "2025-02-01",
                   "--source", "WIRE")
    assert "e1 is from WIRE on 2025-02-01 too, in another story" in same_day.stdout
    assert "vane edit talks e4 --story e1" in same_day.stdout
    linked = run(space, "add", "talks", "-s", "Wire, third time", "-r", "deal=+", "--date", "2025-02-01",
                 "--source", "Wire", "--story", "e1")
    assert "e1 is from" not in linked.stdout and "e4 is from Wire" in linked.stdout
    certain = run(space, "add", "talks", "-s", "Certain under deal", "--date", "2025-05-01", "-l", "deal=100%",
                  "-l", "ceasefire=0.5", "-l", "stall=0.5")
    assert "likelihood 100% for deal" in certain.stdout


def test_adding_to_a_resolved_question_warns(space: Path):
    assert run(space, "resolve", "talks", "stall", "--date", "2025-12-31", "--note", "nothing").code == 0
    late = run(space, "add", "talks", "-s", "After the fact", "-r", "deal=-", "--date", "2025-06-01", "--grade", "B2")
    assert late.code == 0 and "talks was resolved on 2025-12-31: the item is kept for the record" in late.stdout


def test_new_without_basis_does_not_claim_a_uniform_prior(space: Path):
    made = run(space, "new", "q2", "--question", "Q?", "--closes", "2030-01-01", "--scenario", "a=A", "--scenario",
               "b=B", "--prior", "a=70%", "--prior", "b=30%")
    assert made.code == 0, made.output
    text = (space / "scenarios" / "q2.yaml").read_text()
    assert "uniform" not in text and "not stated yet" in text
    assert f"vane add q2 --dir {space}" in made.stdout  # the next command carries the --dir given
    plain = run(space, "new", "q3", "--question", "Q?", "--closes", "2030-01-01", "--scenario", "a=A", "--scenario", "b=B")
    assert "uniform: no base rate chosen yet" in (space / "scenarios" / "q3.yaml").read_text() and plain.code == 0


# --- corrections ---


def test_edit_changes_only_what_is_given_and_keeps_comments(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS.replace("    summary: Envoys meet", "    # checked with a second outlet\n    summary: Envoys meet"))
    result = run(space, "edit", "talks", "e1", "--grade", "a1", "--rate", "stall=--", "--summary", "Envoys  meet again.")
    assert result.code == 0, result.output
    assert "changed summary, grade, ratings of e1" in result.stdout and "before" in result.stdout
    text = path.read_text()
    assert "# checked with a second outlet" in text and "summary: Envoys meet again." in text
    item = talks(space).evidence[0]
    assert item.grade == "A1" and item.units == {"deal": 1.0, "ceasefire": 1.0, "stall": -2.0}
    assert item.recorded == dt.datetime(2025, 2, 2, 10, tzinfo=dt.timezone.utc) and item.source == "Wire"


@pytest.mark.parametrize("words, said", [
    (("--grade", "Z9"), "--grade"),
    (("--date", f"{TODAY.year + 1}-01-01"), "is in the future"),
    (("--rate", "nope=+"), "unknown scenario 'nope'"),
    (("--summary", "Strikes continue during the talks."), "e2 (2025-03-01, no source) already has the same summary"),
    ((), "nothing to change"),
    (("--grade", "B2"), "nothing to change: e1 already says that"),
])
def test_edit_refuses_what_add_would_refuse(space: Path, words, said):
    before = (space / "scenarios" / "talks.yaml").read_text()
    result = run(space, "edit", "talks", "e1", *words)
    assert result.code == 1 and said in result.stderr, result.output
    assert (space / "scenarios" / "talks.yaml").read_text() == before


def test_an_unknown_item_is_named_with_the_closest(space: Path):
    result = run(space, "retract", "talks", "e3", "--reason", "gone")
    assert result.code == 1 and "talks has no evidence item 'e3'" in result.stderr


def test_a_retraction_stops_an_item_counting_from_its_day_and_keeps_history(space: Path):
    parameters = Parameters.face_value()
    days = [dt.date(2025, 2, 15), dt.date(2025, 4, 15)]
    before = probabilities_at(talks(space), parameters, days).mean
    result = run(space, "retract", "talks", "e1", "--reason", "The wire withdrew the story", "--date", "2025-04-01")
    assert result.code == 0, result.output
    assert "retracted from 2025-04-01: e1 in talks" in result.stdout
    question = talks(space)
    retraction = question.evidence[0].retracted
    assert retraction.reason == "The wire withdrew the story" and retraction.date == dt.date(2025, 4, 1)
    after = probabilities_at(question, parameters, days).mean
    assert after[0] == pytest.approx(before[0])  # a view before the retraction still counts it
    without = probabilities_at(replace(question, evidence=question.evidence[1:]), parameters, days[1:]).mean
    assert after[1] == pytest.approx(without[0]) and not after[1] == pytest.approx(before[1])
    assert [item.id for item in visible_items(question, days[0])] == ["e1"]
    assert [item.id for item in visible_items(question, days[1])] == ["e2"]
    again = run(space, "retract", "talks", "e1", "--reason", "twice")
    assert again.code == 1 and "already retracted on 2025-04-01" in again.stderr
    assert run(space, "check").code == 0


def test_a_strict_view_counts_a_retracted_item_until_the_retraction_was_entered(space: Path):
    assert run(space, "retract", "talks", "e1", "--reason", "withdrawn", "--date", "2025-04-01").code == 0
    question = talks(space)
    recorded = question.evidence[0].retracted.recorded.date()
    assert recorded == TODAY  # entered today, backdated to April
    assert [i.id for i in visible_items(question, dt.date(2025, 6, 15), strict=True)] == ["e1", "e2"]
    assert [i.id for i in visible_items(question, dt.date(2025, 6, 15))] == ["e2"]
    assert [i.id for i in visible_items(question, TODAY, strict=True)] == ["e2"]
    strict = json.loads(run(space, "status", "--json", "--strict", "--as-of", "2025-06-15", "--face-value").stdout)
    plain = json.loads(run(space, "status", "--json", "--as-of", "2025-06-15", "--face-value").stdout)
    assert strict["questions"][0]["scenarios"] != plain["questions"][0]["scenarios"]


@pytest.mark.parametrize("words, said", [
    (("--reason", "  "), "--reason must say why"),
    (("--reason", "x", "--date", "2025-01-15"), "cannot be retracted on 2025-01-15, before it happened"),
])
def test_a_retraction_needs_a_reason_and_a_day_after_the_item(space: Path, words, said):
    result = run(space, "retract", "talks", "e1", *words)
    assert result.code == 1 and said in result.stderr, result.output


@pytest.mark.parametrize("retraction, said", [
    ("{date: 2025-01-01, reason: early}", "before the item's own date 2025-02-01"),
    ("{date: 2025-04-01}", "retraction"),
    ("{date: 2025-04-01, reason: x, why: y}", "unknown key 'why' in retraction"),
])
def test_a_hand_written_retraction_is_checked(space: Path, retraction, said):
    (space / "scenarios" / "talks.yaml").write_text(
        TALKS.replace("    grade: B2\n", f"    grade: B2\n    retracted: {retraction}\n"))
    result = run(space, "check")
    assert result.code == 1 and said in result.stdout + result.stderr


# --- indicators ---


def test_observing_an_indicator_shows_the_change_and_follows_the_grade_rule(space: Path):
    assert run(space, "indicator", "add", "talks", "--description", "A summit is announced", "--due", "2025-11-30",
               "--prob", "deal=90%", "--prob", "ceasefire=0.5", "--prob", "stall=1:9").code == 0
    seen = run(space, "indicator", "observe", "talks", "i1", "--date", "2025-06-01", "--source", "wire")
    assert seen.code == 0, seen.output
    assert "grade: B2 (the grade last given to wire)" in seen.stdout and "before" in seen.stdout
    assert "deal" in seen.stdout.split("before")[1]
    assert talks(space).evidence[-1].grade == "B2"


# --- the command line itself ---


def test_version_and_completion(space: Path, monkeypatch):
    import typer.completion

    version = vane("--version")
    assert version.code == 0 and version.stdout.startswith("vane (Weathervane) ")
    # the shell is found from the processes above this one, which a test runner's worker may not have
    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: "bash")
    shown = vane("--show-completion")
    assert shown.code == 0 and "_VANE_COMPLETE" in shown.stdout


def test_with_a_broken_file_status_prints_the_error_first(space: Path):
    (space / "scenarios" / "broken.yaml").write_text("question: [unclosed\n")
    result = vane("status", "--dir", str(space))
    assert result.code == 1 and "broken.yaml" in result.stderr
    assert "talks" in result.stdout  # the good questions still show, after the error


def test_a_yaml_error_says_what_is_wrong_in_plain_words(space: Path):
    text = TALKS.replace("    summary: Envoys meet", "   summary: Envoys meet")
    (space / "scenarios" / "talks.yaml").write_text(text)
    result = run(space, "check")
    assert result.code == 1 and "this line is indented differently from the lines above it" in result.stdout


def test_calibrate_says_when_there_is_nothing_to_learn_and_skips_the_fit(space: Path):
    assert run(space, "resolve", "talks", "stall", "--date", "2025-12-31", "--note", "n").code == 0
    result = run(space, "calibrate")
    assert result.code == 0 and "1 resolved question is too few to learn from (it takes 5)" in result.stdout
    assert "not fitting (--force fits anyway)" in result.stdout
    assert not (space / "reports" / "calibration").exists()
    shown = run(space, "calibrate", "--show")
    assert shown.code == 0 and shown.stdout.startswith("parameters: not calibrated yet")


def test_nothing_new_since_the_saved_fit_is_found_from_its_inputs():
    from model.calibration.saved import nothing_to_learn

    class Data:
        questions = 7

    assert nothing_to_learn(Data(), "abc", {"inputs_sha256": "abc", "created_at": "2026-11-01T10:00:00+00:00"}) == (
        "nothing is new since the calibration of 2026-11-01: the same 7 resolved questions with the same evidence "
        "and stated forecasts")
    assert nothing_to_learn(Data(), "abd", {"inputs_sha256": "abc"}) == ""


def test_the_inputs_digest_changes_with_what_a_calibration_learns_from(bundled: Path):
    from model.calibration.saved import learning_inputs
    from model.fileformat.log_entry import LoggedForecast
    from model.workspace.folder import Workspace
    from model.workspace.loader import load_workspace

    questions = load_workspace(Workspace(bundled)).questions
    data, digest = learning_inputs(questions, [])
    assert data.questions == 1 and learning_inputs(questions, [])[1] == digest
    resolved = next(q for q in questions if q.resolution)
    item = resolved.evidence[0]
    changed = replace(resolved, evidence=(structs.replace(item, units={k: -v for k, v in item.units.items()}),
                                          *resolved.evidence[1:]))
    others = [changed if q is resolved else q for q in questions]
    assert learning_inputs(others, [])[1] != digest
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)
    stated = [LoggedForecast(when, resolved.id, name, {"stall": 0.6, "ceasefire": 0.3, "deal": 0.1}, "stated",
                             "stated") for name in ("Alice", "Bob")]
    assert learning_inputs(questions, stated)[1] != digest
    open_question = next(q for q in questions if not q.resolution)
    on_open = [replace(entry, question=open_question.id,
                       probabilities=dict(zip(open_question.scenario_ids, (0.3, 0.5, 0.2)))) for entry in stated]
    assert learning_inputs(questions, on_open)[1] == digest  # open questions teach nothing yet


def test_show_names_what_is_retracted_on_its_day(space: Path):
    assert run(space, "retract", "talks", "e1", "--reason", "withdrawn by the wire", "--date", "2025-04-01").code == 0
    now = run(space, "show", "talks").stdout
    assert "Retracted, so no longer counted: e1 (2025-02-01, retracted from 2025-04-01: withdrawn by the wire)" in now
    before = run(space, "show", "talks", "--as-of", "2025-03-15").stdout
    assert "Retracted" not in before and "Envoys meet" in before
