"""Writing YAML text that ``model.fileformat.yamlread`` reads back exactly: scalars, one-line mappings, list entries."""

from __future__ import annotations

import datetime as dt
import json
import re

import yaml


def present(entry: dict) -> dict:
    """The entry without empty values (None or "")."""
    return {name: value for name, value in entry.items() if value is not None and value != ""}


def render_value(value) -> str:
    """One value as YAML: dates plain, numbers as Python writes them, dicts as ``{a: 1}``, text quoted when needed."""
    if isinstance(value, dict):  # text inside {...} is always double-quoted: a plain ", " or ": " would end it
        return "{" + ", ".join(f"{name}: {_in_flow(item)}" for name, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_in_flow(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, int, float)):
        return value.isoformat() if isinstance(value, dt.date) else repr(value)
    text = str(value)
    if len(text) <= 2 and set(text) <= set("+-0"):
        return json.dumps(text)  # rating symbols: always quoted, as a bare - would start a list
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 16)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}  # what other YAML tools read as non-text


def _in_flow(value) -> str:
    """A value inside a one-line mapping or list: a plain word as it is, other text double-quoted (JSON's
    escapes are YAML's)."""
    if isinstance(value, str):
        plain = _PLAIN_WORD.fullmatch(value) and value.lower() not in _YAML_WORDS
        return value if plain else json.dumps(value, ensure_ascii=False)
    return render_value(value)


def render_entry(entry: dict, dash_column: int, content_column: int) -> str:
    """A mapping as a block-list entry: '- key: value' then 'key: value' lines at the content column."""
    lines = []
    for position, (name, value) in enumerate(present(entry).items()):
        lead = " " * dash_column + "-" + " " * (content_column - dash_column - 1) if position == 0 else " " * content_column
        lines.append(f"{lead}{name}: {render_value(value)}\n")
    return "".join(lines)


def render_mapping(entry: dict, indent: int) -> str:
    """A mapping as 'key: value' lines at ``indent``."""
    return "".join(f"{' ' * indent}{name}: {render_value(value)}\n" for name, value in present(entry).items())
