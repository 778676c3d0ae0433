"""Fast commands never import PyMC, PyTensor, ArviZ or matplotlib (``import pymc`` alone takes seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pymc", "pytensor", "arviz", "matplotlib", "jax", "numba", "xarray", "scipy")
OTHER_COMMANDS = ("cli.report", "cli.score", "cli.forecasts", "cli.calibrate", "cli.indicators", "cli.resolve",
                  "cli.correct")

PROBE = """
import json, sys
heavy = set(json.loads(sys.argv[1]))
sys.argv = ["vane", *json.loads(sys.argv[2])]
from cli.app import main
try:
    main()
except SystemExit:
    pass
loaded = {name.split(".")[0] for name in sys.modules} | set(sys.modules)
print("HEAVY=" + json.dumps(sorted(loaded & heavy)), file=sys.stderr)
"""


def imported_heavy(args: list[str], cwd: Path, heavy=HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(heavy), json.dumps(args)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    marker = [line for line in done.stderr.splitlines() if line.startswith("HEAVY=")]
    assert marker, done.stderr
    return json.loads(marker[-1].removeprefix("HEAVY="))


@pytest.mark.parametrize("args", [
    ["--help"],
    ["check"],
    ["status"],
    ["status", "--json"],
    ["show", "talks"],
    ["add", "talks", "-s", "probe item", "--date", "2025-04-01", "-r", "deal=+"],
    ["new", "other", "-q", "Q?", "--closes", "2099-01-01", "--scenario", "a=A", "--scenario", "b=B"],
    ["edit", "talks", "e1", "--grade", "A2"],
    ["retract", "talks", "e2", "--reason", "withdrawn"],
    ["calibrate", "--show"],
    ["--version"],
])
def test_fast_commands_do_not_import_heavy_libraries(space: Path, args):
    assert imported_heavy(args, space) == []


def test_a_command_loads_only_its_own_module(space: Path):
    # the other commands' modules (and what they import) stay unloaded, which keeps start-up fast
    assert imported_heavy(["status"], space, OTHER_COMMANDS) == []
    assert imported_heavy(["--help"], space, OTHER_COMMANDS) == []  # the listing needs no command's module


DATACLASSES = """
import dataclasses, json, sys
sys.argv = ["vane", *json.loads(sys.argv[1])]
from cli.app import main
try:
    main()
except SystemExit:
    pass
made = sorted(f"{module.__name__}.{name}" for module in list(sys.modules.values())
              if module.__name__.startswith(("model.", "cli.")) for name, value in vars(module).items()
              if isinstance(value, type) and value.__module__ == module.__name__ and dataclasses.is_dataclass(value))
print("MADE=" + json.dumps(made), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [
    ["status"],
    ["show", "talks"],
    ["add", "talks", "-s", "probe item", "--date", "2025-04-01", "-r", "deal=+"],
])
def test_the_everyday_commands_make_no_dataclass_but_the_question(space: Path, args):
    # a dataclass's class takes about 0.8 ms to make on Python 3.11, a Struct's 30 us (model/base/records.py);
    # the question stays one: it keeps its evidence packed until asked for, which a Struct's fields cannot
    done = subprocess.run([sys.executable, "-c", DATACLASSES, json.dumps(args)], cwd=space, capture_output=True,
                          text=True, timeout=120)
    marker = [line for line in done.stderr.splitlines() if line.startswith("MADE=")]
    assert marker, done.stderr
    assert json.loads(marker[-1].removeprefix("MADE=")) == ["model.fileformat.question.Question"]


SETTINGS = """
import json, os, sys
sys.argv = ["vane", *json.loads(sys.argv[1])]
from cli.app import main
early = "numpy" in sys.modules
try:
    main()
except SystemExit:
    pass
names = ("OPENBLAS_NUM_THREADS", "NUMPY_MADVISE_HUGEPAGE")
print("SET=" + json.dumps([early, "numpy" in sys.modules, [os.environ.get(name) for name in names]]), file=sys.stderr)
"""


@pytest.mark.parametrize(("args", "given", "wanted"), [
    (["status"], {}, ["1", "0"]),
    (["status"], {"OPENBLAS_NUM_THREADS": "2"}, ["2", "0"]),
    (["calibrate", "--show"], {}, [None, "0"]),  # the samplers' processes choose their own threads
])
def test_numpy_is_loaded_after_the_command_chose_its_settings(space: Path, args, given, wanted):
    # NumPy reads them when it is loaded: one BLAS thread and no huge pages unless the user asks (cli/app.py)
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("OPENBLAS_NUM_THREADS", "NUMPY_MADVISE_HUGEPAGE")}
    done = subprocess.run([sys.executable, "-c", SETTINGS, json.dumps(args)], cwd=space, capture_output=True,
                          text=True, timeout=120, env={**environment, **given})
    marker = [line for line in done.stderr.splitlines() if line.startswith("SET=")]
    assert marker, done.stderr
    assert json.loads(marker[-1].removeprefix("SET=")) == [False, True, wanted]


def test_the_listing_gives_each_command_s_own_one_line_description():
    import typer

    from cli.app import COMMANDS, build_app

    built = typer.main.get_group(build_app())
    for name, (_, summary) in COMMANDS.items():
        assert built.commands[name].help.strip().split("\n")[0] == summary, name
    listing = subprocess.run([sys.executable, "-m", "cli.app", "--help"], capture_output=True, text=True, timeout=60)
    flat = " ".join(listing.stdout.split())
    assert listing.returncode == 0 and all(" ".join(summary.split()) in flat for _, summary in COMMANDS.values())


@pytest.mark.parametrize(("arguments", "wanted"), [
    (["status", "--json"], "status"),
    (["--debug", "add", "q"], "add"),
    (["indicator", "list", "q"], "indicator"),
    (["--help"], None),
    (["bogus"], None),
    ([], None),
])
def test_invoked_command(arguments, wanted):
    from cli.app import invoked_command

    assert invoked_command(arguments) == wanted
