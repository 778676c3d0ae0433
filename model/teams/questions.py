"""The three-way merge of a question file, as data: what the merged file must say, and what conflicts.

Two analysts who each tagged evidence on their own branch both wrote the next
id (``e12``). The merge keeps both items: items new on their side whose id our
side already uses for something else get the next free numbers, and every
reference to them on their side is rewritten (``story: eN`` on evidence,
``evidence: eN`` on indicators; nothing else in a question file names an item).
Items present in the common ancestor are never renumbered, so ids that were
merged once stay what they are. Ids stay short and sequential because analysts
type them on the command line (``--story e12``); ids carrying an analyst's name
or a hash could not collide, but would be long to type in every command.

Everything else is a plain three-way merge: a field changed on one side takes
that side, changed the same way on both is kept, changed differently on both
is a conflict. The text of the result is built in ``model.teams.surgery``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from model.fileformat.textedit import Draft
from model.fileformat.yamlread import Mapping, Node, Scalar, Sequence

LISTS = ("evidence", "indicators")


REFERENCES = {"evidence": ("story",), "indicators": ("evidence",)}
"""The fields of each list's items that name another item by its id."""


_NUMBERED = re.compile(r"(.*?)(\d+)")


class Unmergeable(Exception):
    """Raised when a side cannot be merged structurally (it does not parse, or its items have no ids)."""


@dataclass
class Side:
    """One version of the file: its draft, top-level values and items by list, each as plain values."""

    draft: Draft
    top: dict[str, object]
    items: dict[str, dict[str, dict]]  # list key -> id -> the item's fields as plain values, in file order
    nodes: dict[str, dict[str, Mapping]]  # list key -> id -> the item's node

    @property
    def ids(self) -> set[str]:
        """Every item id, evidence and indicators alike (they share one id space)."""
        return {item_id for items in self.items.values() for item_id in items}


@dataclass
class Plan:
    """What the merged file must hold, and how it differs from ours.

    ``expected`` is the merged document as plain values; ``renamed`` maps
    their ids to the ids they get (new items renumbered, and base items our
    side holds under another id); ``dropped`` holds their new items that
    repeat one of ours exactly; ``conflicts`` says in words what could not
    be merged, and ``disputed`` where, when it is one value.
    """

    expected: dict
    renamed: dict[str, str] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    theirs_top: dict[str, object] = field(default_factory=dict)  # top-level values taken from theirs (or REMOVED)
    theirs_fields: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)  # (list, id) -> values
    removed: dict[str, list[str]] = field(default_factory=dict)  # list -> ids of our items their side deleted
    appended: dict[str, list[str]] = field(default_factory=dict)  # list -> their ids (as written there) to append
    conflicts: list[str] = field(default_factory=list)
    disputed: dict[tuple, dict[str, object]] = field(default_factory=dict)  # place -> {"base"/"theirs": value}
    settle: dict[tuple, str] = field(default_factory=dict)  # place -> the side its value is written from
    unplaced: bool = False  # a conflict that is not one value (an item removed on one side, changed on the other)


class _Removed:
    """A value that is not there (a key absent on one side, or removed by it)."""

    def __repr__(self) -> str:
        return "REMOVED"

    def __deepcopy__(self, memo) -> _Removed:
        return self  # one of a kind: plans are copied, and compared with ``is``


REMOVED = _Removed()


def plain(node: Node | None):
    """A node as plain values (text for every scalar, quoting ignored), for comparing versions."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return None if node.is_null else node.text
    if isinstance(node, Mapping):
        return {key.text: plain(value) for key, value in node.items}
    return [plain(item) for item in node.items]


def read_side(text: str, what: str) -> Side:
    """One version of the file, read for merging; an empty base (a file both sides added) has nothing.

    Raises
    ------
    Unmergeable
        When the text does not parse to a mapping, or a list item has no id or repeats one.
    """
    draft = Draft.parse(text, what)
    if not text.strip():
        return Side(draft, {}, {key: {} for key in LISTS}, {key: {} for key in LISTS})
    if draft.mapping is None:
        raise Unmergeable(f"{what} is not a readable question file")
    top = {key.text: plain(value) for key, value in draft.mapping.items if key.text not in LISTS}
    items, nodes = {}, {}
    seen: set[str] = set()
    for key in LISTS:
        value = draft.mapping.get(key)
        entries = value.items if isinstance(value, Sequence) else ()
        if value is not None and not isinstance(value, Sequence) and plain(value) is not None:
            raise Unmergeable(f"{what}: '{key}' is not a list")
        items[key], nodes[key] = {}, {}
        for entry in entries:
            found = entry.get("id") if isinstance(entry, Mapping) else None
            if not isinstance(found, Scalar) or not found.text or found.text in seen:
                raise Unmergeable(f"{what}: an item of '{key}' on line {entry.line} has no id of its own")
            seen.add(found.text)
            items[key][found.text], nodes[key][found.text] = plain(entry), entry
    return Side(draft, top, items, nodes)


def three_way(base, ours, theirs):
    """(merged value, taken from theirs?, conflict?) for one value; ``REMOVED`` stands for a missing one."""
    if ours == theirs or theirs == base:
        return ours, False, False
    if ours == base:
        return theirs, True, False
    return ours, False, True


def plan_merge(base: Side, ours: Side, theirs: Side) -> Plan:
    """Everything the merged file must say: the union of items, renumbered where ids collide, and every conflict."""
    moved = moved_items(base, ours)
    renamed, dropped = match_new_items(base, ours, theirs, moved)
    theirs_items = {key: {renamed.get(item_id, item_id): rewrite_references(key, item, renamed)
                          for item_id, item in theirs.items[key].items() if item_id not in dropped}
                    for key in LISTS}
    base_items = {key: {moved.get(item_id, item_id): rewrite_references(key, item, moved)
                        for item_id, item in base.items[key].items()} for key in LISTS}
    plan = Plan(expected={}, renamed=renamed, dropped=dropped)
    _merge_top(base, ours, theirs, plan)
    for key in LISTS:
        plan.expected[key] = _merge_list(key, base_items[key], ours.items[key], theirs_items[key], plan)
        plan.appended[key] = [item_id for item_id in theirs.items[key]
                              if item_id not in base.items[key] and item_id not in dropped
                              and renamed.get(item_id, item_id) not in ours.items[key]]
    return plan


def _merge_top(base: Side, ours: Side, theirs: Side, plan: Plan) -> None:
    keys = list(ours.top) + [key for key in theirs.top if key not in ours.top]
    for key in keys:
        merged, taken, conflict = three_way(base.top.get(key, REMOVED), ours.top.get(key, REMOVED),
                                            theirs.top.get(key, REMOVED))
        if conflict:
            plan.conflicts.append(f"'{key}' was changed differently on both sides")
            plan.disputed[("top", key)] = {"base": base.top.get(key, REMOVED), "theirs": theirs.top.get(key, REMOVED)}
        if taken:
            plan.theirs_top[key] = merged
        if merged is not REMOVED:
            plan.expected[key] = merged


def _merge_list(key: str, base: dict, ours: dict, theirs: dict, plan: Plan) -> list[dict]:
    """Our items in our order (merged field by field with theirs), then their new items in theirs' order."""
    merged = []
    for item_id, item in ours.items():
        if item_id not in base:
            merged.append(item)  # new on our side (identical new items on both sides are the same item)
        elif item_id in theirs:
            merged.append(_merge_item(key, item_id, base[item_id], item, theirs[item_id], plan))
        elif item == base[item_id]:
            plan.removed.setdefault(key, []).append(item_id)
        else:
            plan.conflicts.append(f"{key} '{item_id}' was changed on our side and removed on theirs")
            plan.unplaced = True
            merged.append(item)
    for item_id, item in theirs.items():
        if item_id in base and item_id not in ours and item != base[item_id]:
            plan.conflicts.append(f"{key} '{item_id}' was removed on our side and changed on theirs")
            plan.unplaced = True
        elif item_id not in base and item_id not in ours:
            merged.append(item)
    return merged


def _merge_item(key: str, item_id: str, base: dict, ours: dict, theirs: dict, plan: Plan) -> dict:
    merged, taken = {}, {}
    for name in list(ours) + [name for name in theirs if name not in ours]:
        value, from_theirs, conflict = three_way(base.get(name, REMOVED), ours.get(name, REMOVED),
                                                 theirs.get(name, REMOVED))
        if conflict:
            plan.conflicts.append(f"'{name}' of {key} '{item_id}' was changed differently on both sides")
            plan.disputed[(key, item_id, name)] = {"base": base.get(name, REMOVED), "theirs": theirs.get(name, REMOVED)}
        if from_theirs:
            taken[name] = value
        if value is not REMOVED:
            merged[name] = value
    if taken:
        plan.theirs_fields[(key, item_id)] = taken
    return merged


def settled(plan: Plan, side: str) -> Plan:
    """``plan`` with every disputed value taken from ``side`` (``base`` or ``theirs``) instead of ours.

    The merged text under each settlement differs only where the sides
    disagree, so ``git merge-file`` on the three puts its markers around just
    those values, in a file whose items are already merged and renumbered.
    """
    variant = copy.deepcopy(plan)
    variant.settle = {place: side for place in plan.disputed}
    for place, values in plan.disputed.items():
        value = values[side]
        if place[0] == "top":
            target, name = variant.expected, place[1]
        else:
            target, name = next(item for item in variant.expected[place[0]] if item.get("id") == place[1]), place[2]
        if value is REMOVED:
            target.pop(name, None)
        else:
            target[name] = value
    return variant


def moved_items(base: Side, ours: Side) -> dict[str, str]:
    """Base items that our side holds under another id: ``{base id: our id}``.

    This happens when a rebase or a cherry-pick replays commits onto ours: the
    base is the replayed commit's parent, whose new items our side already
    holds, renumbered by the merge of an earlier commit. Such an item is
    found by what it says (everything but its id and references), when
    exactly one of our items says it; anything ambiguous is left as it is.
    """
    moved = {}
    for key in LISTS:
        for item_id, item in base.items[key].items():
            mine = ours.items[key].get(item_id)
            if mine is not None and _core(key, mine) == _core(key, item):
                continue
            same = [other_id for other_id, other in ours.items[key].items()
                    if other_id != item_id and _core(key, other) == _core(key, item)]
            if len(same) == 1:
                moved[item_id] = same[0]
    targets = list(moved.values())
    unmoved = base.ids - set(moved)
    if len(set(targets)) != len(targets) or unmoved & set(targets):
        return {}  # two base items in one place: not a renumbering this merge can follow
    return moved


def _core(key: str, item: dict) -> dict:
    return {name: value for name, value in item.items() if name not in ("id", *REFERENCES[key])}


def match_new_items(base: Side, ours: Side, theirs: Side, moved: dict[str, str] | None = None,
                    ) -> tuple[dict[str, str], set[str]]:
    """Their new items matched to ours: ``(renamed, dropped)``; ``renamed`` includes ``moved`` base items.

    A new item of theirs that says exactly what a new item of ours says is the
    same item (dropped, its references pointed at ours); one whose id our side
    uses for a different item gets the next free number after the largest id
    on any side, in their order of appearance.
    """
    renamed: dict[str, str] = dict(moved or {})
    dropped: set[str] = set()
    taken = base.ids | ours.ids | theirs.ids | _story_labels(ours) | _story_labels(theirs)
    ours_in_base = {renamed.get(item_id, item_id) for item_id in base.ids}
    for key in LISTS:
        ours_new = {item_id: item for item_id, item in ours.items[key].items() if item_id not in ours_in_base}
        for item_id, item in theirs.items[key].items():
            if item_id in base.items[key]:
                continue
            content = _without_id(rewrite_references(key, item, renamed))
            same = [mine for mine, other in ours_new.items() if _without_id(other) == content]
            if same:
                match = item_id if item_id in same else same[0]
                dropped.add(item_id)
                if match != item_id:
                    renamed[item_id] = match
            elif item_id in ours.ids:
                renamed[item_id] = next_free(item_id, taken)
                taken.add(renamed[item_id])
    return renamed, dropped


def next_free(item_id: str, taken: set[str]) -> str:
    """The next id after the largest one taken with ``item_id``'s letters (``e12`` -> ``e15``), or ``id-2``..."""
    numbered = _NUMBERED.fullmatch(item_id)
    if numbered:
        prefix = numbered.group(1)
        numbers = [int(match.group(2)) for other in taken
                   if (match := _NUMBERED.fullmatch(other)) and match.group(1) == prefix]
        return f"{prefix}{max(numbers, default=0) + 1}"
    suffix = 2
    while f"{item_id}-{suffix}" in taken:
        suffix += 1
    return f"{item_id}-{suffix}"


def rewrite_references(key: str, item: dict, renamed: dict[str, str]) -> dict:
    """``item`` with its id and every field naming another item renamed."""
    fields = ("id", *REFERENCES[key])
    return {name: renamed.get(value, value) if name in fields and isinstance(value, str) else value
            for name, value in item.items()}


def _without_id(item: dict) -> dict:
    return {name: value for name, value in item.items() if name != "id"}


def _story_labels(side: Side) -> set[str]:
    """Story labels written on a side: a renumbered item must not take one (it would join that story)."""
    return {item["story"] for item in side.items["evidence"].values() if isinstance(item.get("story"), str)}
