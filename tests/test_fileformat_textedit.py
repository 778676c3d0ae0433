"""Appending list entries and round-trip edits keep everything the user wrote."""

from __future__ import annotations

import datetime as dt
import difflib
import textwrap

import pytest

from model.fileformat.textedit import (
    Draft,
    append_entry,
    edit_document,
    guess_indentation,
)
from model.fileformat.yamlread import load_string

HEAD = "question: Q?\nscenarios:\n  a: A\n  b: B\n"
ENTRY = {"id": "e9", "date": dt.date(2025, 1, 2), "summary": "Says: 'yes' # not a comment", "grade": "",
         "ratings": {"a": "-", "b": "++"}}

LAYOUTS = {
    "indented dashes": "evidence:\n  - id: e1\n    summary: one\n",
    "flush dashes": "evidence:\n- id: e1\n  summary: one\n",
    "four spaces": "evidence:\n    -   id: e1\n        summary: one\n",
    "comments after the list": "evidence:\n  - id: e1\n    summary: one\n    # about e1\n\n# next part\nindicators: []\n",
    "folded summary last": "evidence:\n  - id: e1\n    summary: >-\n      one\n      two\n\nindicators: []\n",
    "no final newline": "evidence:\n  - id: e1\n    summary: one",
    "empty value": "evidence:\nindicators: []\n",
    "empty flow list with comment": "evidence: []   # none yet\nindicators: []\n",
    "no evidence key": "indicators: []\n",
    "flow list with items": "evidence: [{id: e1, summary: one}]\n",
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_append_keeps_the_file_and_adds_the_entry_last(layout):
    text = HEAD + layout
    result = append_entry(Draft.parse(text), "evidence", ENTRY).text
    root, problems = load_string(result, "x")
    assert not problems
    items = root.get("evidence").items
    last = items[-1]
    assert [item.get("id").text for item in items][-1] == "e9"
    assert last.get("summary").text == ENTRY["summary"]
    assert last.get("date").text == "2025-01-02"
    assert {k.text: v.text for k, v in last.get("ratings").items} == {"a": "-", "b": "++"}
    assert last.get("grade") is None  # empty values are left out
    if "[" not in layout.split("\n")[0]:
        removed = [line for line in difflib.ndiff(text.splitlines(), result.splitlines()) if line.startswith("- ")]
        assert not removed, removed


def test_append_uses_the_lists_own_indentation():
    result = append_entry(Draft.parse(HEAD + LAYOUTS["four spaces"]), "evidence", ENTRY).text
    assert "\n    -   id: e9\n        date: 2025-01-02\n" in result


def test_an_indented_comment_stays_with_its_item_and_a_section_comment_stays_put():
    result = append_entry(Draft.parse(HEAD + LAYOUTS["comments after the list"]), "evidence", ENTRY).text
    assert result.index("# about e1") < result.index("id: e9") < result.index("# next part")


def test_round_trip_edit_keeps_comments_and_order():
    text = textwrap.dedent("""\
        # heading
        question: Q?   # trailing
        scenarios:
          a: A
          b: 'B'
        """)
    result = edit_document(Draft.parse(text), lambda document: document.__setitem__("resolution", {"scenario": "a"})).text
    assert result.startswith(text)  # comments, order and quoting as they were
    assert result[len(text):] == "resolution:\n  scenario: a\n"  # and the edit itself is there


@pytest.mark.parametrize("text, expected", [
    ("a:\n  b: 1\nc:\n  - x: 1\n", (2, 4, 2)),
    ("a:\n    b: 1\nc:\n- x: 1\n", (4, 2, 0)),
    ("c:\n    -   x: 1\n", (2, 8, 4)),
])
def test_indentation_is_guessed(text, expected):
    assert guess_indentation(text) == expected
