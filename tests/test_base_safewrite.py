"""Writes survive concurrent writers and crashes: nothing lost, nothing half-written."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model.base import safewrite
from model.base.errors import VaneError
from model.edits.tag import add_evidence, rated
from model.workspace.loader import load_question
from tests.helpers import TALKS, vane

ADDS_PER_PROCESS = 50


def _add_many(path: str, writer: int) -> None:
    for number in range(ADDS_PER_PROCESS):
        add_evidence(Path(path), rated(
            f"writer {writer} item {number}", dt.date(2025, 5, 1), ratings={"deal": "+"},
        ))


def test_two_processes_adding_fifty_items_each_keep_all_hundred(space: Path):
    path = space / "scenarios" / "talks.yaml"
    context = multiprocessing.get_context("spawn")  # fresh processes: the test process may hold JAX threads
    writers = [context.Process(target=_add_many, args=(str(path), writer)) for writer in range(2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=300)
    assert [process.exitcode for process in writers] == [0, 0]
    question, problems = load_question(path)
    assert not problems
    summaries = {item.summary for item in question.evidence}
    assert len(question.evidence) == 2 + 2 * ADDS_PER_PROCESS
    assert all(f"writer {w} item {n}" in summaries for w in range(2) for n in range(ADDS_PER_PROCESS))
    assert len({item.id for item in question.evidence}) == len(question.evidence)
    assert not list(path.parent.glob(".*.tmp"))


def test_a_failure_in_the_middle_of_a_write_leaves_the_old_file_and_no_temporary_file(space: Path, monkeypatch):
    path = space / "scenarios" / "talks.yaml"

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safewrite.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        add_evidence(path, rated("lost", dt.date(2025, 5, 1), ratings={"deal": "+"}))
    assert path.read_text() == TALKS
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == [".talks.yaml.lock"]


def test_a_writer_killed_before_the_rename_leaves_the_old_file_and_the_next_write_cleans_up(space: Path):
    path = space / "scenarios" / "talks.yaml"
    crash = textwrap.dedent(f"""
        import datetime as dt, os
        from pathlib import Path
        from model.base import safewrite
        from model.edits.tag import add_evidence, rated
        safewrite.os.replace = lambda *a: os._exit(9)   # the power goes out just before the rename
        add_evidence(Path({str(path)!r}), rated("lost", dt.date(2025, 5, 1), ratings={{"deal": "+"}}))
    """)
    done = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert path.read_text() == TALKS
    assert len(list(path.parent.glob(".talks.yaml.*.tmp"))) == 1  # the killed writer's leftover
    result = vane("add", "talks", "--dir", str(path.parent.parent), "-s", "kept", "-r", "deal=+")
    assert result.code == 0, result.output
    assert not list(path.parent.glob(".*.tmp"))
    assert "kept" in path.read_text() and "lost" not in path.read_text()


def test_a_refused_change_writes_nothing(space: Path):
    path = space / "scenarios" / "talks.yaml"
    with pytest.raises(VaneError):
        add_evidence(path, rated("Envoys meet for the first time", dt.date(2025, 5, 1), ratings={"deal": "+"}))
    assert path.read_text() == TALKS


def test_a_busy_lock_gives_a_clear_message(space: Path):
    from filelock import FileLock

    path = space / "scenarios" / "talks.yaml"
    holder = FileLock(str(safewrite.lock_path(path)))
    holder.acquire()
    try:
        with pytest.raises(VaneError, match="still writing"):
            with safewrite.locked(path, timeout=0.2):
                pass
    finally:
        holder.release()


def test_new_never_overwrites_an_existing_question(space: Path):
    result = vane("new", "talks", "--dir", str(space), "-q", "Again?", "--closes", "2099-01-01",
                  "--scenario", "a=A", "--scenario", "b=B")
    assert result.code == 1 and "already exists" in result.stderr
    assert (space / "scenarios" / "talks.yaml").read_text() == TALKS


def test_a_text_written_in_pieces_is_whole_or_not_at_all(tmp_path: Path):
    target = tmp_path / "page.html"
    target.write_text("old page")
    safewrite.atomic_write(target, (f"<p>{n}</p>" for n in range(3)))
    assert target.read_text() == "<p>0</p><p>1</p><p>2</p>"

    def failing():
        yield "<p>half"
        raise RuntimeError("the template failed")

    with pytest.raises(RuntimeError):
        safewrite.atomic_write(target, failing())
    assert target.read_text() == "<p>0</p><p>1</p><p>2</p>"  # the old page, and no temporary left beside it
    assert [path.name for path in tmp_path.iterdir()] == ["page.html"]
