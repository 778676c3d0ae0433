"""Output that fits: the everyday commands at 80 and 160 columns never print a line wider than the terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.render import cut, joined, table, width_of, wrapped
from model.base.textsafe import visible
from tests.helpers import ROOT, TALKS, vane

WIDE_TEXT = "漢字の要約 " * 12  # two columns a character
LONG = "A summary that goes on and on about what the envoys said, who was there, and what it might mean " * 2


@pytest.fixture
def lived_in(tmp_path: Path) -> Path:
    """The bundled examples plus a question with long and wide text, a resolved question and stated forecasts."""
    for folder in ("scenarios", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "reports").mkdir()
    text = TALKS.replace("Envoys meet for the first time.", LONG).replace("Strikes continue during the talks.", WIDE_TEXT)
    text = text.replace("question: Will the talks produce a deal by the end of 2025?",
                        "question: Will the long-running talks between the parties produce a signed deal, a ceasefire "
                        "only, or nothing at all by the end of 2025?")
    (tmp_path / "scenarios" / "talks.yaml").write_text(text, encoding="utf-8")
    done = vane("forecast", "ukraine-talks-2027", "stall=30%", "synthesis=50%", "deal=20%", "--dir", str(tmp_path),
                "--forecaster", "a-forecaster-with-a-rather-long-name")
    assert done.code == 0, done.output
    return tmp_path


EVERYDAY = [
    ("--help",), ("status",), ("status", "talks"), ("show", "talks"), ("show", "ukraine-talks-2027"), ("check",),
    ("score",), ("score", "--wide"), ("indicator", "list", "ukraine-talks-2027"), ("calibrate", "--show"),
    ("add", "talks", "-s", LONG[::-1], "-r", "deal=+", "--source", "Wire"),
    ("edit", "talks", "e1", "--grade", "C3"),
    ("retract", "talks", "e2", "--reason", "The report was denied by every party to the talks, twice " * 2),
    ("add", "--help"), ("status", "--as-of", "2024-01-01"),
]


@pytest.mark.parametrize("columns", [80, 160])
@pytest.mark.parametrize("words", EVERYDAY, ids=lambda words: " ".join(words)[:40])
def test_no_line_is_wider_than_the_terminal(lived_in: Path, monkeypatch, columns: int, words):
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.chdir(lived_in)  # paths in messages are shown relative to the current folder, as a user sees them
    result = vane(*words) if words[0] == "--help" else vane(*words, "--dir", ".")
    assert result.code in (0, 1), result.output
    assert result.output.strip()
    too_wide = [line for line in result.output.splitlines() if width_of(line) > columns]
    if "--wide" in words:  # every column, however wide: only the tables' lines may be wider
        assert all("  " in line for line in too_wide), too_wide
    else:
        assert not too_wide, "\n".join(too_wide)


def test_a_wide_terminal_shows_the_whole_summary_and_a_narrow_one_moves_it_under_the_row(lived_in: Path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    wide = vane("show", "talks", "--dir", str(lived_in)).stdout
    assert "A summary that goes on and on about what the envoys said" in wide
    row = next(line for line in wide.splitlines() if line.lstrip().startswith("2025-02-01"))
    assert "A summary" in row
    monkeypatch.setenv("COLUMNS", "80")
    narrow = vane("show", "talks", "--dir", str(lived_in)).stdout.splitlines()
    at = next(i for i, line in enumerate(narrow) if line.lstrip().startswith("2025-02-01"))
    assert "A summary" not in narrow[at] and narrow[at + 1].startswith("      A summary")
    assert narrow[at + 1].endswith("…")


def test_score_fits_100_columns_without_wide(lived_in: Path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(lived_in)
    assert vane("resolve", "ukraine-talks-2027", "deal", "--note", "signed", "--dir", ".").code == 0
    result = vane("score", "--dir", ".")
    assert result.code == 0 and max(map(width_of, result.stdout.splitlines())) <= 100
    wide = vane("score", "--wide", "--dir", ".").stdout
    assert "ranked" in wide or "spot baseline" in wide
    assert "spot baseline" not in result.stdout and "--wide shows every column" in result.stdout
    monkeypatch.delenv("COLUMNS")  # in a file or a pipe: tables fit 100 columns, sentences are whole lines
    piped = vane("score", "--dir", ".").stdout.splitlines()
    assert all(width_of(line) <= 100 for line in piped if line.startswith("  "))
    assert any(width_of(line) > 100 for line in piped if not line.startswith("  "))


def test_widths_count_columns_on_screen():
    assert width_of("abc") == 3 and width_of("漢字") == 4 and width_of("e\u0301") == 1
    assert width_of("\x1b[2J") == len("\\x1b[2J")  # as ``say`` shows it
    assert cut("漢字漢字", 5) == "漢字…" and width_of(cut("漢字漢字", 5)) <= 5
    assert cut("short", 10) == "short"
    for text in ["a" * 30, "words and  spaces here", "a\x1b[2Jb" * 5, "tab\tafter", "x"]:  # ASCII: column by column
        for width in range(1, 25):
            slow = "".join(text_kept(visible(text), width))
            assert cut(text, width) == (visible(text) if width_of(text) <= width else slow.rstrip() + "…")


def text_kept(text: str, width: int):
    """The characters ``cut`` keeps, counted a column at a time (as for any text)."""
    used = 0
    for character in text:
        used += width_of(character)
        if used > width - 1:
            return
        yield character


def test_tables_give_way_in_their_free_text_column():
    rows = [["e1", "x" * 60, "+1.00"], ["e2", "short", "-0.50"]]
    fitted = table(["item", "summary", "effect"], rows, right={2}, free=1, width=40).splitlines()
    assert all(width_of(line) <= 40 for line in fitted) and fitted[1].rstrip().endswith("+1.00")
    stacked = table(["item", "summary", "effect"], rows, right={2}, free=1, width=22).splitlines()
    assert stacked[1].split() == ["e1", "+1.00"] and stacked[2].startswith("      xxx")
    assert all(width_of(line) <= 22 for line in stacked)


def test_facts_and_sentences_break_between_words():
    facts = joined(["as of 2026-12-03", "closes 2027-06-30 (in 209 days)", "11 evidence items in 10 stories"], 50)
    assert len(facts.splitlines()) > 1 and all(width_of(line) <= 50 for line in facts.splitlines())
    assert wrapped("word " * 30, 30, indent="  ").splitlines()[1].startswith("  word")


def test_check_wraps_problems_on_a_terminal_and_keeps_whole_lines_in_a_pipe(space: Path, monkeypatch):
    monkeypatch.chdir(space)
    (space / "scenarios" / "talks.yaml").write_text(TALKS.replace("grade: B2", "grade: " + "Z" * 5))
    monkeypatch.setenv("COLUMNS", "60")
    narrow = vane("check", "--dir", ".").output.splitlines()
    assert all(width_of(line) <= 60 for line in narrow) and any(line.startswith("    ") for line in narrow)
    monkeypatch.delenv("COLUMNS")
    piped = vane("check", "--dir", ".").output.splitlines()
    assert any(line.startswith("scenarios/talks.yaml:") and width_of(line) > 60 for line in piped)
