"""An independent oracle for the exact update: a naive Bayes network in pgmpy (a test-only dependency).

At face value (s = 1, kappa = 1, weight 1, no decay) every evidence item with
explicit likelihoods is a child of the scenario node in a naive Bayes network;
observing all of them must give exactly the engine's posterior.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

pgmpy = pytest.importorskip("pgmpy")

from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.models import DiscreteBayesianNetwork  # noqa: E402

from model.edits.tag import as_written, rated  # noqa: E402
from model.engine.parameters import Parameters  # noqa: E402
from model.engine.probabilities import probabilities_at  # noqa: E402
from model.fileformat.evidence import evidence_entry  # noqa: E402
from model.fileformat.question import question_text  # noqa: E402
from model.fileformat.textedit import Draft, append_entry  # noqa: E402
from model.workspace.loader import load_question_text  # noqa: E402


def question_with(prior: np.ndarray, likelihoods: np.ndarray):
    """A question file with one A1-graded item (weight 1) per row of likelihoods, read back through the loader."""
    ids = [f"s{k}" for k in range(len(prior))]
    text = question_text("Oracle?", dt.date(2025, 1, 1), dt.date(2025, 12, 31), {sid: sid for sid in ids},
                         dict(zip(ids, prior.tolist())), "random")
    question, _ = load_question_text(text, Path("oracle.yaml"))
    for j, row in enumerate(likelihoods):
        new = rated(f"item {j}", dt.date(2025, 2, 1), likelihoods={sid: float(value) for sid, value in zip(ids, row)},
                    grade="A1")
        item = as_written(new, f"e{j + 1}", question, dt.datetime(2025, 2, 2, tzinfo=dt.timezone.utc))
        text = append_entry(Draft.parse(text), "evidence", evidence_entry(item)).text
    question, problems = load_question_text(text, Path("oracle.yaml"))
    assert not problems, problems
    return question


def naive_bayes_posterior(prior: np.ndarray, likelihoods: np.ndarray) -> np.ndarray:
    network = DiscreteBayesianNetwork([("S", f"E{j}") for j in range(len(likelihoods))])
    cpds = [TabularCPD("S", len(prior), prior.reshape(-1, 1))]
    for j, row in enumerate(likelihoods):
        cpds.append(TabularCPD(f"E{j}", 2, np.vstack([1 - row, row]), evidence=["S"], evidence_card=[len(prior)]))
    network.add_cpds(*cpds)
    assert network.check_model()
    query = VariableElimination(network).query(["S"], evidence={f"E{j}": 1 for j in range(len(likelihoods))}, show_progress=False)
    return np.asarray(query.values)


@pytest.mark.parametrize("seed", range(12))
def test_engine_equals_a_naive_bayes_network(seed):
    rng = np.random.default_rng(seed)
    k, items = int(rng.integers(2, 6)), int(rng.integers(1, 9))
    prior = rng.dirichlet(np.ones(k))
    likelihoods = rng.uniform(0.02, 1.0, (items, k))
    question = question_with(prior, likelihoods)
    ours = probabilities_at(question, Parameters.face_value(), [dt.date(2025, 6, 1)]).mean[0]
    np.testing.assert_allclose(ours, naive_bayes_posterior(prior, likelihoods), rtol=0, atol=1e-9)
