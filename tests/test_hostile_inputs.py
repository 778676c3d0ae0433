"""Hostile inputs: the valid bundled question with one thing changed at a time, run through every reading command.

Each case of ``tests/hostile_corpus.py`` (YAML tags, aliases, deep nesting,
encodings, NUL, line endings, control and bidi characters, huge numbers, odd
dates, duplicate keys, odd file names, file-system oddities, hostile Markup) is
put in a fresh workspace and run through ``check``, ``status``, ``show``,
``report`` and ``add``. Every command must:

- exit 0 or 1: never 70 (internal error), never a traceback;
- refuse cleanly, pointing at the file as ``path:line: message``, or accept cleanly
  (and agree with ``check`` about which it is);
- print no raw control characters (category Cc other than newline and tab) and no
  bidi formatting characters;
- touch nothing outside the workspace (a sentinel folder and the current folder
  sit beside it);
- write nothing when it refuses (``report`` on a broken workspace writes no report
  folder and no forecast log; ``add`` leaves the question file's bytes and mtime
  as they were).

The in-process runs ask click for colour (``color=True``), as a terminal would:
otherwise click strips ANSI sequences from captured output and a raw escape
that reaches a real terminal would go unseen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import signal
import stat
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import build_app
from tests.helpers import spawn_vane
from tests.hostile_corpus import (
    ACCEPT,
    BASE,
    BASE_ID,
    CASES,
    REJECT,
    SCENARIOS,
    Case,
    place,
)

APP = build_app()
BIDI_CHARACTERS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
HIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(BIDI_CHARACTERS)) + "]")
LOCK_FILE = re.compile(rb"^\..+\.lock$", re.DOTALL)  # the writers' lock files (vane init's .gitignore lists them): no data
ADD_ARGUMENTS = (
    "--summary", "Hostile test item", "--date", "2026-11-20", "--source", "Wire", "--grade", "B2",
    "--rate", "stall=-", "--rate", "synthesis=+", "--rate", "deal=0",
)
COMMAND_SECONDS = 60  # a hung command (a FIFO opened for reading, say) fails instead of blocking the suite


@dataclass
class Run:
    """What one in-process ``vane`` run printed (decoded from the raw bytes) and its exit code."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        """The command line, exit code and output (cut short, plus the text around the first unsafe character)."""
        shown = self.output if len(self.output) < 800 else self.output[:800] + "…"
        lines = [f"vane {' '.join(map(repr, self.args))} -> exit {self.code}", repr(shown)]
        first = next((i for i, ch in enumerate(self.output) if unsafe_characters(ch)), None)
        if first is not None and first >= 700:
            lines.append("around the first unsafe character: " + repr(self.output[max(0, first - 100): first + 60]))
        return "\n".join(lines)


def _text(data: bytes) -> str:
    """Output bytes as text; bytes that are not UTF-8 become U+FFFD (they are not control characters)."""
    return data.decode("utf-8", "replace")


def _timeout(signum, frame):
    raise TimeoutError(f"vane did not finish within {COMMAND_SECONDS} s")


def run(*args: str) -> Run:
    """Run ``vane`` in-process like ``tests.helpers.vane`` (exceptions re-raised), keeping the exact bytes."""
    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(COMMAND_SECONDS)
    try:
        result = CliRunner().invoke(APP, list(args), catch_exceptions=True, color=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(tuple(args), result.exit_code, _text(result.stdout_bytes), _text(result.stderr_bytes))


# --- the workspace and what may change in it ---------------------------------------------------------


@dataclass
class Space:
    """A case's workspace, with an ``outside`` folder and a current folder beside it."""

    root: Path
    workspace: Path
    outside: Path
    case: Case

    def outside_state(self) -> dict:
        """Everything under the workspace's parent except the workspace itself."""
        return tree_state(self.root, prune=self.workspace)

    def inside_state(self) -> dict:
        """Everything in the workspace, lock files and the parse cache (``.vane/``, rebuilt by any command) aside."""
        return tree_state(self.workspace, prune=self.workspace / ".vane", ignore=LOCK_FILE)


def tree_state(top: Path, prune: Path | None = None, ignore: re.Pattern | None = None) -> dict:
    """Every entry under ``top``: its type, and for files a hash of the bytes, the mtime and the mode.

    Symbolic links are recorded, not followed; FIFOs and devices are never opened.
    """
    state = {}
    pruned = os.fsencode(prune) if prune else None
    for folder, folders, files in os.walk(os.fsencode(top)):
        folders[:] = [name for name in folders if os.path.join(folder, name) != pruned]
        for name in folders + files:
            if ignore is not None and ignore.match(name):
                continue
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                try:
                    with open(path, "rb") as handle:
                        digest = hashlib.sha256(handle.read()).hexdigest()
                except OSError:
                    digest = None
                state[path] = ("file", digest, info.st_mtime_ns, stat.S_IMODE(info.st_mode))
            elif stat.S_ISLNK(info.st_mode):
                state[path] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                state[path] = ("folder",)
            else:
                state[path] = ("other", stat.S_IFMT(info.st_mode))
    if pruned is not None:
        state[pruned] = ("workspace",)
    return state


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two ``tree_state`` results, as readable lines."""
    lines = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            what = "new" if path not in before else "gone" if path not in after else "changed"
            lines.append(f"{what}: {os.fsdecode(path)!r}")
    return lines


@pytest.fixture
def make_space(tmp_path: Path, monkeypatch):
    """Build a case's workspace in ``tmp_path/workspace``, with ``outside/`` and ``cwd/`` beside it."""

    def make(case: Case) -> Space:
        if case.needs_non_root and os.geteuid() == 0:
            pytest.skip("running as root: root reads a chmod 000 file, so the case cannot be set up")
        workspace, outside, here = tmp_path / "workspace", tmp_path / "outside", tmp_path / "cwd"
        for folder in (workspace / "scenarios", workspace / "reports", outside, here):
            folder.mkdir(parents=True)
        (outside / "sentinel.txt").write_text("nothing may touch this\n")
        (outside / "other-question.yaml").write_text(BASE, encoding="utf-8")
        case.build(workspace, outside)
        monkeypatch.chdir(here)  # a command writing to the current folder shows up as an outside change
        return Space(tmp_path, workspace, outside, case)

    yield make
    for folder, _, files in os.walk(tmp_path):  # let pytest clean up a chmod 000 file
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


# --- what every output must (not) contain ------------------------------------------------------------


def unsafe_characters(text: str) -> list[str]:
    """Raw control (Cc other than newline and tab) and bidi characters in ``text``, as U+XXXX."""
    found = sorted({ch for ch in text if (unicodedata.category(ch) == "Cc" and ch not in "\n\t") or ch in BIDI_CHARACTERS})
    return [f"U+{ord(ch):04X}" for ch in found]


def location_pattern(name: str) -> re.Pattern:
    """``<name>:<line>: `` on one line; characters a safe program would escape may be shown any short way."""
    pieces = HIDDEN_IN_NAMES.split(name)
    return re.compile("[^\n]{0,16}?".join(map(re.escape, pieces)) + r":\d+: ")


def names_a_file(case: Case, output: str) -> bool:
    return any(location_pattern(name).search(output) for name in case.file_names)


def basic_problems(result: Run) -> list[str]:
    """What no run may ever do: crash, show a traceback, print raw control or bidi characters."""
    problems = []
    if result.code not in (0, 1):
        problems.append(f"exit code {result.code} (only 0 or 1 allowed; 70 is an internal error)")
    if "Traceback" in result.output:
        problems.append("a Python traceback in the output")
    if "internal error" in result.output:
        problems.append("'internal error' in the output")
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        bad = unsafe_characters(text)
        if bad:
            problems.append(f"raw control/bidi characters on {stream}: {', '.join(bad)}")
    return problems


_VERDICTS: dict[str, bool | None] = {}


def verdict(space: Space) -> bool | None:
    """Whether ``check`` refuses the case's workspace (True), accepts it (False), or crashed (the case's expectation).

    Run once per case (on a fresh copy of the workspace) and remembered: every case is built the same way each time.
    """
    if space.case.id not in _VERDICTS:
        checked = run("check", "--dir", str(space.workspace))
        expected = {REJECT: True, ACCEPT: False}.get(space.case.expect)
        _VERDICTS[space.case.id] = checked.code == 1 if checked.code in (0, 1) else expected
    return _VERDICTS[space.case.id]


def fail_if(problems: list[str], result: Run) -> None:
    if problems:
        pytest.fail("\n".join(problems) + "\n" + result.describe(), pytrace=False)


def outside_untouched(space: Space, before: dict) -> list[str]:
    moved = changes(before, space.outside_state())
    return [f"touched a file outside the workspace: {line}" for line in moved]


def command_args(command: str, space: Space) -> tuple[str, ...]:
    workspace = str(space.workspace)
    question = space.case.question_id
    if command == "show":
        return ("show", "--dir", workspace, "--", question)
    if command == "add":
        return ("add", "--dir", workspace, *ADD_ARGUMENTS, "--", question)
    return (command, "--dir", workspace)


def ids(cases):
    return [case.id for case in cases]


WITH_QUESTION = [case for case in CASES if case.question_id is not None]


def test_the_corpus_is_large_and_its_base_is_valid(make_space):
    assert len(CASES) >= 150
    assert re.search(r"^scenarios:\n(  \w+: >-\n(    .*\n)+){3}", BASE, re.MULTILINE)
    for scenario in SCENARIOS:
        assert f"  {scenario}: >-\n" in BASE, scenario
    space = make_space(Case("base", "base", BASE.encode(), ACCEPT))
    for command in ("check", "status", "show", "add"):
        result = run(*command_args(command, space))
        assert result.code == 0 and not basic_problems(result), result.describe()
    assert f"{BASE_ID}.yaml" == space.case.name


def test_payloads_reach_the_report(tmp_path: Path):
    """The fields payloads go in are printed in the weekly report (else its checks would see nothing)."""
    week = dt.date.today().isocalendar()
    for where in ("title", "summary", "scenario", "source", "indicator"):
        workspace = tmp_path / where
        (workspace / "scenarios").mkdir(parents=True)
        (workspace / "reports").mkdir()
        (workspace / "scenarios" / f"{BASE_ID}.yaml").write_text(place(where, "Zq9marker"), encoding="utf-8")
        result = run("report", "--dir", str(workspace))
        assert result.code == 0, result.describe()
        for name in ("report.md", "report.html"):
            written = (workspace / "reports" / f"{week.year}-W{week.week:02d}" / name).read_text(encoding="utf-8")
            assert "Zq9marker" in written, (where, name)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_check(case: Case, make_space):
    space = make_space(case)
    outside, inside = space.outside_state(), space.inside_state()
    result = run("check", "--dir", str(space.workspace))
    problems = basic_problems(result)
    if case.expect == REJECT and result.code != 1:
        problems.append("check must refuse this file (exit 1)")
    if case.expect == ACCEPT and result.code != 0:
        problems.append("check must accept this file (exit 0)")
    if result.code == 1 and not names_a_file(case, result.output):
        problems.append(f"the refusal does not point at the file as path:line: (one of {case.file_names!r})")
    problems += untouched(space, outside, inside, "check")
    fail_if(problems, result)


@dataclass
class Attempt:
    """One command run on a case's workspace: the workspace's state before, the result, and what is wrong so far."""

    space: Space
    refused: bool | None
    outside: object
    inside: object
    result: Run
    problems: list[str]


def attempt(space: Space, *args: str) -> Attempt:
    """Run ``vane args`` on ``space`` after taking the state of everything it must not touch."""
    refused = verdict(space)
    outside, inside = space.outside_state(), space.inside_state()
    result = run(*args)
    return Attempt(space, refused, outside, inside, result, basic_problems(result))


def untouched(space: Space, outside, inside, command: str) -> list[str]:
    """Problems when a reading command changed anything outside the workspace or in it."""
    return outside_untouched(space, outside) + [
        f"{command} wrote in the workspace: {line}" for line in changes(inside, space.inside_state())]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_status(case: Case, make_space):
    space = make_space(case)
    tried = attempt(space, "status", "--dir", str(space.workspace))
    refused, outside, inside, result, problems = tried.refused, tried.outside, tried.inside, tried.result, tried.problems
    if refused is True:
        if result.code != 1:
            problems.append("check refuses the workspace, so status must exit 1")
        if not names_a_file(case, result.output):
            problems.append(f"status does not point at the broken file as path:line: (one of {case.file_names!r})")
    elif refused is False and result.code != 0 and "status" not in case.may_fail:
        problems.append("check accepts the workspace, so status must exit 0")
    problems += untouched(space, outside, inside, "status")
    fail_if(problems, result)


@pytest.mark.parametrize("case", WITH_QUESTION, ids=ids(WITH_QUESTION))
def test_show(case: Case, make_space):
    space = make_space(case)
    tried = attempt(space, *command_args("show", space))
    refused, outside, inside, result, problems = tried.refused, tried.outside, tried.inside, tried.result, tried.problems
    if refused is True and not case.workspace_only and result.code != 1:
        problems.append("check refuses this question's file, so show must exit 1")
    if refused is False and result.code != 0 and "show" not in case.may_fail:
        problems.append("check accepts the workspace, so show must show the question (exit 0)")
    if refused is True and result.code == 1 and not names_a_file(case, result.output):
        problems.append(f"show's refusal does not point at the file as path:line: (one of {case.file_names!r})")
    problems += untouched(space, outside, inside, "show")
    fail_if(problems, result)


# ``report`` draws a chart per question (about 0.3 s): it runs on every case check refuses (cheap once
# refused) and on a representative subset of the others, covering every field a payload sits in.
REPORT_ALSO = {
    *(f"control-{name}-in-summary" for name in ("esc-csi", "osc8-link", "c1-csi-u009b", "carriage-return", "nul-escape", "c1-nel-u0085")),
    *(f"control-esc-csi-in-{where}" for where in ("title", "scenario", "source", "analyst", "indicator", "url")),
    "control-c1-csi-u009b-in-scenario", "control-carriage-return-in-indicator", "raw-nel-u0085-in-summary",
    *(f"bidi-rlo-u202e-in-{where}" for where in ("summary", "title", "scenario", "source", "analyst", "indicator")),
    "bidi-lri-u2066-in-summary", "bidi-alm-u061c-in-summary",
    "encoding-utf8-bom", "encoding-utf8-bom-twice", "encoding-bom-inside-summary",
    "nul-escaped-in-title", "lines-crlf", "lines-lone-cr", "lines-nel-u0085", "lines-cr-inside-summary",
    "number-likelihood-denormal", "number-prior-tiny-denormal", "number-indicator-minus-zero", "number-rating-integers",
    "date-closes-with-zone", "date-evidence-with-zone", "date-recorded-zone-plus-2359",
    *(f"filename-{name}" for name in ("markdown-table-link", "html-img-onerror", "leading-dash", "newline", "esc", "osc8",
                                      "rlo-u202e", "invalid-utf8-bytes", "long-255", "upper-suffix", "twin-yaml-and-yml")),
}
REPORT_CASES = [case for case in CASES if case.expect == REJECT or case.id in REPORT_ALSO or case.category in ("file-system", "content")]
assert REPORT_ALSO <= {case.id for case in CASES}


@pytest.mark.parametrize("case", REPORT_CASES, ids=ids(REPORT_CASES))
def test_report(case: Case, make_space):
    space = make_space(case)
    tried = attempt(space, "report", "--dir", str(space.workspace))
    refused, outside, inside, result, problems = tried.refused, tried.outside, tried.inside, tried.result, tried.problems
    problems += outside_untouched(space, outside)
    written = changes(inside, space.inside_state())
    reports = space.workspace / "reports"
    if refused is True:
        if result.code != 1:
            problems.append("check refuses the workspace, so report must exit 1")
        if not names_a_file(case, result.output):
            problems.append(f"report does not point at the broken file as path:line: (one of {case.file_names!r})")
        if written:
            problems.append("report wrote despite a broken file:\n  " + "\n  ".join(written))
        if reports.is_dir() and (reports / "forecasts.jsonl").exists():
            problems.append("report published forecasts (reports/forecasts.jsonl) despite a broken file")
    elif refused is False and result.code != 0 and "report" not in case.may_fail:
        problems.append("check accepts the workspace, so report must write the report (exit 0)")
    if result.code == 0:
        problems += _report_file_problems(space)
    elif written and refused is not True:
        problems.append("report failed but wrote:\n  " + "\n  ".join(written))
    fail_if(problems, result)


def _report_file_problems(space: Space) -> list[str]:
    week = dt.date.today().isocalendar()
    folder = space.workspace / "reports" / f"{week.year}-W{week.week:02d}"
    problems = []
    for name in ("report.md", "report.html"):
        path = folder / name
        if not path.is_file():
            problems.append(f"report exited 0 but wrote no {path}")
            continue
        content = path.read_text(encoding="utf-8", errors="replace")
        bad = unsafe_characters(content)
        if bad:
            problems.append(f"raw control/bidi characters in {name}: {', '.join(bad)}")
        # report.md is read as a Markdown renderer would (raw HTML let through), report.html as it is
        page = _markdown_html(content) if name == "report.md" else content
        problems += [f"active content in {name}: {found}" for found in active_content(page)]
        if name == "report.html":
            problems += [f"{name} does not show {wanted!r} as written" for wanted in space.case.report_must_contain if wanted not in content]
    return problems


class _ActiveContent(HTMLParser):
    """Collects what a browser would run or follow from an HTML page: scripts, on* handlers, script links."""

    RUNNING_TAGS = ("script", "iframe", "object", "embed")
    LINK_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.RUNNING_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            target = "".join((value or "").split()).lower()
            if name in self.LINK_ATTRIBUTES and target.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"{name}={value[:40]!r} on <{tag}>")


def active_content(page: str) -> list[str]:
    """Scripts, event handlers and script links in an HTML page."""
    parser = _ActiveContent()
    parser.feed(page)
    parser.close()
    return parser.found


def _markdown_html(text: str) -> str:
    """``text`` rendered by a permissive Markdown renderer: raw HTML kept, every link target allowed."""
    markdown_it = pytest.importorskip("markdown_it")
    renderer = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    renderer.validateLink = lambda url: True  # markdown-it drops javascript: links itself; not every renderer does
    return renderer.render(text)


@pytest.mark.parametrize("case", WITH_QUESTION, ids=ids(WITH_QUESTION))
def test_add(case: Case, make_space):
    space = make_space(case)
    tried = attempt(space, *command_args("add", space))
    refused, outside, inside, result, problems = tried.refused, tried.outside, tried.inside, tried.result, tried.problems
    problems += outside_untouched(space, outside)
    written = changes(inside, space.inside_state())
    if refused is True and not case.workspace_only:
        if result.code != 1:
            problems.append("check refuses this question's file, so add must refuse (exit 1)")
        elif not names_a_file(case, result.output):
            problems.append(f"add's refusal does not point at the file as path:line: (one of {case.file_names!r})")
    if refused is False and result.code != 0 and "add" not in case.may_fail:
        problems.append("check accepts the question, so add must add the item (exit 0)")
    if result.code != 0 and written:
        problems.append("add refused but wrote:\n  " + "\n  ".join(written))
    fail_if(problems, result)


# --- a few cases as real processes: no traceback reaches stderr ----------------------------------------


def process(*args: str, cwd: Path) -> Run:
    """Run ``vane`` as a real process like ``tests.helpers.vane_process``, keeping the output's bytes.

    (``vane_process`` decodes strictly, and a file name that is not UTF-8 may be printed as its raw bytes.)
    Standard output is strict UTF-8, as in a terminal with a UTF-8 locale such as en_US.UTF-8 (Python
    only relaxes it to ``surrogateescape`` under the C and POSIX locales).
    """
    done = spawn_vane(args, cwd, env={"PYTHONIOENCODING": "utf-8:strict"}, text=False)
    return Run(tuple(args), done.returncode, _text(done.stdout), _text(done.stderr))


PROCESS_CASES = [
    case for case in CASES
    if case.id in {
        "control-esc-csi-in-summary", "alias-billion-laughs-top", "nesting-flow-10k-open-brackets",
        "encoding-utf16-le-bom", "filename-invalid-utf8-bytes", "fs-fifo",
    }
]


@pytest.mark.parametrize("case", PROCESS_CASES, ids=ids(PROCESS_CASES))
def test_real_process(case: Case, make_space):
    space = make_space(case)
    outside = space.outside_state()
    problems = []
    commands = [("check",), ("status",)]
    if case.question_id is not None:
        commands += [("show", "--", case.question_id), ("add", *ADD_ARGUMENTS, "--", case.question_id)]
    for command in commands:  # run inside the workspace, found without --dir
        result = process(*command, cwd=space.workspace)
        problems += [f"{command[0]}: {problem}\n{result.describe()}" for problem in basic_problems(result)]
    problems += outside_untouched(space, outside)
    assert not problems, "\n".join(problems)
