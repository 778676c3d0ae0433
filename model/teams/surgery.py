"""The text of a merged question file: ours, with their changes written in, comments and layout kept.

The usual merge (their new items, a changed top-level field) is text surgery:
our file's bytes stay as they are, their items' own lines (comments included)
are copied to the end of our lists at our lists' indentation, with renumbered
ids rewritten in place, and a top-level field they changed replaces ours line
for line. Anything else (a field changed inside an item, an item removed) goes
through the ruamel round trip (``textedit.edit_document``). Each result is
read back and must say exactly what the plan says, or it is not used.
"""

from __future__ import annotations

import copy

from model.fileformat.textedit import (
    Draft,
    _end_of_list,
    block_list,
    dump_roundtrip,
    load_roundtrip,
    same_line_endings,
)
from model.fileformat.yamlread import Mapping, Scalar, Sequence
from model.teams.questions import LISTS, REFERENCES, REMOVED, Plan, Side, plain


def merged_text(ours: Side, theirs: Side, plan: Plan, base: Side | None = None) -> str | None:
    """The merged file's text (with our line endings), or None when neither way gives exactly what ``plan`` expects.

    A plan with disputed values (``questions.settled``) is always written by
    the round trip, reading the values it settles on from ``base`` or ``theirs``.
    """
    surgery = not plan.theirs_fields and not plan.removed and not plan.disputed
    text = _by_surgery(ours, theirs, plan) if surgery else None
    if text is None or not _says(text, plan):
        text = _by_round_trip(ours, theirs, plan, base)
    return same_line_endings(ours.draft.text, text) if text is not None and _says(text, plan) else None


def _says(text: str, plan: Plan) -> bool:
    draft = Draft.parse(text)
    if draft.mapping is None:
        return False
    found = plain(draft.mapping)
    for key in LISTS:
        found[key] = found.get(key) or []
    return found == plan.expected


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _by_surgery(ours: Side, theirs: Side, plan: Plan) -> str | None:
    draft = ours.draft
    for key, value in plan.theirs_top.items():
        draft = _replace_top(draft, key, None if value is REMOVED else _top_block(theirs.draft, key))
        if draft.mapping is None:
            return None
    their_lines = _renamed_lines(theirs, plan)
    for key in LISTS:
        blocks = [_item_block(their_lines, theirs.nodes[key][item_id]) for item_id in plan.appended[key]]
        if any(block is None for block in blocks):
            return None
        if blocks:
            draft = _append_blocks(draft, key, blocks)
            if draft is None or draft.mapping is None:
                return None
    return draft.text


def _top_block(draft: Draft, key: str) -> str:
    value = draft.mapping.get(key)
    lines = _lines(draft.text)
    first = draft.mapping.key_line(key) - 1
    return "".join(lines[first:max(value.last_line, first + 1)])


def _replace_top(draft: Draft, key: str, block: str | None) -> Draft:
    """``draft`` with top-level ``key`` replaced by ``block`` (removed when None, appended when new)."""
    lines = _lines(draft.text)
    value = draft.mapping.get(key)
    if value is None:
        return draft.changed("".join(lines) + (block or ""))
    first = draft.mapping.key_line(key) - 1
    return draft.changed("".join(lines[:first] + ([block] if block else []) + lines[max(value.last_line, first + 1):]))


def _renamed_lines(theirs: Side, plan: Plan) -> list[str]:
    """Their file's lines with every renumbered id and reference rewritten where it is written."""
    lines = _lines(theirs.draft.text)
    places = []
    for key in LISTS:
        for node in theirs.nodes[key].values():
            for name in ("id", *REFERENCES[key]):
                value = node.get(name)
                if isinstance(value, Scalar) and value.text in plan.renamed and value.line == value.last_line:
                    places.append((value.line, value.column, value.text))
    for line, column, old in sorted(places, reverse=True):  # right to left, so earlier columns stay valid
        text = lines[line - 1]
        lines[line - 1] = text[:column] + text[column:].replace(old, plan.renamed[old], 1)
    return lines


def _item_block(lines: list[str], node: Mapping) -> list[str] | None:
    """An item's lines from its dash to its last line, with its comments; None when it is not written as usual.

    Its comments are the lines just above it at the dash's indentation and the
    lines after it indented further (where ``vane add`` appends, they stay with
    the item above).
    """
    start = node.line - 1
    dash = lines[start].find("-")
    if dash < 0 or lines[start][:dash].strip() or dash >= node.column:
        return None
    while start > 0 and lines[start - 1].strip().startswith("#") and lines[start - 1].find("#") == dash:
        start -= 1
    end = node.last_line
    while end < len(lines):
        stripped = lines[end].strip()
        indent = len(lines[end]) - len(lines[end].lstrip(" "))
        if not (stripped.startswith("#") and indent > dash):
            break
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1  # a block scalar's trailing blank lines: they separated the item from what came next
    return [_shift(line, -dash) for line in lines[start:end]]


def _shift(line: str, by: int) -> str:
    """``line`` indented ``by`` more columns (fewer when negative; only spaces are removed)."""
    if by >= 0:
        return " " * by + line if line.strip() else line
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, -by):]


def _append_blocks(draft: Draft, key: str, blocks: list[list[str]]) -> Draft | None:
    """``draft`` with item blocks (written at column 0) added at the end of the list under ``key``."""
    lines = _lines(draft.text)
    value = draft.mapping.get(key)
    if isinstance(value, Sequence) and not value.flow and value.items:
        at, dash = _end_of_list(lines, value.last_line, value.column), value.column  # where vane add puts one
    elif value is None:
        lines.append(f"{key}:\n")
        at, dash = len(lines), 2
    elif _is_empty(value):
        key_line = draft.mapping.key_line(key)
        if value.line != key_line:
            return None
        line = lines[key_line - 1]
        if isinstance(value, Sequence):  # "key: []  # note" -> "key:  # note"
            lines[key_line - 1] = line[:value.column].rstrip(" ") + line[value.end_column:]
        at, dash = key_line, len(line) - len(line.lstrip(" ")) + 2
    else:
        return None
    inserted = [_shift(line, dash) for block in blocks for line in block]
    return draft.changed("".join(lines[:at] + inserted + lines[at:]))


def _is_empty(value) -> bool:
    """True for ``key: []`` and ``key:`` (null): a list with nothing in it yet."""
    if isinstance(value, Sequence):
        return value.flow and not value.items
    return isinstance(value, Scalar) and value.is_null


def _by_round_trip(ours: Side, theirs: Side, plan: Plan, base: Side | None = None) -> str | None:
    """The merged text from ruamel's round trip of ours, with their values (or settled ones) copied in."""
    from ruamel.yaml.error import (
        YAMLError,  # imported here: only merges that need the round trip pay for it
    )

    try:
        yaml, document = load_roundtrip(ours.draft.text)
        sources = {"theirs": load_roundtrip(theirs.draft.text)[1]}
        if plan.settle and base is not None:
            sources["base"] = load_roundtrip(base.draft.text)[1] if base.draft.text.strip() else {}
    except YAMLError:  # what ruamel cannot read it cannot write back either
        return None
    for key, value in plan.theirs_top.items():
        if value is REMOVED:
            del document[key]
        else:
            document[key] = copy.deepcopy(sources["theirs"][key])
    for key in LISTS:
        _merge_list_document(document, sources["theirs"], key, plan)
    for place, side in plan.settle.items():
        if side not in sources:
            return None
        _settle(document, sources[side], place, plan)
    try:
        return dump_roundtrip(yaml, document)
    except (YAMLError, ValueError, TypeError):
        return None


def _settle(document, source, place: tuple, plan: Plan) -> None:
    """Write the value at ``place`` (``("top", key)`` or ``(list, id, field)``) as ``source`` has it."""
    if place[0] == "top":
        target, found, name = document, source, place[1]
    else:
        key, item_id, name = place
        target = next(item for item in document[key] if str(item.get("id")) == item_id)
        found = _by_merged_id(source, key, plan).get(item_id, {})
    if name not in found:
        target.pop(name, None)
    elif place[0] == "top":
        target[name] = copy.deepcopy(found[name])
    else:
        target[name] = _renamed(copy.deepcopy(found[name]), name, place[0], plan)


def _merge_list_document(document, their_document, key: str, plan: Plan) -> None:
    theirs_by_id = _by_merged_id(their_document, key, plan)
    removed = set(plan.removed.get(key, ()))
    changed = {item_id: fields for (list_key, item_id), fields in plan.theirs_fields.items() if list_key == key}
    if not (removed or changed or plan.appended[key]):
        return
    items = block_list(document, key)
    for index in reversed(range(len(items))):
        item_id = str(items[index].get("id"))
        if item_id in removed:
            del items[index]
        elif item_id in changed:
            for name, value in changed[item_id].items():
                if value is REMOVED:
                    items[index].pop(name, None)
                else:
                    items[index][name] = _renamed(copy.deepcopy(theirs_by_id[item_id][name]), name, key, plan)
    for item_id in plan.appended[key]:
        item = copy.deepcopy(theirs_by_id[plan.renamed.get(item_id, item_id)])
        for name in ("id", *REFERENCES[key]):
            if name in item:
                item[name] = _renamed(item[name], name, key, plan)
        items.append(item)


def _by_merged_id(document, key: str, plan: Plan) -> dict:
    """The items of ``document``'s list ``key`` (their side's, or the base's) by the id each has once merged."""
    return {plan.renamed.get(str(item.get("id")), str(item.get("id"))): item for item in (document.get(key) or [])}


def _renamed(value, name: str, key: str, plan: Plan):
    if name in ("id", *REFERENCES[key]) and isinstance(value, str) and value in plan.renamed:
        return type(value)(plan.renamed[value]) if type(value) is not str else plan.renamed[value]
    return value
