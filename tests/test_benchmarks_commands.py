"""The benchmarks' generators (benchmarks/commands.py, benchmarks/report.py) write workspaces that vane accepts."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

from tests.helpers import ROOT, vane


def load_benchmark(name: str = "commands"):
    """benchmarks/<name>.py as a module (benchmarks/ is a folder of scripts, not a package)."""
    module_name = f"benchmark_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def test_the_report_benchmark_s_workspace_passes_check_with_evidence_up_to_today(tmp_path: Path):
    space = load_benchmark("report").open_synthetic(tmp_path / "space", 2, items=5)
    assert len(list((space / "scenarios").glob("*.yaml"))) == 2
    checked = vane("check", "--dir", str(space))
    assert checked.code == 0, checked.output


def test_a_generated_workspace_passes_check_and_its_import_file_imports(tmp_path: Path):
    benchmark = load_benchmark()
    generated = benchmark.generate(tmp_path, questions=3, items=5)
    assert len(generated.open_ids) == 2 and len(generated.resolved_ids) == 1
    assert sorted(path.stem for path in (generated.workspace / "scenarios").glob("*.yaml")) == \
        sorted(generated.open_ids + generated.resolved_ids)

    checked = vane("check", "--dir", str(generated.workspace))
    assert checked.code == 0, checked.output

    log = (generated.workspace / "reports" / "forecasts.jsonl").read_text(encoding="utf-8").splitlines()
    per_question = benchmark.FORECASTERS * benchmark.FORECASTS
    assert len(log) == per_question and {json.loads(line)["kind"] for line in log} == {"stated"}

    imported = vane("import-forecasts", str(generated.import_file), "--dir", str(generated.workspace))
    assert imported.code == 0, imported.output
    assert f"imported {per_question} forecast(s) for 1 question(s)" in imported.output

    status = vane("status", "--dir", str(generated.workspace), "--json")
    assert status.code == 0, status.output


def test_open_questions_have_evidence_up_to_today_at_most_and_close_later(tmp_path: Path):
    benchmark = load_benchmark()
    today = dt.date(2026, 12, 2)
    generated = benchmark.generate(tmp_path, questions=3, items=5, today=today)
    text = (generated.workspace / "scenarios" / f"{generated.open_ids[0]}.yaml").read_text(encoding="utf-8")
    assert f"closes: {today + dt.timedelta(days=120)}" in text
    assert "resolution:" not in text
    dates = [dt.date.fromisoformat(line.split(":", 1)[1].strip()) for line in text.splitlines()
             if line.strip().startswith("date:")]
    assert dates and max(dates) < today
