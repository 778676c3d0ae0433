"""numpyro's NUTS run as one compiled JAX program, with the data as inputs.

``pm.sample(nuts_sampler="numpyro")`` bakes the data into the program as
constants and runs numpyro's initialisation one operation at a time; on this
kind of machine each of those operations takes tens of milliseconds to
compile, so a fit costs about a minute however small the model. Here the
model's log density (built by PyMC from the same ``pm.Model``) takes the data as
arguments, and warm-up, sampling and the transformation back to the model's
variables are each one jitted function. JAX's persistent compilation cache
then serves every later fit of the same shapes (both decay variants, the next
weekly run) without compiling again.
"""

from __future__ import annotations

import hashlib

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pymc as pm
import pytensor
from numpyro.infer.hmc import hmc
from pymc.sampling.jax import get_jaxified_graph
from pymc.util import get_default_varnames
from pytensor.graph.replace import clone_replace

from model.calibration.builder import DATA_NAMES


def jaxify(model: pm.Model, outputs: list) -> tuple[callable, list]:
    """A JAX function of (value variables..., data...) computing ``outputs``, and the data values."""
    shared = [model[name] for name in DATA_NAMES]
    # static shapes let PyTensor fold shape arithmetic (JAX needs constant shapes)
    inputs = [variable.type.clone(shape=variable.get_value().shape)() for variable in shared]
    replaced = clone_replace(outputs, replace=dict(zip(shared, inputs)))
    function = get_jaxified_graph(inputs=model.value_vars + inputs, outputs=replaced)
    return function, [np.asarray(variable.get_value()) for variable in shared]


def initial_points(model: pm.Model, chains: int, seed: int) -> dict[str, np.ndarray]:
    """Each chain's starting point: the model's initial point plus uniform(-1, 1) jitter, as PyMC does."""
    with pytensor.config.change_flags(mode="FAST_COMPILE"):  # a tiny function: not worth a C compilation
        start = model.initial_point(random_seed=seed)
    rng = np.random.default_rng(seed)
    return {
        name: np.asarray(value)[None] + rng.uniform(-1.0, 1.0, (chains,) + np.shape(value))
        for name, value in start.items()
    }


def _sampler(names: tuple[str, ...], logp, tune: int, draws: int, target_accept: float, devices: int):
    """Warm-up and sampling of several chains as one function for ``jax.jit`` (or ``pmap`` over devices)."""

    def potential_given(*data):
        return lambda z: -logp(*[z[name] for name in names], *data)[0]

    init_kernel, sample_kernel = hmc(potential_fn_gen=potential_given, algo="NUTS")

    def chain(key, start, data):
        state = init_kernel(start, tune, target_accept_prob=target_accept, model_args=data, rng_key=key)

        def step(state, _):
            state = sample_kernel(state, model_args=data)
            stats = (state.diverging, state.num_steps, state.accept_prob, state.adapt_state.step_size, state.energy)
            return state, (state.z, stats)

        _, trace = jax.lax.scan(step, state, None, length=tune + draws)
        return jax.tree.map(lambda values: values[tune:], trace)

    def per_device(keys, starts, data):
        # the chains of one device one after the other: NUTS is compute-bound on a CPU core, so
        # vmap gains nothing, costs seconds of tracing, and makes every chain wait for the slowest
        return jax.lax.map(lambda pair: chain(pair[0], pair[1], data), (keys, starts))

    if devices > 1:
        return jax.pmap(per_device, in_axes=(0, 0, None))
    return jax.jit(per_device)


_RUNNERS: dict[str, callable] = {}  # compiled samplers of this process, by model structure and settings


def _structure(model: pm.Model, settings, devices: int) -> str:
    """A key that is equal for models that differ only in their data values."""
    graph = pytensor.printing.debugprint(model.logp(), file="str", print_type=True)
    shapes = [(name, np.shape(model[name].get_value())) for name in DATA_NAMES]
    knobs = (settings.tune, settings.draws, settings.target_accept, devices)
    return hashlib.sha256(repr((graph, shapes, knobs)).encode()).hexdigest()


def sample_compiled(model: pm.Model, settings) -> az.InferenceData:
    """Sample ``model`` with numpyro's NUTS in one compiled program; ArviZ InferenceData like ``pm.sample``."""
    names = tuple(variable.name for variable in model.value_vars)
    devices = jax.local_device_count() if settings.chains % jax.local_device_count() == 0 else 1
    key = _structure(model, settings, devices)
    logp, data = jaxify(model, [model.logp()])
    if key not in _RUNNERS:  # the same structure again (the other decay variant, new data): no new trace
        _RUNNERS[key] = _sampler(names, logp, settings.tune, settings.draws, settings.target_accept, devices)
    run = _RUNNERS[key]
    starts = initial_points(model, settings.chains, settings.seed)
    keys = jax.random.split(jax.random.key(settings.seed), settings.chains)
    shape = (devices, settings.chains // devices) if devices > 1 else (settings.chains,)
    starts = {name: value.reshape(shape + value.shape[1:]) for name, value in starts.items()}
    samples, stats = run(keys.reshape(shape), starts, tuple(jnp.asarray(value) for value in data))
    merge = lambda values: np.asarray(values).reshape((settings.chains, settings.draws) + np.shape(values)[len(shape) + 1:])  # noqa: E731
    samples = {name: merge(values) for name, values in samples.items()}
    return _inference_data(model, samples, [merge(value) for value in stats], data)


def _inference_data(model: pm.Model, samples: dict, stats: list, data: list) -> az.InferenceData:
    """Model variables (constrained, with deterministics) and sample stats, with the model's coords and dims."""
    wanted = get_default_varnames(model.unobserved_value_vars, include_transformed=False)
    transform, _ = jaxify(model, wanted)
    values = [samples[variable.name] for variable in model.value_vars]
    per_draw = lambda *point: transform(*point, *data)  # noqa: E731
    outputs = jax.jit(jax.vmap(jax.vmap(per_draw)))(*values)
    posterior = {variable.name: np.asarray(output) for variable, output in zip(wanted, outputs)}
    diverging, steps, accept, step_size, energy = stats
    sample_stats = {
        "diverging": diverging.astype(bool), "n_steps": steps, "acceptance_rate": accept,
        "step_size": step_size, "energy": energy,
    }
    dims = {name: [dim for dim in named if dim is not None] for name, named in model.named_vars_to_dims.items()}
    coords = {name: list(values) for name, values in model.coords.items() if values is not None}
    return az.from_dict(
        posterior=posterior, sample_stats=sample_stats, coords=coords, dims=dims,
        attrs={"inference_library": "numpyro", "sampler": "numpyro-jit"},
    )
