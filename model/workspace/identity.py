"""Who is at the keyboard: the name ``analyst`` on evidence and ``forecaster`` on forecasts default to.

A team shares one workspace through git, so every item and forecast says who
made it, and never nobody. The name comes from, in order:

1. ``VANE_ANALYST`` in the environment (scripts, CI, a shared machine);
2. ``analyst:`` in ``vane.yaml``, for a workspace one person uses (in a team's
   repository the file is shared, so leave it out there);
3. ``git config user.name``, as git would sign a commit made in the workspace;
4. the login name of the account.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
from pathlib import Path

ENVIRONMENT_VARIABLE = "VANE_ANALYST"
GIT_TIMEOUT = 5.0  # seconds: a hung credential helper must not hang 'vane add'


def tidy_name(text: str) -> str:
    """A name as it is kept: runs of white space (line breaks included) made one space, ends trimmed."""
    return " ".join(str(text).split())


def person(root: Path, configured: str = "") -> str:
    """The name of the person using the workspace at ``root`` (see the module's list); never empty."""
    for name in (os.environ.get(ENVIRONMENT_VARIABLE, ""), configured, _git_user(root), _login()):
        if tidy_name(name):
            return tidy_name(name)
    return "analyst"  # no environment, no git, no account name: still never empty


def _git_user(root: Path) -> str:
    git = shutil.which("git")
    if not git:
        return ""
    try:
        done = subprocess.run([git, "config", "user.name"], cwd=root, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no such user in the password file, or no pwd module
        return ""
