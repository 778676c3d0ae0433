"""Charts as PNG files (matplotlib, imported only by the commands that draw): what every chart shares, and the
track record's charts.

Every chart carries, inside the PNG, a key: the hash of exactly what it shows
(its data, the drawing code in this module and in ``trajectories``,
matplotlib's version and settings: ``model.reports.drawing_key``). A chart whose file
already holds the key of the data to draw is left as it is, and matplotlib is
not even asked to draw it; anything else is drawn again. The key is checked
against the data every time, never trusted in its place, and a chart is always
written whole (``atomic_write``), key and image together. PNGs are written by
``encode_png``: a 128-colour palette, so that pages can carry their charts.

The track record's charts are here: the reliability diagram and the
discrimination plot, a panel per forecaster on a fixed layout. The weekly
report's trajectory charts are in ``model.reports.trajectories``.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

import numpy as np

from model.base.safewrite import atomic_write
from model.base.textsafe import visible
from model.reports.drawing_key import drawing_key

PALETTE = ("#1f4e79", "#c0504d", "#2e8b57", "#8064a2", "#d98c1f", "#4bacc6", "#7f7f7f", "#9b5d3a")


LINES = ("-", "--", ":", "-.")


DPI = 110


KEY_FIELD = "Weathervane chart"  # the PNG text field holding the chart's key


def style(index: int) -> tuple[str, str]:
    """The colour and line style of the index-th series: every colour once, then again dashed, and so on."""
    return PALETTE[index % len(PALETTE)], LINES[index // len(PALETTE) % len(LINES)]


def write_png(path: Path, data: bytes) -> Path:
    """Write PNG bytes atomically, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return path


def reliability_diagram(calibration: dict, path: Path) -> Path:
    """Observed frequency against forecast probability per 10% bucket: one panel per forecaster.

    ``calibration`` maps a forecaster to its buckets (``model.record.scorecard.Bucket``);
    marker areas and the numbers beside them show how many forecasts fell in each
    bucket, and bars the observed frequency's 90% Wilson interval. Each
    forecaster keeps its colour (``forecaster_colour``) from run to run. A
    diagram already at ``path`` that shows exactly this (its key, as trajectory
    charts keep theirs) is kept as it is, and matplotlib is not even loaded for it.
    """
    key = _diagram_key(calibration)
    if chart_key(path) == key:
        return path
    shown = {name: [b for b in buckets if b.count] for name, buckets in calibration.items()}
    shown = {name: used for name, used in shown.items() if used} or {"no forecasts": []}
    figure, panels = _panels(len(shown), (3.0, 2.9))
    for (name, used), axes in zip(shown.items(), panels):
        axes.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.8)
        colour = forecaster_colour(name)
        x, y = [b.mean_forecast for b in used], [b.observed for b in used]
        if used:
            sizes = 12 + 100 * np.sqrt(np.array([b.count for b in used]) / max(b.count for b in used))
            below = [b.observed - b.observed_low for b in used]
            above = [b.observed_high - b.observed for b in used]
            axes.errorbar(x, y, yerr=[below, above], fmt="none", ecolor=colour, elinewidth=1, alpha=0.45, capsize=2)
            axes.plot(x, y, color=colour, linewidth=1.2)
            axes.scatter(x, y, s=sizes, color=colour, alpha=0.75, edgecolor="white", linewidth=0.5)
            for bucket in used:
                axes.annotate(str(bucket.count), (bucket.mean_forecast, bucket.observed), xytext=(4, -9),
                              textcoords="offset points", fontsize=6, color="#555555")
        axes.set_title(shortened(f"{visible(name)} ({sum(b.count for b in used)} forecasts)"), fontsize=8, parse_math=False)
        axes.set(xlim=(0, 1), ylim=(0, 1))
        axes.tick_params(labelsize=7)
        axes.grid(True, color="#eeeeee")
    _labels(figure, "Reliability of final forecasts", "forecast probability (10% buckets)",
            "observed frequency (bars: 90% interval; numbers: forecasts)")
    return write_png(path, _figure_png(figure, key))


BASELINE_COLOUR = "#a0a0a0"


def forecaster_colour(name: str) -> str:
    """A forecaster's colour in every chart, whatever order forecasters come in: from a hash of the name
    (baselines grey, and no one else)."""
    if name.endswith("(baseline)"):
        return BASELINE_COLOUR
    people = [colour for colour in PALETTE if colour != "#7f7f7f"]
    return people[hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()[0] % len(people)]


PANEL_MARGINS = {"left": 0.55, "right": 0.15, "bottom": 0.5, "top": 0.5, "across": 0.4, "down": 0.45}
"""Inches around and between the panels of a score chart: room for the tick labels, each panel's title and the
figure's labels, fixed (every panel has the same axes, so nothing needs measuring)."""


def _panels(count: int, size: tuple[float, float]):
    """A figure of ``count`` panels, three to a row, each ``size`` inches (the spare ones hidden), without pyplot.

    The layout is fixed (``PANEL_MARGINS``): a layout engine would measure every label of every panel,
    which with a dozen forecasters took longer than drawing them.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = min(3, count)
    rows = -(-count // columns)
    margin = PANEL_MARGINS
    width = margin["left"] + margin["right"] + columns * size[0] + (columns - 1) * margin["across"]
    height = margin["bottom"] + margin["top"] + rows * size[1] + (rows - 1) * margin["down"]
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=margin["left"] / width, right=1 - margin["right"] / width,
                           bottom=margin["bottom"] / height, top=1 - margin["top"] / height,
                           wspace=margin["across"] / size[0], hspace=margin["down"] / size[1])
    panels = list(np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel())
    for spare in panels[count:]:
        spare.set_visible(False)
    return figure, panels[:count]


def shortened(text: str, limit: int = 44) -> str:
    """A chart's text cut to ``limit`` characters with an ellipsis (a panel title fits its panel at 44)."""
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _figure_png(figure, key: str) -> bytes:
    """A figure drawn on its Agg canvas as PNG bytes carrying ``key`` (``encode_png``: faster than savefig)."""
    return encode_png(rgba_of(figure.canvas), {"Software": software(), KEY_FIELD: key})


def _labels(figure, title: str, x: str, y: str) -> None:
    """A score chart's title and axis labels, at fixed places in the margins."""
    figure.suptitle(title, fontsize=9, y=1 - 0.12 / figure.get_figheight())
    figure.supxlabel(x, fontsize=8, y=0.08 / figure.get_figheight())
    figure.supylabel(y, fontsize=8, x=0.08 / figure.get_figwidth())


def discrimination_plot(discrimination: dict, path: Path) -> Path | None:
    """How each forecaster's final "yes" probabilities on binary questions spread, given each outcome.

    One small panel per forecaster (those with forecasts on binary questions),
    the forecasts on questions that resolved yes above the axis and those that
    resolved no below it, in 10% bins, with the ROC AUC in the title: a
    forecaster who discriminates well has the two apart. None when there is
    nothing to draw; kept as it is when the file already shows exactly this.
    """
    shown = {name: found for name, found in discrimination.items() if found.questions}
    if not shown:
        return None
    digest = hashlib.sha256(("discrimination\x1f" + drawing_key()).encode())
    for name, found in shown.items():
        digest.update(json.dumps([name, found.given_yes.tolist(), found.given_no.tolist()]).encode())
    key = digest.hexdigest()
    if chart_key(path) == key:
        return path
    figure, axes_grid = _panels(len(shown), (3.0, 2.3))
    bins = np.linspace(0, 1, 11)
    for (name, found), axes in zip(shown.items(), axes_grid):
        colour = forecaster_colour(name)
        yes, _ = np.histogram(found.given_yes, bins)
        no, _ = np.histogram(found.given_no, bins)
        axes.bar(bins[:-1], yes, width=0.1, align="edge", color=colour, alpha=0.8, label="resolved yes")
        axes.bar(bins[:-1], -no, width=0.1, align="edge", color="#d4d4d4", edgecolor="#9a9a9a", linewidth=0.5,
                 label="resolved no")
        axes.axhline(0, color="#666666", linewidth=0.8)
        auc = "" if not np.isfinite(found.auc) else f", AUC {found.auc:.2f}"
        axes.set_title(shortened(f"{visible(name)}{auc}"), fontsize=8, parse_math=False)
        axes.set_xlim(0, 1)
        axes.tick_params(labelsize=7)
        top = max(int(yes.max(initial=0)), int(no.max(initial=0)), 1)
        axes.set_ylim(-top * 1.1, top * 1.1)
    axes_grid[0].legend(loc="upper left", fontsize=6, frameon=False)
    _labels(figure, "Discrimination of final forecasts", "final forecast of yes (binary questions)",
            "questions (yes above, no below)")
    return write_png(path, _figure_png(figure, key))


def _diagram_key(calibration: dict) -> str:
    """The hash of exactly what a reliability diagram shows and how it is drawn."""
    digest = hashlib.sha256(("reliability\x1f" + drawing_key()).encode())
    for name, buckets in calibration.items():
        digest.update(json.dumps([name, [[b.count, b.mean_forecast, b.observed, b.observed_low, b.observed_high]
                                         for b in buckets]]).encode())
    return digest.hexdigest()


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


PNG_COMPRESSION = 3  # zlib level: as small as the files matplotlib writes, several times faster


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


_PNG_END = _png_chunk(b"IEND", b"")


PALETTE_COLOURS = 128  # colours a chart's PNG keeps: flat fills and anti-aliased edges, no visible difference


def encode_png(rgba: np.ndarray, metadata: dict[str, str], dpi: float = DPI) -> bytes:
    """An (H, W, 4) uint8 opaque image as a PNG of at most ``PALETTE_COLOURS`` colours, with its resolution and
    text fields (rows unfiltered, zlib-compressed).

    Charts are flat colour with anti-aliased edges: a palette holds them
    without a difference one can see, in a third of full colour's bytes, which
    matters because the report's pages carry their charts inside them (an
    email of 50 questions: 1.5 MB, not 5). Quantising (Pillow's fast octree, no
    dithering, so the same pixels give the same file) costs less than the
    compression it saves.
    """
    from PIL import Image

    height, width, _ = rgba.shape
    quantised = Image.fromarray(np.ascontiguousarray(rgba[..., :3])).quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    indices = np.asarray(quantised, dtype=np.uint8)
    palette = bytes(quantised.getpalette()[:3 * (int(indices.max()) + 1)])
    rows = np.zeros((height, 1 + width), dtype=np.uint8)  # each row: filter type 0 (none), then its pixels
    rows[:, 1:] = indices
    per_metre = int(dpi / 0.0254 + 0.5)
    parts = [_PNG_SIGNATURE, _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
             _png_chunk(b"PLTE", palette), _png_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))]
    parts += [_png_chunk(b"tEXt", name.encode("latin-1") + b"\0" + text.encode("latin-1"))
              for name, text in metadata.items()]
    parts += [_png_chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESSION)), _PNG_END]
    return b"".join(parts)


def chart_key(path: Path) -> str | None:
    """The key written into a chart by ``TrajectoryCharts``; None when the file is missing, incomplete or has none.

    Reads only the chunks before the image data, checking each one, and that the file ends with the PNG end chunk.
    """
    try:
        with open(path, "rb") as file:
            if file.read(8) != _PNG_SIGNATURE:
                return None
            key = None
            while True:
                header = file.read(8)
                if len(header) < 8:
                    return None
                length, kind = struct.unpack(">I4s", header)
                if kind == b"IDAT" or length > 4096:
                    break
                body = file.read(length + 4)
                if len(body) < length + 4 or zlib.crc32(kind + body[:length]) != struct.unpack(">I", body[length:])[0]:
                    return None
                name, _, text = body[:length].partition(b"\0")
                if kind == b"tEXt" and name == KEY_FIELD.encode("latin-1"):
                    key = text.decode("latin-1")
            file.seek(-len(_PNG_END), 2)
            return key if file.read() == _PNG_END else None
    except (OSError, ValueError):
        return None


def rgba_of(canvas) -> np.ndarray:
    """The canvas drawn, as a copy of its (H, W, 4) pixels (the next chart draws over the canvas's own)."""
    canvas.draw()
    return np.array(canvas.buffer_rgba())


def software() -> str:
    """A PNG's Software field, as matplotlib writes it."""
    import matplotlib

    return f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
