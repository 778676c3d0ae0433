"""Text surgery on a question file: change what must change, keep the user's comments, key order and layout.

Everything here works on a ``Draft``: a file's text with the tree it parses to,
parsed once. Each change returns a new draft whose tree was parsed from the new
text, so the edit transaction (``model.edits.transaction``) validates it
without parsing again.

Two ways to compute the new text:

- ``append_entry`` adds an item to a block list (evidence, indicators) by
  inserting its lines after the list's last item, in the list's own
  indentation. Every other byte of the file stays as it was, and it is fast
  on long files. The result is checked; anything unusual falls back to:
- ``edit_document``, a full round trip through ruamel.yaml, which keeps
  comments, key order and quoting while changing anything anywhere.
"""

from __future__ import annotations

import io
import re
from typing import Any, Callable

from msgspec import Struct

from model.base.errors import Problem
from model.fileformat.yamlread import Mapping, Node, Scalar, Sequence, load_string
from model.fileformat.yamlwrite import present, render_entry, render_mapping

_DEFAULT_INDENT = (2, 4, 2)  # mapping indent, sequence indent, dash offset


class Draft(Struct, frozen=True):
    """A question file's text and the tree it parses to (``root`` is None when it does not parse)."""

    text: str
    root: Node | None
    problems: tuple[Problem, ...] = ()
    where: str = ""  # the path problems are reported against

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Draft":
        """``text`` parsed once."""
        root, problems = load_string(text, where)
        return cls(text, root, tuple(problems), where)

    def changed(self, text: str) -> "Draft":
        """A new draft of ``text``, reported against the same path."""
        return Draft.parse(text, self.where)

    @property
    def mapping(self) -> Mapping | None:
        """The top-level mapping, when the text parsed to one."""
        return self.root if isinstance(self.root, Mapping) and not self.problems else None

    def with_line_endings_of(self, original: "Draft") -> "Draft":
        """This draft with Windows line endings when ``original`` used them throughout (the tree is the same)."""
        return Draft(same_line_endings(original.text, self.text), self.root, self.problems, self.where)


def same_line_endings(original: str, edited: str) -> str:
    """``edited`` with Windows line endings when ``original`` used them throughout (edits write plain newlines)."""
    crlf = original.count("\r\n")
    if not crlf or crlf != original.count("\n"):
        return edited
    return edited.replace("\r\n", "\n").replace("\n", "\r\n")


def edit_document(draft: Draft, mutate: Callable[[Any], None]) -> Draft:
    """``draft`` after ``mutate(document)`` changed its ruamel round-trip document in place."""
    yaml, document = load_roundtrip(draft.text)
    mutate(document)
    return draft.changed(dump_roundtrip(yaml, document))


def append_entry(draft: Draft, key: str, entry: dict) -> Draft:
    """``draft`` with ``entry`` (plain values; dicts become one-line mappings) appended to the list under ``key``.

    The list's own layout is kept and nothing else in the file changes. Lists
    written in flow style (``[a, b]``) go through the round trip instead.
    """
    root = draft.mapping
    value = root.get(key) if root else None
    count = len(value.items) if isinstance(value, Sequence) else 0
    new_text = _insert_entry(draft.text, root, key, value, entry) if root else None
    if new_text is not None:
        inserted = draft.changed(new_text)
        if _appended(inserted, key, count, entry):
            return inserted
    return edit_document(draft, lambda document: block_list(document, key).append(_roundtrip_values(entry)))


def replace_block(draft: Draft, key: str, block: str) -> Draft:
    """``draft`` with the top-level ``key`` and its value replaced by ``block`` (appended if absent).

    ``block`` holds the complete lines, ``key:`` included. Every other line stays as it was.
    """
    root = draft.mapping
    if root is None:
        raise ValueError("replace_block needs a valid mapping document")
    lines = _whole_lines(draft.text)
    value = root.get(key)
    if value is None:
        return draft.changed("".join(lines) + block)
    first = root.key_line(key) - 1
    return draft.changed("".join(lines[:first] + [block] + lines[max(value.last_line, first + 1):]))


def add_to_entry(draft: Draft, list_key: str, entry_id: str, values: dict) -> Draft:
    """``draft`` with ``key: value`` lines added to the entry of ``list_key`` whose id is ``entry_id``.

    The lines go right after the entry's last line, at its indentation; nothing else changes.

    Raises
    ------
    ValueError
        When there is no such block-style entry, or it already has one of the keys.
    """
    entries = draft.mapping.get(list_key) if draft.mapping else None
    entry = next((item for item in getattr(entries, "items", ()) if isinstance(item, Mapping)
                  and isinstance(item.get("id"), Scalar) and item.get("id").text == entry_id), None)
    if entry is None or entry.flow:
        raise ValueError(f"no block-style entry '{entry_id}' under '{list_key}'")
    if any(entry.get(key) is not None for key in values):
        raise ValueError(f"entry '{entry_id}' already has one of {', '.join(values)}")
    lines = _whole_lines(draft.text)
    at = entry.last_line
    return draft.changed("".join(lines[:at] + [render_mapping(values, entry.column)] + lines[at:]))


def set_in_entry(draft: Draft, list_key: str, entry_id: str, values: dict) -> Draft:
    """``draft`` with keys of the entry of ``list_key`` whose id is ``entry_id`` set to ``values``.

    A value of None removes its key; a dict becomes a one-line mapping. Through
    the round trip, so comments, key order and the other keys' quoting stay.

    Raises
    ------
    ValueError
        When there is no such entry.
    """

    def change(document) -> None:
        entry = next((item for item in document.get(list_key) or () if hasattr(item, "get")
                      and str(item.get("id")) == entry_id), None)
        if entry is None:
            raise ValueError(f"no entry '{entry_id}' under '{list_key}'")
        for key, value in values.items():
            if value is None or value == "":
                entry.pop(key, None)
            else:
                entry[key] = flow_mapping(value) if isinstance(value, dict) else value

    return edit_document(draft, change)


def _whole_lines(text: str) -> list[str]:
    """The lines of ``text``, each ending in a newline (the last one too)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _insert_entry(text: str, root: Mapping, key: str, value, entry: dict) -> str | None:
    lines = _whole_lines(text)
    if value is None:  # no such key yet: add it at the end
        return "".join(lines) + f"{key}:\n" + render_entry(entry, 2, 4)
    key_line = root.key_line(key)
    if isinstance(value, Sequence) and not value.flow and value.items:
        first = value.items[0]
        at = _end_of_list(lines, value.last_line, value.column)
        return "".join(lines[:at] + [render_entry(entry, value.column, first.column)] + lines[at:])
    empty_flow = isinstance(value, Sequence) and value.flow and not value.items and value.line == key_line
    if empty_flow or (isinstance(value, Scalar) and value.is_null):
        if empty_flow:  # "key: []  # note" -> "key:  # note"
            line = lines[key_line - 1]
            lines[key_line - 1] = line[: value.column].rstrip(" ") + line[value.end_column:]
        indent = _key_indent(lines[key_line - 1]) + 2
        return "".join(lines[:key_line] + [render_entry(entry, indent, indent + 2)] + lines[key_line:])
    return None


def _end_of_list(lines: list[str], last_line: int, dash_column: int) -> int:
    """Index of the line before which a new item goes: after the last item and its indented comments."""
    at = last_line
    while at < len(lines):
        stripped = lines[at].strip()
        indent = len(lines[at]) - len(lines[at].lstrip(" "))
        if stripped and not (stripped.startswith("#") and indent > dash_column):
            break
        at += 1
    while at > last_line and not lines[at - 1].strip():
        at -= 1  # blank lines stay between the list and what follows
    return at


def _key_indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _appended(draft: Draft, key: str, count: int, entry: dict) -> bool:
    """True when ``draft`` parses and its ``key`` list gained exactly ``entry``'s id at the end."""
    value = draft.mapping.get(key) if draft.mapping else None
    if not isinstance(value, Sequence) or len(value.items) != count + 1:
        return False
    last = value.items[-1]
    found = last.get("id") if isinstance(last, Mapping) else None
    return isinstance(found, Scalar) and found.text == str(entry.get("id"))


def _roundtrip_values(entry: dict):
    return block_mapping({
        name: flow_mapping(value) if isinstance(value, dict) else value for name, value in present(entry).items()
    })


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
