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
    workspace,
    writable_workspace,
)
from cli.render import wrapped
from model.base.errors import VaneError
from model.calibration.saved import (
    learning_inputs,
    nothing_to_learn,
    parameters_in_detail,
)
from model.calibration.settings import SAMPLERS, SamplerSettings
from model.engine.parameters import SavedFit, saved_provenance, workspace_parameters
from model.fileformat.log_entry import read_log
from model.workspace.folder import log_path
from model.workspace.loader import load_paths, load_settings


@handles_errors
def calibrate(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="[DIR|FILE]...", help="More workspaces, folders or files with resolved questions.")] = None,
    sampler: Annotated[str, typer.Option(help=f"NUTS implementation: {', '.join(SAMPLERS)} (fastest measured first).")] = "numpyro-jit",
    draws: Annotated[int, typer.Option(min=100, help="Draws per chain after tuning.")] = 500,
    tune: Annotated[int, typer.Option(min=100, help="Tuning steps per chain.")] = 500,
    chains: Annotated[int, typer.Option(min=2, help="Chains (R-hat needs several).")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed, for a reproducible fit.")] = 20250212,
    show: Annotated[bool, typer.Option("--show", help="Show the parameters forecasts use now, in full, and fit nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Fit even when there is nothing new to learn from.")] = False,
    json_output: JsonOption = False,
    directory: DirOption = None,
) -> None:
    """Fit the calibration model on every resolved question; save it when its diagnostics pass."""
    if sampler not in SAMPLERS:
        raise typer.BadParameter(f"'{sampler}' is not one of {', '.join(SAMPLERS)}", param_hint="--sampler")
    if show:
        return _show(directory, json_output)
    space = writable_workspace(directory)
    loaded = load_paths([space.root, *(paths or [])])
    if loaded.problems:
        report_problems(loaded.problems)
        raise VaneError("not calibrating on files with problems; fix them first")
    entries, _ = read_log(log_path(space))  # damaged lines are 'vane check''s to report; the rest still counts
    data, inputs = learning_inputs(loaded.questions, entries, loaded.settings.grades)
    if not data.questions:
        raise VaneError("no resolved questions to learn from: resolve a question first")
    idle = nothing_to_learn(data, inputs, saved_provenance(SavedFit.of(space)))
    if idle and not force:
        if json_output:
            print_json({"fitted": False, "saved": False, "reason": idle})
        else:
            say(wrapped(f"{idle}; not fitting (--force fits anyway)"))
        return
    note = lambda line: say(line, err=True)  # noqa: E731  progress goes to standard error
    note("loading PyMC (a few seconds)...")
    from model.calibration.fit import (
        calibrate as run_calibration,  # heavy: PyMC, PyTensor, ArviZ
    )
    from model.calibration.pooling import learn_team_pool

    settings = SamplerSettings(sampler, draws, tune, chains, seed, progress=not json_output and _terminal())
    result = run_calibration(loaded.questions, SavedFit.of(space), settings, loaded.settings.grades, note, inputs)
    team = learn_team_pool(loaded.questions, entries, SavedFit.of(space), settings, note)
    if json_output:
        print_json({**result.as_dict(), "team_pool": team.as_dict()})
    else:
        say(wrapped("\n".join(result.summary), indent="  "))
        say(wrapped(f"saved to {SavedFit.of(space).record}" if result.saved else f"not saved: {result.refusal}",
                    indent="  "))
        say(wrapped("\n".join(team.lines), indent="  "))
    if not result.saved:
        raise typer.Exit(EXIT_PROBLEMS)


def _show(directory: Optional[Path], json_output: bool) -> None:
    """``vane calibrate --show``: the parameters in use and, for a saved fit, where it came from."""
    space = workspace(directory)
    settings, _ = load_settings(space.config_file)
    parameters = workspace_parameters(space, grades=settings.grades)
    provenance = saved_provenance(SavedFit.of(space)) if parameters.kind == "calibrated" else {}
    if json_output:
        print_json({"parameters": parameters.source, "kind": parameters.kind, "caveat": parameters.caveat,
                    "provenance": provenance})
    else:
        say(wrapped("parameters: " + "\n".join(parameters_in_detail(parameters, provenance)), indent="  "))


def _terminal() -> bool:
    import sys

    return sys.stderr.isatty()
