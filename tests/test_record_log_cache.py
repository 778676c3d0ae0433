"""The log's columns kept between runs: used only while the log begins with the bytes they were read from, and
reading through them gives exactly what reading the log gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.fileformat.log_entry import LogColumns, LogTables, read_columns
from model.record import log_cache, log_reading
from tests.test_record_log_columns import HAND_WRITTEN, canonical_lines, entries_seen


def read(path: Path, reader) -> tuple[list, list]:
    tables, parts, problems = LogTables(), [], []
    for columns, found in reader(path, tables):
        parts.append(columns)
        problems += [str(problem) for problem in found]
    return (entries_seen(LogColumns.joined(parts), tables) if parts else []), problems


@pytest.fixture
def log(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("VANE_NO_CACHE", raising=False)
    monkeypatch.setattr(log_cache, "MIN_BYTES", 1000)
    monkeypatch.setattr(log_cache, "PART_ROWS", 70)  # several parts
    path = tmp_path / "space" / "reports" / "forecasts.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(canonical_lines(300, seed=3)), encoding="utf-8")
    return path


def header(path: Path) -> dict:
    return json.loads((log_cache.folder_for(path) / "header.json").read_text())


def same_as_reading_the_file(path: Path) -> None:
    assert read(path, log_reading.log_columns) == read(path, read_columns)


def test_a_second_read_takes_the_columns_from_the_cache(log: Path, monkeypatch):
    same_as_reading_the_file(log)
    assert header(log)["covered"] == log.stat().st_size and header(log)["lines"] == 300
    monkeypatch.setattr(log_reading, "read_columns", lambda *args, **kwargs: pytest.fail("the log was read again"))
    assert read(log, log_reading.log_columns) == read(log, read_columns)


def test_only_the_lines_appended_are_read(log: Path, monkeypatch):
    same_as_reading_the_file(log)
    with open(log, "a", encoding="utf-8") as stream:
        stream.write("".join(canonical_lines(40, seed=4)))
    starts = []
    real = log_reading.read_columns
    monkeypatch.setattr(log_reading, "read_columns", lambda *args, **kw: starts.append(kw.get("start")) or real(*args, **kw))
    same_as_reading_the_file(log)
    assert starts[0] > 0 and header(log)["covered"] == log.stat().st_size and header(log)["lines"] == 340
    same_as_reading_the_file(log)  # and again, from the longer cache


@pytest.mark.parametrize("change", ["edit", "insert", "truncate"])
def test_a_log_whose_beginning_changed_is_read_whole(log: Path, change: str):
    same_as_reading_the_file(log)
    data = log.read_bytes()
    if change == "edit":
        data = data.replace(b"0.", b"0.", 1).replace(b'"q', b'"r', 1)
    elif change == "insert":
        lines = data.splitlines(keepends=True)  # a merge's union puts lines in the middle
        data = b"".join(lines[:100] + [line.encode() for line in canonical_lines(5, seed=9)] + lines[100:])
    else:
        data = data[: len(data) // 2].rsplit(b"\n", 1)[0] + b"\n"
    log.write_bytes(data)
    same_as_reading_the_file(log)
    assert header(log)["covered"] == log.stat().st_size


def test_damage_and_a_last_line_without_newline_are_read_but_not_kept(log: Path):
    same_as_reading_the_file(log)
    covered = header(log)["covered"]
    with open(log, "a", encoding="utf-8") as stream:
        stream.write("".join(HAND_WRITTEN))
    same_as_reading_the_file(log)
    assert read(log, log_reading.log_columns)[1]  # the damage is reported, every time
    assert header(log)["covered"] == covered
    log.write_bytes(log.read_bytes()[:covered] + canonical_lines(1, seed=5)[0].rstrip("\n").encode())
    same_as_reading_the_file(log)
    assert header(log)["covered"] == covered


def test_a_damaged_cache_is_a_miss(log: Path):
    same_as_reading_the_file(log)
    folder = log_cache.folder_for(log)
    values = next(folder.glob("*.values"))
    values.write_bytes(values.read_bytes()[:-8])
    same_as_reading_the_file(log)
    (folder / "header.json").write_text("{not json")
    same_as_reading_the_file(log)
    assert len(list(folder.glob("*.values"))) == 1  # each new version removes the others


def test_small_logs_and_the_switch_keep_nothing(log: Path, monkeypatch):
    monkeypatch.setenv("VANE_NO_CACHE", "1")
    same_as_reading_the_file(log)
    assert log_cache.folder_for(log) is None
    monkeypatch.delenv("VANE_NO_CACHE")
    monkeypatch.setattr(log_cache, "MIN_BYTES", log.stat().st_size + 1)
    same_as_reading_the_file(log)
    assert not log_cache.folder_for(log).exists()


def test_the_lines_appended_are_read_in_several_processes_after_the_cached_ones(log: Path, tmp_path: Path):
    from tests.test_record_log_columns import in_fresh_process

    code = f"""
import json
from pathlib import Path
from model.base import parallel
from model.fileformat.log_entry import read_columns
from model.record import log_cache, log_reading
from tests.test_record_log_cache import read
log_cache.MIN_BYTES, log_reading.RANGE_BYTES, path = 1000, 3000, Path({str(log)!r})
forked, ordered_map = [], parallel.ordered_map
parallel.ordered_map = lambda *args: forked.append(args[2]) or ordered_map(*args)
print(json.dumps([read(path, log_reading.log_columns), read(path, read_columns), forked]))
"""
    environment = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    first, expected, forked = in_fresh_process(code, environment)
    assert first == expected and forked == [2]
    with open(log, "a", encoding="utf-8") as stream:
        stream.write("".join(canonical_lines(200, seed=6)))
    again, expected, forked = in_fresh_process(code, environment)
    assert again == expected and header(log)["lines"] == 500
    assert forked == [2]  # (the new bytes are hashed in a thread: one running at the fork would keep it in one process)
