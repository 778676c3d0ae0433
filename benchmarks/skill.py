"""Skill of the calibration on simulated worlds that differ from the model (run: python benchmarks/skill.py).

Each world generates resolved questions from a known truth that breaks one of
the model's assumptions: analysts of different strength, unreliable source
letters, copies of a report the analyst failed to link, written priors that
are too confident, evidence that decays, ratings that are pure noise,
questions that resolve early. The calibration is fitted on one set of questions
and scored on another drawn from the same world:

- mean log score and Brier score of the forecasts at each question's horizon,
  calibrated vs face value (s = 1, no decay) vs the written prior alone;
- coverage: the share of the true-world probabilities (every scenario of every
  held-out question) inside the calibrated 80% band;
- recovery: whether each true effective strength (s times the analyst's or the
  letter's multiplier), half-life and prior strength lies inside its 80% interval;
- what ``vane calibrate`` would say of the ratings' value.

Targets: calibrated beats face value and the prior in every world; coverage
between 70% and 90% in every world; in the noise world, s times the decay
factor at 30 days below 0.2, and the "not yet shown predictive value" message.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.calibration.data import calibration_data  # noqa: E402
from model.calibration.fit import parameters_from, ratings_value, summarised  # noqa: E402
from model.calibration.sampling import patient_fit  # noqa: E402
from model.calibration.settings import SamplerSettings  # noqa: E402
from model.calibration.synthetic import World, synthetic_questions  # noqa: E402
from model.engine.parameters import Parameters  # noqa: E402
from model.engine.posterior import Theta  # noqa: E402
from model.engine.probabilities import INTERVAL, probabilities_at  # noqa: E402
from model.fileformat.grades import RELIABILITY  # noqa: E402

BASE = dict(strength=0.8, half_life=math.inf, items=15.0)
WORLDS = {
    "analysts of different strength": World(**BASE, analysts={"overconfident": 0.4, "steady": 1.0, "underconfident": 1.6}),
    "unreliable source letters": World(**BASE, reliability={"B": 0.25, "C": 0.9, "D": 0.9}),
    "copies not linked as a story": World(**{**BASE, "strength": 0.6}, copy_rate=0.4, linked=False),
    "written priors too confident": World(**BASE, prior_strength=0.4),
    "evidence that decays": World(**{**BASE, "strength": 1.0, "half_life": 60.0}),
    "ratings that are pure noise": World(**{**BASE, "strength": 0.0}),
    "questions that resolve early": World(**BASE, early=0.5),
}


def truth(world: World) -> Parameters:
    """The world's own parameters as one draw the engine can use."""
    theta = Theta.of(np.array([world.strength]), np.array([world.half_life]), np.array([world.prior_strength]))
    analysts = {name: np.array([value]) for name, value in world.analysts.items()} if len(world.analysts) > 1 else {}
    letters = {letter: np.array([value]) for letter, value in world.reliability.items()}
    return Parameters(theta, "the true world", "calibrated", analysts, letters)


def forecasts(questions, parameters: Parameters):
    """Mean and 80% band per question at its horizon."""
    return [probabilities_at(question, parameters, [question.horizon]) for question in questions]


def scores(questions, means) -> tuple[float, float]:
    """Mean log score and mean Brier score."""
    logs, briers = [], []
    for question, mean in zip(questions, means):
        outcome = question.scenario_ids.index(question.resolution.outcome)
        logs.append(math.log(max(mean[outcome], 1e-12)))
        briers.append(float(np.sum((mean - np.eye(len(mean))[outcome]) ** 2)))
    return float(np.mean(logs)), float(np.mean(briers))


def prior_means(questions):
    return [np.array([q.prior.probabilities[sid] for sid in q.scenario_ids]) for q in questions]


def recovery(world: World, fitted: Parameters) -> list[tuple[str, bool]]:
    """(what, true value inside the 80% interval) for the effective strengths and theta."""
    found = []

    def inside(name: str, draws: np.ndarray, true: float) -> None:
        low, high = np.quantile(draws, INTERVAL)
        found.append((name, bool(low <= true <= high)))

    strength = fitted.theta.strength
    if fitted.analyst_strength and len(world.analysts) > 1:
        for name, value in world.analysts.items():
            inside(f"s x {name}", strength * fitted.analyst_strength[name], world.strength * value)
    elif world.strength > 0:
        inside("s", strength, world.strength)
    for letter, value in world.reliability.items():
        if letter in fitted.reliability:
            inside(f"s x rel({letter})/default", strength * fitted.reliability[letter] / RELIABILITY[letter],
                   world.strength * value / RELIABILITY[letter])
    if math.isfinite(world.half_life):
        inside("half-life", fitted.theta.half_life, world.half_life)
    inside("kappa", fitted.theta.prior_strength, world.prior_strength)
    return found


def run_world(name: str, world: World, count: int, settings: SamplerSettings, replicate: int = 0) -> dict:
    """Fit on ``count`` questions of ``world``, score on ``count`` others (replicate r: seeds 2r+1 and 2r+2)."""
    started = time.perf_counter()
    train = synthetic_questions(count, world, seed=2 * replicate + 1)
    test = synthetic_questions(count, world, seed=2 * replicate + 2)
    data = calibration_data(train)
    fitted = patient_fit(data, settings)
    value = ratings_value(fitted, data)
    learned = parameters_from(fitted, data, "fitted on the training questions")
    calibrated, _ = summarised(fitted, data, value)  # what forecasts use: stacked with the written priors alone
    shown = forecasts(test, calibrated)
    # the truth sees copies of one report as one story; the same seed gives the same questions, linked
    true = forecasts(synthetic_questions(count, dataclasses.replace(world, linked=True), seed=2 * replicate + 2),
                     truth(world))
    covered = [
        (band.low[0] <= real.mean[0]) & (real.mean[0] <= band.high[0]) for band, real in zip(shown, true)
    ]

    def decay_30(theta: Theta) -> float:
        return float(np.median(theta.strength * np.exp2(-30.0 / theta.half_life)))

    return {
        "world": name,
        "calibrated": scores(test, [f.mean[0] for f in shown]),
        "face value": scores(test, [f.mean[0] for f in forecasts(test, Parameters.face_value())]),
        "prior": scores(test, prior_means(test)),
        "coverage": float(np.mean(np.concatenate(covered))),
        "recovery": recovery(world, learned),
        "s x decay(30 d)": decay_30(calibrated.theta),
        "fitted s x decay(30 d)": decay_30(learned.theta),
        "value": value,
        "converged": fitted.diagnostics.passed,
        "seconds": time.perf_counter() - started,
    }


TIE = 0.002  # nats: closer than this to the prior is a tie (in the noise world the prior is the truth)


def report(name: str, rows: list[dict]) -> str:
    """One world's lines: means over the replicates, with each replicate's coverage and what it said."""
    mean = lambda key, part: float(np.mean([row[key][part] for row in rows]))  # noqa: E731
    log_c, log_f, log_p = (mean(key, 0) for key in ("calibrated", "face value", "prior"))
    brier_c, brier_f, brier_p = (mean(key, 1) for key in ("calibrated", "face value", "prior"))
    if log_c > log_f and log_c > log_p + TIE:
        verdict = "beats both"
    elif log_c > log_f and log_c > log_p - TIE:
        verdict = f"beats face value, ties the prior (within {TIE})"
    else:
        verdict = "DOES NOT beat both"
    coverage = [row["coverage"] for row in rows]
    coverage_ok = 0.7 <= float(np.mean(coverage)) <= 0.9
    names = [what for what, _ in rows[0]["recovery"]]
    recovered = ", ".join(f"{what} {sum(dict(row['recovery'])[what] for row in rows)}/{len(rows)}" for what in names)
    failed = sum(not row["converged"] for row in rows)
    return "\n".join([
        f"{name} ({sum(row['seconds'] for row in rows):.0f} s"
        f"{f', {failed} fit(s) did NOT converge' if failed else ''})",
        f"  log score  calibrated {log_c:.3f}  face value {log_f:.3f}  prior {log_p:.3f}  {verdict}",
        f"  Brier      calibrated {brier_c:.3f}  face value {brier_f:.3f}  prior {brier_p:.3f}",
        f"  coverage of the true probabilities by the 80% band: {100 * np.mean(coverage):.0f}% "
        f"(replicates: {', '.join(f'{100 * c:.0f}%' for c in coverage)})"
        + ("" if coverage_ok else "  (outside 70-90%)"),
        "  s x decay at 30 days (median): " + ", ".join(
            f"{row['s x decay(30 d)']:.2f} in forecasts ({row['fitted s x decay(30 d)']:.2f} in the fit)"
            for row in rows),
        f"  recovery (true value inside the 80% interval, replicates): {recovered}",
        *(f"  says: {row['value'].sentence()}" for row in rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=250, help="resolved questions to fit on (and as many to score)")
    parser.add_argument("--replicates", type=int, default=3, help="independent train/test pairs per world (default 3)")
    parser.add_argument("--worlds", default="", help="a comma-separated part of the world names to run (default: all)")
    options = parser.parse_args()
    settings = SamplerSettings(progress=False)
    chosen = [part.strip() for part in options.worlds.split(",") if part.strip()]
    print(f"calibration skill: fit on {options.questions} resolved questions per world, scored on "
          f"{options.questions} more, {options.replicates} replicate(s) each; figures are means over replicates\n")
    for name, world in WORLDS.items():
        if chosen and not any(part in name for part in chosen):
            continue
        rows = [run_world(name, world, options.questions, settings, replicate)
                for replicate in range(options.replicates)]
        print(report(name, rows), flush=True)


if __name__ == "__main__":
    main()
