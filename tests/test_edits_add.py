"""``vane add``: ids, duplicates, warnings, probabilities before/after, and a faithful safe write."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli import options
from model.workspace.loader import load_question
from tests.helpers import TALKS, vane


def add(space: Path, *args: str):
    return vane("add", "talks", "--dir", str(space), *args)


def test_add_appends_an_item_with_a_new_id_and_recorded_time(space: Path):
    result = add(space, "-s", "Leaders agree to meet", "--date", "2025-04-02", "--source", "AP",
                 "--url", "https://example.org/leaders", "--grade", "b2", "--analyst", "mk",
                 "-r", "deal=++", "-r", "ceasefire=+", "-r", "stall=--")
    assert result.code == 0, result.output
    assert "added e3 to talks" in result.stdout
    question, problems = load_question(space / "scenarios" / "talks.yaml")
    assert not problems
    item = question.evidence[-1]
    assert (item.id, item.date, item.grade, item.analyst, item.source) == ("e3", dt.date(2025, 4, 2), "B2", "mk", "AP")
    assert item.units == {"deal": 2.0, "ceasefire": 1.0, "stall": -2.0}
    assert abs((dt.datetime.now(dt.timezone.utc) - item.recorded).total_seconds()) < 120


def test_add_prints_each_scenarios_probability_before_and_after(space: Path):
    before = vane("status", "talks", "--dir", str(space), "--json")
    result = add(space, "-s", "Ceasefire lines drawn up", "--date", "2025-04-02", "-r", "ceasefire=++")
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:] if line.strip() and "%" in line}
    assert set(rows) == {"deal", "ceasefire", "stall"}
    assert float(rows["ceasefire"][1].rstrip("%")) > float(rows["ceasefire"][0].rstrip("%"))
    import json

    was = {s["id"]: s["probability"] for s in json.loads(before.stdout)["questions"][0]["scenarios"]}
    assert float(rows["deal"][0].rstrip("%")) == pytest.approx(100 * was["deal"], abs=0.05)


def test_the_rest_of_the_file_is_kept_byte_for_byte(space: Path):
    path = space / "scenarios" / "talks.yaml"
    original = TALKS.replace("opened: 2025-01-01", "opened: 2025-01-01   # the day the envoys were named")
    original = original.replace("  stall: Nothing\n", "  stall: 'Nothing'  # quoted on purpose\n")
    path.write_text(original)
    assert add(space, "-s", "New thing", "--date", "2025-04-02", "-r", "deal=+").code == 0
    diff = [line for line in difflib.ndiff(original.splitlines(), path.read_text().splitlines()) if line[:1] in "+-"]
    assert diff and all(line.startswith("+ ") for line in diff), diff


def test_other_indentation_styles_are_kept(space: Path):
    path = space / "scenarios" / "talks.yaml"
    compact = TALKS.replace("\n  - id:", "\n- id:").replace("\n    ", "\n  ")  # dashes flush with the key
    path.write_text(compact)
    assert vane("check", "--dir", str(space)).code == 0
    assert add(space, "-s", "New thing", "--date", "2025-04-02", "-r", "deal=+").code == 0
    text = path.read_text()
    assert text.startswith(compact)
    assert "\n- id: e3\n  date: 2025-04-02\n" in text


def test_a_duplicate_url_or_summary_is_refused_unless_the_story_is_named(space: Path):
    path = space / "scenarios" / "talks.yaml"
    same_url = add(space, "-s", "Different words", "--url", "https://EXAMPLE.org/envoys-meet/", "-r", "deal=+")
    assert same_url.code == 1 and "e1" in same_url.stderr and "--story e1" in same_url.stderr
    same_summary = add(space, "-s", "envoys meet for the first time!", "-r", "deal=+")
    assert same_summary.code == 1 and "same summary" in same_summary.stderr
    wrong_story = add(space, "-s", "Envoys meet for the first time", "--story", "other", "-r", "deal=+")
    assert wrong_story.code == 1
    assert path.read_text() == TALKS
    joined = add(space, "-s", "Envoys meet for the first time", "--story", "e1", "--date", "2025-02-01", "-r", "deal=+")
    assert joined.code == 0, joined.output
    question, _ = load_question(path)
    assert [item.story_key for item in question.evidence] == ["e1", "e2", "e1"]


def test_an_address_urlsplit_refuses_is_compared_as_written(space: Path):
    """``https://[x`` passes as a link, and ``urlsplit`` raises on it: adding beside it is no traceback."""
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS.replace("https://example.org/envoys-meet", "'https://[envoys'"))
    assert vane("check", "--dir", str(space)).code == 0
    again = add(space, "-s", "Other words", "--url", "https://[envoys", "-r", "deal=+")
    assert again.code == 1 and "same URL" in again.stderr and "Traceback" not in again.output


def test_a_non_discriminating_item_is_added_with_a_warning(space: Path):
    result = add(space, "-s", "Talks are happening", "-r", "deal=+", "-r", "ceasefire=+", "-r", "stall=+")
    assert result.code == 0
    assert "does not discriminate between scenarios" in result.stdout


def test_likelihoods_need_every_scenario(space: Path):
    partial = add(space, "-s", "x", "-l", "deal=0.5")
    assert partial.code == 1 and "missing ceasefire, stall" in partial.stderr
    full = add(space, "-s", "x", "-l", "deal=0.5", "-l", "ceasefire=0.25", "-l", "stall=1")
    assert full.code == 0
    question, _ = load_question(space / "scenarios" / "talks.yaml")
    assert question.evidence[-1].units == {"deal": -1.0, "ceasefire": -2.0, "stall": 0.0}


@pytest.mark.parametrize("args, words", [
    (["-s", "x", "-r", "dael=+"], "unknown scenario 'dael' (did you mean 'deal'?)"),
    (["-s", "x", "-r", "deal=+++"], "--rate deal"),
    (["-s", "x", "-r", "deal"], "must look like scenario=value"),
    (["-s", "x", "-r", "deal=+", "--grade", "Z9"], "--grade"),
    (["-s", "x", "-r", "deal=+", "--date", "2999-01-01"], "in the future"),
    (["-s", "x", "-r", "deal=+", "--date", "yesterday"], "--date"),
    (["-s", "x", "-r", "deal=+", "--url", "ftp://x"], "--url"),
    (["-s", "x"], "no ratings"),
    (["-r", "deal=+"], "--summary is required"),
])
def test_bad_arguments_are_named_and_nothing_is_written(space: Path, args, words):
    path = space / "scenarios" / "talks.yaml"
    result = add(space, *args)
    assert result.code in (1, 2) and words in result.output and "Traceback" not in result.output
    assert path.read_text() == TALKS


def test_unknown_question_gets_a_hint(space: Path):
    result = vane("add", "tlaks", "--dir", str(space), "-s", "x", "-r", "deal=+")
    assert result.code == 1 and "did you mean 'talks'" in result.stderr


def test_file_mode_is_kept(space: Path):
    path = space / "scenarios" / "talks.yaml"
    os.chmod(path, 0o640)
    assert add(space, "-s", "x", "-r", "deal=+").code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_symlinked_question_is_updated_at_its_target(space: Path):
    elsewhere = space / "shared" / "real-talks.yaml"  # a link inside the workspace: the target is changed, the link kept
    elsewhere.parent.mkdir()
    link = space / "scenarios" / "talks.yaml"
    elsewhere.write_text(TALKS)
    link.unlink()
    link.symlink_to(elsewhere)
    assert add(space, "-s", "x", "-r", "deal=+").code == 0
    assert link.is_symlink()
    assert "id: e3" in elsewhere.read_text()
    assert not list(elsewhere.parent.glob(".*.tmp"))


def test_a_question_linked_from_outside_the_workspace_is_never_changed(space: Path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "real-talks.yaml"
    link = space / "scenarios" / "talks.yaml"
    elsewhere.write_text(TALKS)
    link.unlink()
    link.symlink_to(elsewhere)
    result = add(space, "-s", "x", "-r", "deal=+")
    assert result.code == 1 and "talks.yaml:1: lies outside the workspace" in result.stderr
    assert elsewhere.read_text() == TALKS and sorted(p.name for p in elsewhere.parent.iterdir()) == ["real-talks.yaml"]
    assert "links to a file outside the workspace" in vane("check", "--dir", str(space)).stdout


def test_outside_a_terminal_unrated_scenarios_are_neutral_and_said_so(space: Path):
    assert options.interactive() is False
    result = add(space, "-s", "x", "-r", "deal=+")
    assert "rated neutral (0) where no rating was given: ceasefire, stall" in result.stdout


def test_an_empty_evidence_list_becomes_a_block_list(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS[: TALKS.index("evidence:")] + "evidence: []   # nothing yet\n")
    assert add(space, "-s", "First", "--date", "2025-02-01", "-r", "deal=+").code == 0
    text = path.read_text()
    assert re.search(r"evidence: +# nothing yet\n  - id: e1\n", text), text


def test_new_ids_skip_those_indicators_use(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(TALKS + "indicators:\n  - id: e3\n    description: x\n    due: 2025-06-01\n"
                    "    probabilities: {deal: 0.5, ceasefire: 0.4, stall: 0.1}\n")
    result = add(space, "-s", "a new item", "--date", "2025-04-01", "-r", "deal=+")
    assert result.code == 0, result.output
    assert "added e4" in result.stdout


def test_windows_line_endings_are_kept(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_bytes(TALKS.replace("\n", "\r\n").encode())
    assert add(space, "-s", "a new item", "--date", "2025-04-01", "-r", "deal=+").code == 0
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"a new item" in data


def test_the_default_date_is_today_wherever_the_analyst_is(space: Path):
    # east of UTC the local date is often a day ahead of UTC's; it is still today, not the future
    from tests.helpers import vane_process

    for zone in ("Etc/GMT-14", "Etc/GMT+12"):
        before = local_today(zone)
        result = vane_process("add", "talks", "-s", f"item entered in {zone}", "-r", "deal=+", cwd=space, env={"TZ": zone})
        assert result.code == 0, result.output
        item = next(item for item in load_question(space / "scenarios" / "talks.yaml")[0].evidence
                    if item.summary == f"item entered in {zone}")
        assert str(item.date) in {before, local_today(zone)}  # today where the analyst is (a midnight between is fine)


def local_today(zone: str) -> str:
    """Today's date in the time zone ``zone``, as a process there sees it."""
    return subprocess.run([sys.executable, "-c", "import datetime; print(datetime.date.today())"],
                          capture_output=True, text=True, env={**os.environ, "TZ": zone}).stdout.strip()


def test_a_machine_error_is_a_clear_message_not_an_internal_error(space: Path):
    (space / "scenarios" / ".talks.yaml.lock").mkdir()  # a folder where the lock file goes
    result = add(space, "-s", "a new item", "--date", "2025-04-01", "-r", "deal=+")
    assert result.code == 1 and ".talks.yaml.lock" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
