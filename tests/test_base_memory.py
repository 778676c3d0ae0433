"""model.base.memory: freed memory kept for reuse in a command's process (run in a child: it changes the process)."""

import ctypes
import json
import os
import subprocess
import sys

import pytest

PROBE = """
import ctypes, json, sys
import numpy as np
from model.base.memory import keep_freed_memory

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
info = ctypes.CDLL(None).mallinfo2
info.restype = Info
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
before = info().hblkhd
column = np.ones(10**7)  # 80 MB: above any threshold glibc would map on its own
mapped = info().hblkhd - before
print(json.dumps({"kept": kept, "mapped": mapped}))
"""


def _probe(mode: str, tunables: str | None = None) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "GLIBC_TUNABLES"}
    if tunables is not None:
        env["GLIBC_TUNABLES"] = tunables
    found = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, check=True)
    return json.loads(found.stdout)


def _glibc_with_mallinfo2() -> bool:
    try:
        ctypes.CDLL(None).mallinfo2  # noqa: B018 (glibc 2.33 and later)
        return True
    except (OSError, AttributeError):
        return False


needs_glibc = pytest.mark.skipif(not _glibc_with_mallinfo2(), reason="glibc's malloc (2.33 or later) only")


@needs_glibc
def test_a_large_block_comes_from_the_heap_once_freed_memory_is_kept():
    assert _probe("plain")["mapped"] >= 80_000_000  # glibc's own way: a mapping per large block
    assert _probe("keep") == {"kept": True, "mapped": 0}


@needs_glibc
def test_the_users_own_malloc_tunables_are_left_as_they_are():
    assert _probe("keep", "glibc.malloc.mmap_threshold=262144") == {"kept": False, "mapped": _probe("plain")["mapped"]}


def test_nothing_is_changed_where_the_c_library_has_no_mallopt(monkeypatch):
    from model.base.memory import keep_freed_memory

    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # as on macOS: no such function
    assert keep_freed_memory() is False
