"""Test helpers: a small question text and ways to run ``vane`` in-process or as a process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

TALKS = textwrap.dedent("""\
    # A small question used across the tests.
    question: Will the talks produce a deal by the end of 2025?
    opened: 2025-01-01
    closes: 2025-12-31
    scenarios:
      deal: A deal is signed
      ceasefire: A ceasefire only
      stall: Nothing
    prior:
      basis: a guess for tests
      probabilities: {deal: 0.2, ceasefire: 0.3, stall: 0.5}
    evidence:
      - id: e1
        date: 2025-02-01
        recorded: 2025-02-02T10:00:00Z
        summary: Envoys meet for the first time.
        source: Wire
        url: https://example.org/envoys-meet
        grade: B2
        ratings: {deal: "+", ceasefire: "+", stall: "-"}
      - id: e2
        date: 2025-03-01
        recorded: 2025-06-01T10:00:00Z
        summary: Strikes continue during the talks.
        grade: C3
        ratings: {deal: "-", ceasefire: "0", stall: "+"}
    """)


class Result:
    """What a ``vane`` run produced."""

    def __init__(self, code: int, stdout: str, stderr: str):
        self.code, self.stdout, self.stderr = code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def vane(*args: str, input: str | None = None) -> Result:
    """Run ``vane`` in-process (fast) and return its exit code and output."""
    runner = CliRunner()
    result = runner.invoke(app, list(args), input=input, catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def spawn_vane(args, cwd: Path | None = None, env: dict | None = None, input=None,
               text: bool = True) -> subprocess.CompletedProcess:
    """Run ``vane`` as a real process, outside any workspace named by ``VANE_DIR``; ``text=False`` keeps the bytes."""
    command = [sys.executable, "-c", "from cli.app import main; main()", *args]
    environment = {name: value for name, value in os.environ.items() if name != "VANE_DIR"}
    environment.update(env or {})
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=text, input=input,
                          timeout=120, check=False)


def vane_process(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None) -> Result:
    """Run ``vane`` as a real process (for tracebacks, imports and concurrency)."""
    done = spawn_vane(args, cwd, env, input)
    return Result(done.returncode, done.stdout, done.stderr)
