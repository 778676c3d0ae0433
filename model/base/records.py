"""The records every command reads (questions' parts, YAML nodes, the engine's arrays) are msgspec Structs.

Python 3.11 makes a dataclass's class by compiling each of its methods from text: about 0.8 ms a class, and
``vane add`` made 37 of them before it did anything (30 ms of its 100 ms over a bare Python start). A
Struct's class is made in C in about 30 us, and its instances are made, compared and pickled faster.

Two kinds stay dataclasses: the question (``question.py``: it keeps its evidence packed until asked for,
which a Struct's fields cannot), and the records of the heavier commands (calibration, scoring, reports),
which import far more than their classes cost. Copy a Struct with ``msgspec.structs.replace``.
"""

from __future__ import annotations

import operator


def compared_without(*ignored: str):
    """A class decorator for a Struct: ``==`` and ``hash`` over every field but ``ignored`` (as a dataclass
    field's ``compare=False``), for fields that say where or how a thing is written, not what it says."""

    def decorate(cls):
        unknown = set(ignored) - set(cls.__struct_fields__)
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
        key = operator.attrgetter(*(name for name in cls.__struct_fields__ if name not in ignored))

        def __eq__(self, other):
            if type(other) is not type(self):
                return NotImplemented
            return key(self) == key(other)

        cls.__eq__ = __eq__
        cls.__hash__ = lambda self: hash(key(self))
        return cls

    return decorate
