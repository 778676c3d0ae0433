"""The weekly report as Markdown and as a self-contained HTML page (Jinja2 templates in ``templates/``).

Everything the analyst wrote is escaped: HTML by Jinja2's autoescaping, Markdown
by escaping every value a template prints (``md_escape``), so a summary with
``<script>``, an ``onerror=`` attribute or table syntax shows as plain text.
Links are only ever http(s). The HTML page loads nothing from the network and
runs no script; its content security policy forbids scripts outright.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2

from model.formats import number, signed
from model.plots import trajectory_chart
from model.report import WeeklyReport
from model.safewrite import atomic_write

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


class Raw(str):
    """Markdown that is already safe (built by us, never by the user), printed as it is."""


def md_escape(value) -> str:
    """A value as inert Markdown text: no markup, no HTML, no table cells, one line."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def safe_url(url: str | None) -> str | None:
    """An http(s) address with characters that could end a link encoded; None for anything else."""
    if not url:
        return None
    text = url.strip()
    if urlsplit(text).scheme.lower() not in ("http", "https"):
        return None
    return quote(text, safe=":/?#@!$&'*+,;=%-._~")


def percent(value: float | None, places: int = 0) -> str:
    """0.1234 -> '12%'."""
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.{places}f}%"


def points(value: float | None) -> str:
    """A change in percentage points: +2.1 pp, or '–' when unknown."""
    if value is None or not math.isfinite(value):
        return "–"
    return "0.0 pp" if abs(100 * value) < 0.05 else f"{100 * value:+.1f} pp"




def _environment(autoescape: bool, finalize=None) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("model", "templates"), autoescape=autoescape, finalize=finalize,
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(percent=percent, points=points, number=number, signed=signed, url=safe_url,
                               raw=Raw, bar=lambda value: max(0.0, min(100.0, 100.0 * float(value))))
    return environment


def render_markdown(report: WeeklyReport, charts: dict[str, str]) -> str:
    """The report as Markdown (for git and email)."""
    return _environment(False, md_escape).get_template("report.md.j2").render(report=report, charts=charts)


def render_html(report: WeeklyReport, charts: dict[str, str]) -> str:
    """The report as one self-contained HTML page; charts are images in ``charts/`` beside it."""
    return _environment(True).get_template("report.html.j2").render(report=report, charts=charts)


def write_report(report: WeeklyReport, folder: Path, progress=lambda *_: None) -> list[Path]:
    """Write ``report.md``, ``report.html`` and their charts into ``folder``; charts of an earlier run are replaced."""
    chart_folder = folder / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    charts = {}
    for position, entry in enumerate(report.questions, start=1):
        progress(position, len(report.questions), entry.question.id)
        name = f"{entry.question.id}.png"
        weeks = entry.trajectory
        trajectory_chart(entry.question.scenario_ids, list(weeks.dates), weeks.mean, weeks.low, weeks.high,
                         entry.evidence_dates, entry.question.closes, chart_folder / name)
        charts[entry.question.id] = name
    for leftover in chart_folder.glob("*.png") if chart_folder.exists() else ():
        if leftover.name not in charts.values():
            leftover.unlink()
    markdown, page = folder / "report.md", folder / "report.html"
    atomic_write(markdown, render_markdown(report, charts))
    atomic_write(page, render_html(report, charts))
    return [markdown, page, *(chart_folder / name for name in charts.values())]
