"""Source-document records (``seeds/``): where evidence came from.

One YAML file per source document: its kind and outlet, its date, a
description in the analyst's own words, and the evidence ids taken from it as
``question-id/evidence-id``.
"""

from __future__ import annotations

import datetime as dt

from msgspec import Struct

from model.fileformat.question import Question
from model.fileformat.values import (
    Findings,
    check_keys,
    read_date,
    read_mapping,
    read_sequence,
    read_text,
)
from model.fileformat.yamlread import Node, Scalar

SOURCE_KEYS = ("document", "kind", "outlet", "date", "date_basis", "description", "evidence")


REQUIRED_SOURCE_KEYS = ("document", "kind", "outlet", "date", "description", "evidence")


class SourceRecord(Struct, frozen=True):
    """One source document and the evidence items taken from it."""

    path: str
    document: str
    kind: str
    outlet: str
    date: dt.date
    description: str
    evidence: tuple[tuple[str, int], ...]  # ("question/e3", line)
    date_basis: str = ""


def source_from_node(root: Node | None, path: str) -> tuple[SourceRecord | None, list]:
    """Build a ``SourceRecord`` from a parsed file, or None with the problems found."""
    found = Findings(path)
    mapping = read_mapping(root, "a source record", found, 1) if root is not None else None
    if mapping is None:
        if root is None:
            found.add(0, "the file is empty")
        return None, found.problems
    check_keys(mapping, SOURCE_KEYS, REQUIRED_SOURCE_KEYS, "the source record", found)
    get, line = mapping.get, mapping.line
    sequence = read_sequence(get("evidence"), "evidence", found, line) if get("evidence") else None
    references = []
    for node in sequence.items if sequence else ():
        if isinstance(node, Scalar) and node.text.count("/") == 1:
            references.append((node.text, node.line))
        else:
            found.add(node.line, "evidence entries are written question-id/evidence-id")
    record = SourceRecord(
        path=path,
        document=read_text(get("document"), "document", found, line) or "",
        kind=read_text(get("kind"), "kind", found, line) or "",
        outlet=read_text(get("outlet"), "outlet", found, line) or "",
        date=read_date(get("date"), "date", found, line) if get("date") else None,
        description=read_text(get("description"), "description", found, line) or "",
        evidence=tuple(references),
        date_basis=read_text(get("date_basis"), "date_basis", found, line, required=False) or "",
    )
    return (None if found.problems else record), found.problems


def check_references(record: SourceRecord, questions: dict[str, Question]) -> list:
    """Problems for evidence references that name no known question or item."""
    found = Findings(record.path)
    for reference, line in record.evidence:
        question_id, item_id = reference.split("/")
        question = questions.get(question_id)
        if question is None:
            found.add(line, f"no question '{question_id}' for evidence '{reference}'")
        elif item_id not in {item.id for item in question.evidence}:
            found.add(line, f"question '{question_id}' has no evidence '{item_id}'")
    return found.problems
