"""How a command's process takes memory from the system.

glibc's malloc serves every block above a threshold (128 KB at first, rising with what is freed to at most
32 MB) with a mapping of its own, and hands it back to Linux when it is freed. A command that works on
columns of ten million forecasts frees and takes such arrays hundreds of times, and Linux hands each one
out again as fresh pages, zeroed on first touch: on the virtual machines this runs on, the first `vane
score` of 10 million forecasts spent 17 of its 107 s of CPU in the kernel (1.7 million page faults), and
9-10 s once malloc kept what it freed (``keep_freed_memory``). The memory is the system's again when the
command ends."""

from __future__ import annotations

import os

_M_TRIM_THRESHOLD = -1  # mallopt's parameters, from glibc's <malloc.h>
_M_MMAP_MAX = -4
_NEVER = 2**31 - 1  # the largest threshold mallopt takes (an int): 2 GB free at the top before trimming


def keep_freed_memory() -> bool:
    """Have glibc's malloc keep freed memory for reuse, large blocks included (True when it now does).

    For a process that ends with its command (``vane``), not for a library's caller: the process's size never
    shrinks afterwards. Nothing is changed when malloc is not glibc's, or when ``GLIBC_TUNABLES`` already
    sets malloc's own behaviour (the user's choice stands).
    """
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        import ctypes  # (every command imports NumPy, which imports ctypes anyway)

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no mallopt (macOS), no C library by that name (Windows)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # No block gets a mapping of its own (a block the main heap cannot grow for still does: glibc falls back)
    # and the heap's top is handed back only past 2 GB free. (musl's mallopt does nothing and says so: False.)
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _NEVER))
