"""``vane calibrate``: learn how far the ratings can be trusted from the questions that have resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.options import (
    EXIT_PROBLEMS,
    DirOption,
    JsonOption,
    handles_errors,
    print_json,
    report_problems,
    say,
    writable_workspace,
)
from model.base.errors import VaneError
from model.calibration.settings import SAMPLERS, SamplerSettings
from model.engine.parameters import SavedFit
from model.fileformat.log_entry import read_log
from model.workspace.folder import log_path
from model.workspace.loader import load_paths


@handles_errors
def calibrate(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="More workspaces, folders or files with resolved questions.")] = None,
    sampler: Annotated[str, typer.Option(help=f"NUTS implementation: {', '.join(SAMPLERS)} (fastest measured first).")] = "numpyro-jit",
    draws: Annotated[int, typer.Option(min=100, help="Draws per chain after tuning.")] = 500,
    tune: Annotated[int, typer.Option(min=100, help="Tuning steps per chain.")] = 500,
    chains: Annotated[int, typer.Option(min=2, help="Chains (R-hat needs several).")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed, for a reproducible fit.")] = 20250212,
    json_output: JsonOption = False,
    directory: DirOption = None,
) -> None:
    """Fit the calibration model on every resolved question; save it when its diagnostics pass."""
    if sampler not in SAMPLERS:
        raise typer.BadParameter(f"'{sampler}' is not one of {', '.join(SAMPLERS)}", param_hint="--sampler")
    space = writable_workspace(directory)
    loaded = load_paths([space.root, *(paths or [])])
    if loaded.problems:
        report_problems(loaded.problems)
        raise VaneError("not calibrating on files with problems; fix them first")
    note = lambda line: say(line, err=True)  # noqa: E731  progress goes to standard error
    note("loading PyMC (a few seconds)...")
    from model.calibration.fit import (
        calibrate as run_calibration,  # heavy: PyMC, PyTensor, ArviZ
    )
    from model.calibration.pooling import learn_team_pool

    settings = SamplerSettings(sampler, draws, tune, chains, seed, progress=not json_output and _terminal())
    result = run_calibration(loaded.questions, SavedFit.of(space), settings, loaded.settings.grades, note)
    entries, _ = read_log(log_path(space))  # damaged lines are 'vane check''s to report; the rest still counts
    team = learn_team_pool(loaded.questions, entries, SavedFit.of(space), settings, note)
    if json_output:
        print_json({**result.as_dict(), "team_pool": team.as_dict()})
    else:
        say("\n".join(result.summary))
        say(f"saved to {SavedFit.of(space).record}" if result.saved else f"not saved: {result.refusal}")
        say("\n".join(team.lines))
    if not result.saved:
        raise typer.Exit(EXIT_PROBLEMS)


def _terminal() -> bool:
    import sys

    return sys.stderr.isatty()
