"""Workspace settings from the optional ``vane.yaml`` (overrides of the defaults in model.md)."""

from __future__ import annotations

from msgspec import Struct, field

from model.fileformat.grades import CREDIBILITY, RELIABILITY, GradeTable
from model.fileformat.values import (
    Findings,
    check_keys,
    read_mapping,
    read_number,
    read_text,
)
from model.fileformat.yamlread import Node

SETTINGS_KEYS = ("grades", "report", "analyst")


GRADE_KEYS = ("reliability", "credibility")


REPORT_KEYS = ("stale_weeks", "deadline_days")


class ReportSettings(Struct, frozen=True):
    """When the weekly report calls a question stale or near its deadline."""

    stale_weeks: int = 4
    deadline_days: int = 30


class Settings(Struct, frozen=True):
    """Everything a workspace may override."""

    grades: GradeTable = field(default_factory=GradeTable)
    report: ReportSettings = field(default_factory=ReportSettings)
    analyst: str = ""  # who uses this workspace, when one person does (model/workspace/identity.py)


def settings_from_node(root: Node | None, found: Findings) -> Settings:
    """Settings from a parsed ``vane.yaml``; problems go to ``found``, defaults fill the gaps."""
    if root is None:
        return Settings()
    mapping = read_mapping(root, "vane.yaml", found, 1)
    if mapping is None:
        return Settings()
    check_keys(mapping, SETTINGS_KEYS, (), "vane.yaml", found)
    grades = _read_grade_table(mapping.get("grades"), found) if mapping.get("grades") else GradeTable()
    report = _read_report(mapping.get("report"), found) if mapping.get("report") else ReportSettings()
    analyst = read_text(mapping.get("analyst"), "analyst", found, mapping.line, required=False) or ""
    return Settings(grades, report, " ".join(analyst.split()))


def _read_report(node: Node, found: Findings) -> ReportSettings:
    mapping = read_mapping(node, "report", found, 1)
    if mapping is None:
        return ReportSettings()
    check_keys(mapping, REPORT_KEYS, (), "report", found)
    values = {}
    for key in REPORT_KEYS:
        if mapping.get(key) is not None:
            number = read_number(mapping.get(key), f"report.{key}", found, mapping.line)
            if number is not None and (number < 1 or number != int(number)):
                found.add(mapping.get(key).line, f"report.{key} must be a whole number of at least 1")
            elif number is not None:
                values[key] = int(number)
    return ReportSettings(**values)


def _read_grade_table(node: Node, found: Findings) -> GradeTable:
    mapping = read_mapping(node, "grades", found, 1)
    if mapping is None:
        return GradeTable()
    check_keys(mapping, GRADE_KEYS, (), "grades", found)
    tables = {}
    for name, defaults in (("reliability", RELIABILITY), ("credibility", CREDIBILITY)):
        table = dict(defaults)
        given = read_mapping(mapping.get(name), f"grades.{name}", found, mapping.line) if mapping.get(name) else None
        for key, value in given.items if given else ():
            weight = read_number(value, f"weight of '{key.text}'", found, key.line)
            if key.text not in defaults:
                found.add(key.line, f"grades.{name} has no grade '{key.text}' (use {', '.join(defaults)})")
            elif weight is not None and not 0.0 <= weight <= 1.0:
                found.add(value.line, f"weight of '{key.text}' must be between 0 and 1, not {weight:g}")
            elif weight is not None:
                table[key.text] = weight
        tables[name] = table
    return GradeTable(tables["reliability"], tables["credibility"])
