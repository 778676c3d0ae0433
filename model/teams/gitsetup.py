"""Wiring the merge driver into git: ``.gitattributes`` in the workspace and one ``git config`` setting.

``.gitattributes`` travels with the repository, so everyone's clone names the
driver for question files and the forecast log. The driver's command itself
lives in each clone's ``.git/config`` (git never takes commands from a
repository's files), which is why every analyst runs ``vane merge-setup``
once, or ``vane init`` does it when it creates the workspace inside a clone.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from model.base.safewrite import atomic_write

DRIVER = "vane"


ATTRIBUTES = (f"scenarios/*.yaml merge={DRIVER}", f"scenarios/*.yml merge={DRIVER}",
              f"reports/forecasts.jsonl merge={DRIVER}")


DRIVER_NAME = "Weathervane: union of evidence, indicators and forecasts"


DRIVER_COMMAND = "vane merge-file %O %A %B %P"


CONFIG_LINES = (f'git config merge.{DRIVER}.name "{DRIVER_NAME}"',
                f'git config merge.{DRIVER}.driver "{DRIVER_COMMAND}"')
"""The settings to run by hand in a clone where ``vane`` could not set them."""


@dataclass(frozen=True)
class MergeSetup:
    """What setting up the driver did: the attributes file if it changed, and whether git was configured."""

    attributes: Path | None
    configured: bool


def write_attributes(root: Path) -> Path | None:
    """Add the driver's lines to ``root/.gitattributes`` (kept as it is otherwise); the path if it changed."""
    path = root / ".gitattributes"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {" ".join(line.split()) for line in text.splitlines()}
    missing = [line for line in ATTRIBUTES if line not in present]
    if not missing:
        return None
    heading = "" if text else "# written by vane: merge question files and the forecast log with vane merge-file\n"
    separator = "\n" if text and not text.endswith("\n") else ""
    atomic_write(path, text + separator + heading + "".join(line + "\n" for line in missing))
    return path


def in_git_repository(root: Path) -> bool:
    """True when ``root`` is inside a git work tree (and git is installed)."""
    git = shutil.which("git")
    if not git:
        return False
    done = subprocess.run([git, "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True,
                          text=True, check=False)
    return done.returncode == 0 and done.stdout.strip() == "true"


def configure_git(root: Path) -> bool:
    """Set the driver in the repository holding ``root`` (``.git/config``); False when it is not in one."""
    if not in_git_repository(root):
        return False
    git = shutil.which("git")
    for name, value in (("name", DRIVER_NAME), ("driver", DRIVER_COMMAND)):
        subprocess.run([git, "-C", str(root), "config", f"merge.{DRIVER}.{name}", value], capture_output=True,
                       check=True)
    return True


def set_up_merges(root: Path) -> MergeSetup:
    """``.gitattributes`` and, inside a git repository, the driver's ``git config``."""
    return MergeSetup(write_attributes(root), configure_git(root))
