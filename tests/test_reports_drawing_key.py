"""The drawing key is kept in the user's cache, and a kept key is never stale (``model.reports.drawing_key``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]

ASK = ("import json, sys; from model.reports.drawing_key import drawing_key; key = drawing_key(); "
       "print(json.dumps([key, 'matplotlib' in sys.modules]))")


def ask(cwd: Path, cache: Path, **env: str) -> tuple[str, bool]:
    """The drawing key a fresh process works out in ``cwd``, and whether it imported matplotlib for it."""
    environment = {name: value for name, value in os.environ.items() if name != "VANE_NO_CACHE"}
    environment.update(XDG_CACHE_HOME=str(cache), PYTHONPATH=str(ROOT), **env)
    done = subprocess.run([sys.executable, "-c", ASK], cwd=cwd, env=environment, capture_output=True, text=True,
                          check=True)
    key, imported = json.loads(done.stdout)
    return key, imported


def test_a_kept_key_is_the_worked_out_one_and_spares_matplotlib(tmp_path: Path):
    here, cache = tmp_path / "here", tmp_path / "cache"
    here.mkdir()
    worked_out, imported = ask(here, cache, VANE_NO_CACHE="1")
    assert imported
    first, imported = ask(here, cache)
    assert first == worked_out and imported  # not kept yet: worked out, then kept
    again, imported = ask(here, cache)
    assert again == worked_out and not imported


def test_a_settings_file_changes_the_key_at_once(tmp_path: Path):
    here, cache = tmp_path / "here", tmp_path / "cache"
    here.mkdir()
    before, _ = ask(here, cache)
    (here / "matplotlibrc").write_text("lines.linewidth: 3.5\n")
    after, imported = ask(here, cache)
    assert after != before and imported
    assert after == ask(here, cache, VANE_NO_CACHE="1")[0]
    config = tmp_path / "config"
    (config / "matplotlib").mkdir(parents=True)
    (config / "matplotlib" / "matplotlibrc").write_text("font.size: 13\n")
    (here / "matplotlibrc").unlink()
    configured, _ = ask(here, cache, XDG_CONFIG_HOME=str(config))
    assert configured not in (before, after)
    assert ask(here, cache)[0] == before  # back as it was: the key kept for that


def test_a_damaged_kept_key_is_worked_out_again(tmp_path: Path):
    here, cache = tmp_path / "here", tmp_path / "cache"
    here.mkdir()
    key, _ = ask(here, cache)
    [kept] = (cache / "weathervane" / "charts").iterdir()
    kept.write_text("not a key")
    assert ask(here, cache) == (key, True)
    assert kept.read_text() == key
