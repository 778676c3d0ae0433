"""The evidence shortcut reads a question file exactly as the YAML reader does (``model.fileformat.evidence_block``).

Differential tests: every text is read both ways, and the question (with each
item's line and scale, which equality leaves out) and the problems must be the
same, on written files, on hand-written layouts, on hostile values written by
the tool, and on thousands of files damaged one character at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import structs

from model.base.clock import Clock
from model.calibration.synthetic import synthetic_questions
from model.fileformat import evidence_block
from model.fileformat.evidence import Evidence
from model.fileformat.question import (
    question_from_node,
    question_from_text,
    render_question,
)
from model.fileformat.yamlread import load_string
from tests.helpers import ROOT, TALKS

CLOCK = Clock(dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc))


def slowly(text: str):
    """The question and problems of ``text`` read by the YAML reader alone (as before the shortcut)."""
    root, problems = load_string(text, "q.yaml")
    return (None, problems) if problems else question_from_node(root, "q.yaml", "q", CLOCK)


def read_both(text: str):
    """Both readings of ``text``, asserted the same; the question."""
    quick, slow = question_from_text(text, "q.yaml", "q", CLOCK), slowly(text)
    assert quick == slow
    if quick[0] is not None:
        assert [(e.line, e.scale) for e in quick[0].evidence] == [(e.line, e.scale) for e in slow[0].evidence]
    return quick[0]


def written_texts() -> list[str]:
    """Question files as the tool writes them, and the bundled examples."""
    questions = synthetic_questions(3, seed=4)
    texts = [render_question(question) for question in questions]
    texts += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "scenarios").glob("*.yaml"))]
    return texts + [TALKS]


def test_written_files_are_read_by_the_shortcut_as_by_the_yaml_reader(monkeypatch):
    texts = written_texts()
    taken = []
    monkeypatch.setattr(evidence_block, "_slow", lambda entry, *rest: taken.append(entry) or pytest.fail(entry))
    for text in texts[:3]:  # written by the tool: every item is read by the shortcut
        question = read_both(text)
        assert question is not None and len(question.evidence) > 5
    assert not taken
    monkeypatch.undo()
    for text in texts:
        assert read_both(text) is not None


HOSTILE = ["It's done", 'say "no"', "a: b", "a #b", "#tag", "- dash", "? what", "yes", "null", "~", "", "  padded  ",
           "tab\there", "line\nbreak", "nel\x85x", "ls\u2028x", "\u202eevil", "bom\ufeffx", "caf\u00e9", "\u00a0nbsp",
           "{flow}", "[list]", "&anchor", "*alias", "!tag", "|block", ">fold", "%percent", "@at", "`tick`", "ends:",
           "a,b", "x" * 300, "\\back", "'quoted'", "100", "2025-01-01", "e\u0301", "\U0001f600 emoji", "1e5", "https://[x", "http://a]b"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["summary", "source", "analyst", "story", "url", "grade"])
def test_hostile_values_as_the_tool_writes_them(field: str, value: str):
    question = read_both(TALKS)
    item = question.evidence[0]
    text = render_question(dataclasses.replace(question, evidence=(structs.replace(item, **{field: value}),
                                                                   *question.evidence[1:])))
    read_both(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=30), st.sampled_from(["", "B2", "f6"]),
                          st.sampled_from(["", "s1", "a.b-c"]), st.dictionaries(
                              st.sampled_from(["deal", "ceasefire", "stall"]), st.integers(-2, 2))),
                min_size=1, max_size=6))
def test_any_written_items(items):
    question = read_both(TALKS)
    evidence = tuple(Evidence(id=f"x{n}", date=dt.date(2025, 3, 1), summary=summary, units=units, grade=grade,
                              story=story) for n, (summary, grade, story, units) in enumerate(items))
    read_both(render_question(dataclasses.replace(question, evidence=evidence)))


LAYOUTS = [
    # items the shortcut leaves to the YAML reader, beside ones it reads
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: odds\n    likelihoods: {deal: 0.5, ceasefire: 0.5, stall: 1}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: gone\n    ratings: {deal: '+'}\n"
            "    retracted: {date: 2025-04-01, reason: wrong}\n",
    TALKS + "  - {id: e3, date: 2025-03-02, summary: flow, ratings: {deal: '+'}}\n",
    TALKS + "  - id: e3\n    summary: order\n    date: 2025-03-02\n    ratings: {deal: '+'}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: >-\n      folded\n      text\n    ratings: {deal: '+'}\n",
    TALKS + "  # a comment\n  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: '+'}\n",
    TALKS + "\n  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: '+'}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: '+'}\n# the end\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: '+'}\nindicators: []\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: \"+\", deal: \"-\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: 2, \"stall\": \"--\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {nothing: \"+\"}\n",
    TALKS + "  - id: e3\n    date: 2026-12-03\n    summary: future\n    ratings: {deal: \"+\"}\n",
    TALKS + "  - id: e2\n    date: 2025-03-02\n    summary: same id\n    ratings: {deal: \"+\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: Envoys meet for the first time\n    ratings: {deal: \"+\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    recorded: 2025-03-01T10:00:00Z\n    summary: early\n"
            "    ratings: {deal: \"+\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    story: e1\n    ratings: {deal: \"+\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    story: e1 \n    ratings: {deal: \"+\"}\n",
    TALKS + "  - id: e3\n    date: 2025-03-02\n    summary: c\n    ratings: {deal: \"+\"}\n" * 2,
    TALKS.replace("\n", "\r\n"),
    TALKS.replace("evidence:\n", "evidence:   \n"),
    TALKS.replace("question: Will", 'description: "runs over\nevidence:\n  - id: e9\n    date: 2025-03-02\n'
                                    '    summary: inside\n    ratings: {deal: \\"+\\"}\n"\nquestion: Will'),
    TALKS + "evidence:\n  - id: e5\n    date: 2025-03-02\n    summary: twice\n    ratings: {deal: \"+\"}\n",
    TALKS + "indicators:\n  - id: i1\n    description: signpost\n    due: 2025-11-30\n"
            "    probabilities: {deal: 0.5, ceasefire: 0.5, stall: 0.5}\n    evidence: e2\n",
]


@pytest.mark.parametrize("text", LAYOUTS)
def test_layouts_the_shortcut_does_not_follow(text: str):
    read_both(text)


ALPHABET = "-:#'\"{}[],. 0123456789abeZT+\n\t\\&*!|>%@?~\x85\u2028\u00e9\u202e\r" + "xyz    "  # (some harmless)


def mutated(text: str, rng: random.Random) -> str:
    """``text`` with a character inserted, removed or replaced somewhere in its evidence (or anywhere)."""
    start = text.find("evidence:") if rng.random() < 0.9 else 0
    at = rng.randrange(max(start, 0), len(text))
    action = rng.choice("irrd")
    if action == "i":
        return text[:at] + rng.choice(ALPHABET) + text[at:]
    if action == "r":
        return text[:at] + rng.choice(ALPHABET) + text[at + 1:]
    return text[:at] + text[at + 1:]


@pytest.mark.parametrize("seed", range(4))
def test_damaged_files_are_read_as_the_yaml_reader_reads_them(seed: int):
    rng = random.Random(seed)
    bases = [TALKS, render_question(synthetic_questions(1, seed=seed)[0])]
    read_as_questions = 0
    for _ in range(400):
        text = rng.choice(bases)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            text = mutated(text, rng)
        read_as_questions += read_both(text) is not None
    assert read_as_questions >= 30  # (about one in eight): a damaged file still valid is one that could differ


def test_a_workspace_loads_the_same_with_and_without_the_shortcut(tmp_path: Path, monkeypatch):
    from model.workspace.folder import Workspace
    from model.workspace.loader import load_workspace

    (tmp_path / "scenarios").mkdir()
    for number, text in enumerate(written_texts()):
        (tmp_path / "scenarios" / f"q{number}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("VANE_NO_CACHE", "1")
    quick = load_workspace(Workspace(tmp_path))
    monkeypatch.setattr(evidence_block, "split", lambda text: None)
    slow = load_workspace(Workspace(tmp_path))
    assert quick.questions == slow.questions and quick.problems == slow.problems and len(quick.questions) >= 5


def test_the_shortcut_gives_every_field_of_an_item_as_the_yaml_reader_does():
    """Items compare equal without ``scale`` and ``line``: here every field is compared."""
    quick, slow = question_from_text(TALKS, "q.yaml", "q", CLOCK)[0], slowly(TALKS)[0]
    assert [structs.asdict(item) for item in quick.evidence] == [structs.asdict(item) for item in slow.evidence]
    assert structs.asdict(quick.evidence[0])["scale"] == "ratings" and structs.replace(quick.evidence[0]) == quick.evidence[0]
