"""``vane status`` and ``vane show``: the numbers, the time travel, and the outputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.helpers import TALKS, vane

W_B2, W_C3 = 0.85 * 0.85, 0.65 * 0.65


def expected(prior, *rows):
    """Hand computation of model.md: log prior + ln2 * sum of weighted rating rows, normalised."""
    logits = [math.log(p) + math.log(2) * sum(w * r[k] for w, r in rows) for k, p in enumerate(prior)]
    total = sum(math.exp(v) for v in logits)
    return [math.exp(v) / total for v in logits]


def status_json(space: Path, *args) -> dict:
    result = vane("status", "--dir", str(space), "--json", "--face-value", *args)
    assert result.code == 0, result.output
    return json.loads(result.stdout)["questions"][0]


def probabilities(entry: dict) -> list[float]:
    return [scenario["probability"] for scenario in entry["scenarios"]]


def test_status_matches_a_hand_computation(space: Path):
    entry = status_json(space, "--as-of", "2025-04-01")
    both = expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1]), (W_C3, [-1, 0, 1]))
    assert probabilities(entry) == pytest.approx(both, abs=1e-12)
    assert (entry["evidence"], entry["stories"], entry["last_evidence"]) == (2, 2, "2025-03-01")
    assert entry["days_to_deadline"] == 274


def test_as_of_uses_only_evidence_dated_by_then(space: Path):
    entry = status_json(space, "--as-of", "2025-02-15")
    assert probabilities(entry) == pytest.approx(expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1])), abs=1e-12)
    assert entry["evidence"] == 1


def test_strict_also_needs_the_evidence_recorded_by_then(space: Path):
    # e2 is dated 2025-03-01 but was only recorded on 2025-06-01
    hindsight = status_json(space, "--as-of", "2025-04-01")
    strict = status_json(space, "--as-of", "2025-04-01", "--strict")
    assert strict["evidence"] == 1 and hindsight["evidence"] == 2
    assert probabilities(strict) == pytest.approx(expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1])), abs=1e-12)


def test_seven_day_change(space: Path):
    entry = status_json(space, "--as-of", "2025-03-05")
    before = expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1]))
    now = expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1]), (W_C3, [-1, 0, 1]))
    assert [s["change_7d"] for s in entry["scenarios"]] == pytest.approx([n - b for n, b in zip(now, before)])


def test_status_text_has_a_row_per_scenario_and_the_facts(space: Path):
    result = vane("status", "--dir", str(space), "--as-of", "2025-04-01")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("talks  Will the talks")
    assert "2 evidence items in 2 stories" in lines[1] and "closes 2025-12-31 (in 274 days)" in lines[1]
    assert [line.split()[0] for line in lines[3:6]] == ["deal", "ceasefire", "stall"]
    assert "parameters:" in result.stdout


def test_a_broken_file_does_not_hide_the_others_but_fails_the_run(space: Path):
    (space / "scenarios" / "broken.yaml").write_text("question: [\n")
    result = vane("status", "--dir", str(space))
    assert result.code == 1
    assert "talks  Will the talks" in result.stdout
    assert "broken.yaml:" in result.stderr


def test_unknown_question_and_bad_date_are_clear_errors(space: Path):
    unknown = vane("status", "tlaks", "--dir", str(space))
    assert unknown.code == 1 and "did you mean 'talks'" in unknown.stderr
    bad_date = vane("status", "--dir", str(space), "--as-of", "2025-02-30")
    assert bad_date.code == 1 and bad_date.stderr.startswith("vane: --as-of '2025-02-30' does not exist")
    assert "Traceback" not in bad_date.output


def test_show_ledger_and_trajectory(space: Path):
    result = vane("show", "talks", "--dir", str(space), "--as-of", "2025-04-01")
    assert result.code == 0, result.output
    assert "Evidence ledger: 2 stories, 2 items" in result.stdout
    assert "Weekly trajectory" in result.stdout and "2025-W01" in result.stdout


def test_show_json_leave_one_out_matches_removing_the_story(space: Path):
    data = json.loads(vane("show", "talks", "--dir", str(space), "--as-of", "2025-04-01", "--json", "--face-value").stdout)
    first = data["ledger"][0]
    assert first["story"] == "e1" and first["items"][0]["grade"] == "B2"
    both = expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1]), (W_C3, [-1, 0, 1]))
    without = expected([0.2, 0.3, 0.5], (W_C3, [-1, 0, 1]))
    assert list(first["leave_one_out_pp"].values()) == pytest.approx([100 * (b - w) for b, w in zip(both, without)])
    assert first["log_odds"]["deal"] == pytest.approx(math.log(2) * W_B2)
    weekly = data["trajectory"]
    assert weekly["dates"][0] == "2025-01-05" and weekly["dates"][-1] == "2025-04-01"
    assert weekly["scenarios"]["deal"]["mean"][0] == pytest.approx(0.2)


def test_resolved_questions_are_shown_as_of_their_resolution(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS + "resolution:\n  scenario: stall\n  date: 2025-02-20\n  note: talks ended\n")
    entry = status_json(space)
    assert entry["as_of"] == "2025-02-20" and entry["resolution"] == "stall"
    assert entry["evidence"] == 1


INDICATORS = (
    "indicators:\n"
    "  - id: i1\n    description: leaders meet\n    due: 2025-02-10\n    recorded: 2025-01-05T10:00:00Z\n"
    "    probabilities: {deal: 0.9, ceasefire: 0.5, stall: 0.1}\n"
    "  - id: i2\n    description: a text is initialled\n    due: 2025-02-20\n"
    "    probabilities: {deal: 0.9, ceasefire: 0.2, stall: 0.05}\n"
    "  - id: i3\n    description: envoys named\n    due: 2025-03-20\n    recorded: 2025-01-05T10:00:00Z\n"
    "    probabilities: {deal: 0.8, ceasefire: 0.8, stall: 0.4}\n    observed: 2025-02-05\n"
)


def test_indicator_outcomes_count_but_not_as_written_evidence(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(TALKS + INDICATORS)
    entry = status_json(space, "--as-of", "2025-04-01")
    # i1 and i2 are overdue and unseen, i3 was seen: three indicator outcomes beside the two items
    assert (entry["evidence"], entry["stories"], entry["indicator_outcomes"]) == (2, 2, 3)
    assert entry["last_evidence"] == "2025-03-01"
    text = vane("status", "--dir", str(space), "--as-of", "2025-04-01").stdout
    assert "2 evidence items in 2 stories, 3 indicator outcomes" in text


def test_strict_views_see_indicators_only_from_when_they_were_knowable(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(TALKS + INDICATORS)
    strict = status_json(space, "--as-of", "2025-04-01", "--strict")
    # e1 counts; i1's absence was knowable (entered before it fell due); i2 has no entry time and
    # i3's observation was written by hand, so nothing says the tool could have known them
    assert (strict["evidence"], strict["indicator_outcomes"]) == (1, 1)
    missed_i1 = (1.0, [math.log2(0.1), math.log2(0.5), math.log2(0.9)])
    assert probabilities(strict) == pytest.approx(
        expected([0.2, 0.3, 0.5], (W_B2, [1, 1, -1]), missed_i1), abs=1e-12)


def test_a_view_from_the_future_is_refused(space: Path):
    result = vane("status", "--dir", str(space), "--as-of", "2999-01-01")
    assert result.code == 1 and "in the future" in result.stderr and "Traceback" not in result.output


def test_the_trend_line_fits_a_terminal_on_a_long_question(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(TALKS.replace("opened: 2025-01-01", "opened: 1990-01-01"))
    result = vane("show", "talks", "--dir", str(space), "--as-of", "2025-04-01")
    assert result.code == 0
    trend = [line for line in result.stdout.splitlines() if line.strip().startswith("deal ")][-1]
    assert len(trend) < 80 and "each mark about" in result.stdout


WEAK_SOURCES = "grades:\n  reliability: {A: 0.05, B: 0.05, C: 0.05, D: 0.05, E: 0.05, F: 0.05}\n"


@pytest.mark.parametrize("command", [
    ["status", "--json", "--face-value"],
    ["show", "talks", "--face-value"],
    ["add", "talks", "-s", "Envoys agree an agenda", "--date", "2025-04-01", "-r", "deal=+"],
])
def test_the_workspace_grade_weights_reach_every_forecast(space: Path, command):
    """vane.yaml's Admiralty weights travel with the parameters into every command that forecasts."""
    def run() -> str:
        result = vane(*command, "--dir", str(space))
        assert result.code == 0, result.stderr
        (space / "scenarios" / "talks.yaml").write_text(TALKS, encoding="utf-8")  # as it was, for the next run
        return result.stdout

    as_default = run()
    (space / "vane.yaml").write_text(WEAK_SOURCES, encoding="utf-8")
    assert run() != as_default


def test_the_visible_items_read_from_the_arrays_are_the_visible_items(space: Path):
    """``visible_mask`` (what ``status`` counts from) against ``visible_items`` (item by item), every day from
    before the first item to after the last retraction, strict and not, with indicators and retractions
    (entered later, entered by hand without a time, and entered on the day)."""
    import datetime as dt

    import numpy as np

    from model.engine.probabilities import (
        evidence_of,
        question_arrays,
        visible_items,
        visible_mask,
    )
    from model.workspace.loader import load_question

    retracted = (TALKS.replace("    grade: B2\n", "    grade: B2\n    retracted: {date: 2025-02-15, reason: wrong,"
                                                  " recorded: 2025-03-10T09:00:00Z}\n")
                 .replace("    grade: C3\n", "    grade: C3\n    retracted: {date: 2025-03-20, reason: denied}\n"))
    more = ("  - id: e3\n    date: 2025-02-10\n    summary: same day\n    ratings: {deal: '+'}\n"
            "    retracted: {date: 2025-02-12, reason: x, recorded: 2025-02-12T01:00:00Z}\n")
    path = space / "scenarios" / "talks.yaml"
    path.write_text(retracted + more + INDICATORS)
    question, problems = load_question(path)
    assert not problems, problems
    arrays = question_arrays(question)
    assert arrays.written == 3 and len(evidence_of(question)) == 6
    day, seen = dt.date(2025, 1, 20), set()
    while day <= dt.date(2025, 4, 30):
        for strict in (False, True):
            by_item = [(item.id, item.indicator) for item in visible_items(question, day, strict)]
            mask = visible_mask(arrays, day, strict)
            assert [(item.id, item.indicator) for item, shown in zip(evidence_of(question), mask) if shown] == by_item
            seen.add(tuple(np.flatnonzero(mask)))
        day += dt.timedelta(days=1)
    assert len(seen) >= 8  # the days pass through many different sets of items


def test_statuses_worked_out_in_workers_are_those_worked_out_in_one_process(tmp_path: Path):
    """220 questions: two forked workers work out the statuses (``worked_out_statuses``), and send rows back;
    the JSON is that of one process, with and without the parse cache."""
    import os
    import subprocess
    import sys

    from model.calibration.synthetic import synthetic_questions, write_questions

    (tmp_path / "scenarios").mkdir()
    write_questions(synthetic_questions(220, seed=3), tmp_path / "scenarios")
    root = Path(__file__).resolve().parents[1]
    outputs = []
    for workers, cache in (("1", "1"), ("2", "1"), ("2", "")):
        environment = {**os.environ, "VANE_WORKERS": workers, "PYTHONPATH": str(root)}
        environment.pop("VANE_NO_CACHE", None)
        environment.update({"VANE_NO_CACHE": "1"} if cache else {})
        done = subprocess.run([sys.executable, "-m", "cli.app", "status", "--dir", str(tmp_path), "--json",
                               "--as-of", "2026-01-01"], capture_output=True, text=True, env=environment, cwd=root)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert len(outputs[0]["questions"]) == 220 and outputs[1] == outputs[0] == outputs[2]
