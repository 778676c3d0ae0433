"""The bundled example questions and source records load cleanly and hang together."""

from __future__ import annotations

from model.engine.probabilities import stories_of
from model.workspace.folder import Workspace, yaml_files
from model.workspace.loader import load_paths, load_question, load_source
from tests.helpers import ROOT, vane

BUNDLED = Workspace(ROOT)


def test_every_question_file_loads_without_problems():
    files = BUNDLED.question_files()
    assert len(files) >= 2
    for path in files:
        question, problems = load_question(path)
        assert not problems, problems


def test_every_source_record_loads_without_problems():
    files = yaml_files(BUNDLED.seeds)
    assert len(files) == 5
    for path in files:
        record, problems = load_source(path)
        assert not problems, problems


def test_the_examples_cover_what_the_project_promised():
    loaded = load_paths([ROOT])
    assert not loaded.problems, loaded.problems
    questions = {question.id: question for question in loaded.questions}
    resolved = [q for q in questions.values() if q.is_resolved]
    still_open = [q for q in questions.values() if not q.is_resolved]
    assert resolved and resolved[0].closes.isoformat() == "2025-12-31"
    assert any("synthesis" in q.scenario_ids for q in still_open)
    assert sum(len(q.evidence) for q in questions.values()) >= 15
    assert any(len(items) > 1 for q in questions.values() for items in stories_of(q.evidence).values())
    assert sum(len(q.indicators) for q in questions.values()) >= 3


def test_every_evidence_item_is_credited_to_exactly_one_source_document():
    loaded = load_paths([ROOT])
    credited = [reference for record in loaded.sources for reference, _ in record.evidence]
    items = [f"{q.id}/{item.id}" for q in loaded.questions for item in q.evidence]
    assert sorted(credited) == sorted(items)


def test_vane_check_passes_on_the_bundled_workspace():
    result = vane("check", "--dir", str(ROOT))
    assert result.code == 0 and "no problems" in result.output
