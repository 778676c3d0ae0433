"""Parsing in several processes gives exactly what parsing in one does: questions, problems and their order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.base import parallel
from model.workspace import cache
from tests.helpers import vane_process

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture
def many(tmp_path: Path) -> Path:
    root = tmp_path / "many"
    (root / "reports").mkdir(parents=True)
    (root / "scenarios").mkdir()
    texts = [path.read_text() for path in sorted(EXAMPLES.glob("*.yaml"))]
    for number in range(70):
        text = texts[number % len(texts)]
        if number % 9 == 4:  # a broken file now and then: its problems must come out in the same place
            text = text.replace("scenarios:", "scenarios: [", 1) if number % 2 else text.replace("opened:", "opened: 2025-02-30 #", 1)
        (root / "scenarios" / f"q{number:02d}.yaml").write_text(text)
    return root


def run(root: Path, workers: int, *command: str, cache: bool = False):
    env = {"VANE_WORKERS": str(workers), "XDG_CACHE_HOME": str(root.parent / "user-cache")}
    if not cache:
        env["VANE_NO_CACHE"] = "1"
    return vane_process(*command, "--dir", str(root), env=env)


def test_several_workers_give_what_one_gives(many: Path):
    for command in (["check"], ["status", "--json", "--face-value", "--as-of", "2026-11-30"]):
        one, two = run(many, 1, *command), run(many, 2, *command)
        assert (one.code, one.stdout, one.stderr) == (two.code, two.stdout, two.stderr)
        shown = one.stdout + one.stderr
        assert one.code == 1 and "q04.yaml" in shown and "q13.yaml" in shown


def test_what_workers_keep_in_the_cache_is_what_one_process_reads(many: Path):
    parsed = run(many, 2, "status", "--json", "--face-value", "--as-of", "2026-11-30", cache=True)
    entries = list((many / cache.FOLDER).glob(f"*{cache.ENTRY_SUFFIX}"))  # (not statuses.json)
    assert len(entries) == 70 - 8  # every valid file, kept by the workers
    again = run(many, 1, "status", "--json", "--face-value", "--as-of", "2026-11-30", cache=True)
    assert json.loads(again.stdout) == json.loads(parsed.stdout)


def test_workers_are_used_only_when_it_pays_and_is_safe(monkeypatch):
    monkeypatch.delenv("VANE_WORKERS", raising=False)
    monkeypatch.setattr(parallel, "_cores", lambda: 8)
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: True)
    assert parallel.worker_count(10) == 1 and parallel.worker_count(64) == 2 and parallel.worker_count(10_000) == 8
    monkeypatch.setenv("VANE_WORKERS", "1")
    assert parallel.worker_count(10_000) == 1
    monkeypatch.setenv("VANE_WORKERS", "3")
    assert parallel.worker_count(10_000) == 3
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: False)
    assert parallel.worker_count(10_000) == 1
    monkeypatch.undo()
    monkeypatch.setitem(__import__("sys").modules, "jax", object())  # a loaded JAX runs threads: never fork
    assert not parallel._fork_is_safe()


@pytest.mark.skipif(not Path("/proc/loadavg").exists(), reason="the instantaneous count is Linux's")
def test_busy_cores_counts_the_processes_running_now_not_the_last_minutes():
    import subprocess
    import sys
    import time

    spinning = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        time.sleep(0.3)
        busy = max(parallel.busy_cores() for _ in range(20))
    finally:
        for process in spinning:
            process.kill()
            process.wait()
    assert busy >= 2  # both spinners are running or ready to run at every moment (other tests only add to it)


def test_busy_cores_reads_the_running_count_not_the_load_average(tmp_path):
    # (with the real file, "a moment later it drops" cannot be tested while other tests run beside this one)
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("7.91 7.50 6.02 1/412 30511\n")  # a busy last minute, nothing running now but this process
    assert parallel.busy_cores(str(loadavg)) == 0
    loadavg.write_text("0.01 0.00 0.00 4/412 30511\n")  # three others running now, a quiet last minute
    assert parallel.busy_cores(str(loadavg)) == 3
