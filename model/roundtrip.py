"""Editing a question file in place, keeping the user's comments, key order and formatting.

Every edit is one transaction (``edit_question``): take the file's lock, read
and validate it (a file with problems is never edited), change the round-trip
YAML document, validate the result, then write it atomically. ruamel.yaml is
the round-trip writer: it keeps comments and quoting that a plain YAML dump
would lose.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from model.errors import VaneError, display_path
from model.loader import load_question_text
from model.question import Question
from model.safewrite import atomic_write, locked
from model.schema import Clock
from model.yamlread import read_file_text

_DEFAULT_INDENT = (2, 4, 2)  # mapping indent, sequence indent, dash offset


@dataclass(frozen=True)
class Edit:
    """The outcome of an edit: the question before and after, and what the change returned."""

    before: Question
    after: Question
    result: Any


def edit_question(path: Path, change: Callable[[Any, Question], Any], clock: Clock | None = None) -> Edit:
    """Apply ``change(document, question)`` to the question file at ``path`` safely.

    ``document`` is the ruamel round-trip mapping to modify in place; ``question``
    the validated question it was read as. ``change`` raises ``VaneError`` to
    refuse; nothing is written then.

    Raises
    ------
    VaneError
        When the file has problems, the change refuses, or the lock is held too long.
    """
    clock = clock or Clock.system()
    with locked(path):
        text = read_file_text(path)
        before, problems = load_question_text(text, path, clock)
        if problems:
            raise VaneError(f"{display_path(path)} has problems, so it was not changed; fix them first", problems)
        yaml, document = load_roundtrip(text)
        result = change(document, before)
        new_text = dump_roundtrip(yaml, document)
        after, problems = load_question_text(new_text, path, clock)
        if problems:  # a bug in the change, never the user's fault: refuse rather than write a broken file
            raise VaneError(f"{display_path(path)}: the edit would make the file invalid; nothing was written", problems)
        atomic_write(path, new_text)
    return Edit(before, after, result)


def load_roundtrip(text: str):
    """A ruamel YAML instance set up to reproduce ``text``'s layout, and the loaded document."""
    from ruamel.yaml import YAML  # imported here: only writing commands pay for it

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-wrap the user's long lines
    mapping, sequence, offset = guess_indentation(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml, yaml.load(text)


def dump_roundtrip(yaml, document) -> str:
    """The document as text, with the layout ``yaml`` was set up with."""
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def guess_indentation(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as used in ``text``; defaults when unknown."""
    mapping = sequence = offset = None
    parent = None  # indentation of the last "key:" line with nothing after the colon
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if parent is not None and indent >= parent:
            dash = re.match(r"^( *)- +(?=\S)", line)
            if dash and sequence is None:
                offset, sequence = len(dash.group(1)) - parent, dash.end() - parent
            elif not dash and indent > parent and mapping is None:
                mapping = indent - parent
        parent = indent if re.match(r"^[^#]*:\s*(#.*)?$", stripped) and not stripped.startswith("- ") else None
        if mapping is not None and sequence is not None:
            break
    default_mapping, default_sequence, default_offset = _DEFAULT_INDENT
    return (mapping or default_mapping, sequence or default_sequence,
            default_offset if offset is None else offset)


def block_list(document, key: str):
    """The block-style list under ``key``, created (or converted from ``[]``/empty) when needed."""
    from ruamel.yaml.comments import CommentedSeq

    current = document.get(key)
    if isinstance(current, CommentedSeq) and (len(current) or not current.fa.flow_style()):
        return current
    fresh = CommentedSeq(list(current or []))
    fresh.fa.set_block_style()
    document[key] = fresh  # an existing key keeps its place and comments
    return fresh


def flow_mapping(values: dict):
    """A one-line ``{a: 1, b: 2}`` mapping; text values double-quoted (``-`` alone is not YAML text)."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    mapping = CommentedMap()
    for key, value in values.items():
        mapping[key] = DoubleQuotedScalarString(value) if isinstance(value, str) else value
    mapping.fa.set_flow_style()
    return mapping


def block_mapping(values: dict):
    """A block mapping in the given key order (None values left out)."""
    from ruamel.yaml.comments import CommentedMap

    mapping = CommentedMap()
    for key, value in values.items():
        if value is not None and value != "":
            mapping[key] = value
    return mapping
