"""``vane merge-file``: git's merge driver for question files and the forecast log.

Git calls the driver with the common ancestor, our version, their version and
the file's path (``%O %A %B %P``); the driver writes the result over our
version and exits 0 when the merge is clean. When it is not, our version gets
git's usual conflict markers (from ``git merge-file``) and the exit code is
non-zero, so git reports a conflict as it always does. Nothing is ever lost
and a question file is never written invalid with a clean exit: the merged
text is loaded and checked like any other before it is accepted.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from model.base.clock import Clock
from model.base.errors import VaneError, display_path
from model.base.safewrite import atomic_write
from model.teams.logs import merge_log
from model.teams.questions import Unmergeable, plan_merge, read_side, settled
from model.teams.surgery import merged_text
from model.workspace.loader import load_question_text


@dataclass(frozen=True)
class Merged:
    """The result of merging three versions of a file: its text, and why it is a conflict if it is one."""

    text: bytes
    conflicts: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (their id, the id it got)

    @property
    def clean(self) -> bool:
        """True when the merge needs no one's attention."""
        return not self.conflicts


def merge_question(base: str, ours: str, theirs: str, path: str | Path, clock: Clock | None = None) -> Merged:
    """Three versions of a question file merged (``model.teams.questions``); conflict markers when they conflict."""
    try:
        sides = [read_side(text, name) for text, name in
                 ((base, "the base"), (ours, "our side"), (theirs, "their side"))]
    except Unmergeable as refused:
        return _conflict(base, ours, theirs, path, [str(refused)])
    plan = plan_merge(*sides)
    if plan.conflicts:
        marked = None if plan.unplaced else _marked_values(sides, plan, path)
        return marked or _conflict(base, ours, theirs, path, plan.conflicts)
    text = merged_text(sides[1], sides[2], plan)
    if text is None:
        return _conflict(base, ours, theirs, path, ["the merged file could not be written keeping its layout"])
    _, problems = load_question_text(text, Path(path), clock)
    if problems:
        return _conflict(base, ours, theirs, path, [f"the merged file would not be valid: {problem.message} "
                                                    f"(line {problem.line})" for problem in problems])
    return Merged(text.encode("utf-8"), renamed=tuple(plan.renamed.items()))


def _marked_values(sides, plan, path) -> Merged | None:
    """Everything merged, with git's markers around just the disputed values; None when that cannot be written."""
    base, ours, theirs = sides
    variants = (plan, settled(plan, "base"), settled(plan, "theirs"))
    texts = [merged_text(ours, theirs, variant, base) for variant in variants]
    if any(text is None for text in texts):
        return None
    text, clean = conflict_markers(texts[1], texts[0], texts[2], str(path))
    return None if clean else Merged(text, tuple(plan.conflicts), tuple(plan.renamed.items()))


def merge_forecast_log(base: bytes, ours: bytes, theirs: bytes, path: str | Path) -> Merged:
    """Three versions of the forecast log merged as the union of their lines (``model.teams.logs``)."""
    merged = merge_log(base, ours, theirs)
    if merged.data is None:
        return _conflict(*(data.decode("utf-8", "replace") for data in (base, ours, theirs)), path,
                         [f"cannot read {problem}" for problem in merged.problems])
    return Merged(merged.data)


def merge_file(base: Path, ours: Path, theirs: Path, path: str) -> Merged:
    """Merge the three files git hands a merge driver and write the result over ``ours``.

    ``path`` (git's ``%P``) says what the file is: the forecast log (``.jsonl``)
    or a question file (``.yaml``/``.yml``); anything else is merged as text.

    Raises
    ------
    VaneError
        When one of the three files cannot be read.
    """
    data = [_read(file) for file in (base, ours, theirs)]
    if path.endswith(".jsonl"):
        merged = merge_forecast_log(*data, path)
    elif path.endswith((".yaml", ".yml")):
        texts = [_decoded(raw, file) for raw, file in zip(data, (base, ours, theirs))]
        merged = merge_question(*texts, path) if all(text is not None for text in texts) else _conflict(
            *(raw.decode("utf-8", "replace") for raw in data), path, ["one side is not UTF-8 text"])
    else:  # not a file vane knows: merged line by line, as git would have
        merged = _conflict(*(raw.decode("utf-8", "replace") for raw in data), path, [])
    atomic_write(ours, merged.text)
    return merged


def _read(file: Path) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as error:
        raise VaneError(f"{display_path(file)}: cannot read ({error.strerror or error})") from None


def _decoded(data: bytes, file: Path) -> str | None:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


def _conflict(base: str, ours: str, theirs: str, path: str | Path, reasons: list[str]) -> Merged:
    """Git's line merge of the three texts, markers and all, with the reasons the structural merge gave up."""
    text, clean = conflict_markers(base, ours, theirs, str(path))
    return Merged(text, tuple(reasons) if reasons or clean else ("the texts conflict",))


def conflict_markers(base: str, ours: str, theirs: str, path: str) -> tuple[bytes, bool]:
    """``(text, clean)``: ``git merge-file``'s line merge of the three texts, with markers where they conflict.

    Without git, the whole of both versions goes between one pair of markers.
    """
    git = shutil.which("git")
    if git:
        with tempfile.TemporaryDirectory(prefix="vane-merge-") as folder:
            files = [Path(folder) / name for name in ("ours", "base", "theirs")]
            for file, text in zip(files, (ours, base, theirs)):
                file.write_text(text, encoding="utf-8")
            labels = [part for side in ("ours", "base", "theirs") for part in ("-L", f"{path} ({side})")]
            done = subprocess.run([git, "merge-file", "-p", *labels, *map(str, files)], capture_output=True,
                                  check=False)
            if 0 <= done.returncode < 128:  # the number of conflicts; above that, git failed
                return done.stdout, done.returncode == 0
    ours, theirs = (text if not text or text.endswith("\n") else text + "\n" for text in (ours, theirs))
    return f"<<<<<<< {path} (ours)\n{ours}=======\n{theirs}>>>>>>> {path} (theirs)\n".encode(), False
