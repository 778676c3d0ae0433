"""Charts as PNG files (matplotlib, imported only by the commands that draw)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from model.base.safewrite import atomic_write

PALETTE = ("#1f4e79", "#c0504d", "#2e8b57", "#8064a2", "#d98c1f", "#4bacc6", "#7f7f7f", "#9b5d3a")


LINES = ("-", "--", ":", "-.")


def style(index: int) -> tuple[str, str]:
    """The colour and line style of the index-th series: every colour once, then again dashed, and so on."""
    return PALETTE[index % len(PALETTE)], LINES[index // len(PALETTE) % len(LINES)]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no screen
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path: Path, tight: bool = True) -> Path:
    """Write a figure as PNG atomically and close it (``tight`` trims margins at the cost of a second draw)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight" if tight else None)
    _pyplot().close(figure)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())
    return path


def reliability_diagram(calibration: dict, path: Path) -> Path:
    """Observed frequency against forecast probability per 10% bucket, one line per forecaster.

    ``calibration`` maps a forecaster to its buckets (``model.record.scorecard.Bucket``);
    marker areas show how many forecasts fell in each bucket.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 6.0))
    axes.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfectly calibrated")
    for index, (name, buckets) in enumerate(calibration.items()):
        used = [b for b in buckets if b.count]
        if not used:
            continue
        colour, line = style(index)
        x, y = [b.mean_forecast for b in used], [b.observed for b in used]
        sizes = 20 + 180 * np.sqrt(np.array([b.count for b in used]) / max(b.count for b in used))
        axes.plot(x, y, color=colour, linestyle=line, linewidth=1.5, label=name)
        axes.scatter(x, y, s=sizes, color=colour, alpha=0.7, edgecolor="white", linewidth=0.5)
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="forecast probability (10% buckets)", ylabel="observed frequency",
             title="Reliability of final forecasts")
    axes.grid(True, color="#eeeeee")
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return save_figure(figure, path)


def trajectory_chart(scenario_ids, dates, mean, low, high, evidence_dates, closes, path: Path) -> Path:
    """Weekly probabilities of each scenario with their 80% bands, evidence as ticks along the bottom."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.2, 3.2))
    for k, scenario in enumerate(scenario_ids):
        colour, line = style(k)
        if len(dates) > 1:
            axes.fill_between(dates, low[:, k], high[:, k], color=colour, alpha=0.15, linewidth=0)
            axes.plot(dates, mean[:, k], color=colour, linestyle=line, linewidth=1.8, label=scenario)
        else:
            spread = np.clip([mean[:, k] - low[:, k], high[:, k] - mean[:, k]], 0.0, None)  # rounding can dip below 0
            axes.errorbar(dates, mean[:, k], yerr=spread,
                          color=colour, marker="o", label=scenario)
    if evidence_dates:  # one collection for all ticks: hundreds of separate lines draw slowly
        axes.vlines(list(evidence_dates), 0, 0.04, transform=axes.get_xaxis_transform(), color="#333333", linewidth=1)
    if dates and closes <= dates[-1] + (dates[-1] - dates[0]) * 0.1:
        axes.axvline(closes, color="#999999", linestyle=":", linewidth=1)
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    axes.grid(True, axis="y", color="#eeeeee")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    figure.autofmt_xdate()
    figure.subplots_adjust(left=0.08, right=0.8, bottom=0.2, top=0.96)
    return save_figure(figure, path, tight=False)
