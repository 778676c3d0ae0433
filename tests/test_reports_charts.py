"""The report's trajectory charts: drawn on one reused figure exactly as on a fresh one, redrawn only when what they
show changes, and drawn by worker processes with the same result."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from model.base import parallel
from model.reports import charts, drawing_key, trajectories
from model.reports.charts import chart_key
from model.reports.trajectories import ParallelCharts, Trajectory, TrajectoryCharts
from tests.helpers import vane

START = dt.date(2025, 1, 5)


def trajectory(scenarios: int = 3, weeks: int = 30, seed: int = 0, evidence: int = 40, closes_after: int = 60,
               names: str = "s", prior: bool = False, stated: int = 0) -> Trajectory:
    """Weekly probabilities of ``scenarios`` scenarios that wander, with 80% bands around them; with ``prior``, the
    first week's probabilities as the prior of a question opened three days before; ``stated`` stated forecasts."""
    rng = np.random.default_rng(seed)
    logits = np.cumsum(rng.normal(0, 0.3, (weeks, scenarios)), axis=0)
    mean = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    low = np.clip(mean - rng.uniform(0, 0.1, mean.shape), 0, 1)
    high = np.clip(mean + rng.uniform(0, 0.1, mean.shape), 0, 1)
    dates = tuple(START + dt.timedelta(weeks=w) for w in range(weeks))
    days = sorted({START + dt.timedelta(days=int(d)) for d in rng.integers(0, 7 * weeks - 6, evidence)})
    said = []
    for week in sorted(rng.choice(weeks, stated, replace=False)) if stated else ():
        values = rng.dirichlet(np.ones(scenarios))
        said.append((dates[week] - dt.timedelta(days=1), tuple(float(value) for value in values)))
    return Trajectory(tuple(f"{names}{k + 1}" for k in range(scenarios)), dates, mean, low, high, tuple(days),
                      dates[-1] + dt.timedelta(days=closes_after),
                      opened=START - dt.timedelta(days=3) if prior else None,
                      prior=tuple(float(value) for value in mean[0]) if prior else (), stated=tuple(said))


def ending_at(ends, weeks: int = 20, **options) -> Trajectory:
    """A chart whose scenarios end at the probabilities ``ends`` (the other weeks as ``trajectory`` makes them)."""
    chart = trajectory(len(ends), weeks=weeks, **options)
    mean = chart.mean.copy()
    mean[-1] = ends
    return replace(chart, mean=mean)


def reference_chart(chart: Trajectory) -> np.ndarray:
    """The chart as a fresh pyplot figure draws it, artist by artist with plain calls (no artist made for another
    chart and changed since); the positions come from the module's layout helpers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(900 / 110, 360 / 110))
    axes.xaxis_date()
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.tick_params(labelsize=8)
    axes.xaxis.get_offset_text().set_fontsize(8)
    axes.grid(True, axis="y", color="#eeeeee")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_position(("outward", 12))
    x, count = mdates.date2num(list(chart.dates)), len(chart.scenario_ids)
    for k in range(count):
        colour, line = charts.style(k)
        if len(x) > 1:
            axes.fill_between(x, chart.low[:, k], chart.high[:, k], color=colour, alpha=0.15, linewidth=0)
            axes.plot(x, chart.mean[:, k], color=colour, linestyle=line, linewidth=1.8)
        else:
            spread = np.clip([chart.mean[:, k] - chart.low[:, k], chart.high[:, k] - chart.mean[:, k]], 0.0, None)
            axes.errorbar(x, chart.mean[:, k], yerr=spread, color=colour, marker="o")
    note = {"fontsize": 7, "color": "#666666", "parse_math": False}
    if chart.evidence_dates:
        axes.vlines(mdates.date2num(list(chart.evidence_dates)), *trajectories.RUG, transform=axes.get_xaxis_transform(),
                    color="#333333", linewidth=1, clip_on=False, zorder=1.6)
    rug_note = axes.text(1.0, sum(trajectories.RUG) / 2, "evidence", transform=axes.transAxes, ha="left", va="center",
                         visible=bool(chart.evidence_dates), **note)
    low, high = trajectories.x_range(chart, mdates.date2num)
    closes = mdates.date2num(chart.closes)
    if chart.deadline_shown:
        axes.axvline(closes, color="#999999", linestyle=":", linewidth=1, zorder=1.6)
    at = closes if chart.deadline_shown else high
    where = (at - low) / (high - low)
    axes.text(at, 1.0 + 3 / trajectories._AXES_PIXELS[1], trajectories.deadline_text(chart), transform=axes.get_xaxis_transform(),
              va="bottom", ha="right" if where > 0.9 else "left" if where < 0.1 else "center", **note)
    if chart.prior_shown:
        axes.text(mdates.date2num(chart.opened), trajectories.prior_note_height(chart.prior), "prior", ha="center",
                  va="bottom", **note)
    stated_points = [[(day, values[k]) for day, values in chart.stated if np.isfinite(values[k])]
                     for k in range(count)]
    if any(stated_points):
        axes.text(0.0, 1.0 + 3 / trajectories._AXES_PIXELS[1], "\u25c6 analysts' stated forecasts", transform=axes.transAxes,
                  ha="left", va="bottom", **note)
    names = [axes.text(0.0, 0.0, trajectories.label_text(name), transform=axes.transAxes, color=charts.style(k)[0],
                       fontsize=8, ha="left", va="center", parse_math=False)
             for k, name in enumerate(chart.scenario_ids)]
    renderer = figure.canvas.get_renderer()
    widths = [text.get_window_extent(renderer).width for text in names + [rug_note] * bool(chart.evidence_dates)]
    right = trajectories.label_margin(max(widths))
    figure.subplots_adjust(left=0.055, right=right, bottom=0.16, top=0.93)
    width = 900 * (right - 0.055)
    axes.set_xlim(low, high)
    end, left = (x[-1] - low) / (high - low), 1.0 + 6 / width
    rug_note.set_x(left)
    targets = np.clip(chart.mean[-1], 0, 1)
    heights = trajectories.spread_labels(targets, trajectories.LABEL_GAP, trajectories.LABEL_LOW)
    for k in range(count):
        colour = charts.style(k)[0]
        if abs(heights[k] - targets[k]) > 0.25 * trajectories.LABEL_GAP or (left - end) * width > 30:
            axes.plot([end + 3 / width, left - 2 / width], [targets[k], heights[k]], color=colour, linewidth=0.7,
                      alpha=0.7, transform=axes.transAxes, clip_on=False, zorder=2.1)
        if chart.prior_shown:
            axes.plot([mdates.date2num(chart.opened)], [chart.prior[k]], linestyle="none", marker="o",
                      markersize=6.5, markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.5,
                      clip_on=False, zorder=2.2)
        if stated_points[k]:
            days, values = zip(*stated_points[k])
            axes.plot(mdates.date2num(list(days)), values, linestyle="none", marker="D", markersize=5, color=colour,
                      markeredgecolor="white", markeredgewidth=0.6, zorder=2.3)
        names[k].set_position((left, heights[k]))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return pixels(io.BytesIO(charts.encode_png(pixels(buffer), {})))  # in the palette our charts are kept in


def pixels(file) -> np.ndarray:
    from PIL import Image

    with Image.open(file) as image:
        return np.asarray(image.convert("RGBA"))


def single_point(chart: Trajectory) -> Trajectory:
    """The chart's last week alone, as for a question opened this week."""
    return replace(chart, dates=chart.dates[-1:], mean=chart.mean[-1:], low=chart.low[-1:], high=chart.high[-1:],
                   evidence_dates=chart.evidence_dates[-2:])


def test_charts_on_one_reused_figure_are_the_charts_of_fresh_figures(tmp_path: Path):
    base = trajectory(3)
    cases = [
        trajectory(2, seed=1),  # few lines first: more are added later, in the order a fresh figure draws them
        trajectory(5, seed=2, weeks=52, evidence=150),
        trajectory(5, seed=3, names="t"),  # the same number of lines, another legend
        trajectory(5, seed=4, names="t"),  # the same legend
        trajectory(3, seed=5, evidence=0),  # no evidence ticks
        trajectory(3, seed=6, closes_after=2),  # the deadline inside the range: a dotted line
        trajectory(3, seed=7, weeks=3, closes_after=9),  # the deadline just past the range widens it
        trajectory(10, seed=8),  # more scenarios than colours: dashed lines
        single_point(base),  # a question opened this week
        Trajectory(base.scenario_ids, base.dates[-1:], base.mean[-1:], base.low[-1:], base.high[-1:], (),
                   base.dates[-1]),
        trajectory(2, seed=9, weeks=2),
        trajectory(4, seed=16, prior=True, stated=5),  # the prior, stated forecasts, a deadline in the corner
        trajectory(3, seed=17, evidence=0),  # then none of them: nothing left over from the chart before
        replace(trajectory(3, seed=18, stated=2), stated=((START + dt.timedelta(days=20), (0.5, float("nan"), 0.5)),)),
        ending_at([0.5, 0.51, 0.49, 0.0, 0.0], prior=True, closes_after=1),  # close names pushed apart; the deadline
        replace(ending_at([0.02, 0.96, 0.02], prior=True), prior=(0.02, 0.96, 0.02)),  # "prior" under its circles
        trajectory(2, seed=19),
        # a wider margin for a long name, a name measured like the note beside the strip, then the narrow margin again
        replace(trajectory(3, seed=20), scenario_ids=("evidence", "a much longer scenario name", "x\u202ey")),
        trajectory(3, seed=21),
        replace(single_point(trajectory(3, prior=True, stated=3)), opened=START + dt.timedelta(weeks=29, days=-4),
                stated=((START + dt.timedelta(weeks=29, days=-1), (0.2, 0.3, 0.5)),)),  # opened this week
    ]
    with TrajectoryCharts() as drawer:
        for number, chart in enumerate(cases):
            assert drawer.draw(chart, tmp_path / f"{number}.png")
    for number, chart in enumerate(cases):
        drawn, expected = pixels(tmp_path / f"{number}.png"), reference_chart(chart)
        assert drawn.shape == expected.shape == (360, 900, 4)
        differing = np.sum(np.any(drawn != expected, axis=2))
        assert differing == 0, f"case {number}: {differing} pixels differ"


def test_legends_and_texts_kept_from_earlier_charts_draw_what_fresh_figures_draw(tmp_path: Path):
    """A legend made for an earlier chart, and the glyphs of texts drawn before, give the same pixels."""
    cases = [
        trajectory(3, seed=11),
        trajectory(4, seed=12, names="t"),
        trajectory(3, seed=13),  # the legend of the first chart again, after another; the same dates and labels
        trajectory(2, seed=14, names="t"),
        trajectory(4, seed=15, names="t", weeks=20),  # the second chart's legend again, other dates
        trajectory(3, seed=11),  # exactly the first chart again
    ]
    with TrajectoryCharts() as drawer:
        for number, chart in enumerate(cases):
            assert drawer.draw(chart, tmp_path / f"{number}.png")
    for number, chart in enumerate(cases):
        differing = np.sum(np.any(pixels(tmp_path / f"{number}.png") != reference_chart(chart), axis=2))
        assert differing == 0, f"case {number}: {differing} pixels differ"


def test_the_glyph_cache_stays_bounded(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(trajectories, "GLYPH_CACHE", 5)
    cases = [trajectory(3, seed=seed, weeks=10 + seed) for seed in range(4)]
    with TrajectoryCharts() as drawer:
        for number, chart in enumerate(cases):
            drawer.draw(chart, tmp_path / f"{number}.png")
        assert len(drawer._canvas.get_renderer()._glyphs) <= 5
    for number, chart in enumerate(cases):
        assert np.array_equal(pixels(tmp_path / f"{number}.png"), reference_chart(chart))


def test_a_chart_is_drawn_again_only_when_what_it_shows_changes(tmp_path: Path):
    path, chart = tmp_path / "q.png", trajectory(3)
    with TrajectoryCharts() as drawer:
        assert drawer.draw(chart, path)
    assert chart_key(path) == chart.key()
    first = path.stat()
    with TrajectoryCharts() as drawer:
        assert not drawer.draw(trajectory(3), path)  # the same data, computed again: the file is left alone
    assert path.stat().st_mtime_ns == first.st_mtime_ns and path.stat().st_ino == first.st_ino

    moved = trajectory(3)
    moved.mean[-1, 0] += 1e-12  # any change in what it shows
    later = Trajectory(chart.scenario_ids, chart.dates, chart.mean, chart.low, chart.high, chart.evidence_dates,
                       chart.closes + dt.timedelta(days=1))
    renamed = trajectory(3, names="x")
    opened = replace(chart, opened=START, prior=(0.2, 0.3, 0.5))
    stated = replace(chart, stated=((START, (0.2, 0.3, 0.5)),))
    for changed in (moved, later, renamed, opened, stated):
        assert changed.key() != chart.key()
        with TrajectoryCharts() as drawer:
            assert drawer.draw(changed, path)
        assert chart_key(path) == changed.key()


def test_the_prior_and_stated_forecasts_are_part_of_the_key_and_drawn(tmp_path: Path):
    plain, with_prior = trajectory(3, prior=False), trajectory(3, prior=True)
    stated = replace(with_prior, stated=((START + dt.timedelta(days=40), (0.6, 0.3, 0.1)),))
    later = replace(stated, stated=((START + dt.timedelta(days=41), (0.6, 0.3, 0.1)),))
    other = replace(stated, stated=((START + dt.timedelta(days=40), (0.6, 0.1, 0.3)),))
    keys = [chart.key() for chart in (plain, with_prior, stated, later, other)]
    assert len(set(keys)) == len(keys)
    with TrajectoryCharts() as drawer:
        for number, chart in enumerate((with_prior, stated)):
            drawer.draw(chart, tmp_path / f"{number}.png")
        marks = drawer._marks
        day = float(charts_dates().date2num(START + dt.timedelta(days=40)))
        assert [tuple(marker.get_xydata()[0]) for marker in marks.stated[:3]] == [(day, 0.6), (day, 0.3), (day, 0.1)]
        assert all(marker.get_marker() == "D" for marker in marks.stated)
        opened = float(charts_dates().date2num(START - dt.timedelta(days=3)))
        assert [tuple(marker.get_xydata()[0]) for marker in marks.priors[:3]] == [
            (opened, value) for value in with_prior.prior]
        assert marks.priors[0].get_marker() == "o" and marks.priors[0].get_markerfacecolor() == "white"
        assert marks.prior_note.get_visible() and marks.prior_note.get_text() == "prior"
        assert marks.stated_note.get_visible()
    drawn = [pixels(tmp_path / f"{number}.png") for number in range(2)]
    assert np.any(drawn[0] != drawn[1])  # the diamonds show


def charts_dates():
    import matplotlib.dates

    return matplotlib.dates


def test_a_prior_is_marked_only_when_the_chart_starts_at_the_opening():
    chart = trajectory(3, prior=True)
    assert chart.prior_shown
    assert not replace(chart, opened=START - dt.timedelta(days=30)).prior_shown  # the weeks shown start later
    assert not replace(chart, prior=()).prior_shown and not replace(chart, prior=(0.5, float("nan"), 0.5)).prior_shown


def test_evidence_ticks_sit_in_a_strip_under_the_plot_and_never_on_a_line(tmp_path: Path):
    chart = ending_at([0.0, 0.0, 1.0], evidence=60)  # two lines along 0%, where the ticks used to be
    with TrajectoryCharts() as drawer:
        drawer.draw(chart, tmp_path / "q.png")
        axes, rug = drawer._axes, drawer._marks.rug
        renderer = drawer._canvas.get_renderer()
        assert rug.get_transform() == axes.get_xaxis_transform() and not rug.get_clip_on()
        assert all(y < 0 for segment in rug.get_segments() for _, y in segment)  # below the plot's bottom (0%)
        plot, strip = axes.get_window_extent(renderer), rug.get_window_extent(renderer)
        assert strip.y1 < plot.y0 and plot.x0 <= strip.x0 and strip.x1 <= plot.x1
        assert strip.y0 > axes.xaxis.get_tightbbox(renderer).y0  # over the dates
        for line in drawer._lines[:3]:
            assert line.get_window_extent(renderer).y0 >= plot.y0 - 1  # lines stay in the plot (the width of a line)


@pytest.mark.parametrize("ends", [[0.5, 0.51], [0.49, 0.5, 0.51, 0.5], [0.0, 0.0, 0.01, 1.0, 0.99]])
def test_names_at_the_line_ends_do_not_overlap(tmp_path: Path, ends):
    with TrajectoryCharts() as drawer:
        drawer.draw(ending_at(ends, evidence=30), tmp_path / "q.png")
        renderer = drawer._canvas.get_renderer()
        names = drawer._marks.names[:len(ends)]
        boxes = sorted((name.get_window_extent(renderer) for name in names), key=lambda box: box.y0)
        note = drawer._marks.rug_note.get_window_extent(renderer)
        plot = drawer._axes.get_window_extent(renderer)
        figure = drawer._figure.bbox
        assert all(below.y1 <= above.y0 + 0.5 for below, above in zip(boxes, boxes[1:]))  # glyph boxes, half a pixel
        assert boxes[0].y0 >= note.y1 - 0.5  # clear of the "evidence" note
        assert all(box.x0 > plot.x1 and box.x1 <= figure.x1 and 0 <= box.y0 and box.y1 <= figure.y1 for box in boxes)
        assert [name.get_color() for name in names] == [charts.style(k)[0] for k in range(len(ends))]
        assert [name.get_text() for name in names] == [f"s{k + 1}" for k in range(len(ends))]


def test_labels_are_spread_apart_within_their_bounds_and_left_alone_when_apart():
    far = trajectories.spread_labels([0.1, 0.5, 0.9], 0.05)
    assert np.allclose(far, [0.1, 0.5, 0.9])  # nothing to move
    close = trajectories.spread_labels([0.51, 0.5, 0.49, 0.5], 0.05)
    assert np.all(np.diff(np.sort(close)) >= 0.05 - 1e-9) and abs(close.mean() - 0.5) < 1e-9
    assert list(np.argsort(close, kind="stable")) == [2, 1, 3, 0]  # in the order of their lines, ties as given
    edge = trajectories.spread_labels([0.0, 0.0, 0.01, 1.0, 1.0], 0.05, 0.02, 1.0)
    assert edge.min() >= 0.02 and edge.max() <= 1.0 and np.all(np.diff(np.sort(edge)) >= 0.05 - 1e-9)
    crowded = trajectories.spread_labels(np.full(30, 0.5), 0.05)  # more than fit: the gap shrinks
    assert crowded.min() >= 0 and crowded.max() <= 1 + 1e-9 and np.all(np.diff(np.sort(crowded)) > 0.03)


def test_long_or_hostile_scenario_names_are_shown_visible_and_cut(tmp_path: Path):
    hostile = "evil\u202e\x1b[31mred $x^2$ and a very long name after it"
    assert trajectories.label_text(hostile) == "evil\\u202e\\x1b[31m\u2026"  # 18 characters, the escapes counted
    assert trajectories.label_text("deal") == "deal" and trajectories.label_text("x" * 18) == "x" * 18
    assert trajectories.label_text("x" * 19) == "x" * 18 + "\u2026"
    chart = replace(trajectory(3), scenario_ids=(hostile, "ok", "a\nb"))
    with TrajectoryCharts() as drawer:
        drawer.draw(chart, tmp_path / "q.png")
        texts = [name.get_text() for name in drawer._marks.names[:3]]
        renderer = drawer._canvas.get_renderer()
        plot = drawer._axes.get_window_extent(renderer)
        widest = max(name.get_window_extent(renderer).x1 for name in drawer._marks.names[:3])
    assert texts == [trajectories.label_text(hostile), "ok", "a b"]
    assert all(character.isprintable() for text in texts for character in text)
    assert plot.x1 < widest <= 900  # the margin grew for the long name, and it fits in the image
    assert chart_key(tmp_path / "q.png") == chart.key()


def test_the_deadline_is_labelled_beside_its_line_or_in_the_corner(tmp_path: Path):
    near = replace(trajectory(3, weeks=30, closes_after=2), closes=dt.date(2025, 7, 31))
    assert near.deadline_shown and trajectories.deadline_text(near) == "closes 31 Jul"
    next_year = replace(near, dates=tuple(day + dt.timedelta(days=154) for day in near.dates),
                        closes=dt.date(2026, 1, 2))  # the last week ends on 28 December 2025
    assert next_year.deadline_shown and trajectories.deadline_text(next_year) == "closes 2 Jan 2026"
    far = replace(near, closes=dt.date(2026, 12, 31))
    assert not far.deadline_shown and trajectories.deadline_text(far) == "closes 2026-12-31 \u2192"
    with TrajectoryCharts() as drawer:
        drawer.draw(near, tmp_path / "near.png")
        marks, renderer = drawer._marks, drawer._canvas.get_renderer()
        assert marks.deadline.get_visible() and marks.deadline_note.get_text() == "closes 31 Jul"
        note, line = marks.deadline_note.get_window_extent(renderer), marks.deadline.get_window_extent(renderer)
        assert note.y0 >= drawer._axes.get_window_extent(renderer).y1  # over the plot: never on a line
        assert note.x0 <= line.x1 + 1 and note.x1 >= line.x0 - 1  # and over its dotted line
        drawer.draw(far, tmp_path / "far.png")
        assert not marks.deadline.get_visible() and marks.deadline_note.get_text() == "closes 2026-12-31 \u2192"
        assert marks.deadline_note.get_window_extent(renderer).x1 <= drawer._axes.get_window_extent(renderer).x1 + 1


@pytest.mark.parametrize("damage", ["truncated", "foreign", "missing", "text"])
def test_a_chart_file_that_is_not_a_whole_chart_of_ours_is_drawn_again(tmp_path: Path, damage: str):
    path, chart = tmp_path / "q.png", trajectory(3)
    with TrajectoryCharts() as drawer:
        drawer.draw(chart, path)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":  # a PNG without our key (drawn by an older version, or by hand)
        path.write_bytes(charts.encode_png(np.zeros((4, 4, 4), dtype=np.uint8), {"Software": "elsewhere"}))
    elif damage == "missing":
        path.unlink()
    else:
        path.write_text("not a png")
    assert chart_key(path) is None
    with TrajectoryCharts() as drawer:
        assert drawer.draw(chart, path)
    assert path.read_bytes() == data


def test_drawing_many_charts_keeps_one_figure(tmp_path: Path):
    with TrajectoryCharts() as drawer:
        for number in range(12):
            drawer.draw(trajectory(2 + number % 4, seed=number, names=f"n{number}-"), tmp_path / f"{number % 3}.png")
            if number == 5:
                children = len(drawer._axes.get_children())
        assert len(drawer._axes.get_children()) == children and drawer.drawn == 12
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # no pyplot figure is ever opened for a trajectory chart


def test_the_chart_key_depends_on_how_charts_are_drawn(monkeypatch):
    chart = trajectory(3)
    before = chart.key()
    monkeypatch.setattr(drawing_key, "_WORKED_OUT", ["another version of the drawing code or settings"])
    assert chart.key() != before


@pytest.mark.parametrize(("charts_to_draw", "cores", "load", "workers"), [
    (10, 2, 0.0, 0),  # a few charts: importing matplotlib in workers would cost more than it saves
    (500, 1, 0.0, 0),  # one core
    (500, 2, 0.2, 2),
    (500, 8, 0.5, 2),
    (500, 2, 1.5, 0),  # the machine is busy: workers would only take turns with the forecasts
])
def test_workers_draw_only_when_it_pays(monkeypatch, charts_to_draw: int, cores: int, load: float, workers: int):
    monkeypatch.delitem(sys.modules, "jax", raising=False)  # loaded by calibration tests: no workers then
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(cores)), raising=False)
    monkeypatch.setattr(parallel, "busy_cores", lambda: load)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    assert trajectories.chart_workers(charts_to_draw) == workers
    monkeypatch.setitem(sys.modules, "jax", object())  # a process that has calibrated: never forked
    assert trajectories.chart_workers(charts_to_draw) == 0


needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")


@pytest.fixture
def forkable():
    """Skip when this test process has loaded JAX (calibration tests): its threads can deadlock a fork."""
    if "jax" in sys.modules:
        pytest.skip("JAX is loaded in this process: forking it could deadlock (run these tests on their own)")


@needs_fork
def test_charts_drawn_by_worker_processes_are_the_charts_drawn_here(tmp_path: Path, forkable):
    cases = [trajectory(2 + number % 5, seed=number) for number in range(20)] + [single_point(trajectory(3))]
    with TrajectoryCharts() as drawer:
        for number, chart in enumerate(cases):
            drawer.draw(chart, tmp_path / "here" / f"{number}.png")
    done = []
    with ParallelCharts(workers=2) as parallel:
        for number, chart in enumerate(cases):
            parallel.draw(chart, tmp_path / "workers" / f"{number}.png")
        parallel.draw(cases[0], tmp_path / "here" / "0.png")  # unchanged: skipped here, never sent to a worker
        parallel.finish(lambda number, total: done.append((number, total)))
    assert parallel.unchanged == 1 and parallel.drawn == len(cases) and done[-1] == (len(cases), len(cases))
    for number in range(len(cases)):
        name = f"{number}.png"
        assert (tmp_path / "workers" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()


def _die(batch):
    os._exit(3)


@needs_fork
def test_the_charts_of_a_worker_that_died_are_drawn_here(tmp_path: Path, monkeypatch, forkable):
    monkeypatch.setattr(trajectories, "_draw_batch", _die)  # forked workers run the patched function
    cases = [trajectory(3, seed=number) for number in range(20)]
    with ParallelCharts(workers=2) as parallel:
        for number, chart in enumerate(cases[:8]):  # one batch, whose worker dies
            parallel.draw(chart, tmp_path / f"{number}.png")
        parallel._submitted[0][0].exception()  # wait until the pool knows: what follows cannot go to a worker
        for number, chart in enumerate(cases[8:], start=8):
            parallel.draw(chart, tmp_path / f"{number}.png")
        parallel.finish()
    assert [chart_key(tmp_path / f"{number}.png") for number in range(20)] == [chart.key() for chart in cases]


@needs_fork
def test_an_error_in_a_worker_is_raised_here(tmp_path: Path, forkable):
    (tmp_path / "3.png").mkdir()  # a folder where a chart should go
    with pytest.raises(OSError), ParallelCharts(workers=2) as parallel:
        for number in range(10):
            parallel.draw(trajectory(3, seed=number), tmp_path / f"{number}.png")
        parallel.finish()


@needs_fork
@pytest.mark.parametrize("workers", [0, 2])
def test_a_second_report_in_the_week_redraws_only_the_charts_that_changed(space: Path, monkeypatch, workers: int):
    monkeypatch.setattr(trajectories, "PARALLEL_FROM", 1 if workers else 10**9)  # with or without worker processes
    monkeypatch.setattr(trajectories, "SPARE_CORES", float("-inf"))  # however busy the machine is
    talks = (space / "scenarios" / "talks.yaml").read_text()
    closes = dt.date.today() + dt.timedelta(days=200)
    for name in ("a", "b", "c"):
        (space / "scenarios" / f"{name}.yaml").write_text(talks.replace("closes: 2025-12-31", f"closes: {closes}"))
    (space / "scenarios" / "talks.yaml").unlink()
    assert vane("report", "--dir", str(space)).code == 0
    folder = next((space / "reports").glob("*-W*")) / "charts"
    assert sorted(path.name for path in folder.iterdir()) == ["a.png", "b.png", "c.png"]
    before = {path.name: path.stat() for path in folder.iterdir()}
    assert vane("report", "--dir", str(space)).code == 0
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == {
        name: stat.st_mtime_ns for name, stat in before.items()}
    added = vane("add", "b", "--dir", str(space), "-s", "A new report", "--date", str(dt.date.today()), "-r", "deal=++")
    assert added.code == 0, added.output
    assert vane("report", "--dir", str(space)).code == 0
    changed = {path.name for path in folder.iterdir() if path.stat().st_mtime_ns != before[path.name].st_mtime_ns}
    assert changed == {"b.png"}


def test_the_reliability_diagram_has_a_panel_per_forecaster_drawn_without_pyplot(tmp_path: Path):
    import subprocess
    import sys

    probe = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from model.reports import charts\n"
        "from model.record.scorecard import calibration_table\n"
        "rng = np.random.default_rng(3)\n"
        "calibration = {}\n"
        "for name in ('alice', 'bob', 'engine', 'uniform (baseline)'):\n"
        "    forecasts = rng.random(400)\n"
        "    calibration[name] = calibration_table(forecasts, (rng.random(400) < forecasts).astype(float))\n"
        f"charts.reliability_diagram(calibration, Path({str(tmp_path / 'ours.png')!r}))\n"
        "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip() == "no pyplot", done.stderr
    from PIL import Image

    with Image.open(tmp_path / "ours.png") as image:
        width, height = image.size
    assert 1.3 < width / height < 1.8  # four panels: three in the first row, one in the second (3 x 3.0 by 2 x 2.9 in)
    assert charts.chart_key(tmp_path / "ours.png")


def test_a_forecaster_keeps_its_colour_whatever_the_order_and_baselines_are_grey():
    names = ["alice", "bob", "carol", "engine", "team (pooled)"]
    first = {name: charts.forecaster_colour(name) for name in names}
    assert first == {name: charts.forecaster_colour(name) for name in reversed(names)}
    assert charts.forecaster_colour("uniform (baseline)") == charts.BASELINE_COLOUR
    assert charts.BASELINE_COLOUR not in first.values() and "#7f7f7f" not in first.values()


def test_an_unchanged_reliability_diagram_is_kept_and_a_changed_one_redrawn(tmp_path: Path, monkeypatch):
    from model.record.scorecard import calibration_table

    rng = np.random.default_rng(5)
    forecasts = rng.random(200)
    calibration = {"alice": calibration_table(forecasts, (rng.random(200) < forecasts).astype(float))}
    path = charts.reliability_diagram(calibration, tmp_path / "reliability.png")
    first = path.read_bytes()
    assert charts.chart_key(path)
    import matplotlib.figure

    monkeypatch.setattr(matplotlib.figure, "Figure", None)  # nothing may be drawn for an unchanged diagram
    assert charts.reliability_diagram(calibration, path) == path and path.read_bytes() == first
    monkeypatch.undo()
    changed = {"alice": calibration_table(forecasts, (rng.random(200) < forecasts).astype(float))}
    charts.reliability_diagram(changed, path)
    assert path.read_bytes() != first and charts.chart_key(path) != charts.chart_key(tmp_path / "missing.png")


def test_the_discrimination_plot_is_drawn_once_per_content(tmp_path: Path):
    from model.record.scorecard import discrimination

    rng = np.random.default_rng(4)
    yes = rng.random(60)
    found = {"alice": discrimination(yes, (rng.random(60) < yes).astype(float)),
             "nobody": discrimination(np.zeros(0), np.zeros(0))}
    path = charts.discrimination_plot(found, tmp_path / "discrimination.png")
    assert path is not None and path.read_bytes().startswith(b"\x89PNG") and charts.chart_key(path)
    written = path.stat().st_mtime_ns
    assert charts.discrimination_plot(found, path) == path and path.stat().st_mtime_ns == written  # kept
    changed = {"alice": discrimination(yes, (yes > 0.5).astype(float))}
    charts.discrimination_plot(changed, path)
    assert path.stat().st_mtime_ns != written
    assert charts.discrimination_plot({"nobody": found["nobody"]}, tmp_path / "none.png") is None
