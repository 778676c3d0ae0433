"""Numbers worked out from fixed inputs, kept in this user's cache folder so that later commands read them.

The prior draws of theta come from numpy's random generator with a fixed seed:
always the same numbers, but importing ``numpy.random`` costs about 11 ms, a
twentieth of a command's start-up, in every command on a workspace not yet
calibrated. The numbers are kept exactly (their bytes) in
``$XDG_CACHE_HOME/weathervane/arrays/``, under a hash of everything that decides
them: the inputs given, the shape and numpy's version (another version may
draw other numbers from the same seed). A kept file that is missing, of
another length or holding a number that is not finite is worked out again and
rewritten; failing to write only means working them out next time.
``VANE_NO_CACHE=1`` works them out every time, as it turns off the other caches.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model.workspace.cache import user_cache_folder, write_whole

FOLDER = "arrays"


def kept_array(inputs: tuple, shape: tuple[int, ...], work_out: Callable[[], np.ndarray]) -> np.ndarray:
    """``work_out()`` (float64, of ``shape``), which depends only on ``inputs``: read if kept, else worked out
    and kept. ``inputs`` must name everything ``work_out`` depends on (its ``repr`` is hashed)."""
    path = _kept_path(inputs, shape)
    if path is not None:
        kept = _read(path, shape)
        if kept is not None:
            return kept
    values = np.asarray(work_out(), dtype=np.float64)
    if values.shape != shape:
        raise ValueError(f"worked out an array of shape {values.shape}, not {shape}")
    if path is not None:
        _keep(path, values)
    return values


def _kept_path(inputs: tuple, shape: tuple[int, ...]) -> Path | None:
    if os.environ.get("VANE_NO_CACHE"):
        return None
    name = hashlib.sha256(repr((np.__version__, shape, inputs)).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    try:
        return user_cache_folder() / FOLDER / f"{name}.f8"
    except RuntimeError:  # no home folder to keep anything in
        return None


def _read(path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) != 8 * math.prod(shape):
        return None
    values = np.frombuffer(data, dtype="<f8").reshape(shape)
    return values.astype(np.float64) if np.isfinite(values).all() else None  # (a copy: frombuffer's is read-only)


def _keep(path: Path, values: np.ndarray) -> None:
    """Write whole or not at all (``write_whole``: a reader sees all of it or none); a failure keeps nothing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_whole(path, values.astype("<f8").tobytes())
    except OSError:
        pass
