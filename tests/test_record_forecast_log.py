"""The forecast log is append-only: no command ever removes, shortens or rewrites what it published."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.fileformat.log_entry import read_log
from model.workspace.folder import Workspace, log_path
from tests.helpers import TALKS, vane

OPEN = TALKS.replace("closes: 2025-12-31", "closes: 2099-12-31")
TODAY = dt.date.today().isoformat()


def fresh_workspace(root: Path) -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "reports").mkdir()
    (root / "scenarios" / "talks.yaml").write_text(OPEN, encoding="utf-8")
    return root


def run(space: Path, step: tuple[str, int]) -> None:
    """One command of an analyst's week; ``number`` varies what it says."""
    command, number = step
    where = ("--dir", str(space))
    if command == "add":
        vane("add", "talks", *where, "-s", f"Item number {number} of the property test", "--date", TODAY,
             "-r", ["deal=+", "stall=-", "ceasefire=++"][number % 3])
    elif command == "forecast":
        deal = (number % 8 + 1) / 10
        vane("forecast", "talks", f"deal={deal}", f"ceasefire={(1 - deal) / 2}", f"stall={(1 - deal) / 2}",
             "--forecaster", f"analyst{number % 2}", *where)
    elif command == "import":
        table = space.parent / f"crowd-{space.name}-{number}.csv"
        table.write_text(f"question,forecaster,time,deal,ceasefire,stall\ntalks,crowd,2025-0{number % 9 + 1}-01T00:00:00Z,0.2,0.3,0.5\n")
        vane("import-forecasts", str(table), *where)
    elif command == "resolve":
        vane("resolve", "talks", ["deal", "stall", "annulled"][number % 3], "--note", "property test", "--force", *where)
    else:
        vane(command, *where)


COMMANDS = st.tuples(st.sampled_from(["add", "forecast", "snapshot", "report", "resolve", "import"]), st.integers(0, 99))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(COMMANDS, min_size=2, max_size=7))
def test_no_command_ever_shortens_or_rewrites_the_log(tmp_path_factory, steps):
    space = fresh_workspace(tmp_path_factory.mktemp("log") / "space")
    path = log_path(Workspace(space))
    before = b""
    for step in steps:
        run(space, step)
        after = path.read_bytes() if path.exists() else b""
        assert after.startswith(before), f"{step} changed what the log already held"
        before = after
    assert not read_log(path)[1]


def test_reporting_again_after_a_resolution_keeps_the_first_reports_forecast(tmp_path: Path):
    space = fresh_workspace(tmp_path / "space")
    where = ("--dir", str(space))
    assert vane("report", *where).code == 0
    assert vane("snapshot", *where).code == 0
    assert vane("resolve", "talks", "stall", "--note", "x", *where).code == 0
    published = log_path(Workspace(space)).read_bytes()
    assert published.count(b"\n") >= 1
    assert vane("report", *where).code == 0
    assert log_path(Workspace(space)).read_bytes() == published  # nothing open to publish, nothing removed


WRITER = """
import datetime as dt, sys
from pathlib import Path
from model.fileformat.log_entry import LoggedForecast
from model.record.forecast_log import write_entries
start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
for minute in range(int(sys.argv[2]), 10**6):
    write_entries(Path(sys.argv[1]), [LoggedForecast(start + dt.timedelta(minutes=minute), "talks", "writer",
                                                     {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5}, "stated", "stated")])
"""


def test_killing_writers_never_damages_or_shortens_the_log(tmp_path: Path):
    path = log_path(Workspace(fresh_workspace(tmp_path / "space")))
    before = b""
    for attempt, delay in enumerate([0.6, 0.75, 0.9, 1.05, 1.2, 1.35, 1.5, 1.65]):  # spread over a write's phases
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(attempt * 10**5)])
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(30)
        after = path.read_bytes() if path.exists() else b""
        assert after.startswith(before), f"attempt {attempt} changed what the log held"
        entries, problems = read_log(path)
        assert not problems and len(entries) == after.count(b"\n")
        before = after
    assert before.count(b"\n") > 8  # the writers did write


def added_entry_by_entry(path: Path, entries: list) -> list:
    """The entries ``write_entries`` should add: those whose identity no entry of the log (read whole) has."""
    seen, added = {entry.identity() for entry in read_log(path)[0]}, []
    for entry in entries:
        if entry.identity() not in seen:
            seen.add(entry.identity())
            added.append(entry)
    return added


def test_a_write_adds_exactly_the_entries_reading_the_whole_log_would_add(tmp_path: Path, monkeypatch):
    import random

    from model.fileformat.log_entry import LoggedForecast, entry_line
    from model.record import log_reading
    from model.record.forecast_log import write_entries

    monkeypatch.setattr(log_reading, "RANGE_BYTES", 3000)  # read in several processes where forking is safe
    monkeypatch.setenv("VANE_WORKERS", "2")
    rng = random.Random(11)
    start = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)

    def entry(kind: str = "stated", external: bool = False) -> LoggedForecast:
        deal = rng.choice([0.2, 0.5, 0.7])
        return LoggedForecast(start + dt.timedelta(seconds=rng.randint(0, 20)), rng.choice(["talks", "other"]),
                              rng.choice(["ann", "bob"]), {"deal": deal, "stall": round(1 - deal, 10)}, kind,
                              rng.choice(["import a.csv", "import b.csv"]) if external else "stated",
                              external_id=str(rng.randint(0, 9)) if external else "")

    for trial in range(6):
        path = tmp_path / f"log{trial}.jsonl"
        logged = [entry("imported", rng.random() < 0.5) for _ in range(150)]
        text = "".join(entry_line(one) for one in logged)
        path.write_bytes(text[:-1].encode() if trial % 2 else text.replace("\n", "\r\n", 3).encode())  # no last newline
        before = path.read_bytes()
        new = [entry(rng.choice(["stated", "imported"]), rng.random() < 0.5) for _ in range(40)] + rng.sample(logged, 10)
        expected = added_entry_by_entry(path, new)
        assert 0 < len(expected) < len(new)
        assert write_entries(path, new) == len(expected)
        after = path.read_bytes()
        assert after.startswith(before) and after[len(before):].lstrip(b"\n") == "".join(map(entry_line, expected)).encode()
