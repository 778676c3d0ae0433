"""The forecast log's columns kept between runs, so a long log is read once and then only what was appended.

The log is append-only, so what was read of its first N bytes stays true for as
long as those bytes are unchanged. For a log of at least ``MIN_BYTES``, this
user's cache folder (``$XDG_CACHE_HOME/weathervane/logs/``, one folder per log
path) keeps the columns of the log's first N bytes, whole lines all of which
could be read, with the SHA-256 of those bytes:

- **Never trusted over the file.** A read hashes the log's first N bytes again
  and uses the columns only when the hash matches; a log whose beginning
  changed (a hand edit, a merge that put lines in the middle) is read whole.
- **Only this user's.** It lives outside the workspace, which is shared
  through git, so nobody else's file is ever read as a cache; its arrays are
  raw numbers read with ``numpy.fromfile``, never unpickled.
- **Safe under concurrent writers.** The columns go to files named by a fresh
  token, and ``header.json``, which names the token, is replaced atomically
  after them; a reader that finds a token's files gone reads the log instead.

``VANE_NO_CACHE=1`` turns it off, as it does the parse cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.fileformat.log_entry import LogColumns
from model.workspace.cache import user_cache_folder

MIN_BYTES = 1 << 24  # smaller logs are read in about a second: not worth the disk
FORMAT = 1
PART_ROWS = 1 << 20  # cached rows handed out at a time
_COLUMNS = {"line": np.int64, "question": np.int32, "forecaster": np.int32, "kind": np.int8, "micros": np.int64,
            "signature": np.int32, "length": np.int32, "values": np.float64}
_READER = ("model/fileformat/log_entry.py", "model/record/log_reading.py", "model/record/log_cache.py")


@dataclass(frozen=True)
class Cached:
    """What the cache holds of a log: the columns of its first ``covered`` bytes (``lines`` newlines; codes in
    ``codes``: question ids, forecaster names, scenario-id tuples), read from disk a part at a time, and the
    SHA-256 of those bytes so far (to go on with)."""

    files: dict  # column name -> its file, opened when the cache was checked (a writer removing it then is harmless)
    offsets: np.ndarray  # (rows + 1,) where each row's values start
    codes: tuple[list, list, list]
    covered: int
    lines: int
    digest: "hashlib._Hash"

    def parts(self):
        """The columns ``PART_ROWS`` rows at a time; the files are closed at the end."""
        rows = self.offsets.shape[0] - 1
        try:
            for start in range(0, rows, PART_ROWS):
                end = min(start + PART_ROWS, rows)
                low, high = int(self.offsets[start]), int(self.offsets[end])
                read = lambda name, first=start, last=end: _read_rows(self.files[name], name, first, last)  # noqa: E731
                yield LogColumns(read("line"), read("question").astype(np.int64), read("forecaster").astype(np.int64),
                                 read("kind"), read("micros"), read("signature").astype(np.int64),
                                 read("values", low, high), self.offsets[start:end + 1] - low)
        finally:
            self.close()

    def close(self) -> None:
        """Close the column files."""
        for stream in self.files.values():
            stream.close()


def _read_rows(stream, name: str, start: int, end: int) -> np.ndarray:
    """Rows ``start:end`` of a column file (its size was checked against the header when it was opened)."""
    dtype = np.dtype(_COLUMNS[name])
    stream.seek(start * dtype.itemsize)
    return np.fromfile(stream, dtype=dtype, count=end - start)


def folder_for(path: Path) -> Path | None:
    """This user's cache folder for the log at ``path``; None when the cache is off or there is no such folder."""
    if os.environ.get("VANE_NO_CACHE"):
        return None
    name = hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return user_cache_folder() / "logs" / name


def read_cache(folder: Path, path: Path) -> Cached | None:
    """The cached columns of the log at ``path`` when its first bytes are still those they were read from."""
    try:
        header = json.loads((folder / "header.json").read_text(encoding="utf-8"))
        covered, token, rows = int(header["covered"]), str(header["token"]), int(header["rows"])
        fresh = header.get("format") == FORMAT and header.get("reader") == _reader_version()
        if not fresh or path.stat().st_size < covered:
            return None
        digest = _hash_prefix(path, covered)
        if digest.hexdigest() != header["sha256"]:
            return None
        codes = (list(header["questions"]), list(header["forecasters"]), [tuple(ids) for ids in header["signatures"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    files: dict = {}
    try:
        for name in _COLUMNS:
            files[name] = open(folder / f"{token}.{name}", "rb")
        lengths = _read_rows(files["length"], "length", 0, rows)
        sizes = {name: os.fstat(stream.fileno()).st_size for name, stream in files.items()}
    except (OSError, ValueError):
        return _closed(files)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    expected = {name: int(offsets[-1] if name == "values" else rows) * np.dtype(dtype).itemsize
                for name, dtype in _COLUMNS.items()}
    if sizes != expected or np.any(lengths < 0):
        return _closed(files)
    return Cached(files, offsets, codes, covered, int(header["lines"]), digest)


def _closed(files: dict) -> None:
    for stream in files.values():
        stream.close()


class CacheWriter:
    """Writes a new version of a log's cache from columns handed to it in order; ``finish`` makes it the one read."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.token = secrets.token_hex(8)
        self.rows = 0
        folder.mkdir(parents=True, exist_ok=True)
        self._files = {name: open(folder / f"{self.token}.{name}", "wb") for name in _COLUMNS}

    def add(self, columns: LogColumns) -> None:
        """Append ``columns`` (codes in the tables ``finish`` is given)."""
        lengths = np.diff(columns.offsets)
        for name, values in (("line", columns.line), ("question", columns.question), ("forecaster", columns.forecaster),
                             ("kind", columns.kind), ("micros", columns.micros), ("signature", columns.signature),
                             ("length", lengths), ("values", columns.values)):
            np.ascontiguousarray(values, dtype=_COLUMNS[name]).tofile(self._files[name])
        self.rows += len(columns)

    def finish(self, codes: tuple[list, list, list], covered: int, lines: int, sha256: str) -> None:
        """Name this version in ``header.json`` (atomically) and remove every other version's files."""
        for stream in self._files.values():
            stream.close()
        header = {"format": FORMAT, "reader": _reader_version(), "token": self.token, "rows": self.rows,
                  "covered": covered, "lines": lines, "sha256": sha256, "questions": codes[0],
                  "forecasters": codes[1], "signatures": [list(ids) for ids in codes[2]]}
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".header.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(header, stream)
        os.replace(temporary, self.folder / "header.json")
        self._remove(mine=False)

    def abandon(self) -> None:
        """Remove what was written (the read it followed had a problem, or stopped early)."""
        for stream in self._files.values():
            stream.close()
        self._remove(mine=True)

    def _remove(self, mine: bool) -> None:
        """Remove this version's column files (``mine``) or every other version's."""
        for entry in os.listdir(self.folder):
            if entry.startswith(".") or entry == "header.json" or (entry.split(".", 1)[0] == self.token) != mine:
                continue
            try:
                os.unlink(self.folder / entry)
            except OSError:
                pass  # removed by another writer: only a miss for its readers


def extend_hash(digest, path: Path, start: int, end: int, count: bool = True) -> tuple[str, int]:
    """The hex SHA-256 after feeding ``digest`` the bytes ``start:end`` of ``path``, and the newlines among them
    (0 unless ``count``)."""
    newlines = 0
    for buffer, size in blocks(path, start, end):
        digest.update(memoryview(buffer)[:size])
        newlines += buffer.count(b"\n", 0, size) if count else 0
    return digest.hexdigest(), newlines


class Hashing:
    """``extend_hash(digest, path, start, end)`` worked out in a thread from now on (reading and hashing release
    the GIL, so it goes on beside the caller's work); ``result`` waits for it."""

    def __init__(self, digest, path: Path, start: int, end: int):
        import threading

        self._found: list = []
        self._thread = threading.Thread(target=self._run, args=(digest, path, start, end), daemon=True)
        self._thread.start()

    def _run(self, digest, path: Path, start: int, end: int) -> None:
        try:
            self._found.append(extend_hash(digest, path, start, end))
        except BaseException as error:  # (handed to the caller of result)
            self._found.append(error)

    def wait(self) -> None:
        """Wait until the hashing is done (so that no thread runs at the caller's next fork)."""
        self._thread.join()

    def result(self) -> tuple[str, int]:
        """``extend_hash``'s result, or its exception raised here."""
        self.wait()
        found = self._found[0]
        if isinstance(found, BaseException):
            raise found
        return found


def newlines_in(path: Path, start: int, end: int) -> int:
    """The newlines among the bytes ``start:end`` of ``path``."""
    return sum(buffer.count(b"\n", 0, size) for buffer, size in blocks(path, start, end))


def blocks(path: Path, start: int, end: int):
    """The bytes ``start:end`` of ``path`` a block at a time, as ``(buffer, size)``: each block is read into the
    same buffer (a fresh one per read costs the memory it is given, every time), so use it before the next."""
    buffer = bytearray(BLOCK_BYTES)
    with open(path, "rb", buffering=0) as stream:
        stream.seek(start)
        left = end - start
        while left > 0:
            size = stream.readinto(memoryview(buffer)[:min(left, BLOCK_BYTES)])
            if not size:
                return
            yield buffer, size
            left -= size


BLOCK_BYTES = 1 << 22


def _hash_prefix(path: Path, covered: int):
    digest = hashlib.sha256()
    extend_hash(digest, path, 0, covered, count=False)
    return digest


_READER_VERSION: list[str] = []


def _reader_version() -> str:
    """A hash of the code that reads the log into columns: a new reader never trusts an old reader's columns."""
    if not _READER_VERSION:
        root = Path(__file__).resolve().parents[2]
        digest = hashlib.sha256()
        for name in _READER:
            digest.update((root / name).read_bytes())
        _READER_VERSION.append(digest.hexdigest())
    return _READER_VERSION[0]
