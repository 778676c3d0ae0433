"""The weekly report's trajectory charts: a question's weekly probabilities, drawn cheaply, many at a time.

A report has a trajectory chart per open question, so those are drawn cheaply:
``TrajectoryCharts`` keeps one figure (on the Agg canvas, without pyplot) and
only changes the data of its lines, bands and marks from chart to chart, with a
fixed layout (only the right margin follows the scenarios' names, in steps).
A chart shows each scenario's name at the end of its line (no legend), the
prior at the opening date, analysts' stated forecasts, the evidence in a strip
under the plot and the deadline with its date. Each chart carries its key
(``model.reports.charts``): a chart that already shows its data is not drawn
again. With many questions, worker processes draw them (``ParallelCharts``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.base.textsafe import visible
from model.reports.charts import (
    DPI,
    KEY_FIELD,
    chart_key,
    encode_png,
    rgba_of,
    software,
    style,
    write_png,
)
from model.reports.drawing_key import drawing_key

TRAJECTORY_SIZE = (900 / DPI, 360 / DPI)  # inches: 900 x 360 pixels, the widest the report's page shows a chart


# fixed, so that no layout is computed chart after chart; the right edge makes room for the scenarios' names
# (label_margin): the top for the deadline's label, the bottom for the evidence strip, then the dates
TRAJECTORY_LAYOUT = {"left": 0.055, "bottom": 0.16, "top": 0.93}


_AXES_PIXELS = (TRAJECTORY_SIZE[0] * DPI, TRAJECTORY_SIZE[1] * DPI * (TRAJECTORY_LAYOUT["top"] - TRAJECTORY_LAYOUT["bottom"]))


RUG = (-12 / _AXES_PIXELS[1], -3 / _AXES_PIXELS[1])  # evidence ticks, in axes heights: a strip under the plot


SPINE_OFFSET = 12  # points the date axis sits below the plot, under the evidence strip


LABEL_POINTS, NOTE_POINTS = 8, 7  # the scenarios' names at the line ends; the notes (prior, deadline, evidence)


LABEL_GAP = 13 / _AXES_PIXELS[1]  # the least distance between two names' middles, in axes heights: one line of text


LABEL_LOW = 5 / _AXES_PIXELS[1]  # the lowest a name sits: clear of the "evidence" note beside the strip


LABEL_PAD = 6  # pixels between the plot's right edge and the names


LABEL_CHARS = 18  # a longer name is cut to this many characters and an ellipsis


MARGIN_STEP = 24  # pixels: the right margin grows in steps, so that charts with names of similar lengths share a layout


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's


NOTE_COLOUR, RUG_COLOUR, DEADLINE_COLOUR = "#666666", "#333333", "#999999"


@dataclass(frozen=True)
class Trajectory:
    """What a trajectory chart shows: weekly probabilities (T, K) with their bands, evidence dates, the deadline,
    the prior at the opening date and analysts' stated forecasts.

    ``prior`` holds a probability per scenario (in ``scenario_ids``' order), marked at ``opened``;
    ``stated`` holds (date, a probability per scenario, NaN where none was stated) per stated forecast.
    """

    scenario_ids: tuple[str, ...]
    dates: tuple[dt.date, ...]
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    evidence_dates: tuple[dt.date, ...]
    closes: dt.date
    opened: dt.date | None = None
    prior: tuple[float, ...] = ()
    stated: tuple[tuple[dt.date, tuple[float, ...]], ...] = ()

    def key(self) -> str:
        """The hash of exactly what the chart shows and how it is drawn."""
        digest = hashlib.sha256(drawing_key().encode())
        texts = ("\x1f".join(self.scenario_ids), _days(self.dates), _days(self.evidence_dates), self.closes.isoformat(),
                 self.opened.isoformat() if self.opened else "", _numbers(self.prior),
                 ";".join(f"{day.isoformat()}:{_numbers(values)}" for day, values in self.stated))
        for text in texts:
            digest.update(b"\x1e" + text.encode("utf-8", "surrogatepass"))
        for values in (self.mean, self.low, self.high):
            values = np.ascontiguousarray(values, dtype="<f8")
            digest.update(b"\x1e" + repr(values.shape).encode() + values.tobytes())
        return digest.hexdigest()

    @property
    def deadline_shown(self) -> bool:
        """The deadline is drawn as a line when it falls within the weeks shown or just after (a tenth more)."""
        return self.closes <= self.dates[-1] + (self.dates[-1] - self.dates[0]) * 0.1

    @property
    def prior_shown(self) -> bool:
        """The prior is marked when the opening date falls within the chart (its first week, or later)."""
        return (self.opened is not None and len(self.prior) == len(self.scenario_ids)
                and bool(np.isfinite(self.prior).all())
                and self.dates[0] - dt.timedelta(days=7) < self.opened <= self.dates[-1])


def _numbers(values) -> str:
    return ",".join(float(value).hex() for value in values)  # exact, NaN included


def _days(dates) -> str:
    return ",".join(day.isoformat() for day in dates)


def label_text(name: str) -> str:
    """A scenario's name as its chart shows it: control and bidi characters as visible escapes, cut to
    ``LABEL_CHARS`` characters and an ellipsis."""
    text = visible(" ".join(name.split()))
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS].rstrip() + "\u2026"


def deadline_text(chart: Trajectory) -> str:
    """The deadline's label: "closes 31 Dec" beside its line (the year too when it is not the last week's), or
    "closes 2026-12-31 →" in the corner when the deadline is beyond the chart."""
    closes = chart.closes
    if not chart.deadline_shown:
        return f"closes {closes.isoformat()} \u2192"
    year = "" if closes.year == chart.dates[-1].year else f" {closes.year}"
    return f"closes {closes.day} {MONTHS[closes.month - 1]}{year}"


def spread_labels(targets, gap: float, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Heights for labels as near ``targets`` as they can be while at least ``gap`` apart, within [low, high].

    A 1-D repel: from the lowest target up, a label that would come closer
    than ``gap`` to the group below joins it, and each group is centred on the
    mean of its targets (moved inside the bounds if it sticks out). When the
    labels cannot all fit, the gap shrinks so that they do.
    """
    targets = np.nan_to_num(np.asarray(targets, dtype=float), nan=low)
    count = len(targets)
    if count > 1:
        gap = min(gap, (high - low) / (count - 1))
    order = np.argsort(targets, kind="stable")
    groups: list[list[float]] = []  # [sum of targets, count, lowest label's height]

    def place(total: float, members: int) -> list[float]:
        half = (members - 1) * gap / 2
        return [total, members, min(max(total / members, low + half), high - half) - half]

    for k in order:
        groups.append(place(targets[k], 1))
        while len(groups) > 1 and groups[-1][2] < groups[-2][2] + groups[-2][1] * gap - 1e-12:
            above = groups.pop()
            groups[-1] = place(groups[-1][0] + above[0], groups[-1][1] + above[1])
    heights = np.concatenate([group[2] + gap * np.arange(group[1]) for group in groups]) if groups else np.zeros(0)
    placed = np.empty(count)
    placed[order] = heights
    return placed


PRIOR_NOTE_ROOM = 22 / _AXES_PIXELS[1]  # the note "prior" and the space under it, in axes heights


def prior_note_height(prior) -> float:
    """Where the note "prior" sits (its bottom, in axes heights): over the highest of the prior's circles with room
    for it under the plot's top or the next circle, else over the circle with the most room above it."""
    heights = sorted(float(value) for value in prior)
    room = [above - below for below, above in zip(heights, heights[1:] + [1.0])]
    fits = [k for k, space in enumerate(room) if space >= PRIOR_NOTE_ROOM]
    chosen = fits[-1] if fits else int(np.argmax(room))
    return heights[chosen] + 9 / _AXES_PIXELS[1]


def label_margin(width: float) -> float:
    """The figure's right edge (a fraction of its width) that leaves ``width`` pixels of names beside the plot."""
    pixels = MARGIN_STEP * np.ceil((width + LABEL_PAD + 4) / MARGIN_STEP)
    return 1.0 - float(min(max(pixels, 2 * MARGIN_STEP), 12 * MARGIN_STEP)) / _AXES_PIXELS[0]


def x_range(chart: Trajectory, date2num) -> tuple[float, float]:
    """The dates shown (as ``date2num`` numbers): the weeks, the evidence, the prior, the stated forecasts and the
    deadline when drawn, with a little room on either side; at least a week in all, what a short chart lacks added
    before its first date (the last week stays beside the names)."""
    days = [chart.dates[0], chart.dates[-1], *chart.evidence_dates[:1], *chart.evidence_dates[-1:]]
    days += [day for day, _ in chart.stated]
    if chart.prior_shown:
        days.append(chart.opened)
    if chart.deadline_shown:
        days.append(chart.closes)
    first, last = date2num(min(days)), date2num(max(days))
    pad = 0.02 * max(last - first, 7.0)
    return min(first, last - 7.0) - pad, last + pad


def _write_chart(path: Path, rgba: np.ndarray, metadata: dict[str, str]) -> Path:
    return write_png(path, encode_png(rgba, metadata))


class TrajectoryCharts:
    """Draws trajectory charts one after another on one figure, changing only the data; use as a context manager.

    ``draw`` skips a chart whose file already holds the key of the data to draw.
    Compressing and writing a chart (zlib and fsync let other threads run)
    happens on a thread of its own while the next chart is drawn; at most
    ``PENDING`` charts wait for it, so memory does not grow with their number.
    Leaving the ``with`` block waits for every chart to be written and raises
    the first error in writing one.
    """

    PENDING = 3

    def __init__(self) -> None:
        self._figure = None
        self._writer = None
        self._pending: list = []
        self.drawn = 0
        self.unchanged = 0

    def __enter__(self) -> "TrajectoryCharts":
        return self

    def __exit__(self, kind, *_) -> None:
        self.close(wait=kind is None)

    def flush(self) -> None:
        """Wait until every chart drawn so far is written; raise the first error in writing one."""
        while self._pending:
            self._pending.pop(0).result()

    def close(self, wait: bool = True) -> None:
        """Wait for the charts still being written (unless ``wait`` is false); let go of the figure and the thread."""
        try:
            if wait:
                self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True, cancel_futures=True)
            self._writer, self._pending, self._figure = None, [], None

    def draw(self, chart: Trajectory, path: Path) -> bool:
        """Write ``chart`` to ``path`` unless the file there already shows exactly it; True when drawn."""
        key = chart.key()
        if chart_key(path) == key:
            self.unchanged += 1
            return False
        self.render(chart, path, key)
        return True

    def render(self, chart: Trajectory, path: Path, key: str) -> None:
        """Draw ``chart`` and write it to ``path`` (on the writing thread) with its key."""
        if len(chart.dates) > 1:
            rgba = self._redraw(chart)
        else:  # a question opened this week: one point with error bars, drawn on a figure of its own
            rgba = rgba_of(_single_point_figure(chart).canvas)
        self._submit(path, rgba, {"Software": software(), KEY_FIELD: key})
        self.drawn += 1

    def _submit(self, path: Path, rgba: np.ndarray, metadata: dict[str, str]) -> None:
        if self._writer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vane-charts")
        while len(self._pending) >= self.PENDING:
            self._pending.pop(0).result()
        self._pending.append(self._writer.submit(_write_chart, path, rgba, metadata))

    def _setup(self) -> None:
        import matplotlib.dates
        from matplotlib.figure import Figure

        figure = Figure(figsize=TRAJECTORY_SIZE, dpi=DPI)
        self._canvas = _glyph_caching_canvas()(figure)
        axes = figure.add_subplot()
        axes.xaxis_date()
        self._date2num = matplotlib.dates.date2num
        self._figure, self._axes = figure, axes
        self._bands, self._lines = [], []
        _trajectory_style(figure, axes)
        self._marks = _Marks(axes)

    def _series(self, count: int) -> None:
        """At least ``count`` bands and lines (their z-order, not the order they were made in, sets how they stack)."""
        axes = self._axes
        for k in range(len(self._lines), count):
            colour, line = style(k)
            self._bands.append(axes.fill_between([0.0, 1.0], [0.0, 0.0], [0.0, 0.0], color=colour, alpha=0.15,
                                                 linewidth=0))
            self._lines.append(axes.plot([0.0, 1.0], [0.0, 0.0], color=colour, linestyle=line, linewidth=1.8)[0])

    def _redraw(self, chart: Trajectory) -> np.ndarray:
        if self._figure is None:
            self._setup()
        count = len(chart.scenario_ids)
        self._series(count)
        x = self._date2num(list(chart.dates))
        for k, (band, line) in enumerate(zip(self._bands, self._lines)):
            band.set_visible(k < count)
            line.set_visible(k < count)
            if k < count:
                band.set_data(x, chart.low[:, k], chart.high[:, k])
                line.set_data(x, chart.mean[:, k])
        self._marks.update(chart, x, self._canvas.get_renderer())
        return rgba_of(self._canvas)


class _Marks:
    """What a trajectory chart draws besides its lines and bands: made once for a figure, then updated chart by chart.

    The evidence as ticks in a strip under the plot (never on a line near 0%),
    the deadline's dotted line and its label, and per scenario a hollow circle
    at the prior, filled diamonds at analysts' stated forecasts, its name at
    the end of its line (close names pushed apart, ``spread_labels``) and a
    thin leader line to a name that had to move. Each kind has a z-order of its
    own, so artists stack the same whatever order they were made in.
    """

    def __init__(self, axes) -> None:
        self.axes = axes
        note = {"fontsize": NOTE_POINTS, "color": NOTE_COLOUR, "parse_math": False}
        self.rug = axes.vlines([], *RUG, transform=axes.get_xaxis_transform(), color=RUG_COLOUR, linewidth=1,
                               clip_on=False, zorder=1.6)
        self.rug_note = axes.text(1.0, sum(RUG) / 2, "evidence", transform=axes.transAxes, ha="left", va="center",
                                  **note)
        self.deadline = axes.axvline(0.0, color=DEADLINE_COLOUR, linestyle=":", linewidth=1, zorder=1.6)
        self.deadline_note = axes.text(0.0, 1.0 + 3 / _AXES_PIXELS[1], "", transform=axes.get_xaxis_transform(),
                                       va="bottom", **note)
        self.prior_note = axes.text(0.0, 0.0, "prior", ha="center", va="bottom", **note)
        self.stated_note = axes.text(0.0, 1.0 + 3 / _AXES_PIXELS[1], "\u25c6 analysts' stated forecasts",
                                     transform=axes.transAxes, ha="left", va="bottom", **note)
        self.priors: list = []
        self.stated: list = []
        self.leaders: list = []
        self.names: list = []
        self._widths: dict[tuple[str, float], float] = {}  # pixels each text beside the plot takes, measured once

    def _add(self, k: int) -> None:
        axes, (colour, _) = self.axes, style(k)
        self.leaders.append(axes.plot([0.0, 1.0], [0.0, 0.0], color=colour, linewidth=0.7, alpha=0.7,
                                      transform=axes.transAxes, clip_on=False, zorder=2.1)[0])
        self.priors.append(axes.plot([0.0], [0.0], linestyle="none", marker="o", markersize=6.5,
                                     markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.5,
                                     clip_on=False, zorder=2.2)[0])
        self.stated.append(axes.plot([0.0], [0.0], linestyle="none", marker="D", markersize=5, color=colour,
                                     markeredgecolor="white", markeredgewidth=0.6, zorder=2.3)[0])
        self.names.append(axes.text(0.0, 0.0, "", transform=axes.transAxes, color=colour, fontsize=LABEL_POINTS,
                                    ha="left", va="center", parse_math=False))

    def update(self, chart: Trajectory, x: np.ndarray, renderer) -> None:
        """Show ``chart``'s marks (``x``: its dates as numbers); set the right margin and the dates shown."""
        import matplotlib.dates

        count = len(chart.scenario_ids)
        while len(self.names) < count:
            self._add(len(self.names))
        for k, name in enumerate(self.names):
            name.set_visible(k < count)
            name.set_text(label_text(chart.scenario_ids[k]) if k < count else "")
        ticks = matplotlib.dates.date2num(list(chart.evidence_dates)) if chart.evidence_dates else np.zeros(0)
        segments = np.empty((len(ticks), 2, 2))  # one array: matplotlib makes each tick's path from it the fastest
        segments[:, :, 0], segments[:, :, 1] = ticks[:, None], RUG
        self.rug.set_segments(segments)
        self.rug.set_visible(bool(chart.evidence_dates))
        self.rug_note.set_visible(bool(chart.evidence_dates))
        shown = [text for text in (*self.names[:count], self.rug_note) if text.get_visible()]
        right = label_margin(max((self._width(text, renderer) for text in shown), default=0.0))
        if right != self.axes.figure.subplotpars.right:  # charts with names of much the same length share a layout
            self.axes.figure.subplots_adjust(right=right)
        low, high = x_range(chart, matplotlib.dates.date2num)
        self.axes.set_xlim(low, high)
        width = _AXES_PIXELS[0] * (right - TRAJECTORY_LAYOUT["left"])  # the plot's width in pixels
        self._deadline(chart, (low, high))
        self._prior(chart)
        self._stated(chart, count)
        self._names(chart, (float(x[-1]) - low) / (high - low), width)

    def _width(self, text, renderer) -> float:
        """The pixels ``text`` takes across (names and notes differ only in size: with its string, that decides)."""
        key = (text.get_text(), text.get_fontsize())
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) >= GLYPH_CACHE:
                self._widths.clear()
            width = self._widths[key] = text.get_window_extent(renderer).width
        return width

    def _deadline(self, chart: Trajectory, limits: tuple[float, float]) -> None:
        """The dotted line with "closes 31 Dec" over it, or "closes 2026-12-31 →" in the corner."""
        import matplotlib.dates

        low, high = limits
        shown = chart.deadline_shown
        closes = float(matplotlib.dates.date2num(chart.closes))
        self.deadline.set_visible(shown)
        self.deadline.set_xdata([closes, closes])
        at = closes if shown else high
        where = (at - low) / (high - low)  # over the line, kept inside the plot's width
        self.deadline_note.set_horizontalalignment("right" if where > 0.9 else "left" if where < 0.1 else "center")
        self.deadline_note.set_x(at)
        self.deadline_note.set_text(deadline_text(chart))

    def _prior(self, chart: Trajectory) -> None:
        """A hollow circle per scenario at the opening date, and "prior" over them (``prior_note_height``)."""
        import matplotlib.dates

        shown = chart.prior_shown
        self.prior_note.set_visible(shown)
        for k, marker in enumerate(self.priors):
            marker.set_visible(shown and k < len(chart.scenario_ids))
        if not shown:
            return
        opened = float(matplotlib.dates.date2num(chart.opened))
        for k, probability in enumerate(chart.prior):
            self.priors[k].set_data([opened], [probability])
        self.prior_note.set_position((opened, prior_note_height(chart.prior)))

    def _stated(self, chart: Trajectory, count: int) -> None:
        """Each scenario's stated probabilities as diamonds at their dates; the note at the top when there are any."""
        import matplotlib.dates

        days = matplotlib.dates.date2num([day for day, _ in chart.stated]) if chart.stated else np.zeros(0)
        values = np.full((len(chart.stated), count), np.nan)  # NaN: no probability stated for that scenario
        for row, (_, probabilities) in enumerate(chart.stated):
            values[row, :len(probabilities[:count])] = probabilities[:count]
        for k, marker in enumerate(self.stated):
            given = np.isfinite(values[:, k]) if k < count else np.zeros(0, dtype=bool)
            marker.set_visible(bool(given.any()))
            if given.any():
                marker.set_data(days[given], values[given, k])
        self.stated_note.set_visible(any(marker.get_visible() for marker in self.stated))

    def _names(self, chart: Trajectory, end: float, width: float) -> None:
        """Names beside the lines' ends (``end``: where they end, in axes widths), apart; leaders to names moved."""
        count = len(chart.scenario_ids)
        targets = np.clip(chart.mean[-1, :count], 0.0, 1.0)
        heights = spread_labels(targets, LABEL_GAP, LABEL_LOW, 1.0)
        left = 1.0 + LABEL_PAD / width
        self.rug_note.set_x(left)
        for k, leader in enumerate(self.leaders):
            if k >= count:
                leader.set_visible(False)
                continue
            self.names[k].set_position((left, heights[k]))
            moved = abs(heights[k] - targets[k]) > 0.25 * LABEL_GAP or (left - end) * width > 30
            leader.set_visible(bool(moved))
            leader.set_data([end + 3 / width, left - 2 / width], [targets[k], heights[k]])


GLYPH_CACHE = 4096  # texts whose glyph images one figure keeps (each a few small images): then it starts afresh


class _GlyphRecorder:
    """Stands in for the Agg renderer while one text is drawn: passes each glyph image on and keeps a copy of it."""

    def __init__(self, renderer) -> None:
        self.renderer = renderer
        self.glyphs: list | None = []  # None once the text did anything else than draw glyph images

    def draw_text_image(self, image, x, y, angle, gc) -> None:
        if self.glyphs is not None and isinstance(image, np.ndarray):
            self.glyphs.append((image.copy(), x, y, angle))
        else:
            self.glyphs = None
        self.renderer.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name: str):
        self.glyphs = None  # anything else: not kept
        return getattr(self.renderer, name)


_CANVAS: list = []


def _glyph_caching_canvas():
    """An Agg canvas whose renderer keeps the glyph images of each text it draws, to blend again when drawn again.

    Trajectory charts draw the same texts at the same places chart after chart
    (the percent labels, most dates, the notes, names at the same heights), and laying out and
    rendering their glyphs (FreeType) is most of the cost of a text. A text drawn
    with the same string, font, size, angle, position, antialiasing, hinting and
    font features as before blends the same glyph images, at the same pixels, as
    matplotlib would render afresh; only its colour comes from the call.
    """
    if _CANVAS:
        return _CANVAS[0]
    import matplotlib
    from matplotlib.backends.backend_agg import (
        FigureCanvasAgg,
        RendererAgg,
        get_hinting_flag,
    )

    class GlyphCachingRenderer(RendererAgg):
        def __init__(self, width, height, dpi) -> None:
            super().__init__(width, height, dpi)
            self._glyphs: dict = {}
            self._heights: dict = {}
            self._layouts: dict = {}

        def _get_font_height_metrics(self, prop):
            """A font's ascent, descent and line gap at this renderer's dpi, worked out once per font.

            Matplotlib (3.11) asks a renderer that offers this method, and
            otherwise reads two of the font's tables on every layout of every
            text (a tenth of drawing a chart); these are its numbers, by its
            formula. ``FontProperties`` are equal when their hashes are, as in
            matplotlib's own font caches.
            """
            key = hash(prop)
            found = self._heights.get(key)
            if found is None:
                found = self._heights[key] = _font_height_metrics(prop, self.dpi)
            return found

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if ismath:
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            text = (s, tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
                    prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily(),
                    angle, bool(gc.get_antialiased()), matplotlib.rcParams["text.hinting"],
                    matplotlib.rcParams["text.hinting_factor"], None if features is None else tuple(features),
                    language if language is None or isinstance(language, str) else repr(language),
                    self.dpi, self.width, self.height)  # everything but where it is drawn
            key = (*text, x, y)
            glyphs = self._glyphs.get(key)
            if glyphs is not None:
                for image, left, bottom, turn in glyphs:
                    self._renderer.draw_text_image(image, left, bottom, turn, gc)
                return None
            recorder, renderer = _GlyphRecorder(self._renderer), self._renderer
            self._renderer = recorder
            try:
                drawn = self._draw_laid_out(gc, x, y, s, prop, angle, mtext, text)
            finally:
                self._renderer = renderer
            if recorder.glyphs is not None:
                if len(self._glyphs) >= GLYPH_CACHE:
                    self._glyphs.clear()
                self._glyphs[key] = recorder.glyphs
            return drawn

        def _draw_laid_out(self, gc, x, y, s, prop, angle, mtext, text):
            """``RendererAgg.draw_text`` with each text's layout (its glyphs and their offsets, which do not depend
            on where it is drawn) worked out once: names, dates and notes recur at other places chart after chart,
            and laying a text out (shaping it) costs more than rendering its glyphs. ``text``: the text's key (the
            glyph key without the position)."""
            font = self._prepare_font(prop)
            if not hasattr(font, "_layout"):  # matplotlib before 3.11 lays texts out another way
                return super().draw_text(gc, x, y, s, prop, angle, False, mtext)
            items = self._layouts.get(text)
            if items is None:
                if len(self._layouts) >= GLYPH_CACHE:
                    self._layouts.clear()
                items = self._layouts[text] = tuple(font._layout(
                    s, flags=get_hinting_flag(), features=mtext.get_fontfeatures() if mtext is not None else None,
                    language=mtext.get_language() if mtext is not None else None))
            size = prop.get_size_in_points()
            glyphs = ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items)
            self._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, [])
            return None

    class GlyphCachingCanvas(FigureCanvasAgg):
        def get_renderer(self):
            width, height = self.get_width_height(physical=True)
            key = width, height, self.figure.dpi
            if self._lastKey != key:
                self.renderer = GlyphCachingRenderer(width, height, self.figure.dpi)
                self._lastKey = key
            return self.renderer

    _CANVAS.append(GlyphCachingCanvas)
    return GlyphCachingCanvas


def _font_height_metrics(prop, dpi: float) -> tuple:
    """``(ascent, descent, line gap)`` of the font ``prop`` names, in pixels at ``dpi``, as ``Text._get_layout``
    works them out from the font's tables; ``(None, None, None)`` when it has neither table (matplotlib then
    measures the text)."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                         ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _trajectory_style(figure, axes) -> None:
    """What every trajectory chart shares: the y axis in percent, the grid, the spines, dates, the layout."""
    import matplotlib.dates

    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    locator = matplotlib.dates.AutoDateLocator()  # short dates, level, the year once: no slanted labels to make room for
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    axes.tick_params(labelsize=LABEL_POINTS)
    axes.xaxis.get_offset_text().set_fontsize(LABEL_POINTS)
    axes.grid(True, axis="y", color="#eeeeee")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_position(("outward", SPINE_OFFSET))  # the evidence strip between the plot and its dates
    figure.subplots_adjust(right=label_margin(0.0), **TRAJECTORY_LAYOUT)
    axes.xaxis.set_label_coords(0.5, -0.2)  # no axis titles: fixed places spare measuring the tick labels
    axes.yaxis.set_label_coords(-0.1, 0.5)


def _single_point_figure(chart: Trajectory):
    """A question opened this week: its one week as points with error bars, with the marks of every chart."""
    import matplotlib.dates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=TRAJECTORY_SIZE, dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.xaxis_date()
    _trajectory_style(figure, axes)
    x = matplotlib.dates.date2num(list(chart.dates))
    for k in range(len(chart.scenario_ids)):
        colour, _ = style(k)
        spread = np.clip([chart.mean[:, k] - chart.low[:, k], chart.high[:, k] - chart.mean[:, k]],
                         0.0, None)  # rounding can dip below 0
        axes.errorbar(x, chart.mean[:, k], yerr=spread, color=colour, marker="o")
    _Marks(axes).update(chart, x, canvas.get_renderer())
    return figure


def trajectory_chart(scenario_ids, dates, mean, low, high, evidence_dates, closes, path: Path,
                     opened: dt.date | None = None, prior=(), stated=()) -> Path:
    """Weekly probabilities of each scenario with their 80% bands, evidence as ticks under them (one chart)."""
    with TrajectoryCharts() as charts:
        charts.draw(Trajectory(tuple(scenario_ids), tuple(dates), mean, low, high, tuple(evidence_dates), closes,
                               opened, tuple(prior), tuple(stated)), path)
    return path


PARALLEL_FROM = 24  # charts in a report from which worker processes draw them (each pays for importing matplotlib)


WORKERS = 2


SPARE_CORES = 1.0  # workers only pay when a core is free: on a busy machine they only take turns with the forecasts


def chart_workers(charts: int) -> int:
    """How many worker processes should draw ``charts`` charts.

    None for a few charts, where processes cannot fork (or should not: JAX is
    loaded), or while the machine is busy (other processes leave less than
    ``SPARE_CORES`` cores free, ``parallel.busy_cores``); else ``WORKERS``, at most one per core.
    """
    import multiprocessing
    import os
    import sys

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if charts < PARALLEL_FROM or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if "jax" in sys.modules:  # JAX's threads make a fork likely to deadlock (a process that also calibrated)
        return 0
    from model.base.parallel import busy_cores

    return min(WORKERS, cores) if cores - busy_cores() >= SPARE_CORES else 0


class ParallelCharts:
    """Trajectory charts drawn by worker processes while the caller goes on (with the next questions' forecasts).

    A chart whose file already shows its data is skipped here, without a
    worker. The others go to the workers in batches; each worker keeps one
    ``TrajectoryCharts`` (one figure) for all its batches, and a batch is done
    when its charts are written. ``finish`` waits for all of them; a batch
    whose worker died is drawn again in this process, and any other error is
    raised. Workers ignore Ctrl-C: the caller stops them (``close``).
    """

    BATCH = 8

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._pool = None
        self._batch: list[tuple[Trajectory, Path, str]] = []
        self._submitted: list[tuple[object, list]] = []
        self._lost: list[tuple[Trajectory, Path, str]] = []  # charts no worker can draw any more
        self.drawn = 0
        self.unchanged = 0

    def __enter__(self) -> "ParallelCharts":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def draw(self, chart: Trajectory, path: Path) -> None:
        """Have ``chart`` written to ``path`` (by a worker) unless the file there already shows exactly it."""
        key = chart.key()
        if chart_key(path) == key:
            self.unchanged += 1
            return
        self._batch.append((chart, path, key))
        if len(self._batch) >= self.BATCH:
            self._send()

    def _send(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        if not self._batch:
            return
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_start_worker)
        batch, self._batch = self._batch, []
        try:
            self._submitted.append((self._pool.submit(_draw_batch, batch), batch))
        except BrokenProcessPool:  # a worker has died: the rest is drawn here, in finish
            self._lost.extend(batch)

    def finish(self, progress=lambda done, total: None) -> None:
        """Wait until every chart is written, reporting each batch done; raise the first error in drawing one."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        self._send()
        futures = dict(self._submitted)
        lost, self._lost, self._submitted = self._lost, [], []
        done, total = 0, len(lost) + sum(len(batch) for batch in futures.values())
        for future in as_completed(futures):
            try:
                future.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): its charts are drawn here
                lost.extend(futures[future])
                continue
            done += len(futures[future])
            progress(done, total)
        if lost:
            with TrajectoryCharts() as charts:
                for chart, path, key in lost:
                    charts.render(chart, path, key)
                    done += 1
                    progress(done, total)
        self.drawn += total

    def close(self) -> None:
        """Stop the workers: batches not yet started are dropped, the ones being drawn are finished first."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_WORKER_CHARTS: list[TrajectoryCharts] = []


def _start_worker() -> None:
    import gc
    import os
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the caller, which stops the workers
    gc.freeze()  # what the worker inherits is never collected here: no time spent on it, no pages copied for it
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="vane-charts-parent").start()


def _exit_with(parent: int) -> None:
    """End this worker once its parent has gone (killed, so that it could not stop its workers)."""
    import os
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _draw_batch(batch: list[tuple[Trajectory, Path, str]]) -> int:
    """In a worker: draw and write a batch of charts on the worker's one figure; return when they are written."""
    if not _WORKER_CHARTS:
        _WORKER_CHARTS.append(TrajectoryCharts())
    charts = _WORKER_CHARTS[0]
    for chart, path, key in batch:
        charts.render(chart, path, key)
    charts.flush()
    return len(batch)
