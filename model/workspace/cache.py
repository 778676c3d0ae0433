"""The parse cache: questions already read and validated, kept so unchanged files are not parsed again.

Beancount keeps a cache of its parsed ledger for the same reason: parsing and
validating YAML costs far more than reading the bytes. An entry is used only for
exactly the text it was made from:

- **Keyed by content and tool version.** An entry's name is a hash of the
  file's text, its path, the versions of Python and msgspec, and the source of
  every module that reads question files or derives what is kept with them
  (``model/base``, ``model/fileformat``, ``model/workspace``, ``model/engine``:
  an entry also holds the question's engine arrays), so a changed file or a
  changed reader simply misses.
- **Never trusted over the file.** Every file is read on every run; the entry is
  only a shortcut from its text to the question that text validates to, and only
  files that validated without a problem are cached, so the problems a user sees
  always come from parsing. An entry made when "now" was later than the clock of
  this run (a date that is in the future for this clock) is not used.
- **Safe to share a folder with others.** The cache lives in the workspace
  (``.vane/parsed/``; ``.vane/`` carries its own ``.gitignore``), but a workspace is
  shared through git, so its files are input from other people. Entries are
  pickles (the evidence inside them MessagePack), and unpickling runs code;
  each entry is therefore signed with an HMAC whose key never leaves this
  user's own cache folder
  (``$XDG_CACHE_HOME/weathervane/cache.key``). An entry this user did not write,
  or one damaged by a crash, fails the check and is a miss.
- **One file per question file.** ``<stem>.entry`` holds the entry of the text
  last kept for that file, named (the hash) on its first line after the
  signature, and is written over in place when the file changes: a first run
  over N files creates N files and nothing else (no temporary file renamed, no
  older entry to find and remove: on 10,000 small files that bookkeeping cost
  more than parsing them). An entry for another text of the file is a miss.
- **Safe under concurrent writers.** A reader that meets an entry half-written,
  or two writers' bytes mixed, finds its signature wrong: a miss, never a
  wrong question. Entries are not fsynced: a lost or cut entry is only a miss,
  and is written again by the next run that parses the file.

``VANE_NO_CACHE=1`` turns the cache off (benchmarks of the cold path use it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import pickle
import secrets
import shutil
import tempfile
from pathlib import Path

import msgspec
from msgspec import Struct

from model.base.clock import Clock
from model.fileformat.question import packed_parts, unpacked_question

FOLDER = Path(".vane") / "parsed"
OLD_FOLDER = Path(".vane") / "cache"  # versions before December 2026: one file per text, removed when FOLDER is made
TEXT_KEY = "_text_key"  # where a question read through the cache keeps its entry's name

_DIGEST = 32  # bytes of the HMAC-SHA256 that opens every entry
ENTRY_SUFFIX = ".entry"  # "<stem>.entry": one file per question file (ids may hold dots; the suffix ends the name)


class ParseCache(Struct, frozen=True):
    """The cache folder of one workspace and this user's signing key."""

    folder: Path
    key: bytes

    @classmethod
    def of(cls, root: Path) -> "ParseCache | None":
        """The cache of the workspace at ``root``; None when it is turned off or this user has no key."""
        if os.environ.get("VANE_NO_CACHE"):
            return None
        folder = Path(root) / FOLDER
        if folder.parent.is_symlink() or folder.is_symlink():  # a link committed to the repository may point anywhere
            return None
        key = _user_key()
        return cls(folder, key) if key else None

    def question(self, path: str, text: str, clock: Clock):
        """The question ``text`` at ``path`` validated to, if an entry signed by this user holds it; else None.

        A question read from a file (here or by ``keep``) carries the name of
        its entry as ``TEXT_KEY`` in its ``__dict__``: a key to this exact
        text, with this reader, for what is worked out from it (``read_results``).
        """
        name = _entry_name(path, text)
        try:
            with open(self._entry_file(name), "rb") as stream:
                data = stream.read()
        except OSError:
            return None
        payload = _opened_entry(self.key, name, data)
        if payload is None:
            return None
        try:
            latest_day, latest_time, state, evidence = pickle.loads(payload)
        except Exception:  # signed by us but unreadable (another Python): a miss, never a failure
            return None
        if (latest_day and clock.is_future(latest_day)) or (latest_time and latest_time > clock.now):
            return None  # made when "now" was later: this clock's checks must run
        question = unpacked_question(state, evidence)
        question.__dict__[TEXT_KEY] = name
        return question

    def keep(self, path: str, text: str, question) -> None:
        """Store the question ``text`` at ``path`` validated to; any failure only leaves the cache as it was."""
        name = _entry_name(path, text)
        question.__dict__[TEXT_KEY] = name
        day, time = latest_moments(question)
        state, evidence = packed_parts(question)  # the evidence unpacked when asked for
        payload = pickle.dumps((day, time, state, evidence), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _ensure_folder(self.folder)
            _write_in_place(self._entry_file(name), _sign(self.key, name, payload) + _entry_head(name) + payload)
        except OSError:
            pass

    def _entry_file(self, name: str) -> Path:
        """The file that holds the entry named ``name`` (``<stem>.<hash>``): its question file's one file."""
        return self.folder / (name.rsplit(".", 1)[0] + ENTRY_SUFFIX)

    def read_results(self, name: str) -> dict:
        """The JSON object last kept under ``name`` (``keep_results``), when this user signed it; else {}."""
        try:
            with open(self.folder / f"{name}.json", "rb") as stream:
                data = stream.read()
        except OSError:
            return {}
        mac, payload = data[:_DIGEST], data[_DIGEST:]
        if not hmac.compare_digest(mac, _sign(self.key, name, payload)):
            return {}
        try:
            found = json.loads(payload)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def keep_results(self, name: str, results: dict) -> None:
        """Keep a JSON object under ``name``, signed; any failure only leaves the cache as it was."""
        payload = json.dumps(results).encode("utf-8")
        try:
            _ensure_folder(self.folder)
            write_whole(self.folder / f"{name}.json", _sign(self.key, name, payload) + payload)
        except OSError:
            pass


def _entry_name(path: str, text: str) -> str:
    """``<stem>.<hash>``: the stem names the file the entry is kept in (``<stem>.entry``); the hash is of
    everything read."""
    digest = hashlib.sha256()
    for part in (_reader_version(), path.encode("utf-8", "surrogatepass"), text.encode("utf-8", "surrogatepass")):
        digest.update(len(part).to_bytes(8, "big") + part)
    return f"{Path(path).stem}.{digest.hexdigest()[:40]}"


def _opened_entry(key: bytes, name: str, data: bytes) -> bytes | None:
    """The payload of an entry file's bytes ``data`` when they hold the entry named ``name``, signed with ``key``;
    else None (an entry for another text of the file, someone else's, damaged or half-written)."""
    head = _entry_head(name)
    if data[_DIGEST:_DIGEST + len(head)] != head:
        return None
    payload = data[_DIGEST + len(head):]
    return payload if hmac.compare_digest(data[:_DIGEST], _sign(key, name, payload)) else None


def _entry_head(name: str) -> bytes:
    """What follows the signature in an entry file: the entry's name, on a line of its own."""
    return name.encode("utf-8", "surrogatepass") + b"\n"


def _sign(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, name.encode("utf-8", "surrogatepass") + b"\0" + payload, hashlib.sha256).digest()


_VERSION: list[bytes] = []


def _reader_version() -> bytes:
    """A hash of the Python and msgspec versions (the entries are their pickles and MessagePack) and the source of
    every module that reads question files (once per process)."""
    if not _VERSION:
        import sys

        digest = hashlib.sha256(sys.version.encode() + b"\0" + msgspec.__version__.encode())
        model = Path(__file__).resolve().parents[1]
        for folder in ("base", "fileformat", "workspace", "engine"):  # engine: its arrays are kept with each question
            for source in sorted((model / folder).glob("*.py")):
                digest.update(source.name.encode() + b"\0" + source.read_bytes())
        _VERSION.append(digest.digest())
    return _VERSION[0]


def latest_moments(question) -> tuple[dt.date | None, dt.datetime | None]:
    """The latest date and time a question's reader compared with "now" (none may be in the future then).

    These are the fields the readers check against the clock: each item's date and
    ``recorded`` time, each indicator's ``observed`` date and ``recorded`` time, and
    the dates of the resolution and of the resolutions it replaced. Deadlines
    (``closes``, an indicator's ``due``) may lie in the future and are not checked.
    """
    resolutions = [question.resolution, *question.resolution.history] if question.resolution else []
    days = [item.date for item in question.evidence]
    days += [indicator.observed for indicator in question.indicators if indicator.observed]
    days += [resolution.date for resolution in resolutions]
    times = [thing.recorded for thing in (*question.evidence, *question.indicators) if thing.recorded]
    times += [resolution.replaced for resolution in resolutions if resolution.replaced]
    return max(days, default=None), max(times, default=None)


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file renamed to ``path``: readers see all of it or none. Not fsynced: for
    what the tool keeps for itself (a user's files go through ``safewrite.atomic_write``)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _write_in_place(path: Path, data: bytes) -> None:
    """Write ``data`` over the file at ``path``, made if missing, never through a link (readers check the
    signature, so a half-written entry is only a miss)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def _ensure_folder(folder: Path) -> None:
    """Create ``.vane/parsed/`` with a ``.gitignore`` in ``.vane/`` so git never shares it; the folder of older
    versions goes (never followed if it is a link: ``rmtree`` refuses one)."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder.parent.parent / OLD_FOLDER, ignore_errors=True)
    ignore = folder.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by vane: the parse cache is this machine's own\n*\n", encoding="utf-8")


def user_cache_folder() -> Path:
    """This user's own cache folder (``$XDG_CACHE_HOME/weathervane``, else ``~/.cache/weathervane``): what is kept
    there is trusted, unlike anything in a workspace."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "weathervane"


def _user_key() -> bytes:
    """This user's signing key, created on first use in their own cache folder; b"" when that cannot be done."""
    path = user_cache_folder() / "cache.key"
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(secrets.token_bytes(32))
    except FileExistsError:
        pass  # another process made it first: read theirs
    except (OSError, RuntimeError):  # no home, or a read-only one
        return b""
    try:
        data = path.read_bytes()
    except OSError:
        return b""
    return data if len(data) >= 32 else b""
