"""The weekly report as Markdown and as a self-contained HTML page (Jinja2 templates in ``templates/``).

Everything the analyst wrote is escaped: HTML by Jinja2's autoescaping, Markdown
by escaping every value a template prints (``md_escape``, with backslashes, never
HTML entities, so the plain text shows ``\\<`` and not ``&lt;``). A summary with
``<script>``, an ``onerror=`` attribute, link or table syntax shows as plain
text in both; control and bidi characters show as visible escapes
(``model.base.textsafe.visible``). Links are only ever http(s); anchors and chart
file names are built from ids as safe names (``safe_names``). The HTML page
carries its charts inside it (PNG as ``data:`` URIs), so it loads nothing, not
even a file beside it, and runs no script; its content security policy allows
images only from ``data:`` and forbids scripts outright. The Markdown links the
chart files in ``charts/``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from model.base.numbers import number, percent, points, signed
from model.base.safewrite import atomic_write
from model.base.textsafe import visible
from model.engine.probabilities import INTERVAL_PERCENT
from model.reports.trajectories import ParallelCharts, Trajectory, TrajectoryCharts
from model.reports.weekly import QuestionReport, WeeklyReport

# Characters that could start markup anywhere in a line: backslash escapes, code, emphasis, links and
# images, tables, strikethrough, raw HTML and autolinks, entities, headings' closing #s, e-mail autolinks
# (mailto:); a colon before // would let a bare ftp:// address become a link.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]|~<>&#@]|:(?=//)")


# At the start of a line these begin a block (list, setext heading, thematic break, definition).
_MARKDOWN_LEADING = ("-", "+", "=", ":")


_ORDERED_LIST = re.compile(r"(\d+)([.)])")


_LINE_BREAKS = re.compile(r"[\t\n\r\f\v]")


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


_HTTP = re.compile(r"https?://", re.IGNORECASE)


_ENTITY_START = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


class Raw(str):
    """Markdown that is already safe (built by us, never by the user), printed as it is."""


def one_line(text: str) -> str:
    """User text as one line: tabs and line breaks become spaces, other controls and bidi characters visible escapes."""
    return visible(_LINE_BREAKS.sub(" ", text))


def md_escape(value) -> str:
    """A value as inert Markdown text: no markup, no HTML, no table cells, no block, one line.

    Every character that could start markup is escaped with a backslash (never
    as an HTML entity), whitespace is collapsed, and a value that would begin a
    line cannot begin a list, heading or quote there.
    """
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)  # numbers only: a leading minus sign needs no escaping mid-line
    text = " ".join(one_line(str(value)).split())
    text = _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(), text)
    if text.startswith(_MARKDOWN_LEADING):
        text = "\\" + text
    return _ORDERED_LIST.sub(r"\1\\\2", text, count=1) if _ORDERED_LIST.match(text) else text


def _html_finalize(value):
    """Every value the HTML page prints, before autoescaping: one line, controls and bidi characters visible."""
    if value is None or isinstance(value, (Markup, int, float)):
        return value
    return one_line(str(value))


class _KeptTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates in this user's cache folder (compiling them took 0.2 s a run); any failure to read or
    keep one only means compiling it again."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # damaged (never half-written: Jinja renames a whole file into place)
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> jinja2.BytecodeCache | None:
    """Where compiled templates are kept: this user's own cache folder (never the workspace's, which others
    write to); None when caches are off or the folder cannot be made."""
    if os.environ.get("VANE_NO_CACHE"):
        return None
    from model.workspace.cache import user_cache_folder

    folder = user_cache_folder() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return _KeptTemplates(str(folder))


def safe_url(url: str | None) -> str | None:
    """An http(s) address with characters that could end a link encoded; None for anything else."""
    if not url:
        return None
    text = str(url).strip()
    if not _HTTP.match(text):  # checked on the text as written: no scheme hidden behind tabs or controls
        return None
    return quote(text, safe=":/?#@!$&'*+,;=%-._~")


def md_url(url: str | None) -> Raw | None:
    """An http(s) address as a Markdown link destination (an ``&`` that would read as an entity escaped); None otherwise."""
    address = safe_url(url)
    return None if address is None else Raw(_ENTITY_START.sub(r"\\&", address))


def _digest(identifier: str) -> str:
    return hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def safe_names(identifiers) -> dict[str, str]:
    """A distinct, plain name for each id, usable as a file name, URL path segment and HTML anchor.

    A plain id (letters, digits, ``_ . -``, starting with a letter or digit, at
    most 100 characters) is its own name; any other becomes a slug of its safe
    characters and a short hash of the whole id, so it can neither leave the
    folder, break a link nor collide with another question's name (also on
    case-insensitive file systems).
    """
    names = SafeNames()
    for identifier in identifiers:
        names(identifier)
    return names.names


class SafeNames:
    """``safe_names`` one id at a time: an id's name depends only on the ids named before it."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self._taken: set[str] = set()

    def __call__(self, identifier: str) -> str:
        if identifier in self.names:
            return self.names[identifier]
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", identifier).strip("-_")[:40] or "question"
        name = identifier if _PLAIN_NAME.fullmatch(identifier) else f"{slug}-{_digest(identifier)}"
        if name.casefold() in self._taken:
            name = f"{slug}-{_digest(identifier)}"
        base, number_ = name, 2
        while name.casefold() in self._taken:
            name, number_ = f"{base}-{number_}", number_ + 1
        self.names[identifier] = name
        self._taken.add(name.casefold())
        return name


def report_percent(value: float | None, places: int = 0) -> str:
    """``percent`` as the report shows it: whole percent unless a template asks for decimals."""
    return percent(value, places)


def report_points(value: float | None) -> str:
    """``points`` as the report shows it: '+2.1 pp'."""
    return points(value, " pp")


def _raw(function):
    """A filter whose output (numbers we format) goes into the Markdown as it is."""
    return lambda *args, **kwargs: Raw(function(*args, **kwargs))


def template_environment(markdown: bool, anchors: dict[str, str]) -> jinja2.Environment:
    """The templates' environment: Markdown (every value escaped, ``md_escape``) or HTML (autoescaped); ``anchors``
    maps each id a template links to (the ``anchor`` filter) to its safe name."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("model.reports", "templates"), autoescape=not markdown,
        bytecode_cache=_compiled_templates(),
        finalize=md_escape if markdown else _html_finalize,
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    formats = {"percent": report_percent, "points": report_points, "number": number, "signed": signed}
    wrap = _raw if markdown else (lambda function: function)
    environment.filters.update({name: wrap(function) for name, function in formats.items()})
    environment.filters.update(
        bar=lambda value: max(0.0, min(100.0, 100.0 * float(value))),
        # a URL, an anchor or a chart file name: made safe here, printed as it is in Markdown (autoescaped in HTML)
        url=md_url if markdown else safe_url,
        anchor=lambda identifier: wrap(str)(anchors[identifier]),
        chart=lambda name: wrap(str)(quote(str(name), safe="")),
        chart_path=lambda path: wrap(str)(quote(str(path), safe="/")),  # a relative path of plain segments
    )
    environment.globals["interval_percent"] = wrap(str)(INTERVAL_PERCENT)  # "80%": the width lives in one place
    return environment


def _anchors(report: WeeklyReport) -> dict[str, str]:
    """Each open question's anchor: the same safe name as its chart."""
    return safe_names(entry.question.id for entry in report.questions)


def render_markdown(report: WeeklyReport, charts: dict[str, str]) -> str:
    """The report as Markdown (for git and email)."""
    return template_environment(True, _anchors(report)).get_template("report.md.j2").render(report=report, charts=charts)


def render_html(report: WeeklyReport, images: Mapping[str, str]) -> str:
    """The report as one self-contained HTML page: ``images`` maps each question to its chart as a
    ``data:`` URI (``data_uri``), so the page alone, attached to an email, shows everything."""
    return "".join(html_pieces(report, images))


def html_pieces(report: WeeklyReport, images: Mapping[str, str]):
    """``render_html``'s text a piece at a time, as the template renders it: with ``ChartImages``, no more than
    one chart is in memory at a time (a report of a thousand questions carries about 80 MB of them)."""
    return template_environment(False, _anchors(report)).get_template("report.html.j2").generate(
        report=report, images=images)


class ChartImages(Mapping):
    """Each question's chart file in ``folder`` as a ``data:`` URI, read when the page asks for it."""

    def __init__(self, folder: Path, files: dict[str, str]) -> None:
        self.folder, self.files = folder, files

    def __getitem__(self, question_id: str) -> str:
        return data_uri(self.folder / self.files[question_id])

    def __iter__(self):
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def data_uri(path: Path) -> str:
    """A PNG file as a ``data:`` URI (``png_data_uri``)."""
    return png_data_uri(path.read_bytes())


def png_data_uri(data: bytes) -> str:
    """PNG bytes as a ``data:`` URI (base64: nothing in it can end the attribute it is written in)."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


class ReportCharts:
    """The trajectory charts of one report folder, one per open question, named by ``safe_names`` in report order.

    Each ``add`` has the question's chart drawn: in this process, or by worker
    processes (``workers``) while the caller computes the next question; a
    chart whose file already shows exactly its data is left as it is.
    ``finish`` waits for the charts; use it as a context manager so workers
    are stopped on any error.
    """

    def __init__(self, folder: Path, workers: int = 0, progress=lambda *_: None) -> None:
        self.folder = folder
        self.files: dict[str, str] = {}  # question id -> chart file name
        self._names = SafeNames()  # an id is never a path: no ../, no /
        self._progress = progress
        self._drawer = ParallelCharts(workers) if workers else TrajectoryCharts()

    def __enter__(self) -> "ReportCharts":
        return self

    def __exit__(self, *_) -> None:
        if isinstance(self._drawer, ParallelCharts):
            self._drawer.close()
        else:
            self._drawer.close(wait=False)  # after finish, nothing is left to wait for

    def add(self, entry: QuestionReport, position: int = 0, total: int = 0) -> str:
        """Have ``entry``'s chart drawn (``position`` of ``total``: progress shown when drawn here); its file name."""
        name = f"{self._names(entry.question.id)}.png"
        self.files[entry.question.id] = name
        if isinstance(self._drawer, TrajectoryCharts):
            self._progress(position, total, visible(entry.question.id))  # shown on a terminal
        self._drawer.draw(trajectory_of(entry), self.folder / name)
        return name

    def finish(self) -> None:
        """Wait until every chart is written (raising the first error in writing one)."""
        if isinstance(self._drawer, ParallelCharts):
            self._drawer.finish(lambda done, total: self._progress(done, total, ""))
        else:
            self._drawer.flush()


def write_report(report: WeeklyReport, folder: Path, progress=lambda *_: None,
                 charts: ReportCharts | None = None) -> list[Path]:
    """Write ``report.md``, ``report.html`` and their charts into ``folder``; charts of an earlier run are replaced.

    ``charts`` may already hold charts of the report's questions (drawn while the report was
    built, in report order); the others are drawn here. A chart whose file already shows
    exactly the data to draw is left as it is (``charts.TrajectoryCharts``).
    """
    chart_folder = folder / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if charts is None:
            charts = stack.enter_context(ReportCharts(chart_folder, progress=progress))
        for position, entry in enumerate(report.questions, start=1):
            if entry.question.id not in charts.files:
                charts.add(entry, position, len(report.questions))
        charts.finish()
    files = {entry.question.id: charts.files[entry.question.id] for entry in report.questions}
    kept = set(files.values())
    for leftover in chart_folder.glob("*.png") if chart_folder.exists() else ():
        if leftover.name not in kept:
            leftover.unlink()
    markdown, page = folder / "report.md", folder / "report.html"
    atomic_write(markdown, render_markdown(report, files))
    atomic_write(page, html_pieces(report, ChartImages(chart_folder, files)))
    return [markdown, page, *(chart_folder / name for name in files.values())]


def trajectory_of(entry: QuestionReport) -> Trajectory:
    """What a question's chart shows: its weekly probabilities, its evidence dates, its deadline, its prior at the
    opening date and analysts' stated forecasts (NaN for a scenario a forecast does not name)."""
    weeks, question = entry.trajectory, entry.question
    ids = tuple(question.scenario_ids)
    prior = tuple(float(question.prior.probabilities.get(sid, float("nan"))) for sid in ids) if question.prior else ()
    stated = tuple((forecast.time.date(), tuple(float(forecast.probabilities.get(sid, float("nan"))) for sid in ids))
                   for forecast in entry.stated)
    return Trajectory(ids, tuple(weeks.dates), weeks.mean, weeks.low, weeks.high, tuple(entry.evidence_dates),
                      question.closes, opened=question.opened, prior=prior, stated=stated)
