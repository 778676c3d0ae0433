"""The layers of ``model/`` (docs/architecture.md): each folder imports only from folders below it.

Lazy imports inside functions count too: a command that does not need a floor
above it must never be able to reach it. Heavy libraries stay in the one
package that needs them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parent.parent / "model"
FLOORS = {"base": 0, "fileformat": 1, "workspace": 2, "engine": 3, "edits": 4, "teams": 4, "record": 5, "reports": 6,
          "calibration": 6}
HEAVY = {"pymc": "calibration", "pytensor": "calibration", "arviz": "calibration", "jax": "calibration",
         "numpyro": "calibration", "nutpie": "calibration", "matplotlib": "reports", "jinja2": "reports"}


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, at any depth, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def modules() -> list[Path]:
    return sorted(path for path in MODEL.rglob("*.py") if path.parent != MODEL)


def test_every_module_lives_in_a_floor():
    loose = [path.name for path in MODEL.glob("*.py") if path.name != "__init__.py"]
    assert not loose, f"modules outside the floors: {loose}"
    assert {path.parent.name for path in modules()} == set(FLOORS)


@pytest.mark.parametrize("path", modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_imports_point_down(path: Path):
    floor = path.parent.name
    upward = []
    for line, module in imports(path):
        parts = module.split(".")
        if parts[0] == "cli":
            upward.append(f"line {line}: {module} (the library never imports the command line)")
        elif parts[0] == "model" and len(parts) > 1:
            other = parts[1]
            if other not in FLOORS:
                upward.append(f"line {line}: {module} is not in a floor")
            elif other != floor and FLOORS[other] >= FLOORS[floor]:
                upward.append(f"line {line}: {module} ({other} is not below {floor})")
        elif parts[0] in HEAVY and HEAVY[parts[0]] != floor:
            upward.append(f"line {line}: {module} belongs in model/{HEAVY[parts[0]]}/ only")
    assert not upward, f"{path.relative_to(MODEL.parent)} imports upward:\n" + "\n".join(upward)


def test_the_layer_check_can_fail(tmp_path: Path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from model.reports.weekly import build_report\n", encoding="utf-8")
    assert (2, "model.reports.weekly") in imports(sneaky)
