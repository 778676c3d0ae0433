"""Reading a user's YAML file safely, keeping the line of every value.

Safe by construction: the file must be a regular file of bounded size in strict
UTF-8 (a byte-order mark is fine). It is read as a stream of YAML events and
built into plain nodes here, never into Python objects chosen by the file, so
tags, anchors and aliases are refused before they can do anything, nesting depth
is bounded, and every scalar keeps its original text. Typing (dates, numbers,
ratings) is the schema's job, which avoids YAML 1.1 surprises such as ``no``
meaning false.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import yaml
from msgspec import Struct

from model.base.errors import Problem, VaneError, display_path
from model.base.limits import MAX_DEPTH, MAX_FILE_BYTES

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Scalar(Struct, frozen=True):
    """A scalar value as written: its text, whether it was quoted, and where it is.

    ``line`` is the 1-based first line, ``column`` the 0-based column where the
    value starts and ``last_line`` the line it ends on.
    """

    text: str
    quoted: bool
    line: int
    column: int = 0
    last_line: int = 0

    @property
    def is_null(self) -> bool:
        """True for an empty value or ``null``/``~`` written without quotes."""
        return not self.quoted and self.text in NULL_WORDS


class Mapping(Struct, frozen=True):
    """A mapping with its keys in file order (positions as for ``Scalar``)."""

    items: tuple[tuple[Scalar, "Node"], ...]
    line: int
    column: int = 0
    last_line: int = 0
    flow: bool = False

    def get(self, key: str) -> "Node | None":
        """The value under ``key``, or None when the key is absent."""
        for name, value in self.items:
            if name.text == key:
                return value
        return None

    def key_line(self, key: str) -> int:
        """The line of ``key`` (the mapping's own line when the key is absent)."""
        for name, _ in self.items:
            if name.text == key:
                return name.line
        return self.line

    def keys(self) -> list[Scalar]:
        """The keys in file order."""
        return [name for name, _ in self.items]


class Sequence(Struct, frozen=True):
    """A sequence of nodes (positions as for ``Scalar``; ``end_column`` just past a flow ``]``)."""

    items: tuple["Node", ...]
    line: int
    column: int = 0
    last_line: int = 0
    flow: bool = False
    end_column: int = 0


Node = Scalar | Mapping | Sequence


class _Refused(Exception):
    """Raised inside the reader; turned into a located Problem."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def read_text(path: Path) -> str:
    """Read a user's file as text, refusing anything but a bounded regular UTF-8 file.

    Raises
    ------
    _Refused
        With the line of the first bad byte, or line 0 for file-level problems.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise _Refused(0, "not a regular file")
        # O_NONBLOCK: a FIFO swapped in after the check must not hang the reader.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _Refused(0, "no such file") from None
    except OSError as error:
        raise _Refused(0, f"cannot read: {error.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _Refused(0, "not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(0, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return decode_utf8(data)


def decode_utf8(data: bytes) -> str:
    """Decode strict UTF-8, allowing one leading byte-order mark."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _Refused(line, f"not valid UTF-8 (byte 0x{data[error.start]:02x})") from None


def parse_text(text: str) -> Node | None:
    """Build the node tree of a single YAML document; None for an empty file.

    Raises
    ------
    _Refused
        For syntax errors, tags, anchors, aliases, duplicate keys, non-scalar
        keys, excessive nesting and multiple documents.
    """
    try:
        return _build(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        bare_dash = _bare_dash_line(text, line)
        if bare_dash:
            raise _Refused(bare_dash, "YAML syntax error: a bare - starts a list; write a '-' rating in quotes") from None
        raise _Refused(line, f"YAML syntax error: {explained(error, text.splitlines(), line)}") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, such as a control character
        line = text[: error.position].count("\n") + 1
        raise _Refused(line, f"character U+{error.character:04X} is not allowed in YAML; remove it") from None
    except yaml.YAMLError as error:
        raise _Refused(0, "YAML error: " + " ".join(str(error).split())) from None


def explained(error: yaml.MarkedYAMLError, lines: list[str], line: int) -> str:
    """The parser's complaint about 1-based ``line`` in the analyst's words, the parser's own after them."""
    said = error.problem or error.context or "not valid YAML"
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    opened = error.context_mark.line + 1 if error.context_mark else line
    words = _plain_words(f"{error.context} {said}", text, _indent_above(lines, line), opened)
    return f"{words} (the YAML parser: {said})" if words else said


def _plain_words(said: str, text: str, above: int | None, opened: int) -> str:
    """What went wrong in words (``said``: the parser's context and problem), or "" when it is not one of these."""
    indent = len(text) - len(text.lstrip(" "))
    if "\t" in text[: indent + 1]:
        return "a tab in the indentation: YAML indents with spaces only"
    if "expected ',' or ']'" in said:
        return f"the [ opened on line {opened} is not closed with ]"
    if "expected ',' or '}'" in said:
        return f"the {{ opened on line {opened} is not closed with }}"
    if "quoted scalar" in said:
        return f"the quote opened on line {opened} is never closed"
    if text.strip().count("'") % 2 == 1 or re.search(r"'\w+'\w", text):
        return "a ' inside text in '...' ends the text early: write '' for an apostrophe, or use double quotes"
    if "mapping values are not allowed" in said and len(re.findall(r":(\s|$)", text.split("#")[0])) > 1:
        return "a value that contains ': ' must be in quotes"
    if above is not None and indent != above and ("expected key" in said or "'-' indicator" in said
                                                  or "mapping values are not allowed" in said):
        return "this line is indented differently from the lines above it"
    if "'-' indicator" in said:
        return "this line is not a list item like the lines above it: start it with '- ', or indent it further"
    if "mapping values are not allowed" in said:
        return "the line above has no 'key:' (is a colon missing after its key?)"
    return ""


def _indent_above(lines: list[str], line: int) -> int | None:
    """The indentation of the nearest line above ``line`` (1-based) with content, or None."""
    for text in reversed(lines[: max(0, line - 1)]):
        if text.strip() and not text.lstrip().startswith("#"):
            return len(text) - len(text.lstrip(" "))
    return None


def _bare_dash_line(text: str, line: int) -> int:
    """The line at or just before ``line`` that ends in ``: -`` (an unquoted minus rating), or 0."""
    lines = text.splitlines()
    for number in (line, line - 1):
        if 1 <= number <= len(lines) and re.search(r":\s+-\s*(#.*)?$", lines[number - 1]):
            return number
    return 0


_SCALAR, _ALIAS, _DOCUMENT = yaml.ScalarEvent, yaml.AliasEvent, yaml.DocumentStartEvent
_OPENING = {yaml.MappingStartEvent: "map", yaml.SequenceStartEvent: "seq"}
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _build(events) -> Node | None:
    """The node tree of a stream of events (dispatch on the exact event type: this loop is most of a cold load)."""
    stack: list[list] = []  # each entry: [kind, start event, items, pending_key, key texts seen (a mapping's)]
    root: Node | None = None
    documents = 0
    for event in events:
        kind = type(event)
        if kind is _SCALAR:
            if event.anchor or event.tag:
                _refuse_decorations(event)
            start, end = event.start_mark, event.end_mark
            last = end.line if end.column == 0 and end.line > start.line else end.line + 1
            node = Scalar(event.value, event.style is not None and event.style != "", start.line + 1, start.column, last)
            if stack:
                _attach(stack, node)
            else:
                root = node
        elif kind in _OPENING:
            _refuse_decorations(event)
            if len(stack) >= MAX_DEPTH:
                raise _Refused(_line(event), f"nested more than {MAX_DEPTH} levels deep")
            opened = _OPENING[kind]
            stack.append([opened, event, [], None, set() if opened == "map" else None])
        elif kind in _CLOSING:
            opened, start, items, _, _ = stack.pop()
            root = _attach(stack, _collection(opened, start, event, items)) or root
        elif kind is _DOCUMENT:
            documents += 1
            if documents > 1:
                raise _Refused(_line(event), "only one YAML document per file (remove the extra '---')")
        elif kind is _ALIAS:
            raise _Refused(_line(event), "aliases (*name) are not allowed; write the value out")
    return root


def _collection(kind: str, start, end, items: list) -> Node:
    """A finished mapping or sequence with its position."""
    flow = bool(start.flow_style)
    children = [value for pair in items for value in pair] if kind == "map" else items
    last = _last_line(end) if flow else max([_line(start)] + [child.last_line for child in children])
    where = dict(line=_line(start), column=start.start_mark.column, last_line=last, flow=flow)
    if kind == "map":
        return Mapping(tuple(items), **where)
    return Sequence(tuple(items), end_column=end.end_mark.column if flow else 0, **where)


def _last_line(event) -> int:
    """The 1-based line an event's text ends on (a mark at column 0 belongs to the line before)."""
    end = event.end_mark
    if end.column == 0 and end.line > event.start_mark.line:
        return end.line
    return end.line + 1


def _refuse_decorations(event) -> None:
    if event.anchor:
        raise _Refused(_line(event), f"anchors (&{event.anchor}) are not allowed; write the value out")
    if event.tag:
        raise _Refused(_line(event), f"tags such as '{event.tag}' are not allowed; quote the value instead")


def _attach(stack: list[list], node: Node) -> Node | None:
    """Add ``node`` to the open collection; return it when it is the document root."""
    if not stack:
        return node
    top = stack[-1]
    if top[0] == "seq":
        top[2].append(node)
    elif top[3] is None:
        if not isinstance(node, Scalar):
            raise _Refused(node.line, "mapping keys must be plain text")
        if node.text in top[4]:  # a set per open mapping: linear in the number of keys
            raise _Refused(node.line, f"duplicate key '{node.text}'")
        top[4].add(node.text)
        top[3] = node
    else:
        top[2].append((top[3], node))
        top[3] = None
    return None


def _line(event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 0


def load_file(path: Path) -> tuple[Node | None, str, list[Problem]]:
    """Read and parse one YAML file.

    Returns
    -------
    (node, text, problems)
        The document's root node (None when empty or unreadable), the file's
        text ("" when unreadable) and any problems found.
    """
    text, problems = read_checked(path)
    if problems:
        return None, "", problems
    node, problems = load_string(text, display_path(path))
    return node, text, problems


def read_checked(path: Path) -> tuple[str, list[Problem]]:
    """A user's file as text with the safety rules of ``load_file``, or "" and the problem that stopped it."""
    try:
        return read_text(path), []
    except _Refused as refused:
        return "", [Problem(display_path(path), refused.line, refused.message)]


def load_string(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """Parse YAML text that did not come from a file (tests, round-trip checks), with the same size limit."""
    if len(text) > MAX_FILE_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [Problem(path, 0, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")]
    try:
        return parse_text(text), []
    except _Refused as refused:
        return None, [Problem(path, refused.line, refused.message)]


def read_file_text(path: Path) -> str:
    """The text of a user's file, with the same safety rules as ``load_file``.

    Raises
    ------
    VaneError
        With the located problem when the file cannot be read safely.
    """
    try:
        return read_text(path)
    except _Refused as refused:
        problem = Problem(display_path(path), refused.line, refused.message)
        raise VaneError(str(problem), [problem]) from None
