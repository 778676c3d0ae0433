"""``compared_without``: equality and hashing of a Struct over all but some fields."""

from __future__ import annotations

import pickle

import pytest
from msgspec import Struct, structs

from model.base.records import compared_without


@compared_without("line")
class Item(Struct, frozen=True):
    name: str
    weight: float = 1.0
    line: int = 0


def test_the_ignored_field_does_not_count_and_every_other_does():
    assert Item("a", line=3) == Item("a", line=9) and hash(Item("a", line=3)) == hash(Item("a", line=9))
    assert Item("a") != Item("b") and Item("a") != Item("a", weight=2.0)
    assert not Item("a", line=3) != Item("a", line=9)


def test_another_type_with_the_same_fields_is_not_equal():
    class Other(Struct, frozen=True):
        name: str
        weight: float = 1.0
        line: int = 0

    assert Item("a") != Other("a") and Item("a") != ("a", 1.0)


def test_copies_and_pickles_keep_the_ignored_field():
    item = Item("a", line=4)
    assert structs.replace(item, weight=2.0).line == 4 and pickle.loads(pickle.dumps(item)).line == 4


def test_a_field_the_class_does_not_have_is_refused():
    with pytest.raises(TypeError, match="no field lines"):
        @compared_without("lines")
        class Wrong(Struct, frozen=True):
            line: int = 0
