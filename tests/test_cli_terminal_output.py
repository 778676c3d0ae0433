"""Nothing from a file, a flag or an import reaches the terminal raw: control and bidi characters show as escapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.options import shown
from tests.helpers import TALKS, vane

HOSTILE = "\x1b[2J\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\x9b31m\u202eevil\x07"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (control characters written as escapes, as YAML requires)."""
    return json.dumps(text)


def hostile_question(space: Path) -> None:
    text = (TALKS.replace("summary: Envoys meet for the first time.", f"summary: {quoted(f'Envoys {HOSTILE} meet')}")
            .replace("question: Will the talks produce a deal by the end of 2025?",
                     f"question: {quoted(f'Will {HOSTILE} the talks produce a deal?')}")
            .replace("deal: A deal is signed", f"deal: {quoted(f'A deal {HOSTILE}')}")
            .replace("source: Wire", f"source: {quoted(f'Wire {HOSTILE}')}"))
    (space / "scenarios" / "talks.yaml").write_text(text)
    assert vane("check", "--dir", str(space)).code == 0


def test_shown_keeps_line_breaks_and_escapes_the_rest():
    assert shown("a\x1b[2Jb\nc\u202ed") == "a\\x1b[2Jb\nc\\u202ed"


@pytest.mark.parametrize("words", [
    ("status",), ("status", "--json"), ("show", "talks"), ("show", "talks", "--json"), ("check",),
    ("add", "talks", "-s", f"Added {HOSTILE}", "--source", HOSTILE, "-r", "deal=+"),
    ("score", "--backtest", "--hindsight"), ("indicator", "list", "talks"),
])
def test_user_text_never_reaches_the_terminal_raw(space: Path, words):
    hostile_question(space)
    result = vane(*words, "--dir", str(space))
    assert result.code in (0, 1) and not RAW.search(result.output), result.output
    if "--json" in words:  # still JSON, and the text comes back exactly
        assert any(HOSTILE in text for text in strings(json.loads(result.stdout)))


def strings(data):
    """Every string in parsed JSON."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_hostile_file_names_and_flags_are_shown_escaped(space: Path):
    (space / "scenarios" / "bad\x1b[2J\u202e.yaml").write_text(TALKS)
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and "bad\\x1b[2J\\u202e.yaml" in result.output and not RAW.search(result.output)
    flag = vane("status", "--as-of", "\x1b]8;;x\x07", "--dir", str(space))
    assert flag.code == 1 and "\\x1b]8;;x\\x07" in flag.output and not RAW.search(flag.output)


def test_forecaster_names_with_control_characters_are_refused(space: Path):
    open_question = TALKS.replace("closes: 2025-12-31", "closes: 2099-12-31")
    (space / "scenarios" / "talks.yaml").write_text(open_question)
    result = vane("forecast", "talks", "deal=0.2", "ceasefire=0.3", "stall=0.5", "--forecaster", "me\x1b[2J", "--dir", str(space))
    assert result.code == 1 and "control or bidi" in result.stderr and not RAW.search(result.output)
