"""Stories joined across links (``join_stories``) and summaries compared without case or punctuation."""

from __future__ import annotations

import datetime as dt

import pytest
from msgspec import structs

from model.fileformat.evidence import Evidence
from model.fileformat.stories import join_stories, normalise_summary, repeated_items


def item(item_id: str, story: str = "", summary: str = "") -> Evidence:
    return Evidence(id=item_id, date=dt.date(2025, 5, 1), summary=summary or f"Item {item_id}.", units={},
                    story=story)


def joined(*links: tuple[str, str]) -> list[tuple[str, str]]:
    return [(found.id, found.story) for found in join_stories([item(item_id, story) for item_id, story in links])]


def test_items_nothing_links_are_returned_as_they_are():
    items = [item("e1"), item("e2"), item("e3")]
    assert join_stories(items) == items and join_stories([]) == []


@pytest.mark.parametrize("links, expected", [
    # an item naming another joins its story, which is labelled by its first item when no label is written
    ([("e1", ""), ("e2", "e1"), ("e3", "")], [("e1", ""), ("e2", "e1"), ("e3", "")]),
    # a chain at any depth, written in any order
    ([("e1", "e3"), ("e2", ""), ("e3", "e4"), ("e4", "")], [("e1", ""), ("e2", ""), ("e3", "e1"), ("e4", "e1")]),
    # the first label written in the file names the whole story, whichever item wrote it
    ([("e1", "e5"), ("e2", "e1"), ("e3", "talks"), ("e4", "e3"), ("e5", "deal"), ("e6", "e2"), ("e7", "")],
     [("e1", "deal"), ("e2", "deal"), ("e3", "talks"), ("e4", "talks"), ("e5", "deal"), ("e6", "deal"), ("e7", "")]),
    # two labels linked through an item: the first written wins
    ([("e1", "deal"), ("e2", "talks"), ("e3", "e2"), ("e1b", "e3")],
     [("e1", "deal"), ("e2", "talks"), ("e3", "talks"), ("e1b", "talks")]),
    ([("e1", "talks"), ("e2", "talks"), ("e3", "")], [("e1", "talks"), ("e2", "talks"), ("e3", "")]),
])
def test_linked_items_share_one_story_label(links, expected):
    assert joined(*links) == expected


def test_the_same_summary_outside_a_story_repeats_an_item_and_inside_one_does_not():
    items = [item("e1", summary="Envoys meet, at last!"), item("e2", summary="envoys   MEET at last"),
             item("e3", summary="...")]
    assert [(found.id, earlier.id) for found, earlier, _ in repeated_items(join_stories(items))] == [("e2", "e1")]
    items[1] = structs.replace(items[1], story="e1")
    assert repeated_items(join_stories(items)) == []


@pytest.mark.parametrize("summary, expected", [
    ("  Envoys meet, at last!  ", "envoys meet at last"),
    ("Straße\u00a0—\tund\u3000Ende_", "strasse und ende"),
    ("?!", ""),
    ("", ""),
])
def test_a_summary_is_compared_without_case_punctuation_or_spacing(summary, expected):
    assert normalise_summary(summary) == expected
