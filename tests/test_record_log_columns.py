"""``vane score`` reads the log as arrays, a chunk at a time: it must accept, refuse and read exactly what
``read_log`` does, line for line, and score the same figures as the entries themselves."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from model.fileformat.log_entry import (
    UNREADABLE,
    LogColumns,
    LoggedForecast,
    LogTables,
    entry_columns,
    entry_line,
    micros_of,
    read_columns,
    read_numbered,
    reserved_kind,
    seconds,
)
from model.record import scorecard
from model.record.scorecard import interval, score_questions
from model.record.track_record import score_workspace
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_question
from tests.helpers import TALKS, vane

UTC = dt.timezone.utc


def entries_seen(columns: LogColumns, tables: LogTables) -> list[tuple]:
    """Every entry of ``columns`` as plain values (line, question, forecaster, kind, exact time, probabilities)."""
    return [
        (int(line), tables.questions[q], tables.forecasters[f], int(kind), int(micros),
         list(zip(tables.signatures[s], columns.values[low:high].tolist())))
        for line, q, f, kind, micros, s, low, high in zip(
            columns.line, columns.question, columns.forecaster, columns.kind, columns.micros,
            columns.signature, columns.offsets[:-1], columns.offsets[1:])
    ]


def both_readings(path: Path, chunk_bytes: int, reader=None):
    """(entries, problems) as ``read_numbered`` reads them and as ``read_columns`` (or ``reader``) does."""
    numbered, problems = read_numbered(path)
    reference = LogTables()
    expected = entries_seen(entry_columns([entry for _, entry in numbered], reference,
                                          [number for number, _ in numbered]), reference)
    tables, parts, found = LogTables(), [], []
    for columns, more in (reader or (lambda path, tables: read_columns(path, tables, chunk_bytes)))(path, tables):
        parts.append(columns)
        found += more
    got = entries_seen(LogColumns.joined(parts), tables) if parts else []
    return (expected, [str(p) for p in problems]), (got, [str(p) for p in found])


def canonical_lines(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        k = rng.randint(2, 4)
        raw = [rng.random() + 0.01 for _ in range(k)]
        probabilities = {f"s{j}": p / sum(raw) for j, p in enumerate(raw)}
        when = dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=rng.randint(0, 10**8),
                                                                  microseconds=rng.choice([0, rng.randint(0, 999999)]))
        kind = rng.choice(["engine", "stated", "imported"])
        entry = LoggedForecast(
            when, f"q{rng.randint(0, 9)}", rng.choice(["ann", "bo b", "Zoë", "engine"]), probabilities, kind, "batch",
            interval={sid: (p / 2, p) for sid, p in probabilities.items()} if rng.random() < 0.2 else {},
            parameters="prior draws" if kind == "engine" else "", external_id=str(number) if rng.random() < 0.3 else "",
            recorded=when if rng.random() < 0.5 else None)
        lines.append(entry_line(entry))
    return lines


def written(probabilities: str = '{"a": 0.5, "b": 0.5}', time: str = "2025-01-01T00:00:00Z", question: str = "q1",
            forecaster: str = "ann", kind: str = "stated", tail: str = ', "batch": ""') -> str:
    """A log line as ``entry_line`` lays it out, with any of its parts written otherwise."""
    return (f'{{"time": "{time}", "question": "{question}", "forecaster": "{forecaster}", "kind": "{kind}", '
            f'"probabilities": {probabilities}{tail}}}\n')


HAND_WRITTEN = [
    '{"time":"2025-01-01T00:00:00Z","question":"q1","forecaster":"ann","kind":"stated","probabilities":{"a":0.5,"b":0.5}}\n',
    written(time="2025-01-01T00:00:00+02:00"), written(forecaster="\\u00e9\\t x "), written(forecaster="   "),
    written(question="q 1"), written(kind="guess"), written(tail=', "batch": 7'), written(tail=', "batch": "", "extra": 1'),
    *(written(probabilities) for probabilities in [
        '{"a": 0.5, "a": 0.5, "b": 0.5}', '{"a": -0.0, "b": 1}', '{"a": 0, "b": 1E0}', '{"a": 0.5004, "b": 0.5005}',
        '{"a": 1e400, "b": 0.5}', '{"a": 1.0005, "b": 0}', '{"a": true, "b": 0.5}', '{"a": 1.0}', '{"a b": 0.5, "b": 0.5}']),
    *(written(tail=f', "batch": ""{tail}') for tail in [
        ', "recorded": ""', ', "recorded": "1899-12-31T23:59:59Z"', ', "interval": {"a": [0.6, 0.4]}',
        ', "interval": {"a b": [0.1, 0.4]}', ', "interval": {}', ', "interval": {"a": [0.6, 0.4], "a": [0.1, 0.2]}',
        ', "interval": {"a": [0.1, 0.2], "a": [0.6, 0.4]}', ', "interval": {"a": [0.1, 1e400]}',
        ', "interval": {"a": [0, 1], "b": [1E-3, 1.0]}', ', "interval": {"a": [1.0001, 1.0002]}',
        ', "interval": {"a": [0.2, 0.2], "b": [0.3, 0.1]}', ', "interval": {"a": [0.1, 0.2], "-b": [0.1, 0.2]}']),
    "  " + written()[:-1] + "  \n", written()[:-1] + "\r\n",
    "\n", "   \n", "\t\r\n", "\u00a0\n", "null\n", "[1, 2]\n", '{"time": \n',
    *(written(time=time) for time in [
        "2024-02-29T12:00:00Z", "2025-02-29T12:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-10T00:00:00Z", "2025-01-00T00:00:00Z",
        "2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z", "2025-01-01T23:59:60Z", "1899-12-31T23:59:59Z",
        "1900-01-01T00:00:00Z", "2999-12-31T23:59:59.999999Z", "3000-01-01T00:00:00Z", "2025-06-01T10:00:00.5Z",
        "2025-06-01T10:00:00.123456Z", "2025-06-01", "1969-12-31T23:59:59.999999Z", "2300-06-01T00:00:00.000001Z",
        "\uff12025-01-01T00:00:00Z", "2025-01-01T00:00:00\\u0000", "2025-01-01 00:00:00Z", "2025-01-01T00:00:00+00:00"]),
    # where msgspec, which decodes the lines, is laxer or stricter than json.loads: fields it skips (not
    # checked as UTF-8; ÿ is written as the byte 0xff), integers of more digits than Python reads, nesting,
    # lone surrogates, null and other types where the columns want text, keys written twice
    *(written(tail=f', "batch": {value}') for value in [
        '"\u00ff"', '"\\ud800"', "1" * 5000, "1" * 4300, "9" * 5000 + ".5", '"' + "x" * 5000 + '"', "null", "[]",
        *("[" * depth + "]" * depth for depth in (3, 62, 63, 64, 500, 1100)), '"", "batch": {}',
        '"", "recorded": null', '"", "recorded": 0', '"", "recorded": "\u00ff"', '"", "interval": null',
        '"", "interval": []', '"", "interval": {"a": [0.1, 0.2, 0.3]}', '"", "interval": {"a": [true, 0.2]}',
        '"", "interval": {"a": [0.1, ' + "1" * 5000 + "]}", '"", "question": 5', '"", "question": "q2"',
        '"", "kind": "engine", "kind": "stated"', '"", "probabilities": {"b": 1, "a": 0}']),
    written(question='q1", "question": 5, "question": "q2'), written(forecaster="\\ud800 x"),
    written(forecaster="\u00ff"), written(forecaster="x" * 700), written(kind="\\u0073tated"),
    written('{"a": 1, "b": 0}'), written('{"a": 0.5, "b": 0.5, "c": null}'), written('{"a": 0.5, "b": "0.5"}'),
    written('{"a": 0.5, "b": ' + "0" * 4000 + "0.5}"), written("{}"), written('{"a": 1}'), written("[0.5, 0.5]"),
]


def mutated(lines: list[str], count: int, seed: int = 2) -> list[str]:
    """Lines with one random character inserted, removed or replaced: damage a hand edit could do."""
    rng = random.Random(seed)
    alphabet = '{}[]":,. 0123456789eE+-abqstZT\\\x00\xff\u00e9\u202e\r'
    found = []
    for _ in range(count):
        line = rng.choice(lines).rstrip("\n")
        at = rng.randrange(len(line))
        action = rng.choice("irrd")
        if action == "i":
            line = line[:at] + rng.choice(alphabet) + line[at:]
        elif action == "r":
            line = line[:at] + rng.choice(alphabet) + line[at + 1:]
        else:
            line = line[:at] + line[at + 1:]
        found.append(line + "\n")
    return found


@pytest.mark.parametrize("chunk_bytes", [1 << 23, 700, 64])
def test_the_log_read_as_arrays_is_the_log_read_entry_by_entry(tmp_path: Path, chunk_bytes: int):
    lines = canonical_lines(400)
    text = "".join(lines[:200] + HAND_WRITTEN + mutated(lines, 600) + lines[200:])
    path = tmp_path / "forecasts.jsonl"
    path.write_bytes(text.encode("utf-8", "surrogatepass").replace(b"\xc3\xbf", b"\xff") + b'{"time": "2025')
    (expected, expected_problems), (got, problems) = both_readings(path, chunk_bytes)
    assert len(expected) > 500 and len(expected_problems) > 100
    assert problems == expected_problems
    assert got == expected  # the same entries, times to the microsecond, probabilities to the bit


def in_fresh_process(code: str, environment: dict | None = None):
    """The JSON ``code`` prints, run in a new Python with two workers: the parallel paths fork only in a
    process without JAX or other threads, which this test process may not be (calibration tests load JAX)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "VANE_WORKERS": "2", "PYTHONPATH": str(root), **(environment or {})})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("range_bytes", [4096, 300, 1])
def test_a_long_log_read_in_several_processes_is_the_log_read_in_one(tmp_path: Path, range_bytes: int):
    from model.record import log_reading

    lines = canonical_lines(300, seed=5)
    text = "".join(lines[:100] + HAND_WRITTEN + mutated(lines, 300, seed=6) + ["\n", "\r\n"] + lines[100:])
    path = tmp_path / "forecasts.jsonl"
    path.write_bytes(text.encode("utf-8", "surrogatepass").replace(b"\xc3\xbf", b"\xff") + b'{"time": "2025')
    log_reading.RANGE_BYTES, saved = range_bytes, log_reading.RANGE_BYTES
    try:  # ranges end mid-line, on a \r, on damage
        ranges = log_reading._ranges(path, path.stat().st_size)
    finally:
        log_reading.RANGE_BYTES = saved
    assert len(ranges) > 3 and all(path.read_bytes()[end - 1:end] == b"\n" for _, _, end in ranges[:-1])
    (expected, expected_problems), _ = both_readings(path, 1 << 23)
    forked, problems, got = in_fresh_process(f"""
import json
from pathlib import Path
from model.base import parallel
from model.record import log_reading
from tests.test_record_log_columns import both_readings
log_reading.RANGE_BYTES, forked, ordered_map = {range_bytes}, [], parallel.ordered_map
parallel.ordered_map = lambda *args: forked.append(args[2]) or ordered_map(*args)
_, (got, problems) = both_readings(Path({str(path)!r}), 0, log_reading.log_columns)
print(json.dumps([forked, problems, got]))
""")
    assert forked == [2]
    assert len(expected) > 300 and len(expected_problems) > 50
    assert problems == expected_problems
    assert got == json.loads(json.dumps(expected))  # (as JSON: tuples become lists; floats keep every bit)


def problems_entry_by_entry(path: Path, scenarios_of: dict, broken: set) -> list[str]:
    """What ``vane check`` says of the log, worked out entry by entry (as it was before reading columns)."""
    numbered, problems = read_numbered(path)
    found = []
    for number, entry in numbered:
        scenarios = scenarios_of.get(entry.question)
        if scenarios is None and entry.question not in broken:
            found.append(f"{number}: forecast for '{entry.question}', which is not a question")
        elif scenarios is not None and set(entry.probabilities) != set(scenarios):
            found.append(f"{number}: forecast for {', '.join(entry.probabilities)}, but {entry.question}'s scenarios")
        if reserved_kind(entry.forecaster) not in (None, entry.kind):
            found.append(f"{number}: '{entry.forecaster}' is a name kept for the tool's own forecasts, on a forecast "
                         f"of kind '{entry.kind}'")
    return [str(problem) for problem in problems] + found


def test_check_says_of_each_line_what_reading_it_entry_by_entry_says(tmp_path: Path, monkeypatch):
    from model.record import log_reading

    monkeypatch.setattr(log_reading, "RANGE_BYTES", 2000)
    lines = canonical_lines(300, seed=7) + [written(forecaster="Engine"), written(forecaster="team  (pooled)", kind="imported")]
    text = "".join(lines[:150] + HAND_WRITTEN + mutated(lines, 200, seed=8) + lines[150:])
    path = tmp_path / "forecasts.jsonl"
    path.write_bytes(text.encode("utf-8", "surrogatepass").replace(b"\xc3\xbf", b"\xff"))
    scenarios_of = {"q1": ("a", "b"), "q2": ("s0", "s1"), "q3": ("s1", "s0", "s2"), "q4": ("s0", "s1", "s2", "s3")}
    shown = str(tmp_path / "forecasts.jsonl")
    got = [str(problem).replace(shown + ":", "") for problem in log_reading.check_log(path, scenarios_of, {"q5"})]
    expected = [line.replace(shown + ":", "") for line in problems_entry_by_entry(path, scenarios_of, {"q5"})]
    assert len(got) == len(expected) and len(expected) > 300
    for mine, theirs in zip(got, expected):
        assert mine.startswith(theirs)
    kinds = " ".join(expected)
    assert all(words in kinds for words in (UNREADABLE, "not a question", "scenarios", "name kept"))
    in_two = in_fresh_process(f"""
import json
from pathlib import Path
from model.record import log_reading
log_reading.RANGE_BYTES = 2000
print(json.dumps([str(problem) for problem in log_reading.check_log(Path({str(path)!r}), {scenarios_of!r}, {{"q5"}})]))
""")
    assert in_two == [str(problem) for problem in log_reading.check_log(path, scenarios_of, {"q5"})]


def test_exact_times_give_the_seconds_datetime_gives():
    rng = random.Random(4)
    times = [dt.datetime(rng.randint(1900, 2999), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                         rng.randint(0, 59), rng.randint(0, 59), rng.choice([0, 1, 999999, rng.randint(0, 999999)]),
                         tzinfo=UTC) for _ in range(20000)]
    exact = np.array([micros_of(moment) for moment in times])
    assert seconds(exact).tolist() == [moment.timestamp() for moment in times]


def test_times_are_read_as_parse_utc_reads_them_whether_all_are_written_alike_or_not():
    """``_times`` reads times all of one layout and in ASCII as bytes, any others by code point; both accept
    exactly the texts of the layout that ``parse_utc`` accepts, and give its time."""
    import re

    from model.base.dates import parse_utc
    from model.fileformat.log_entry import _times

    rng = random.Random(11)
    layout = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z")

    def damaged(text: str) -> str:
        at = rng.randrange(len(text))
        return text[:at] + rng.choice("0123456789-:TZ.+ x\x00\x7f/") + text[at + 1:]

    def expected(text: str):
        try:
            return micros_of(parse_utc(text)) if layout.fullmatch(text) else None
        except ValueError:
            return None

    for fraction, leap_days in ((False, ["2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z"]),
                                (True, ["2000-02-29T00:00:00.000001Z", "2100-02-29T12:00:00.500000Z"])):
        moments = [dt.datetime(rng.randint(1850, 3050), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                               rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999999) if fraction else 0,
                               tzinfo=UTC) for _ in range(4000)]
        texts = [moment.strftime("%Y-%m-%dT%H:%M:%S" + (".%f" if fraction else "")) + "Z" for moment in moments]
        texts = [damaged(text) if index % 3 == 0 else text for index, text in enumerate(texts)] + leap_days
        assert len({len(text) for text in texts}) == 1
        wide = texts[:-1] + [texts[-1][:-2] + "\uff10Z"]  # a full-width digit: not ASCII
        for given in (texts, [*texts, "x"], wide):  # as bytes, then by code point twice
            exact, valid = _times(given)
            found = [int(value) if ok else None for value, ok in zip(exact.tolist(), valid.tolist())]
            assert found == [expected(text) for text in given]
            assert 2000 < sum(valid.tolist()) < len(given) - 1000  # (some damaged, some out of range, most fine)


def test_a_log_without_damage_is_read_without_any_line_read_twice(tmp_path: Path, monkeypatch):
    path = tmp_path / "forecasts.jsonl"
    path.write_text("".join(canonical_lines(300)), encoding="utf-8")
    from model.fileformat import log_entry

    monkeypatch.setattr(log_entry, "parse_line", lambda raw: pytest.fail(f"read entry by entry: {raw!r}"))
    assert sum(len(columns) for columns, _ in read_columns(path, LogTables())) == 300


def test_json_nested_too_deeply_is_refused_by_a_rule_not_by_the_stack():
    """Python's recursion limit (which PyMC raises) and the caller's stack would otherwise decide; brackets in
    text do not count."""
    import sys

    from model.fileformat.log_entry import MAX_NESTING, parse_line

    deep = written(tail=', "batch": ' + "[" * 200 + "]" * 200).strip().encode()
    saved = sys.getrecursionlimit()
    try:
        for limit in (saved, 50_000):
            sys.setrecursionlimit(limit)
            with pytest.raises(ValueError, match="nested too deeply"):
                parse_line(deep)
    finally:
        sys.setrecursionlimit(saved)
    within = MAX_NESTING - 1  # (the line's own braces are one level)
    assert parse_line(written(tail=', "batch": ' + "[" * within + "]" * within).strip().encode()).batch
    assert parse_line(written(forecaster="[{" * 100 + "\\\" [").strip().encode()).forecaster.startswith("[{[{")


def test_an_empty_or_missing_log_has_no_entries(tmp_path: Path):
    assert list(read_columns(tmp_path / "none.jsonl", LogTables())) == []
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert list(read_columns(tmp_path / "empty.jsonl", LogTables())) == []


# --- scoring from the arrays ---

RESOLVED = TALKS + "resolution:\n  scenario: stall\n  date: 2025-12-31\n  note: nothing came of it\n"


def stated(when: str, forecaster: str, **probabilities: float) -> LoggedForecast:
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=UTC)
    return LoggedForecast(moment, "talks", forecaster, probabilities, "stated", "stated", recorded=moment)


def test_coherence_sums_up_each_analysts_stated_forecasts_on_a_question(space: Path):
    path = space / "scenarios" / "talks.yaml"
    path.write_text(RESOLVED)
    question, _ = load_question(path)
    from model.engine.parameters import workspace_parameters
    from model.engine.probabilities import probabilities_at
    from model.record.forecast_log import write_entries

    log = [stated("2025-03-05", "mk", deal=0.1, ceasefire=0.2, stall=0.7),
           stated("2025-08-01", "mk", stall=0.9, deal=0.05, ceasefire=0.05),
           stated("2025-08-01", "ann", deal=0.6, ceasefire=0.2, stall=0.2),
           stated("2025-04-01", "mk", deal=0.3, ceasefire=0.3, stall=0.4)]  # logged last, stated earlier
    write_entries(log_path(Workspace(space)), log)
    report, _ = score_workspace(Workspace(space), [question])
    pairs = {(c.question, c.forecaster): c for c in report.coherence}
    assert list(pairs) == [("talks", "mk"), ("talks", "ann")]
    mk, ann = pairs["talks", "mk"], pairs["talks", "ann"]
    assert mk.forecasts == 3 and ann.forecasts == 1
    assert mk.time.date() == dt.date(2025, 8, 1) and list(mk.stated) == ["stall", "deal", "ceasefire"]  # as written
    parameters = workspace_parameters(Workspace(space))
    days = [entry.time.date() for entry in log]  # the engine runs once over every stated forecast's date
    implied = probabilities_at(question, parameters, days, strict=True).mean
    mine = [0, 1, 3]
    gaps = [0.5 * sum(abs(log[row].probabilities[sid] - implied[row, k]) for k, sid in enumerate(question.scenario_ids))
            for row in mine]
    assert mk.gap == gaps[1] and mk.mean_gap == pytest.approx(np.mean(gaps), abs=1e-15)
    logs = [(np.log(log[row].probabilities["stall"]), np.log(implied[row, 2])) for row in mine]
    assert (mk.stated_better, mk.engine_better) == (sum(s > e for s, e in logs), sum(e > s for s, e in logs))
    assert mk.stated_log == logs[1][0] and mk.engine_log == logs[1][1]


def test_the_json_written_a_block_at_a_time_is_the_json_of_the_whole_report(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    (space / "scenarios" / "open.yaml").write_text(TALKS)
    (space / "scenarios" / "ranked.yaml").write_text(
        RESOLVED.replace("closes: 2025-12-31", "closes: 2025-12-31\nordered: true"))
    from model.record.forecast_log import write_entries

    entries = []
    for question in ("talks", "open", "ranked"):
        entries += [LoggedForecast(dt.datetime(2025, 3, day, 7, tzinfo=UTC), question, name,
                                   {"deal": 0.2, "ceasefire": 0.3, "stall": 0.5},
                                   kind, kind) for day, name, kind in [(1, "mk", "stated"), (2, "Zoë \u202e", "stated"),
                                                                      (3, "crowd", "imported"), (4, "engine", "engine")]]
    write_entries(log_path(Workspace(space)), entries)
    from model.workspace.loader import load_workspace

    questions = list(load_workspace(Workspace(space)).questions)
    report, _ = score_workspace(Workspace(space), questions, backtest=True)
    for diagram in (None, Path("r\u00e9.png")):
        whole = json.dumps(report.as_dict(diagram), indent=2, ensure_ascii=True)
        for block in (1, 2, 1000):
            assert "".join(report.json_chunks(diagram, block)) == whole
    buffer = io.StringIO()
    import csv

    csv.writer(buffer).writerows(report.csv_rows())
    assert report.as_csv() == buffer.getvalue()
    assert len(report.coherence) == 6 and {c.question for c in report.coherence} == {"talks", "open", "ranked"}


def test_scores_from_the_log_are_those_of_its_entries(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    question, _ = load_question(space / "scenarios" / "talks.yaml")
    rng = random.Random(3)
    log = []
    for number in range(300):
        raw = [rng.random() for _ in range(3)]
        when = dt.datetime(2024, 12, 20, tzinfo=UTC) + dt.timedelta(seconds=rng.randint(0, 400 * 86400))
        probabilities = dict(zip(["stall", "deal", "ceasefire"], [p / sum(raw) for p in raw]))
        log.append(LoggedForecast(when, "talks", f"f{number % 7}", probabilities,
                                  "imported", "import", external_id=str(number)))
    from model.record.forecast_log import write_entries

    write_entries(log_path(Workspace(space)), log)
    from_log, _ = score_workspace(Workspace(space), [question])
    from_entries = score_questions([question], log)
    assert repr(from_log.rows) == repr(from_entries.rows) and repr(from_log.summaries) == repr(from_entries.summaries)
    assert str(from_log.calibration) == str(from_entries.calibration)


def test_intervals_beyond_the_bootstrap_are_normal():
    rng = np.random.default_rng(0)
    few = rng.normal(size=scorecard.BOOTSTRAP_QUESTIONS)
    low, high = interval(few, 1)
    resampled = np.random.default_rng(1).choice(few, size=(scorecard.BOOTSTRAP, few.size), replace=True).mean(axis=1)
    assert (low, high) == pytest.approx(tuple(np.quantile(resampled, [0.05, 0.95])), rel=1e-12)
    many = rng.normal(size=scorecard.BOOTSTRAP_QUESTIONS + 1)
    low, high = interval(many, 1)
    assert high - many.mean() == pytest.approx(1.6448536 * many.std() / np.sqrt(many.size))


def test_a_damaged_line_is_located_and_the_rest_scored(space: Path):
    (space / "scenarios" / "talks.yaml").write_text(RESOLVED)
    path = log_path(Workspace(space))
    good = entry_line(stated("2025-03-05", "mk", deal=0.1, ceasefire=0.2, stall=0.7))
    path.write_text(good * 3 + good.replace('"deal": 0.1', '"deal": 1e308') + "{oops\n" + good)
    result = vane("score", "--json", "--dir", str(space))
    assert result.code == 0 and "Traceback" not in result.output
    assert "forecasts.jsonl:4: unreadable forecast entry: 1e+308 is not a probability" in result.stderr
    assert "forecasts.jsonl:5: unreadable forecast entry: not JSON" in result.stderr
    rows = {row["forecaster"]: row for row in json.loads(result.stdout)["questions"][0]["forecasters"]}
    assert rows["mk"]["forecasts"] == 4
