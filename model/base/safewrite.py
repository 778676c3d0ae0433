"""Writing a user's file so that nothing is ever lost or half-written.

``atomic_write`` writes a temporary file in the same folder, fsyncs it, gives
it the original file's mode and renames it over the target (the target of a
symlink, so the link survives). ``locked`` serialises writers with a lock on a
separate lock file, because a lock on the file itself would be lost when the
rename replaces it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from model.base.errors import VaneError, display_path

LOCK_TIMEOUT_SECONDS = 60.0
COPY_BLOCK = 1 << 24  # bytes copied at a time by ``atomic_append``


def write_target(path: Path) -> Path:
    """The real file behind ``path`` (symlinks followed), which is what gets replaced."""
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    """The lock file guarding ``path``: a hidden sibling of the real file."""
    target = write_target(path)
    return target.with_name(f".{target.name}.lock")


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_SECONDS):
    """Hold the lock for ``path`` while the block runs; stale temporary files are cleared first."""
    release = _acquire(lock_path(path), timeout)
    if release is None:
        raise VaneError(f"{display_path(path)}: another vane command is still writing it; try again")
    try:
        remove_stale_temporaries(path)
        yield
    finally:
        release()


def _acquire(lock_file: Path, timeout: float):
    """Take the lock on ``lock_file`` within ``timeout`` seconds: a function that releases it, or None.

    On POSIX systems this is ``flock`` on the lock file, exactly as the
    ``filelock`` package takes it (so the two exclude each other), without that
    package's import, which costs a writing command about 25 ms; elsewhere it is ``filelock``.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        from filelock import FileLock, Timeout  # a dependency for this case only

        lock = FileLock(str(lock_file), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            return None
        return lock.release
    import time

    try:  # never through a link: a lock file committed as a symlink could point anywhere
        descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as error:
        raise VaneError(f"{display_path(lock_file)}: cannot take the lock ({error.strerror})") from None
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                return None
            time.sleep(0.05)

    def release() -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)

    return release


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files left by a writer that was killed mid-write (call under the lock)."""
    target = write_target(path)
    for leftover in target.parent.glob(_temp_prefix(target) + "*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def atomic_write(path: Path, text: str | bytes | Iterable[str]) -> None:
    """Replace the file at ``path`` with ``text`` (str as UTF-8, bytes, or pieces of str written one after
    another, so a large text is never whole in memory) atomically, keeping its mode.

    On any failure the old file is left as it was and the temporary file is removed.
    """
    target = write_target(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    else:
        refuse_read_only(target)
    with _temporary_copy(target, text, mode) as temporary:
        os.replace(temporary, target)
    _fsync_folder(target.parent)


def atomic_append(path: Path, tail: bytes) -> None:
    """Replace the file at ``path`` atomically with its bytes followed by ``tail`` (a newline first when its
    last line has none), keeping its mode; it is copied a block at a time, so a log of gigabytes is never held.

    Call under the file's lock (``locked``), which keeps other writers out of the copy.
    """
    target = write_target(path)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    refuse_read_only(target)
    with open(target, "rb") as source, _temporary_copy(target, tail, mode, source) as temporary:
        os.replace(temporary, target)
    _fsync_folder(target.parent)


def refuse_read_only(path: Path) -> None:
    """Refuse to replace an existing file its owner made read-only, or that this user may not write.

    The rename that replaces a file needs only the folder's permission, so the
    file's own must be checked here. Write bits are checked too, because for
    root ``os.access`` always says yes.

    Raises
    ------
    VaneError
        Naming the file.
    """
    target = write_target(path)
    if not os.stat(target).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise VaneError(f"{display_path(target)} is read-only; nothing was written (make it writable to change it)")


def create_new(path: Path, text: str) -> None:
    """Write a new file completely, refusing to replace an existing one.

    The text goes to a temporary file that is then hard-linked into place, which
    fails if the name is taken, even by a writer racing this one.
    """
    target = Path(os.path.abspath(path))
    with _temporary_copy(target, text, 0o666 & ~_umask()) as temporary:
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise VaneError(f"{display_path(path)} already exists; not overwriting it") from None
    _fsync_folder(target.parent)


@contextlib.contextmanager
def _temporary_copy(target: Path, text: str | bytes | Iterable[str], mode: int, before=None):
    """A fully written, fsynced temporary file beside ``target``; removed afterwards unless renamed.

    With ``before`` (an open binary file), the file holds its bytes, then a
    newline if they do not end with one, then ``text``.
    """
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=_temp_prefix(target), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            if before is not None:
                shutil.copyfileobj(before, stream, COPY_BLOCK)
                if stream.tell() and not _ends_with_newline(before):
                    stream.write(b"\n")  # a last line written without its newline stays the entry it is
            if isinstance(text, (str, bytes)):
                stream.write(text.encode("utf-8") if isinstance(text, str) else text)
            else:
                for piece in text:
                    stream.write(piece.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        yield temporary
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # already gone after a rename


def _ends_with_newline(stream) -> bool:
    stream.seek(-1, os.SEEK_END)
    return stream.read(1) == b"\n"


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform allows opening a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
