"""The report's trajectory charts: drawn on one reused figure exactly as on a fresh one, redrawn only when what they
show changes, and drawn by worker processes with the same result."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from model.base import parallel
from model.reports import charts
from model.reports.charts import ParallelCharts, Trajectory, TrajectoryCharts, chart_key
from tests.helpers import vane

START = dt.date(2025, 1, 5)


def trajectory(scenarios: int = 3, weeks: int = 30, seed: int = 0, evidence: int = 40, closes_after: int = 60,
               names: str = "s") -> Trajectory:
    """Weekly probabilities of ``scenarios`` scenarios that wander, with 80% bands around them."""
    rng = np.random.default_rng(seed)
    logits = np.cumsum(rng.normal(0, 0.3, (weeks, scenarios)), axis=0)
    mean = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    low = np.clip(mean - rng.uniform(0, 0.1, mean.shape), 0, 1)
    high = np.clip(mean + rng.uniform(0, 0.1, mean.shape), 0, 1)
    dates = tuple(START + dt.timedelta(weeks=w) for w in range(weeks))
    days = sorted({START + dt.timedelta(days=int(d)) for d in rng.integers(0, 7 * weeks - 6, evidence)})
    return Trajectory(tuple(f"{names}{k + 1}" for k in range(scenarios)), dates, mean, low, high, tuple(days),
                      dates[-1] + dt.timedelta(days=closes_after))


def reference_chart(chart: Trajectory) -> np.ndarray:
    """The chart as a fresh pyplot figure draws it (how every chart was drawn before figures were reused)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.2, 3.2))
    dates = list(chart.dates)
    for k, scenario in enumerate(chart.scenario_ids):
        colour, line = charts.style(k)
        if len(dates) > 1:
            axes.fill_between(dates, chart.low[:, k], chart.high[:, k], color=colour, alpha=0.15, linewidth=0)
            axes.plot(dates, chart.mean[:, k], color=colour, linestyle=line, linewidth=1.8, label=scenario)
        else:
            spread = np.clip([chart.mean[:, k] - chart.low[:, k], chart.high[:, k] - chart.mean[:, k]], 0.0, None)
            axes.errorbar(dates, chart.mean[:, k], yerr=spread, color=colour, marker="o", label=scenario)
    if chart.evidence_dates:
        axes.vlines(list(chart.evidence_dates), 0, 0.04, transform=axes.get_xaxis_transform(), color="#333333",
                    linewidth=1)
    if dates and chart.closes <= dates[-1] + (dates[-1] - dates[0]) * 0.1:
        axes.axvline(chart.closes, color="#999999", linestyle=":", linewidth=1)
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    axes.grid(True, axis="y", color="#eeeeee")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    figure.autofmt_xdate()
    figure.subplots_adjust(left=0.08, right=0.8, bottom=0.2, top=0.96)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return pixels(buffer)


def pixels(file) -> np.ndarray:
    from PIL import Image

    with Image.open(file) as image:
        return np.asarray(image.convert("RGBA"))


def single_point(chart: Trajectory) -> Trajectory:
    return Trajectory(chart.scenario_ids, chart.dates[-1:], chart.mean[-1:], chart.low[-1:], chart.high[-1:],
                      chart.evidence_dates[-2:], chart.closes)


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
    ]
    with TrajectoryCharts() as drawer:
        for number, chart in enumerate(cases):
            assert drawer.draw(chart, tmp_path / f"{number}.png")
    for number, chart in enumerate(cases):
        drawn, expected = pixels(tmp_path / f"{number}.png"), reference_chart(chart)
        assert drawn.shape == expected.shape == (352, 792, 4)
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
    monkeypatch.setattr(charts, "GLYPH_CACHE", 5)
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
    for changed in (moved, later, renamed):
        assert changed.key() != chart.key()
        with TrajectoryCharts() as drawer:
            assert drawer.draw(changed, path)
        assert chart_key(path) == changed.key()


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
    monkeypatch.setattr(charts, "_DRAWING_KEY", ["another version of the drawing code or settings"])
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
    assert charts.chart_workers(charts_to_draw) == workers
    monkeypatch.setitem(sys.modules, "jax", object())  # a process that has calibrated: never forked
    assert charts.chart_workers(charts_to_draw) == 0


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
    monkeypatch.setattr(charts, "_draw_batch", _die)  # forked workers run the patched function
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
    monkeypatch.setattr(charts, "PARALLEL_FROM", 1 if workers else 10**9)  # with or without worker processes
    monkeypatch.setattr(charts, "SPARE_CORES", float("-inf"))  # however busy the machine is
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
