"""Work shared among forked processes when there are cores to use: parsing many question files (below),
reading a long forecast log (``model.record.log_reading``), and the engine's runs over many questions
(``inherited_map``: ``vane status``'s statuses, ``vane score``'s evidence-implied means).

A question file takes about 14 ms of CPU to parse and validate (1,000 files of
120 items each: 14 s), all of it in Python, so one process uses one core. When
many files miss the parse cache (a fresh clone, a new version of the tool) they
are shared out among forked worker processes, which parse them, keep them in the
cache, and send the questions back.

Forking is used only where it is safe and pays: the platform has ``fork``, no
other thread is running (a thread holding a lock at the fork would leave the
child stuck) and JAX is not loaded, and there are at least
``MIN_FILES_PER_WORKER`` files per worker. ``VANE_WORKERS=N`` sets the number
of workers (1: never fork).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

ENVIRONMENT_VARIABLE = "VANE_WORKERS"
MIN_FILES_PER_WORKER = 32  # below this, starting a process costs more than it saves
CHUNK_FILES = 64  # files per chunk sent to a worker: about a second's work, so a worker whose parent was killed
# finds it gone (and stops) within about a second, and one slow chunk does not hold up the rest


def run_jobs(jobs: list) -> list:
    """``[job.run() for job in jobs]``, in that order, shared among worker processes when it pays."""
    workers = worker_count(len(jobs))
    if workers <= 1:
        return [job.run() for job in jobs]
    size = min(CHUNK_FILES, -(-len(jobs) // workers))
    chunks = [jobs[start:start + size] for start in range(0, len(jobs), size)]
    return [result for chunk in ordered_map(_run_chunk, chunks, workers) for result in chunk]


def ordered_map(function, items: list, workers: int):
    """Yields ``function(item)`` for each item, in order, computed in ``workers`` forked processes.

    ``function`` must be a module-level function (it is named, not sent, to the
    workers). Work not yet started is cancelled when the caller stops early.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        yield from pool.map(function, items)
    finally:
        pool.shutdown(cancel_futures=True)


def inherited_map(function, shared, items: list, workers: int) -> list:
    """``[function(shared, item) for item in items]``, computed in ``workers`` forked processes that inherit
    ``shared`` at the fork: only the items are sent (pickled), never ``shared``, however large.

    ``function`` must be a module-level function, as for ``ordered_map``.
    """
    with inherited_pool(function, shared, workers) as run:
        return run(items)


@contextlib.contextmanager
def inherited_pool(function, shared, workers: int):
    """A ``run(items)`` that is ``inherited_map(function, shared, items, workers)``, with the workers forked once
    for every call made in the ``with`` block (forking a large process costs: ``vane score`` on 10 million
    forecasts asks for the engine's means a block at a time). With one worker, ``run`` computes here.

    The workers are forked on entering the block: the caller may then start threads, and call ``run`` from one
    of them (no thread but the caller's runs at the fork).
    """
    if workers <= 1:
        yield lambda items: [function(shared, item) for item in items]
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _INHERITED[:] = [function, shared]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pool.submit(int)  # (with fork, the first task forks every worker, before the pool starts its own thread)
        yield lambda items: list(pool.map(_with_inherited, items))
    finally:
        pool.shutdown(cancel_futures=True)
        _INHERITED.clear()


_INHERITED: list = []  # (function, shared) of the inherited_pool under way: the workers read it after the fork


def _with_inherited(item):
    function, shared = _INHERITED
    return function(shared, item)


def _run_chunk(jobs: list) -> list:
    return [job.run() for job in jobs]


def worker_count(jobs: int, per_worker: int = MIN_FILES_PER_WORKER) -> int:
    """How many processes ``jobs`` files (or other jobs, at least ``per_worker`` each) are shared among (1: this one)."""
    given = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if given.isdigit() and int(given) >= 1:
        workers = min(int(given), jobs)
    else:
        workers = min(_cores(), jobs // per_worker)
    return workers if workers > 1 and _fork_is_safe() else 1


def busy_cores(loadavg: str = "/proc/loadavg") -> float:
    """How many cores other processes are using now: the tasks running or ready to run besides this one.

    Read from the instantaneous count in ``/proc/loadavg`` (``loadavg``) where
    there is one: the one-minute load average still counts the commands that
    just finished (a script running vane commands one after another would
    always look busy).
    """
    try:
        with open(loadavg, encoding="ascii") as stream:
            return max(0.0, float(stream.read().split()[3].split("/")[0]) - 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here: assume the cores are free
        return 0.0


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (a container may allow fewer)
    except AttributeError:
        return os.cpu_count() or 1


def _fork_is_safe() -> bool:
    if threading.active_count() > 1 or "jax" in sys.modules:
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
