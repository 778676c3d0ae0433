"""Stories: reports of one underlying fact, which count once, and evidence entered twice, which must not.

An item's ``story`` may name a story label (``story: talks-resume``) or another
item (``story: e3``). Either way the item joins that story, and so does every
item already in it: ``story: e3`` joins e3's story even when e3 names a story
of its own. Items that repeat another item (the same link, or the same
summary) outside its story would count twice, so they are problems.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from msgspec.structs import replace

from model.fileformat.evidence import Evidence


def normalise_summary(summary: str) -> str:
    """Case, punctuation and spacing removed, for spotting the same summary entered twice."""
    return _NOT_WORDS.sub(" ", summary.casefold()).strip(" ")  # (white space is not a word character: one space)


_NOT_WORDS = re.compile(r"[\W_]+")


def normalise_url(url: str) -> str:
    """Scheme and host lower-cased, fragment and trailing slash dropped (an address ``urlsplit`` refuses, such as
    ``https://[x``, as written)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


def join_stories(evidence: list[Evidence]) -> list[Evidence]:
    """The items with each ``story`` set to the label of the whole story it joins.

    Items linked through ``story`` (to a label or to another item, at any
    depth) form one story. Its label is the first story label written in the
    file that is not an item id, else the id of its first item.
    """
    parent: dict[str, str] = {}  # only the items and labels of links: an item nothing links stays alone

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]  # path halving keeps the chains short
            name = parent[name]
        return name

    for item in evidence:
        if item.story:
            parent[root(item.story)] = root(item.id)
    if not parent:
        return list(evidence)
    ids = {item.id for item in evidence}
    label: dict[str, str] = {}
    linked = [item for item in evidence if item.id in parent]
    for item in linked:  # file order: the first written label wins, else the first item
        if item.story and item.story not in ids:
            label.setdefault(root(item.id), item.story)
    for item in linked:
        label.setdefault(root(item.id), item.id)
    joined = []
    for item in evidence:
        story = label[root(item.id)] if item.id in parent else item.id
        story = "" if story == item.id else story
        joined.append(item if story == item.story else replace(item, story=story))
    return joined


def repeated_items(evidence: list[Evidence]) -> list[tuple[Evidence, Evidence, str]]:
    """``(item, earlier item, reason)`` for each item repeating an earlier one outside its story.

    Call with stories joined (``join_stories``): items of one story may share a
    link or a summary, since they count once.
    """
    first: dict[tuple[str, str], Evidence] = {}
    repeats = []
    for item in evidence:
        keys = [("summary", normalise_summary(item.summary)), ("link", normalise_url(item.url) if item.url else "")]
        keys = [key for key in keys if key[1]]  # a summary of punctuation alone repeats nothing
        for key in keys:
            earlier = first.get(key)
            if earlier is not None and earlier.story_key != item.story_key:
                repeats.append((item, earlier, f"the same {key[0]}"))
                break
        for key in keys:
            first.setdefault(key, item)
    return repeats
