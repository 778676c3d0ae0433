"""The size limits (model/base/limits.py): each refused with its path and line, the same way by every command;
duplicate keys still found in very wide mappings; the engine's blocked computations equal the direct ones.

How fast the largest files run is benchmarks/limits.py's job, not a unit test's.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from model.base.limits import MAX_ENTRIES, MAX_FILE_BYTES, MAX_SCENARIOS
from model.engine import posterior
from model.engine.parameters import Parameters
from model.engine.posterior import EvidenceMatrix, Theta
from model.engine.probabilities import (
    INTERVAL,
    compile_question,
    day_number,
    probabilities_at,
    quantiles,
    weekly_dates,
)
from model.fileformat.yamlread import load_string
from model.workspace.loader import load_question
from tests.helpers import TALKS, vane

HEAD = textwrap.dedent("""\
    question: How many scenarios can a question have?
    opened: 2025-01-01
    closes: 2025-12-31
    """)


def question_text(scenarios: int = 3, items: int = 0, indicators: int = 0) -> str:
    """A valid question with one-line entries (small enough for MAX_ENTRIES of them in a file)."""
    ids = [f"s{k}" for k in range(scenarios)]
    lines = [HEAD.rstrip("\n"), "scenarios:", *(f"  {sid}: Scenario {sid}" for sid in ids),
             "prior: {basis: uniform for a test, probabilities: uniform}"]
    if items:
        lines.append("evidence:")
        lines += [f"  - {{id: e{j}, date: 2025-02-{1 + j % 28:02d}, summary: item {j}, ratings: {{s0: '+'}}}}"
                  for j in range(items)]
    if indicators:
        probabilities = ", ".join(f"{sid}: 0.5" for sid in ids)
        lines.append("indicators:")
        lines += [f"  - {{id: i{j}, description: signpost {j}, due: 2025-11-30, probabilities: {{{probabilities}}}}}"
                  for j in range(indicators)]
    return "\n".join(lines) + "\n"


def write(space: Path, text: str) -> Path:
    path = space / "scenarios" / "talks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def located(output: str, message: str) -> int:
    """The line of the problem ``talks.yaml:LINE: message`` in ``output`` (fails when absent)."""
    match = re.search(r"talks\.yaml:(\d+): " + re.escape(message), output)
    assert match, output[-2000:]
    return int(match.group(1))


# --- each limit, refused with path:line ---


def test_the_most_scenarios_are_accepted_and_one_more_is_refused_at_the_scenarios_key(space: Path):
    write(space, question_text(MAX_SCENARIOS))
    assert vane("check", "--dir", str(space)).code == 0
    write(space, question_text(MAX_SCENARIOS + 1))
    result = vane("check", "--dir", str(space))
    line = located(result.stdout, f"{MAX_SCENARIOS + 1} scenarios; a question may have at most {MAX_SCENARIOS}")
    assert line == HEAD.count("\n") + 1  # the 'scenarios:' line
    assert result.code == 1 and "problem" in result.output


def test_twenty_thousand_scenarios_are_one_problem(space: Path):
    write(space, question_text(20_000))
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and "checked 1 file: 1 problem" in result.output
    located(result.stdout, f"20000 scenarios; a question may have at most {MAX_SCENARIOS}")


def test_evidence_and_indicators_count_together_against_the_entry_limit(space: Path):
    write(space, question_text(items=MAX_ENTRIES - 2, indicators=2))
    assert vane("check", "--dir", str(space)).code == 0
    write(space, question_text(items=MAX_ENTRIES - 1, indicators=2))
    result = vane("check", "--dir", str(space))
    message = f"{MAX_ENTRIES - 1} evidence items and 2 indicators; a question may have at most {MAX_ENTRIES} in all"
    assert located(result.stdout, message) == question_text().count("\n") + 1  # the 'evidence:' line
    assert result.code == 1


def test_indicators_alone_are_refused_at_the_indicators_key(space: Path):
    text = question_text(2, indicators=MAX_ENTRIES + 1)
    write(space, text)
    result = vane("check", "--dir", str(space))
    line = located(result.stdout, f"0 evidence items and {MAX_ENTRIES + 1} indicators")
    assert text.splitlines()[line - 1] == "indicators:"


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(space: Path):
    path = write(space, "")
    padding = MAX_FILE_BYTES - len(TALKS.encode()) - len("# \n")
    path.write_text(TALKS + "# " + "x" * padding + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert vane("check", "--dir", str(space)).code == 0
    path.write_text(TALKS + "# " + "x" * (padding + 1) + "\n", encoding="utf-8")
    result = vane("check", "--dir", str(space))
    assert result.code == 1
    located(result.stdout, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")


def test_text_about_to_be_written_has_the_same_size_limit():
    _, problems = load_string("a: " + "x" * MAX_FILE_BYTES + "\n", "new.yaml")
    assert [p.message for p in problems] == [f"file is larger than {MAX_FILE_BYTES // 2**20} MiB"]
    root, problems = load_string("a: " + "é" * (MAX_FILE_BYTES // 4) + "\n", "new.yaml")
    assert not problems and root.get("a").text.startswith("é")


# --- every other command refuses such a file the same way ---


@pytest.mark.parametrize("command", [["status"], ["show", "talks"], ["report"],
                                     ["add", "talks", "--summary", "More", "--date", "2025-03-01", "--rate", "s0=+"]])
def test_every_command_refuses_a_file_beyond_a_limit_with_the_same_problem(space: Path, command: list[str]):
    path = write(space, question_text(MAX_SCENARIOS + 1))
    before = path.read_text()
    result = vane(*command, "--dir", str(space))
    assert result.code != 0
    located(result.output, f"{MAX_SCENARIOS + 1} scenarios; a question may have at most {MAX_SCENARIOS}")
    assert path.read_text() == before


def test_add_refuses_to_take_a_question_past_the_entry_limit(space: Path):
    path = write(space, question_text(items=MAX_ENTRIES))
    assert vane("check", "--dir", str(space)).code == 0
    result = vane("add", "talks", "--summary", "One too many", "--date", "2025-03-01", "--rate", "s0=+",
                  "--dir", str(space))
    assert result.code != 0 and f"a question may have at most {MAX_ENTRIES} in all" in result.output
    assert path.read_text() == question_text(items=MAX_ENTRIES)


# --- duplicate keys: found in linear time, and only within one mapping ---


def test_a_duplicate_among_thirty_thousand_keys_is_found_on_its_line():
    keys = [f"k{index:05d}: {index}" for index in range(30_000)]
    text = "\n".join(keys + ["k12345: again"]) + "\n"
    _, problems = load_string(text, "wide.yaml")
    assert [(p.line, p.message) for p in problems] == [(30_001, "duplicate key 'k12345'")]
    root, problems = load_string("\n".join(keys) + "\n", "wide.yaml")
    assert not problems and len(root.items) == 30_000


def test_the_same_key_in_different_mappings_is_not_a_duplicate():
    root, problems = load_string("a: {b: 1, c: {b: 2}}\nb: [{b: 3}, {b: 4}]\nc: 5\n", "x.yaml")
    assert not problems and [key.text for key in root.keys()] == ["a", "b", "c"]
    _, problems = load_string("a: {x: 1}\nb: 2\na: 3\n", "x.yaml")
    assert [(p.line, p.message) for p in problems] == [(3, "duplicate key 'a'")]
    _, problems = load_string("- {x: 1, y: 2, x: 3}\n", "x.yaml")
    assert [p.message for p in problems] == ["duplicate key 'x'"]


# --- the engine in blocks gives the direct numbers ---


def random_question(seed: int, items: int = 60, scenarios: int = 4, classes: int = 3) -> EvidenceMatrix:
    rng = np.random.default_rng(seed)
    story = np.unique(rng.integers(0, items // 2, items), return_inverse=True)[1].reshape(-1)
    dates = rng.integers(0, 300, items)
    recorded = np.where(rng.random(items) < 0.1, posterior.NEVER, dates + rng.integers(0, 40, items))
    return EvidenceMatrix(
        log_prior=np.log(rng.dirichlet(np.ones(scenarios))),
        units=rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0, -3.3, 0.7], (items, scenarios)),
        weights=rng.uniform(0.1, 1.0, items), story=story.astype(np.int64), dates=dates.astype(np.int64),
        recorded=recorded.astype(np.int64), stories=int(story.max()) + 1,
        item_class=rng.integers(0, classes, items).astype(np.int64), classes=classes,
    )


def random_theta(seed: int, decaying: bool, draws: int = 50) -> Theta:
    rng = np.random.default_rng(seed)
    half_life = rng.uniform(10, 300, draws) if decaying else np.inf
    return Theta.of(np.exp(rng.normal(0, 0.5, draws)), half_life, np.exp(rng.normal(0, 0.3, draws)))


def random_factors(seed: int, draws: int, classes: int, kind: str) -> np.ndarray | None:
    rng = np.random.default_rng(seed)
    if kind == "none":
        return None
    if kind == "equal":  # as without learned multipliers: every class merges into one
        return np.ones((draws, classes))
    columns = rng.uniform(0.5, 2.0, (draws, classes))
    if kind == "some equal":
        columns[:, -1] = columns[:, 0]
    return columns


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("decaying", [False, True])
@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("kind", ["none", "equal", "some equal", "distinct"])
def test_blocked_posterior_and_story_effects_equal_the_direct_computation(monkeypatch, seed, decaying, strict, kind):
    matrix = random_question(seed)
    theta = random_theta(seed, decaying)
    factors = random_factors(seed, theta.draws, matrix.classes, kind)
    times = np.array([-5, 0, 31, 31, 100, 64, 150, 299, 300, 340, 1000])  # unsorted, repeated, before and after
    view = posterior.story_view(matrix, times, strict)
    direct = posterior.posterior(matrix.log_prior, view, theta, factors)
    at = 7  # day 300
    now = direct[:, at]
    moved = 100.0 * (now[:, None, :] - posterior.leave_one_out(matrix.log_prior, view, theta, at, factors)).mean(axis=0)
    log_odds = posterior.contributions(view, theta, at, factors).mean(axis=0)
    for cells in (1, 37, 10**9):  # one time point / story at a time, small blocks, everything at once
        monkeypatch.setattr(posterior, "_CHUNK_CELLS", cells)
        blocks = list(posterior.posterior_blocks(matrix, times, theta, factors, strict))
        assert [start for start, _ in blocks] == sorted({start for start, _ in blocks})
        blocked = np.concatenate([draws for _, draws in blocks], axis=1)
        np.testing.assert_allclose(blocked, direct, rtol=0, atol=1e-12)
        effects = posterior.story_effects(matrix, int(times[at]), theta, factors, strict)
        np.testing.assert_allclose(effects[0], log_odds, rtol=0, atol=1e-12)
        np.testing.assert_allclose(effects[1], moved, rtol=0, atol=1e-10)  # percentage points


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("strict", [False, True])
def test_decay_carried_from_week_to_week_equals_the_story_view(monkeypatch, seed, strict):
    matrix = random_question(seed, items=80)
    rng = np.random.default_rng(seed)
    half_life = rng.choice([3.0, 45.0, 400.0, np.inf], 40)  # fast, slow and no decay among the draws
    theta = Theta.of(np.exp(rng.normal(0, 0.5, 40)), half_life, np.exp(rng.normal(0, 0.3, 40)))
    factors = random_factors(seed, theta.draws, matrix.classes, "distinct")
    times = np.concatenate([[-30, 0, 0], np.arange(3, 3000, 7)])  # sorted, repeated, long after the last item
    direct = posterior.posterior(matrix.log_prior, posterior.story_view(matrix, times, strict), theta, factors)
    for cells in (1, 500, 10**9):
        monkeypatch.setattr(posterior, "_CHUNK_CELLS", cells)
        carried = np.concatenate([draws for _, draws in posterior.posterior_blocks(matrix, times, theta, factors, strict)], axis=1)
        np.testing.assert_allclose(carried, direct, rtol=0, atol=1e-11)


def test_repeated_visibility_states_are_computed_once_and_give_each_date_its_numbers():
    matrix = random_question(5)
    times = np.arange(-10, 400, 7)
    distinct, index = posterior.distinct_times(matrix, times, random_theta(5, decaying=False), strict=True)
    assert distinct.shape[0] < times.shape[0] and np.array_equal(np.unique(distinct), np.sort(distinct))
    seen = posterior.visibility(matrix, times, strict=True)
    assert np.array_equal(seen, posterior.visibility(matrix, distinct, strict=True)[index])
    distinct, index = posterior.distinct_times(matrix, times, random_theta(5, decaying=True), strict=True)
    assert np.array_equal(distinct, times) and np.array_equal(index, np.arange(times.shape[0]))


def test_probabilities_at_many_dates_equal_the_unblocked_summary(monkeypatch, space: Path):
    write(space, TALKS.replace("opened: 2025-01-01", "opened: 1990-01-01"))
    question, problems = load_question(space / "scenarios" / "talks.yaml")
    assert not problems
    dates = weekly_dates(question.opened, dt.date(2025, 12, 31))
    for parameters in (Parameters.prior_draws(), Parameters.face_value(),
                       Parameters(random_theta(3, decaying=True, draws=200), "test draws with decay", "calibrated")):
        compiled = compile_question(question)
        view = posterior.story_view(compiled.matrix, [day_number(d) for d in dates])
        draws = posterior.posterior(compiled.matrix.log_prior, view, parameters.theta, compiled.factors(parameters))
        low, high = quantiles(draws, INTERVAL)
        monkeypatch.setattr(posterior, "_CHUNK_CELLS", 5_000)  # many blocks of dates
        blocked = probabilities_at(question, parameters, dates)
        for got, expected in ((blocked.mean, draws.mean(axis=0)), (blocked.low, low), (blocked.high, high)):
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        assert blocked.dates == tuple(dates)
