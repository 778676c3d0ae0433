"""A corpus of broken question files: each is reported as path:line, with exit 1, no traceback, and untouched."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers import TALKS, vane, vane_process


def replace(old: str, new: str) -> str:
    assert old in TALKS, old
    return TALKS.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# (name, file text, fragment on the expected line (or a line number), expected words in the message)
CASES = [
    ("unknown top-level key", replace("closes:", "clozes:"), "clozes:", "unknown key 'clozes'"),
    ("did-you-mean hint", replace("closes:", "clozes:"), "clozes:", "did you mean 'closes'"),
    ("unknown evidence key", replace("    grade: B2", "    grad: B2"), "grad: B2", "unknown key 'grad' in evidence item (did you mean 'grade'?)"),
    ("missing required key", replace("opened: 2025-01-01\n", ""), 1, "missing 'opened'"),
    ("prior does not sum to 1", replace("stall: 0.5}", "stall: 0.6}"), "probabilities: {deal", "sum to 1.1"),
    ("prior not positive", replace("deal: 0.2, ceasefire: 0.3, stall: 0.5", "deal: 0, ceasefire: 0.5, stall: 0.5"), "probabilities: {deal", "above 0"),
    ("prior missing a scenario", replace("deal: 0.2, ceasefire: 0.3, stall: 0.5", "deal: 0.5, stall: 0.5"), "probabilities: {deal", "no value for 'ceasefire'"),
    ("prior unknown scenario", replace("stall: 0.5}", "stall: 0.4, stal: 0.1}"), "probabilities: {deal", "unknown scenario 'stal'"),
    ("prior without basis", replace("  basis: a guess for tests\n", ""), "prior:", "missing 'basis'"),
    ("ratings name unknown scenario", replace('ratings: {deal: "+", ceasefire: "+", stall: "-"}', 'ratings: {deal: "+", cease: "+"}'), "cease:", "unknown scenario 'cease' (did you mean 'ceasefire'?)"),
    ("rating off the scale", replace('stall: "+"}', 'stall: "+++"}'), 'stall: "+++"', "not one of"),
    ("bare dash rating", replace('ratings: {deal: "-", ceasefire: "0", stall: "+"}', 'ratings:\n      deal: -\n      stall: "+"'), "deal: -", "quote"),
    ("likelihood out of range", replace('ratings: {deal: "-", ceasefire: "0", stall: "+"}', "likelihoods: {deal: 1.5, ceasefire: 0.5, stall: 0.5}"), "likelihoods:", "(0, 1]"),
    ("ratings and likelihoods", replace('    ratings: {deal: "-", ceasefire: "0", stall: "+"}', '    ratings: {deal: "-"}\n    likelihoods: {deal: 0.5, ceasefire: 0.5, stall: 0.5}'), "- id: e2", "not both"),
    ("duplicate evidence id", replace("- id: e2", "- id: e1"), "- id: e1\n    date: 2025-03-01", "duplicate id 'e1'"),
    ("not a date", replace("date: 2025-03-01", "date: 1 March"), "date: 1 March", "is not a date written YYYY-MM-DD"),
    ("impossible date", replace("date: 2025-03-01", "date: 2025-02-30"), "date: 2025-02-30", "does not exist: February 2025 has 28 days"),
    ("implausible year", replace("opened: 2025-01-01", "opened: 0001-01-01"), "opened: 0001", "outside the years 1900–2999"),
    ("time at the end of time", replace("recorded: 2025-06-01T10:00:00Z", "recorded: 9999-12-31T23:59:59-23:59"), "recorded: 9999", "outside the years"),
    ("future evidence date", replace("date: 2025-03-01", "date: 2999-03-01"), "date: 2999-03-01", "in the future"),
    ("future recorded time", replace("recorded: 2025-06-01T10:00:00Z", "recorded: 2999-06-01T10:00:00Z"), "recorded: 2999", "in the future"),
    ("recorded before the date", replace("recorded: 2025-06-01T10:00:00Z", "recorded: 2025-02-01T10:00:00Z"), "recorded: 2025-02-01", "before the evidence date"),
    ("closes before opened", replace("closes: 2025-12-31", "closes: 2024-12-31"), "closes:", "before opened"),
    ("bad grade", replace("grade: C3", "grade: G7"), "grade: G7", "is not a source letter"),
    ("bad url", replace("url: https://example.org/envoys-meet", "url: javascript:alert(1)"), "url: javascript", "http"),
    ("resolution to unknown scenario", TALKS + "resolution:\n  scenario: dael\n  date: 2025-12-31\n  note: x\n", "scenario: dael", "unknown scenario 'dael' (did you mean 'deal'?)"),
    ("resolution before opening", TALKS + "resolution:\n  scenario: deal\n  date: 2024-12-31\n  note: x\n", "date: 2024-12-31", "before the question opened"),
    ("one scenario only", replace("  ceasefire: A ceasefire only\n  stall: Nothing\n", ""), "scenarios:", "at least two scenarios"),
    ("evidence not a list", TALKS[: TALKS.index("evidence:")] + "evidence: many\n", "evidence: many", "must be a list"),
    ("indicator probability above 1", TALKS + "indicators:\n  - id: i1\n    description: x\n    due: 2025-06-01\n    probabilities: {deal: 1.2, ceasefire: 0.5, stall: 0.1}\n", "probabilities: {deal: 1.2", "between 0 and 1"),
    ("indicator due at the end of time", TALKS + "indicators:\n  - id: i1\n    description: x\n    due: 9999-12-31\n    probabilities: {deal: 0.2, ceasefire: 0.5, stall: 0.1}\n", "due: 9999", "outside the years"),
    ("indicator due after the close", TALKS + "indicators:\n  - id: i1\n    description: x\n    due: 2026-06-01\n    probabilities: {deal: 0.2, ceasefire: 0.5, stall: 0.1}\n", "- id: i1", "after the question closes"),
    ("indicator due before opening", TALKS + "indicators:\n  - id: i1\n    description: x\n    due: 2024-06-01\n    probabilities: {deal: 0.2, ceasefire: 0.5, stall: 0.1}\n", "- id: i1", "before the question opened"),
    ("indicator id clashes with evidence", TALKS + "indicators:\n  - id: e1\n    description: x\n    due: 2025-06-01\n    probabilities: {deal: 0.2, ceasefire: 0.5, stall: 0.1}\n", "- id: e1\n    description", "duplicate id 'e1'"),
    ("ordered not a boolean", replace("opened:", "ordered: yes\nopened:"), "ordered: yes", "true or false"),
    ("YAML syntax error", replace("question: Will", "question: [Will"), None, "YAML syntax error"),
    ("duplicate key", replace("closes: 2025-12-31", "closes: 2025-12-31\ncloses: 2025-11-30"), "closes: 2025-11-30", "duplicate key 'closes'"),
    ("custom tag", replace("question: Will", "question: !!python/object:os.system Will"), "question:", "tags such as"),
    ("anchor", replace("scenarios:\n", "scenarios: &s\n"), "scenarios:", "anchors (&s)"),
    ("alias", TALKS + "indicators: *x\n", "indicators:", "aliases"),
    ("two documents", TALKS + "---\nquestion: again\n", "---", "only one YAML document"),
    ("too deeply nested", TALKS + "indicators:" + " [" * 20 + " ]" * 20 + "\n", "indicators:", "nested more than"),
    ("control character", replace("Strikes continue", "Strikes\x07 continue"), "Strikes", "character U+0007 is not allowed"),
    ("not a mapping", "- just\n- a list\n", 1, "must be a mapping"),
    ("empty file", "", 1, "the file is empty"),
]


@pytest.mark.parametrize("name, text, where, words", CASES, ids=[case[0] for case in CASES])
def test_broken_file_is_reported_at_its_line_and_never_edited(space: Path, name, text, where, words):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(text, encoding="utf-8")
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    checked = vane("check", "--dir", str(space))
    assert checked.code == 1
    assert "Traceback" not in checked.output
    expected_line = where if isinstance(where, int) else (line_of(text, where) if where else None)
    line_pattern = str(expected_line) if expected_line else r"\d+"
    pattern = r"scenarios/talks\.yaml:" + line_pattern + ": .*" + re.escape(words)
    assert re.search(pattern, checked.stdout), checked.stdout
    added = vane("add", "talks", "--dir", str(space), "-s", "new item", "--date", "2025-04-01", "-r", "deal=+")
    assert added.code == 1
    assert "not changed" in added.stderr and "Traceback" not in added.output
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_check_collects_every_problem_in_one_run(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(replace("closes:", "clozes:").replace("grade: C3", "grade: Z9"), encoding="utf-8")
    result = vane("check", "--dir", str(space), "--json")
    assert result.code == 1
    import json

    messages = [problem["message"] for problem in json.loads(result.stdout)["problems"]]
    assert any("clozes" in m for m in messages) and any("Z9" in m for m in messages)


def test_a_real_process_shows_no_traceback_and_exits_1(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(replace("grade: C3", "grade: Q9"), encoding="utf-8")
    result = vane_process("check", cwd=space)
    assert result.code == 1
    assert "Traceback" not in result.output
    assert re.search(r"scenarios/talks\.yaml:\d+: grade 'Q9'", result.stdout)


def test_debug_shows_the_traceback_of_a_user_error(space: Path):
    result = vane_process("--debug", "show", "nothing", cwd=space)
    assert result.code != 0 and "Traceback" in result.stderr


# --- files that are unsafe to read at all ---


def test_invalid_utf8_is_reported_on_its_line(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_bytes(TALKS.encode() + b"description: caf\xe9\n")
    result = vane("check", "--dir", str(space))
    assert result.code == 1
    assert f"talks.yaml:{TALKS.count(chr(10)) + 1}: not valid UTF-8" in result.stdout


def test_a_byte_order_mark_is_fine(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + TALKS.encode())
    assert vane("check", "--dir", str(space)).code == 0


def test_oversized_file_is_refused(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS + "# " + "x" * (4 * 1024 * 1024) + "\n")
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and "larger than 1 MiB" in result.stdout


def test_fifo_and_folder_are_not_regular_files(space: Path):
    os.mkfifo(space / "scenarios" / "pipe.yaml")
    (space / "scenarios" / "folder.yaml").mkdir()
    result = vane("check", "--dir", str(space))
    assert result.code == 1
    assert "pipe.yaml:1: not a regular file" in result.stdout
    assert "folder.yaml:1: not a regular file" in result.stdout


def test_yaml_words_are_read_as_written(space: Path):
    text = replace("  stall: Nothing\n", "  stall: Nothing\n  no: Norway\n").replace("stall: 0.5}", "stall: 0.4, no: 0.1}")
    (space / "scenarios" / "talks.yaml").write_text(text)
    result = vane("status", "--dir", str(space), "--json")
    assert result.code == 0
    assert "no" in [s["id"] for s in __import__("json").loads(result.stdout)["questions"][0]["scenarios"]]


def test_a_recorded_time_is_before_its_date_when_the_date_had_begun_nowhere_yet():
    """Compared with the first moment of the date anywhere on Earth (UTC+14): the same as the recorded time's
    date in that zone, at every hour around the day boundaries and at the calendar's ends."""
    import datetime as dt
    import random

    from model.base.clock import _LATEST_ZONE, Clock
    from model.fileformat.values import recorded_problem

    clock = Clock.system()
    rng = random.Random(7)
    for _ in range(20_000):
        day = dt.date(1900, 1, 2) + dt.timedelta(days=rng.randint(0, 365 * 126))
        recorded = (dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)
                    + dt.timedelta(hours=rng.randint(-40, 40), seconds=rng.choice([-1, 0, 1, rng.randint(0, 3599)]),
                                   microseconds=rng.choice([0, 1, 999_999])))
        before = recorded.astimezone(_LATEST_ZONE).date() < day
        problem = recorded_problem(recorded, day, clock)
        assert (problem is not None and "before the evidence date" in problem) == before, (recorded, day)
