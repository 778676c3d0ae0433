"""How charts are drawn, as a hash: the drawing code, matplotlib's version and its settings.

Every chart's key starts from this hash (``model.reports.charts``), so a chart is
drawn again when any of them changes. Working it out means importing matplotlib
(0.3 s) to read its settings, which ``vane score`` would pay only to find that
every chart is already up to date. The hash is therefore kept in this user's
cache folder under a fingerprint of everything the settings are read from: the
drawing code, matplotlib's installed files, and each ``matplotlibrc`` matplotlib
could read (``matplotlib.matplotlib_fname`` lists where it looks); a change to
any of them is a different fingerprint, so the kept hash is never stale.
``VANE_NO_CACHE=1`` works it out every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
from pathlib import Path

_HERE = Path(__file__).parent
DRAWING_CODE = ("charts.py", "trajectories.py")  # the modules that draw: a change to either redraws every chart
_WORKED_OUT: list[str] = []


def drawing_key() -> str:
    """The hash of how charts are drawn: the drawing code, matplotlib's version and its settings (``rcParams``)."""
    if not _WORKED_OUT:
        _WORKED_OUT.append(_kept() or _from_matplotlib())
    return _WORKED_OUT[0]


def _code() -> bytes:
    return b"".join(_HERE.joinpath(name).read_bytes() for name in DRAWING_CODE)


def _from_matplotlib() -> str:
    import matplotlib

    code = hashlib.sha256(_code()).hexdigest()
    # read as a plain dict: asking rcParams for "backend" would pick one, importing pyplot
    settings = repr(sorted((name, repr(value)) for name, value in dict.items(matplotlib.rcParams) if name != "backend"))
    return hashlib.sha256("\x1e".join((code, matplotlib.__version__, settings)).encode()).hexdigest()


def _kept() -> str:
    """The drawing key kept for this fingerprint, worked out and kept when there is none ("" with caches off,
    without matplotlib, or when the cache folder cannot be written: the caller works it out itself)."""
    if os.environ.get("VANE_NO_CACHE"):
        return ""
    found = fingerprint()
    if not found:
        return ""
    from model.base.safewrite import atomic_write
    from model.workspace.cache import user_cache_folder

    path = user_cache_folder() / "charts" / found
    with contextlib.suppress(OSError, UnicodeDecodeError):
        kept = path.read_text("ascii")
        if len(kept) == 64 and all(c in "0123456789abcdef" for c in kept):
            return kept
    key = _from_matplotlib()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(path, key.encode("ascii"))
    return key


def fingerprint() -> str:
    """A hash of everything the drawing key is worked out from, read without importing matplotlib ("" when
    matplotlib is not installed)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.origin:
        return ""
    package = Path(spec.origin).parent
    digest = hashlib.sha256(_code())
    digest.update(str(package).encode("utf-8", "surrogateescape"))
    for name in ("__init__.py", "_version.py", "rcsetup.py"):  # its version and the settings' defaults and checks
        digest.update(_stamp(package / name))
    for path in _settings_files(package):
        digest.update(b"\x1e" + str(path).encode("utf-8", "surrogateescape") + b"\x1f" + _contents(path))
    return digest.hexdigest()


def _settings_files(package: Path) -> list[Path]:
    """Every ``matplotlibrc`` matplotlib could read, in the order it looks (more than it reads: harmless)."""
    found = [Path.cwd() / "matplotlibrc"]
    if os.environ.get("MATPLOTLIBRC"):
        found += [Path(os.environ["MATPLOTLIBRC"]), Path(os.environ["MATPLOTLIBRC"]) / "matplotlibrc"]
    if os.environ.get("MPLCONFIGDIR"):
        found.append(Path(os.environ["MPLCONFIGDIR"]) / "matplotlibrc")
    home = os.environ.get("HOME", "")
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    found += [Path(config) / "matplotlib" / "matplotlibrc", Path(home) / ".matplotlib" / "matplotlibrc",
              package / "mpl-data" / "matplotlibrc"]
    return found


def _stamp(path: Path) -> bytes:
    """A file's size and modification time (the installed package's files), or a mark that it is absent."""
    try:
        status = path.stat()
    except OSError:
        return b"absent"
    return f"{status.st_size}:{status.st_mtime_ns}".encode()


def _contents(path: Path) -> bytes:
    """A settings file's bytes, or a mark that there is none (a folder is none: matplotlib skips it)."""
    try:
        return b"file:" + path.read_bytes()
    except OSError:
        return b"absent"
