"""``vane score``: the track record of every forecaster on the resolved questions."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer

from cli.options import (
    DirOption,
    JsonOption,
    handles_errors,
    load_reporting,
    say,
    workspace,
)
from cli.render import cut, table, terminal_width, wrapped
from model.base.errors import VaneError, display_path
from model.base.numbers import MISSING, number, percent, signed
from model.fileformat.log_entry import DAY_MICROS, PRIOR, UNIFORM, moment_of
from model.record.scorecard import (
    CUTS,
    ROLLING_MONTHS,
    SMALL_COVERAGE,
    CoherenceTable,
    ScoreReport,
    summaries_by,
)
from model.record.track_record import score_workspace

SUMMARY_SCORES = {"brier": "Brier", "log": "log", "baseline": "baseline"}  # the means the text summary shows, as headed


BLOCK = 1000  # questions (or coherence pairs) rendered and written at a time


@handles_errors
def score(
    questions: Annotated[Optional[list[str]], typer.Argument(metavar="[QUESTION]...", help="Question ids [default: every resolved question].")] = None,
    backtest: Annotated[bool, typer.Option(help="Also score the engine's weekly forecasts recomputed from evidence recorded by each week (labelled a backtest).")] = False,
    hindsight: Annotated[bool, typer.Option(help="With --backtest: use evidence dated by each week instead of recorded by it.")] = False,
    json_output: JsonOption = False,
    csv_file: Annotated[Optional[Path], typer.Option("--csv", metavar="FILE", help="Also write the per-question scores as CSV ('-' for standard output).")] = None,
    plot: Annotated[Optional[Path], typer.Option(metavar="FILE", help="Where to save the reliability diagram [default: reports/scores/reliability.png].")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Every column (ranked Brier, spot scores, baselines), however wide the terminal.")] = False,
    by: Annotated[Optional[list[str]], typer.Option("--by", metavar="tag|month|grade|horizon", help="Also cut the summaries by the questions' tags, by month of resolution, by the source grades of their evidence, or by how long before the end each forecast was made (repeat for several).")] = None,
    directory: DirOption = None,
) -> None:
    """Brier, log, Metaculus baseline and peer scores, calibration and Murphy decomposition, against baselines."""
    if json_output and csv_file == Path("-"):
        raise typer.BadParameter("--json and --csv - would both write to standard output; give --csv a file name",
                                 param_hint="--csv")
    space = workspace(directory)
    loaded = load_reporting(space)
    for wanted in by or ():
        if wanted not in (*CUTS, "horizon"):
            raise VaneError(f"--by {wanted}: scores can be cut by tag, month, grade or horizon (--by tag, --by month, "
                            "--by grade, --by horizon)")
    chosen = loaded.select(questions)
    whole = not questions  # the whole track record: its page is written too, with the scores by horizon
    scored, log_problems = score_workspace(space, chosen, loaded.settings.grades, backtest, hindsight,
                                           horizons=whole or "horizon" in (by or ()))
    cuts = {name: scored.cuts.get(name) or summaries_by(scored.scores, CUTS[name](chosen)) for name in dict.fromkeys(by or ())}
    report = replace(scored, cuts=cuts)  # the cuts asked for
    for problem in log_problems:
        say(str(problem), err=True)
    # the page shows every cut: those asked for are not worked out twice
    diagram, spread, page = _charts_and_page(replace(scored, cuts={**scored.cuts, **cuts}), chosen, space.reports,
                                             plot, whole)
    if csv_file:
        _write_csv(report, csv_file)
    if json_output:  # as cli.options.print_json writes it (ASCII only), a block at a time
        for chunk in report.json_chunks(diagram, BLOCK, spread, page):
            typer.echo(chunk, nl=False)
        typer.echo("")
    elif csv_file != Path("-"):
        for chunk in render_chunks(report, diagram, wide):  # whole lines each: ``say`` makes every line safe
            say(chunk, nl=False)
        say("")
        if spread:
            say(wrapped(f"discrimination plot: {display_path(spread)}"))
        if page:
            say(wrapped(f"track record page: {display_path(page)} (and track-record.md beside it)"))


def _charts_and_page(report: ScoreReport, chosen, reports: Path, plot: Optional[Path], whole: bool):
    """The charts, and the track record page when the whole workspace was scored (a few questions' scores
    would replace it with a part of itself)."""
    import datetime as dt

    from model.reports import (
        track_record_page as pages,  # matplotlib and Jinja2: only when scoring
    )

    if not whole or not len(report.scores):
        return (*pages.draw_charts(report, plot or reports / "scores" / "reliability.png"), None)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    diagram, spread, (_, page) = pages.publish_track_record(report, chosen, reports, now, plot)
    return diagram, spread, page


def render(report: ScoreReport, diagram: Path | None, wide: bool = False) -> str:
    """The track record as text: per question, across questions, calibration, coherence.

    Fitted to the terminal (100 columns when the output is not one) unless
    ``wide``: then every column is shown, however long the lines.
    """
    return "".join(render_chunks(report, diagram, wide))


def render_chunks(report: ScoreReport, diagram: Path | None, wide: bool = False):
    """``render``'s text a block of questions (or coherence rows) at a time."""
    if not len(report.scores):
        yield "No resolved questions to score yet (vane resolve QUESTION SCENARIO --note ...)."
        return
    width = WIDE if wide else terminal_width()
    for first, text in enumerate(_question_tables(report, wide, width)):
        yield ("" if first == 0 else "\n\n") + text
    parts = [_render_summaries(report, wide, width)]
    parts += [_render_cut(name, groups, width, report.rolling) for name, groups in report.cuts.items()]
    parts.append(_render_murphy(report, wide, width))
    if any(found.questions for found in report.discrimination.values()):
        parts.append(_render_discrimination(report, width))
    parts.append(_render_calibration(report, wide, width))
    yield "\n\n" + "\n\n".join(parts)
    if len(report.coherence_table):
        yield "\n\n"
        yield from _render_coherence(report.coherence_table, wide, width)
    if diagram:
        yield "\n\n" + wrapped(f"reliability diagram: {display_path(diagram)}")
    if not wide:
        yield "\n\n(vane score --wide shows every column)"


def _render_discrimination(report: ScoreReport, width: int) -> str:
    """Each forecaster's ROC AUC on the binary questions it forecast."""
    rows = [[name, str(found.questions), number(found.auc, 2)]
            for name, found in report.discrimination.items() if found.questions]
    title = wrapped("Discrimination on binary questions (ROC AUC of the final forecasts: the chance that a question "
                    "that resolved yes had been given more than one that resolved no; 0.5 is chance, 1 perfect)")
    return title + "\n" + table(["forecaster", "binary questions", "AUC"], rows, right={1, 2}, width=width)


def _render_murphy(report: ScoreReport, wide: bool, width: int) -> str:
    """The binned decomposition: the within-bucket terms apart with ``wide``, as one net figure without."""
    title = wrapped("Murphy decomposition of the final forecasts' Brier score (per scenario probability, in the "
                    "calibration table's 10% buckets: Brier = reliability − resolution + uncertainty + within "
                    "buckets; reliability 0 is perfectly calibrated" + ("; [90% interval, resampling questions])"
                                                                        if wide else "; --wide adds 90% intervals)"))
    within = ["within-bucket variance", "within-bucket covariance"] if wide else ["within buckets"]
    rows = []
    for name, m in report.murphy.items():
        parts = ([number(m.within_variance), number(-m.within_covariance)] if wide
                 else [number(m.within_variance - m.within_covariance)])
        shown = ([_interval((m.reliability, m.reliability_low, m.reliability_high)),
                  _interval((m.resolution, m.resolution_low, m.resolution_high))] if wide
                 else [number(m.reliability), number(m.resolution)])
        rows.append([name, number(m.brier), *shown, number(m.uncertainty), *parts])
    headers = ["forecaster", "Brier", "reliability", "resolution", "uncertainty", *within]
    return title + "\n" + table(headers, rows, right=set(range(1, len(headers))), width=width)


CUT_TITLES = {
    "tag": ("tag", "questions", "By tag (time-averaged means over the tag's questions [90% bootstrap interval]; a question with "
                   "several tags counts under each)"),
    "month": ("resolved", "questions", "By month of resolution (time-averaged means over the questions resolved that "
                                       "month [90% bootstrap interval], and the reliability of the final forecasts on "
                                       f"those resolved in the {ROLLING_MONTHS} months to it, 0 perfectly calibrated: "
                                       "is the track record getting better?)"),
    "grade": ("evidence", "questions", "By the source grades of the evidence (time-averaged means over the questions "
                                       "whose evidence came mostly from sources of those letters [90% bootstrap "
                                       "interval]: does the engine do better on well-sourced questions?)"),
    "horizon": ("before the end", "forecasts", "By horizon (each forecast's own scores by how long before its "
                                               "question's close or resolution it was made, means over forecasts "
                                               "[90% bootstrap interval])"),
}


def _render_cut(name: str, groups: dict, width: int, rolling: dict | None = None) -> str:
    """Each group's questions (a tag's, a month's): every forecaster's mean Brier (with its interval) and log
    scores over them; by month, the rolling reliability too."""
    heading, counted, title = CUT_TITLES[name]
    reliability = {(forecaster, point.month): point.reliability
                   for forecaster, points in (rolling or {}).items() for point in points} if name == "month" else {}
    rows = []
    for group, found in groups.items():
        for position, summary in enumerate(found):
            rows.append([group if position == 0 else "", summary.forecaster, str(summary.questions),
                         _interval(summary.means.get("brier")), number(summary.means.get("log", (None,))[0])]
                        + ([number(reliability.get((summary.forecaster, group)))] if name == "month" else []))
    headers = [heading, "forecaster", counted, "Brier", "log"] + ([f"reliability, {ROLLING_MONTHS} mo"]
                                                                  if name == "month" else [])
    return wrapped(title) + "\n" + table(headers, rows, right={2, 4, 5}, width=width)


def _render_summaries(report: ScoreReport, wide: bool, width: int) -> str:
    """Each forecaster's means across questions; the baseline score's, and the log score's interval, only with
    ``wide``."""
    names = [name for name in SUMMARY_SCORES if wide or name != "baseline"]
    versus = ["Brier − uniform", "Brier − prior"] if wide else ["vs uniform", "vs prior"]
    shown = lambda s, name: (_interval(s.means.get(name)) if wide or name == "brier"  # noqa: E731
                             else number(s.means[name][0]) if name in s.means else MISSING)
    rows = [[s.forecaster, str(s.questions)] + [shown(s, name) for name in names]
            + [signed(s.versus.get(name)) for name in (UNIFORM, PRIOR)] + [percent(s.coverage, 0)]
            for s in report.summaries]
    title = wrapped("Across questions (time-averaged means [90% bootstrap interval]; Brier against each baseline on "
                    "the forecaster's own questions, below 0 is better; covered: the mean share of a question's life "
                    "from the forecaster's first forecast on, before which it scores as the uniform forecast)")
    headers = ["forecaster", "questions", *(SUMMARY_SCORES[name] for name in names), *versus, "covered"]
    notes = [wrapped(f"note: {s.forecaster}'s forecasts covered only {percent(s.coverage, 0)} of their questions' "
                     "lives on average: the rest of each life scores as if they had said uniform")
             for s in report.summaries if s.coverage < SMALL_COVERAGE]
    right = {1, len(names) + 2, len(names) + 3, len(names) + 4} | (set() if wide else {3})
    return "\n".join([title, table(headers, rows, right=right, width=width), *notes])


WIDE = 10**6  # --wide: no line is cut


def _fitted(lines: list[str], width: int) -> list[str]:
    """Lines cut to ``width`` (only those too long are looked at: there may be millions)."""
    return [cut(line, width) if len(line) > width else line for line in lines]


def _numbers(values: np.ndarray, places: int) -> list[str]:
    """``model.base.numbers.number`` of each value (the same text: a rounded -0 shows as 0)."""
    form = f"%.{places}f"
    texts = [form % value for value in values.tolist()]
    zero, negative = form % 0.0, "-" + form % 0.0
    for index in np.flatnonzero(~np.isfinite(values)).tolist():
        texts[index] = MISSING
    return [zero if text == negative else text for text in texts]


QUESTION_COLUMNS = (0, 1, 2, 3, 4, 5, 8, 10)  # of HEADERS, without --wide: forecaster, forecasts, Brier, log, avg baseline and peer


def _question_tables(report: ScoreReport, wide: bool, width: int):
    """Each resolved question's table of scores (``cli.render.table`` of its rows), ``BLOCK`` questions at a time."""
    scores, pairs = report.scores, report.scores.pairs
    starts = scores.question_starts()
    for first in range(0, starts.shape[0] - 1, BLOCK):
        edges = starts[first:first + BLOCK + 1]
        part = slice(int(edges[0]), int(edges[-1]))
        local = edges - edges[0]
        ranked = np.logical_or.reduceat(np.isfinite(pairs.averaged["ranked_brier"][part]), local[:-1])
        columns = [[scores.forecasters[f] for f in pairs.forecaster[part].tolist()],
                   list(map(str, pairs.forecasts[part].tolist()))]
        for name in ("brier", "log", "ranked_brier"):
            columns += [_numbers(pairs.averaged[name][part], 3), _numbers(pairs.final[name][part], 3)]
        columns += [_numbers(pairs.averaged["baseline"][part], 1), _numbers(pairs.spot["baseline"][part], 1),
                    _numbers(pairs.averaged["peer"][part], 1), _numbers(pairs.spot["peer"][part], 1)]
        widths = np.stack([np.maximum.reduceat(np.fromiter(map(len, column), dtype=np.int64, count=len(column)), local[:-1])
                           for column in columns], axis=1)
        texts = []
        for q, (low, high) in enumerate(zip(local[:-1].tolist(), local[1:].tolist())):
            shown = [c for c in (range(len(columns)) if wide else QUESTION_COLUMNS) if ranked[q] or c not in (6, 7)]
            headers = [HEADERS[c] for c in shown]
            sizes = [max(int(widths[q, c]), len(HEADERS[c])) for c in shown]
            form = "  " + "  ".join(f"%-{w}s" if i == 0 else f"%{w}s" for i, w in enumerate(sizes))
            lines = [(form % tuple(headers)).rstrip()]
            lines += [(form % tuple(columns[c][row] for c in shown)).rstrip() for row in range(low, high)]
            qid = scores.questions[pairs.question[part.start + low]]
            texts.append(f"{qid} (resolved: {report.outcomes[qid]})\n" + "\n".join(_fitted(lines, width)))
        yield "\n\n".join(texts)


HEADERS = ["forecaster", "forecasts", "Brier avg", "Brier final", "log avg", "log final", "ranked avg", "ranked final",
           "baseline avg", "spot baseline", "peer avg", "spot peer"]


def _interval(value) -> str:
    return MISSING if value is None else f"{number(value[0])} [{number(value[1])}, {number(value[2])}]"


def _render_calibration(report: ScoreReport, wide: bool, width: int) -> str:
    """Observed frequency per 10% bucket, then per finer bucket at the extremes: with the count in the cell
    (``wide``), or on a line of its own."""
    title = wrapped("Calibration of final forecasts (every scenario's probability; observed frequency "
                    + ("/ count [90% Wilson interval] per 10% bucket)" if wide
                       else "per 10% bucket, and the count of forecasts in it; --wide adds 90% intervals)"))
    parts = [title + "\n" + _bucket_table(report.calibration, wide, width)]
    extremes = {name: buckets for name, buckets in report.extremes.items() if any(b.count for b in buckets)}
    if extremes:
        parts.append(wrapped("At the extremes (the outer buckets split finer: does 2% mean 2%?)") + "\n"
                     + _bucket_table(extremes, wide, width))
    return "\n\n".join(parts)


def _bucket_label(bucket) -> str:
    return f"{100 * bucket.low:.0f}–{100 * bucket.high:.0f}%"


def _bucket_table(calibration: dict, wide: bool, width: int) -> str:
    """A column per bucket, a row per forecaster (and its counts under it, without ``wide``)."""
    header = ["forecaster"] + [_bucket_label(b) for b in next(iter(calibration.values()), ())]
    rows = []
    for name, buckets in calibration.items():
        if wide:
            rows.append([name] + [f"{percent(b.observed, 0)}/{b.count} [{percent(b.observed_low, 0)}–"
                                  f"{percent(b.observed_high, 0)}]" if b.count else "·" for b in buckets])
        else:
            rows.append([name] + [percent(b.observed, 0) if b.count else "·" for b in buckets])
            rows.append(["  count"] + [str(b.count) if b.count else "·" for b in buckets])
    return table(header, rows, right=set(range(1, len(header))), width=width)


COHERENCE_HEADERS = ["question", "forecaster", "date", "stated", "evidence implies", "gap", "scored better",
                     "forecasts", "mean gap", "stated better", "engine better"]
COHERENCE_RIGHT = {5, 7, 8, 9, 10}


COHERENCE_COLUMNS = 7  # without --wide: the latest stated forecast's columns, not the totals over all of them


def _render_coherence(coherence: CoherenceTable, wide: bool, width: int):
    """The coherence table (as ``cli.render.table`` lays it out, one row per pair), ``BLOCK`` rows at a time:
    a first pass finds the columns' widths, a second writes the rows."""
    blocks = range(0, len(coherence), BLOCK)
    shown = len(COHERENCE_HEADERS) if wide else COHERENCE_COLUMNS
    widths = [len(header) for header in COHERENCE_HEADERS[:shown]]
    for start in blocks:
        widths = [max(size, max(map(len, column)))
                  for size, column in zip(widths, _coherence_cells(coherence, start)[:shown])]
    form = "  " + "  ".join(f"%{size}s" if c in COHERENCE_RIGHT else f"%-{size}s" for c, size in enumerate(widths))
    totals = (", and over all of their stated forecasts on it the mean gap and how many scored better than the "
              "evidence, and worse" if wide else "")
    yield (wrapped("Coherence: each analyst's latest stated forecast on each question beside what the evidence "
                   f"implied then (gap: total variation distance; which scored better once resolved){totals}")
           + "\n" + "\n".join(_fitted([(form % tuple(COHERENCE_HEADERS[:shown])).rstrip()], width)))
    for start in blocks:
        rows = zip(*_coherence_cells(coherence, start)[:shown])
        yield "\n" + "\n".join(_fitted([(form % cells).rstrip() for cells in rows], width))


def _coherence_cells(coherence: CoherenceTable, start: int) -> list[list[str]]:
    """The cells of the coherence rows from ``start`` (``BLOCK`` of them), column by column."""
    part = slice(start, start + BLOCK)
    resolved = coherence.stated_better[part] >= 0
    stated_log, engine_log = coherence.stated_log[part], coherence.engine_log[part]
    better = np.where(~resolved, MISSING, np.where(stated_log > engine_log, "stated",
                                                   np.where(engine_log > stated_log, "engine", "tie")))
    days = (coherence.micros[part] // DAY_MICROS).tolist()
    return [
        [question.id for question in coherence.question[part]], list(coherence.forecaster[part]),
        list(map(_day_text, days)),
        _spread(coherence.stated_ids[part], coherence.stated[part]),
        _spread([question.scenario_ids for question in coherence.question[part]], coherence.engine[part]),
        ["%.0f pp" % gap for gap in (100 * coherence.gap[part]).tolist()], better.tolist(),
        list(map(str, coherence.forecasts[part].tolist())),
        ["%.0f pp" % gap for gap in (100 * coherence.mean_gap[part]).tolist()],
        [str(n) if n >= 0 else MISSING for n in coherence.stated_better[part].tolist()],
        [str(n) if n >= 0 else MISSING for n in coherence.engine_better[part].tolist()],
    ]


@functools.cache
def _day_text(day: int) -> str:
    """The date ``day`` days after 1970, ``YYYY-MM-DD`` (a table's dates repeat: each is worked out once)."""
    return f"{moment_of(day * DAY_MICROS):%Y-%m-%d}"


def _spread(ids, probabilities: np.ndarray) -> list[str]:
    """Each row's probabilities as ``_probabilities`` writes them (``ids``: each row's scenario ids)."""
    texts = ["%.0f%%" % p for p in (100 * probabilities).reshape(-1).tolist()]  # percent(p, 0) of finite numbers
    width, prefixes = probabilities.shape[1], {}
    return [" ".join(map(str.__add__, prefixes.get(names) or prefixes.setdefault(names, [sid + " " for sid in names]),
                         texts[row * width:row * width + len(names)]))
            for row, names in enumerate(ids)]


def _probabilities(probabilities: dict[str, float]) -> str:
    return " ".join(f"{sid} {percent(p, 0)}" for sid, p in probabilities.items())


def _write_csv(report: ScoreReport, path: Path) -> None:
    text = report.as_csv()
    if str(path) == "-":
        typer.echo(text, nl=False)  # every text cell is already made safe (``spreadsheet_safe``)
    else:
        from model.base.safewrite import atomic_write

        atomic_write(path, text)
