"""The merge driver's structural merge of question files and the forecast log, on texts in the test."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from model.teams.gitsetup import ATTRIBUTES, write_attributes
from model.teams.logs import merge_log
from model.teams.merge import merge_file, merge_forecast_log, merge_question
from model.workspace.loader import load_question_text
from tests.helpers import TALKS, vane

PATH = "scenarios/talks.yaml"


def item(item_id: str, summary: str, *extra: str, indent: int = 2) -> str:
    """An evidence item as ``vane add`` writes it, at a list indentation of ``indent``."""
    lines = [f"- id: {item_id}", "  date: 2025-04-01", f"  summary: {summary}", "  grade: B2", *("  " + e for e in extra),
             '  ratings: {deal: "+", ceasefire: "0", stall: "-"}']
    return "".join(" " * indent + line + "\n" for line in lines)


def loaded(text: bytes):
    question, problems = load_question_text(text.decode("utf-8"), Path(PATH))
    assert not problems, problems
    return question


def summaries(question) -> dict[str, str]:
    return {evidence.id: evidence.summary for evidence in question.evidence}


def test_items_added_on_both_sides_are_all_kept_and_theirs_renumbered_with_their_references():
    ours = TALKS + item("e3", "Envoys agree a date.")
    theirs = (TALKS + "  # the leak, twice\n" + item("e3", "A draft text leaks.")
              + item("e4", "A repost of the leak.", "story: e3   # same leak"))
    merged = merge_question(TALKS, ours, theirs, PATH)
    assert merged.clean and merged.renamed == (("e3", "e5"),)
    question = loaded(merged.text)
    assert summaries(question) == {"e1": "Envoys meet for the first time.", "e2": "Strikes continue during the talks.",
                                   "e3": "Envoys agree a date.", "e5": "A draft text leaks.",
                                   "e4": "A repost of the leak."}
    text = merged.text.decode()
    assert text.startswith(ours)  # our bytes unchanged; theirs appended with their comments
    assert "  # the leak, twice\n  - id: e5\n" in text and "story: e5   # same leak" in text


def test_indicator_links_follow_a_renumbered_item_and_indicator_ids_are_renumbered_too():
    indicator = textwrap.indent(textwrap.dedent("""\
        - id: i1
          description: {what}
          due: 2025-06-30
          probabilities: {{deal: 0.8, ceasefire: 0.5, stall: 0.1}}
        """), "  ")
    ours = TALKS + item("e3", "Envoys agree a date.") + "indicators:\n" + indicator.format(what="Leaders meet")
    theirs = (TALKS + item("e3", "Leaders sign a text.") + "indicators:\n"
              + indicator.format(what="Leaders sign") + "    observed: 2025-04-01\n    evidence: e3\n")
    merged = merge_question(TALKS, ours, theirs, PATH)
    assert merged.clean, merged.conflicts
    question = loaded(merged.text)
    assert dict(merged.renamed) == {"e3": "e4", "i1": "i2"}
    linked = {indicator.id: indicator.evidence for indicator in question.indicators}
    assert linked == {"i1": "", "i2": "e4"} and summaries(question)["e4"] == "Leaders sign a text."


def test_the_same_item_added_on_both_sides_is_kept_once():
    same = item("e3", "Envoys agree a date.")
    merged = merge_question(TALKS, TALKS + same, TALKS + same, PATH)
    assert merged.clean and merged.text.decode() == TALKS + same
    # the same item under another id on their side is still the same item, and references follow it
    ours = TALKS + item("e3", "Something else.") + same.replace("e3", "e4")
    theirs = TALKS + same + item("e4", "A repost.", "story: e3")
    merged = merge_question(TALKS, ours, theirs, PATH)
    question = loaded(merged.text)
    assert [(e.id, e.summary) for e in question.evidence[2:]] == [
        ("e3", "Something else."), ("e4", "Envoys agree a date."), ("e5", "A repost.")]
    assert question.evidence[-1].story == "e4"


def test_a_field_changed_differently_on_both_sides_is_a_conflict_marked_around_that_field_alone():
    ours = TALKS.replace("grade: C3", "grade: B3") + item("e3", "One.")
    theirs = TALKS.replace("grade: C3", "grade: D3") + item("e3", "Two.")
    merged = merge_question(TALKS, ours, theirs, PATH)
    assert not merged.clean and "'grade' of evidence 'e2'" in merged.conflicts[0]
    text = merged.text.decode()
    assert text.count("<<<<<<<") == 1
    assert ("<<<<<<< scenarios/talks.yaml (ours)\n    grade: B3\n=======\n    grade: D3\n"
            ">>>>>>> scenarios/talks.yaml (theirs)\n") in text
    assert "  - id: e4\n    date: 2025-04-01\n    summary: Two." in text  # the rest is merged already
    chosen = text[:text.index("<<<<<<<")] + "    grade: D3\n" + text[text.index(">>>>>>>"):].split("\n", 1)[1]
    assert loaded(chosen.encode()).evidence[1].grade == "D3"  # picking a side leaves a valid file


def test_a_top_level_field_changed_differently_is_marked_too():
    ours = TALKS.replace("basis: a guess for tests", "basis: our base rate")
    theirs = TALKS.replace("basis: a guess for tests", "basis: their base rate")
    merged = merge_question(TALKS, ours, theirs, PATH)
    text = merged.text.decode()
    assert not merged.clean and "'prior'" in merged.conflicts[0]
    assert "<<<<<<<" in text and "our base rate" in text and "their base rate" in text


def test_fields_changed_on_one_side_each_are_both_taken_and_comments_kept():
    ours = TALKS.replace("grade: C3", "grade: B3  # upgraded after a second source")
    theirs = TALKS.replace("question: Will the talks", "question: Will the new talks").replace(
        "  - id: e1\n", "  - id: e1\n    analyst: bob\n")
    merged = merge_question(TALKS, ours, theirs, PATH)
    assert merged.clean, merged.conflicts
    text = merged.text.decode()
    assert "grade: B3  # upgraded after a second source" in text and "# A small question used across the tests." in text
    question = loaded(merged.text)
    assert question.title.startswith("Will the new talks") and question.evidence[0].analyst == "bob"


def test_two_different_resolutions_conflict_and_one_is_taken():
    resolution = "resolution:\n  scenario: {}\n  date: 2025-12-01\n  note: reported\n"
    one = merge_question(TALKS, TALKS + item("e3", "Mine."), TALKS + resolution.format("deal"), PATH)
    assert one.clean and loaded(one.text).outcome == "deal"
    two = merge_question(TALKS, TALKS + resolution.format("deal"), TALKS + resolution.format("stall"), PATH)
    assert not two.clean and "'resolution'" in two.conflicts[0]


def test_a_merge_that_would_be_invalid_is_a_conflict():
    # both add the same link under different summaries: together they would count twice
    ours = TALKS + item("e3", "Envoys agree a date.", "url: https://example.org/x")
    theirs = TALKS + item("e3", "A date is agreed.", "url: https://example.org/x")
    merged = merge_question(TALKS, ours, theirs, PATH)
    assert not merged.clean and "would not be valid" in merged.conflicts[0]
    assert b"<<<<<<<" in merged.text


def test_an_item_removed_on_one_side_and_changed_on_the_other_conflicts():
    without_e2 = TALKS[:TALKS.index("  - id: e2")]
    changed = TALKS.replace("grade: C3", "grade: B3")
    assert not merge_question(TALKS, without_e2, changed, PATH).clean
    removed = merge_question(TALKS, TALKS, without_e2, PATH)
    assert removed.clean and [e.id for e in loaded(removed.text).evidence] == ["e1"]


def test_unreadable_sides_are_conflicts_never_silent():
    merged = merge_question(TALKS, TALKS + "  - [broken\n", TALKS + item("e3", "Mine."), PATH)
    assert not merged.clean


def test_a_file_added_on_both_sides_merges_from_an_empty_base():
    merged = merge_question("", TALKS + item("e3", "One."), TALKS + item("e3", "Two."), PATH)
    assert merged.clean and set(summaries(loaded(merged.text))) == {"e1", "e2", "e3", "e4"}


def test_different_list_indentation_is_reindented_to_ours():
    flush = TALKS.replace("\n  - ", "\n- ").replace("\n    ", "\n  ")  # "evidence:\n- id: e1\n  date: ..."
    merged = merge_question(TALKS, flush + item("e3", "One.", indent=0), TALKS + item("e3", "Two."), PATH)
    assert merged.clean
    assert "\n- id: e4\n  date: 2025-04-01\n  summary: Two.\n" in merged.text.decode()


def test_their_first_item_goes_into_our_empty_list():
    empty = TALKS[:TALKS.index("evidence:")] + "evidence: []   # none yet\n"
    merged = merge_question(empty, empty, empty.replace(" []   # none yet", "") + item("e1", "First."), PATH)
    assert merged.clean and summaries(loaded(merged.text)) == {"e1": "First."}


def entry(time: str, forecaster: str = "engine", deal: float = 0.5) -> bytes:
    data = {"time": time, "question": "talks", "forecaster": forecaster, "kind": "engine" if forecaster == "engine"
            else "stated", "probabilities": {"deal": deal, "ceasefire": 0.25, "stall": 0.25 - deal + 0.5}, "batch": "b"}
    return (json.dumps(data) + "\n").encode()


def test_the_forecast_log_merges_as_the_union_of_lines_in_time_order():
    base = entry("2025-01-01T00:00:00Z")
    ours = base + entry("2025-03-01T00:00:00Z") + entry("2025-02-01T00:00:00Z", "ann")
    theirs = base + entry("2025-02-15T00:00:00Z", "bob") + entry("2025-03-01T00:00:00Z")
    merged = merge_log(base, ours, theirs).data
    assert merged == (base + entry("2025-02-01T00:00:00Z", "ann") + entry("2025-02-15T00:00:00Z", "bob")
                      + entry("2025-03-01T00:00:00Z"))
    assert merge_log(base, base, base).data == base


def test_a_damaged_log_line_is_a_conflict_not_dropped():
    base = entry("2025-01-01T00:00:00Z")
    merged = merge_forecast_log(base, base + b"{oops\n", base + entry("2025-02-01T00:00:00Z"), "reports/forecasts.jsonl")
    assert not merged.clean and b"{oops" in merged.text


def test_merge_file_writes_ours_and_the_command_exits_1_on_a_conflict(tmp_path: Path):
    files = {name: tmp_path / name for name in ("base", "ours", "theirs")}
    for name, text in (("base", TALKS), ("ours", TALKS + item("e3", "One.")), ("theirs", TALKS + item("e3", "Two."))):
        files[name].write_text(text, encoding="utf-8")
    assert merge_file(files["base"], files["ours"], files["theirs"], PATH).clean
    assert "summary: Two." in files["ours"].read_text()
    files["ours"].write_text(TALKS.replace("C3", "B3"), encoding="utf-8")
    files["theirs"].write_text(TALKS.replace("C3", "D3"), encoding="utf-8")
    result = vane("merge-file", *map(str, files.values()), PATH)
    assert result.code == 1 and result.stderr.startswith("vane: scenarios/talks.yaml: conflict")
    assert "<<<<<<<" in files["ours"].read_text()
    missing = vane("merge-file", str(tmp_path / "nothing"), *map(str, list(files.values())[1:]), PATH)
    assert missing.code == 1 and missing.stderr.startswith("vane: ") and "Traceback" not in missing.output


def test_attributes_are_added_once_and_keep_what_was_there(tmp_path: Path):
    (tmp_path / ".gitattributes").write_text("*.png binary", encoding="utf-8")
    assert write_attributes(tmp_path) == tmp_path / ".gitattributes"
    assert write_attributes(tmp_path) is None
    text = (tmp_path / ".gitattributes").read_text()
    assert text.startswith("*.png binary\n") and all(line in text.splitlines() for line in ATTRIBUTES)


@pytest.mark.parametrize("flow", [False, True])
def test_flow_items_are_copied_as_written(flow: bool):
    line = '  - {id: e3, date: 2025-04-01, summary: "Two.", ratings: {deal: "+", ceasefire: "0", stall: "-"}}\n'
    theirs = TALKS + (line if flow else item("e3", "Two."))
    merged = merge_question(TALKS, TALKS + item("e3", "One."), theirs, PATH)
    assert merged.clean and summaries(loaded(merged.text))["e4"] == "Two."


# Property: two analysts' random edit sequences from one base merge into the union of their work.

HEADER = TALKS[:TALKS.index("evidence:")]
BASE_ITEMS = [{"id": "e1", "summary": "Envoys meet for the first time."}, {"id": "e2", "summary": "Strikes continue."}]


def render(evidence: list[dict], indicators: list[dict]) -> str:
    """A question file in the layout ``vane add`` keeps."""
    text = HEADER + "evidence:\n" + "".join(
        item(entry["id"], entry["summary"], *([f"story: {entry['story']}"] if entry.get("story") else []))
        for entry in evidence)
    text += "indicators:" + ("\n" if indicators else " []\n")
    for indicator in indicators:
        text += (f"  - id: {indicator['id']}\n    description: {indicator['description']}\n    due: 2025-06-30\n"
                 f"    probabilities: {{deal: 0.8, ceasefire: 0.5, stall: 0.1}}\n")
        if indicator.get("evidence"):
            text += f"    observed: 2025-04-01\n    evidence: {indicator['evidence']}\n"
    return text


def edited(side: str, edits: list[tuple[str, int]]) -> tuple[list[dict], list[dict]]:
    """The items after ``edits``, each numbered as ``vane add`` numbers them (one more than the largest)."""
    evidence, indicators = [dict(entry) for entry in BASE_ITEMS], []
    for number, (kind, pick) in enumerate(edits):
        next_e = f"e{max(int(entry['id'][1:]) for entry in evidence) + 1}"
        if kind == "shared":  # the same item, word for word, on both sides
            if all(entry["summary"] != f"Shared report {pick}." for entry in evidence):
                evidence.append({"id": next_e, "summary": f"Shared report {pick}."})
        elif kind == "repost":
            evidence.append({"id": next_e, "summary": f"{side} repost {number}.",
                             "story": evidence[pick % len(evidence)]["id"]})
        elif kind == "observed":
            evidence.append({"id": next_e, "summary": f"{side} sign {number} seen."})
            indicators.append({"id": f"i{len(indicators) + 1}", "description": f"{side} sign {number}",
                               "evidence": next_e})
        else:
            evidence.append({"id": next_e, "summary": f"{side} report {number}."})
    return evidence, indicators


def meaning(question) -> tuple[set, set, set]:
    """What a question says, ids aside: its summaries, its stories as sets of summaries, and indicator links."""
    by_id = {entry.id: entry.summary for entry in question.evidence}
    stories: dict[str, set] = {}
    for entry in question.evidence:
        stories.setdefault(entry.story_key, set()).add(entry.summary)
    return (set(by_id.values()), {frozenset(story) for story in stories.values()},
            {(indicator.description, by_id.get(indicator.evidence)) for indicator in question.indicators})


edit_lists = None
try:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    edit_lists = st.lists(st.tuples(st.sampled_from(["add", "repost", "observed", "shared"]),
                                    st.integers(0, 20)), max_size=6)
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass


if edit_lists is not None:
    @settings(max_examples=60, deadline=None)
    @given(ours_edits=edit_lists, theirs_edits=edit_lists)
    def test_random_edits_on_two_sides_merge_into_their_union(ours_edits, theirs_edits):
        base = render(BASE_ITEMS, [])
        sides = {"ours": render(*edited("Ours", ours_edits)), "theirs": render(*edited("Theirs", theirs_edits))}
        meanings = {name: meaning(loaded(text.encode())) for name, text in sides.items()}
        for first, second in (("ours", "theirs"), ("theirs", "ours")):
            merged = merge_question(base, sides[first], sides[second], PATH)
            assert merged.clean, merged.conflicts
            summaries_, stories, links = meaning(loaded(merged.text))
            assert summaries_ == meanings["ours"][0] | meanings["theirs"][0]
            assert len(loaded(merged.text).evidence) == len(summaries_)  # each item once
            for name in sides:  # each side's stories and indicator links, as that side wrote them
                own = meanings[name][0]
                assert {story & own for story in stories} - {frozenset()} == meanings[name][1]
                assert meanings[name][2] <= links


def test_windows_line_endings_stay_windows_line_endings():
    ours = (TALKS + item("e3", "One.")).replace("\n", "\r\n")
    merged = merge_question(TALKS, ours, TALKS + item("e3", "Two."), PATH)
    assert merged.clean and merged.text.count(b"\r\n") == merged.text.count(b"\n")
    assert b"summary: Two." in merged.text


def test_a_replayed_commit_follows_items_an_earlier_replayed_commit_renumbered():
    # a rebase: their first commit added e3, which upstream already holds as e4 (renumbered when it was replayed);
    # their second commit adds a repost of their e3 and changes its grade
    upstream = TALKS + item("e3", "Upstream item.") + item("e4", "Their first.")
    first = TALKS + item("e3", "Their first.")
    second = TALKS + item("e3", "Their first.").replace("B2", "A1") + item("e4", "A repost.", "story: e3")
    merged = merge_question(first, upstream, second, PATH)
    assert merged.clean, merged.conflicts
    question = loaded(merged.text)
    assert [(e.id, e.summary, e.grade) for e in question.evidence[2:]] == [
        ("e3", "Upstream item.", "B2"), ("e4", "Their first.", "A1"), ("e5", "A repost.", "B2")]
    assert question.evidence[-1].story == "e4"


def test_their_changed_field_and_their_long_item_are_written_in_by_surgery_alone():
    folded = ("  - id: e3\n    date: 2025-04-01\n    grade: B2\n    ratings: {deal: \"+\", ceasefire: \"0\", stall: \"-\"}\n"
              "    summary: >-\n      A long summary\n      over two lines.\n\nindicators: []\n")
    base = TALKS + "indicators: []\n"
    ours = TALKS + item("e3", "Mine.") + "indicators: []   # none yet\n"
    theirs = TALKS.replace("closes: 2025-12-31", "closes: 2026-01-31") + folded
    merged = merge_question(base, ours, theirs, PATH)
    assert merged.clean
    text = merged.text.decode()
    assert text == ours.replace("closes: 2025-12-31", "closes: 2026-01-31").replace(
        "indicators: []", folded.split("\n\n")[0].replace("e3", "e4") + "\nindicators: []")
