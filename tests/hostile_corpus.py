"""A corpus of hostile inputs, each the valid bundled question with one thing changed.

Used by ``tests/test_hostile_inputs.py``. Every case describes a workspace: the
question file's name and bytes (or a file-system set-up), whether the file must
be refused (``reject``), accepted (``accept``) or may be either (``either``,
for inputs a safe tool may reasonably accept or refuse), and which files a
refusal may name.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_ID = "ukraine-talks-2027"
BASE_NAME = f"{BASE_ID}.yaml"
BASE = (ROOT / "scenarios" / BASE_NAME).read_text(encoding="utf-8")
SCENARIOS = ("stall", "synthesis", "deal")  # the bundled 2027 question's scenario ids

REJECT, ACCEPT, EITHER = "reject", "accept", "either"


@dataclass(frozen=True)
class Case:
    """One hostile workspace.

    ``setup(workspace, outside)`` replaces the default (writing ``content`` to
    ``scenarios/<name>``); ``outside`` is a folder beside the workspace that no
    command may touch. ``named``: file names a refusal may point at (default:
    ``name``). ``workspace_only``: the problem is in another file than the one
    ``show``/``add`` work on, so they may succeed. ``may_fail``: commands that
    may exit 1 even though ``check`` accepts the workspace (the machine says no,
    e.g. ``reports`` is a file).
    """

    id: str
    category: str
    content: bytes = b""
    expect: str = EITHER
    name: str | bytes = BASE_NAME
    setup: Callable[[Path, Path], None] | None = None
    named: tuple[str, ...] = ()
    question: str | None = "default"  # the id show/add work on; None: none
    workspace_only: bool = False
    may_fail: frozenset[str] = field(default_factory=frozenset)
    report_must_contain: tuple[str, ...] = ()  # text report.html must show as written
    needs_non_root: bool = False  # root reads any file: a permission case cannot be tested as root

    @property
    def question_id(self) -> str | None:
        """The id ``show`` and ``add`` are given: the file name's stem, unless the case says otherwise."""
        if self.question != "default":
            return self.question
        name = os.fsdecode(self.name)
        stem, dot, suffix = name.rpartition(".")
        if not dot or suffix.lower() not in ("yaml", "yml") or name.startswith("."):
            return None
        return stem

    @property
    def file_names(self) -> tuple[str, ...]:
        """Names (as the program sees them) a refusal must point at."""
        return self.named or (os.fsdecode(self.name),)

    def build(self, workspace: Path, outside: Path) -> None:
        """Write this case into ``workspace`` (which has ``scenarios/`` and ``reports/``)."""
        if self.setup is not None:
            self.setup(workspace, outside)
        else:
            folder = os.fsencode(workspace / "scenarios")
            with open(os.path.join(folder, os.fsencode(self.name)), "wb") as handle:
                handle.write(self.content)


def text(value: str) -> bytes:
    return value.encode("utf-8")


def swap(old: str, new: str, base: str = BASE) -> str:
    """``base`` with the first ``old`` replaced by ``new`` (``old`` must be there)."""
    assert old in base, old
    return base.replace(old, new, 1)


def in_item(item_id: str, old: str, new: str, base: str = BASE) -> str:
    """``base`` with the first ``old`` after the list item ``- id: <item_id>`` replaced by ``new``."""
    marker = f"  - id: {item_id}\n"
    start = base.index(marker)
    position = base.index(old, start)
    return base[:position] + new + base[position + len(old):]


# --- where a payload goes -----------------------------------------------------------------------

TITLE = "What will US–Russia talks on Ukraine have produced by 30 June 2027?"
E9_SUMMARY = "The Moscow meeting of Witkoff and Kushner with Putin (22 January) was requested by the Kremlin."
STALL_BLOCK = (
    "  stall: >-\n"
    "    The op-ed's first scenario: the plan as amended by Kyiv and the Europeans is put to\n"
    "    Moscow and rejected; no signed ceasefire or peace and no partial arrangement\n"
)
I1_DESCRIPTION = "Putin and Zelensky meet in person"
PRIOR = "probabilities: {stall: 0.40, synthesis: 0.35, deal: 0.25}"
E3_RATINGS = 'ratings: {stall: "-", synthesis: "+", deal: "+"}'
I1_PROBABILITIES = "probabilities: {stall: 0.02, synthesis: 0.1, deal: 0.5}"


# Evidence shows in the weekly report only when dated or entered this week: the item a payload goes in
# (e9) is marked as entered a minute ago, so its summary, source and link reach report.md and report.html.
RECENT = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
E9_RECORDED = "recorded: 2026-11-22T04:45:00Z"


def recent_e9(base: str = BASE) -> str:
    """``base`` with evidence item e9 entered a minute ago."""
    return in_item("e9", E9_RECORDED, f"recorded: {RECENT}", base)


def place(where: str, value: str) -> str:
    """The question text with ``value`` (YAML double-quoted content, escapes allowed) put in one field.

    Evidence fields go in item e9, which is then marked as entered this week (see ``RECENT``).
    """
    if where == "title":
        return swap(f"question: {TITLE}", f'question: "What will US–Russia talks{value} on Ukraine have produced by 30 June 2027?"')
    if where == "summary":
        return recent_e9(swap(f"summary: {E9_SUMMARY}", f'summary: "The Moscow meeting{value} of Witkoff and Kushner was requested by the Kremlin."'))
    if where == "scenario":
        return swap(STALL_BLOCK, f'  stall: "No ceasefire{value} and no partial arrangement"\n')
    if where == "source":
        return recent_e9(in_item("e9", "source: Geopolitical analysis newsletter", f'source: "Geopolitical{value} newsletter"'))
    if where == "analyst":
        return recent_e9(in_item("e9", "analyst: weathervane-examples", f'analyst: "mk{value}"'))
    if where == "story":
        return recent_e9(in_item("e9", "    grade: C2\n", f'    grade: C2\n    story: "moscow{value}"\n'))
    if where == "indicator":
        return swap(f"description: {I1_DESCRIPTION}", f'description: "Putin and Zelensky{value} meet in person"')
    if where == "url":
        return recent_e9(in_item("e9", "    grade: C2\n", f'    grade: C2\n    url: "https://example.org/{value}"\n'))
    raise ValueError(where)


# control characters, written as YAML double-quoted escapes
CONTROLS = {
    "esc-csi": r"\e[2J\e[31m",
    "osc8-link": r"\e]8;;http://x\aclick here\e]8;;\a",
    "bel": r"\a",
    "c1-csi-u009b": r"\x9b2J",
    "c1-nel-u0085": r"\N",
    "del": r"\x7f",
    "backspace": r"\b\b\b",
    "carriage-return": r"\rOVERWRITTEN",
    "nul-escape": r"\0",
    "vt-ff": r"\v\f",
}
# bidi formatting characters, written raw (YAML allows them)
BIDI = {
    "rlo-u202e": "\u202e",
    "lri-u2066": "\u2066",
    "rli-u2067": "\u2067",
    "fsi-u2068": "\u2068",
    "pdi-u2069": "\u2069",
    "rlm-u200f": "\u200f",
    "lrm-u200e": "\u200e",
    "alm-u061c": "\u061c",
    "lre-u202a": "\u202a",
}


def control_cases() -> list[Case]:
    cases = [Case(f"control-{name}-in-summary", "control", text(place("summary", value))) for name, value in CONTROLS.items()]
    for where in ("title", "scenario", "source", "analyst", "indicator"):
        for name in ("esc-csi", "c1-csi-u009b", "carriage-return"):
            cases.append(Case(f"control-{name}-in-{where}", "control", text(place(where, CONTROLS[name]))))
    cases.append(Case("control-osc8-link-in-title", "control", text(place("title", CONTROLS["osc8-link"]))))
    for name in ("esc-csi", "osc8-link", "c1-csi-u009b"):
        cases.append(Case(f"control-{name}-in-story", "control", text(place("story", CONTROLS[name]))))
    cases.append(Case("control-esc-csi-in-url", "control", text(place("url", CONTROLS["esc-csi"]))))
    cases.append(Case("control-esc-csi-in-evidence-id", "control", text(in_item("e9", "- id: e9", r'- id: "e9\e[2J"')), REJECT))
    # raw (unescaped) control characters in the file: YAML forbids most of them
    raw = {"esc": "\x1b[2J", "bel": "\x07", "del": "\x7f", "c1-u009b": "\x9b", "backspace": "\x08", "vt": "\x0b"}
    for name, value in raw.items():
        cases.append(Case(f"raw-{name}-in-summary", "control", text(swap("Putin (22 January)", f"Putin{value} (22 January)")), REJECT))
    cases.append(Case("raw-nel-u0085-in-summary", "control", text(swap("Putin (22 January)", "Putin\x85 (22 January)"))))
    return cases


def bidi_cases() -> list[Case]:
    cases = [Case(f"bidi-{name}-in-summary", "bidi", text(place("summary", value))) for name, value in BIDI.items()]
    for where in ("title", "scenario", "source", "analyst", "indicator"):
        cases.append(Case(f"bidi-rlo-u202e-in-{where}", "bidi", text(place(where, BIDI["rlo-u202e"]))))
    cases.append(Case("bidi-lri-u2066-in-title", "bidi", text(place("title", BIDI["lri-u2066"]))))
    for name in ("rlo-u202e", "pdi-u2069"):
        cases.append(Case(f"bidi-{name}-in-story", "bidi", text(place("story", BIDI[name]))))
    return cases


def tag_cases() -> list[Case]:
    def case(name: str, content: str) -> Case:
        return Case(f"tag-{name}", "tags", text(content), REJECT)

    return [
        case("python-object-on-title", swap("question: What", "question: !!python/object:os.system What")),
        case("python-object-apply", swap("ordered: true", 'ordered: !!python/object/apply:os.system ["touch pwned"]')),
        case("python-name", swap("ordered: true", "ordered: !!python/name:os.system")),
        case("binary-on-summary", swap(f"summary: {E9_SUMMARY}", "summary: !!binary aGVsbG8gd29ybGQ=")),
        case("custom-foo-on-source", in_item("e9", "source: Geopolitical", "source: !foo Geopolitical")),
        case("str-on-date", swap("closes: 2027-06-30", "closes: !!str 2027-06-30")),
        case("map-on-prior", swap("prior:\n", "prior: !!map\n")),
        case("verbatim", swap("ordered: true", "ordered: !<tag:yaml.org,2002:python/name:os.system> x")),
        case("tag-directive", "%TAG !e! tag:example.com,2000:app/\n---\n" + swap("ordered: true", "ordered: !e!foo true")),
        case("on-a-key", swap("closes: 2027", "!!str closes: 2027")),
        case("set", swap("ordered: true", "ordered: !!set {a, b}")),
    ]


def alias_cases() -> list[Case]:
    laughs = '["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    bomb = "lol0: &a " + laughs + "\n"
    for level, (anchor, alias) in enumerate(zip("bcdefghi", "abcdefgh"), start=1):
        bomb += f"lol{level}: &{anchor} [" + ",".join([f"*{alias}"] * 9) + "]\n"

    def case(name: str, content: str) -> Case:
        return Case(f"alias-{name}", "aliases", text(content), REJECT)

    return [
        case("anchor-on-scenarios", swap("scenarios:\n", "scenarios: &s\n")),
        case("anchor-on-scalar", in_item("e9", "source: Geopolitical", "source: &src Geopolitical")),
        case("alias-of-prior", swap(PRIOR, "probabilities: &p {stall: 0.40, synthesis: 0.35, deal: 0.25}").replace(I1_PROBABILITIES, "probabilities: *p", 1)),
        case("alias-undefined", swap(I1_PROBABILITIES, "probabilities: *nothing")),
        case("billion-laughs-top", bomb + BASE),
        case("billion-laughs-in-description", swap("ordered: true", "ordered: true\nextra:\n  " + bomb.replace("\n", "\n  ").rstrip())),
        case("merge-key", in_item("e9", "    grade: C2\n", "    grade: C2\n    <<: *base\n")),
        case("alias-as-key", swap("ordered: true", "ordered: true\nx: &k key\n*k : value")),
    ]


def nesting_cases() -> list[Case]:
    def case(name: str, content: str) -> Case:
        return Case(f"nesting-{name}", "nesting", text(content), REJECT)

    deep_block_map = "extra:\n" + "".join("  " * level + "a:\n" for level in range(1, 200)) + "  " * 200 + "a: 1\n"
    return [
        case("flow-10k-open-brackets", BASE + "extra: " + "[" * 10_000 + "\n"),
        case("flow-10k-balanced-brackets", BASE + "extra: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        case("flow-10k-braces", BASE + "extra: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n"),
        case("flow-10k-in-ratings", in_item("e9", 'ratings: {stall: "-"', 'ratings: {stall: ' + "[" * 10_000 + "]" * 10_000 + ', x: "-"')),
        case("block-5k-sequences-one-line", BASE + "extra:\n  " + "- " * 5_000 + "x\n"),
        case("block-200-mappings", BASE + deep_block_map),
        case("seventeen-levels", BASE + "extra:" + " [" * 17 + " ]" * 17 + "\n"),
    ]


def encoding_cases() -> list[Case]:
    data = BASE.encode("utf-8")
    marker = b"Putin (22 January)"
    assert marker in data

    def bad(name: str, payload: bytes) -> Case:
        return Case(f"encoding-{name}", "encoding", data.replace(marker, b"Putin " + payload + b" (22 January)", 1), REJECT)

    return [
        Case("encoding-utf16-le-bom", "encoding", BASE.encode("utf-16"), REJECT),
        Case("encoding-utf16-be-bom", "encoding", b"\xfe\xff" + BASE.encode("utf-16-be"), REJECT),
        Case("encoding-utf32-bom", "encoding", BASE.encode("utf-32"), REJECT),
        Case("encoding-utf8-bom", "encoding", b"\xef\xbb\xbf" + data, ACCEPT),
        Case("encoding-utf8-bom-twice", "encoding", b"\xef\xbb\xbf\xef\xbb\xbf" + data),
        Case("encoding-bom-inside-summary", "encoding", data.replace(marker, b"Putin \xef\xbb\xbf(22 January)", 1)),
        Case("encoding-latin1-file", "encoding", swap("US–Russia talks", "US-Russland Gespräche").encode("latin-1", "replace"), REJECT),
        bad("latin1-byte", b"caf\xe9"),
        bad("overlong-slash", b"\xc0\xaf"),
        bad("modified-utf8-nul", b"\xc0\x80"),
        bad("lone-continuation", b"\x80"),
        bad("utf8-surrogate", b"\xed\xa0\x80"),
        bad("ff-fe-bytes", b"\xff\xfe"),
        bad("five-byte-sequence", b"\xf8\x88\x80\x80\x80"),
        Case("encoding-truncated-at-end", "encoding", data + b"# \xe2\x80", REJECT),
    ]


def nul_cases() -> list[Case]:
    data = BASE.encode("utf-8")
    return [
        Case("nul-in-summary", "nul", data.replace(b"Putin (22", b"Putin\x00 (22", 1), REJECT),
        Case("nul-at-start", "nul", b"\x00" + data, REJECT),
        Case("nul-at-end", "nul", data + b"\x00", REJECT),
        Case("nul-only-file", "nul", b"\x00" * 1024, REJECT),
        Case("nul-in-a-key", "nul", data.replace(b"closes:", b"clo\x00ses:", 1), REJECT),
        Case("nul-escaped-in-title", "nul", text(place("title", r"\0\0"))),
    ]


def line_ending_cases() -> list[Case]:
    return [
        Case("lines-crlf", "line-endings", text(BASE.replace("\n", "\r\n")), ACCEPT),
        Case("lines-lone-cr", "line-endings", text(BASE.replace("\n", "\r"))),
        Case("lines-mixed-crlf-lf", "line-endings", text(BASE.replace("\n", "\r\n", 40))),
        Case("lines-cr-inside-summary", "line-endings", text(swap("Putin (22 January)", "Putin\r(22 January)"))),
        Case("lines-crlf-no-final-newline", "line-endings", text(BASE.rstrip("\n").replace("\n", "\r\n")), ACCEPT),
        Case("lines-nel-u0085", "line-endings", text(BASE.replace("\n", "\x85"))),
        Case("lines-u2028-in-summary", "line-endings", text(swap("Putin (22 January)", "Putin\u2028(22 January)"))),
        Case("lines-crlf-except-first-line", "line-endings", text(BASE.replace("\n", "\r\n").replace("\r\n", "\n", 1))),
    ]


def number_cases() -> list[Case]:
    def likelihood(name: str, value: str, expect: str = REJECT) -> Case:
        content = in_item("e3", E3_RATINGS, f"likelihoods: {{stall: {value}, synthesis: 0.5, deal: 0.5}}")
        return Case(f"number-likelihood-{name}", "numbers", text(content), expect)

    def prior(name: str, values: str, expect: str = REJECT) -> Case:
        return Case(f"number-prior-{name}", "numbers", text(swap(PRIOR, f"probabilities: {{{values}}}")), expect)

    def indicator(name: str, value: str, expect: str = REJECT) -> Case:
        content = swap(I1_PROBABILITIES, f"probabilities: {{stall: {value}, synthesis: 0.1, deal: 0.5}}")
        return Case(f"number-indicator-{name}", "numbers", text(content), expect)

    def rating(name: str, value: str, expect: str = REJECT) -> Case:
        content = in_item("e3", E3_RATINGS, f"ratings: {{stall: {value}, synthesis: 1, deal: 0}}")
        return Case(f"number-rating-{name}", "numbers", text(content), expect)

    ten_400 = "1" + "0" * 400
    return [
        likelihood("1e308", "1e308"),
        likelihood("1e400", "1e400"),
        likelihood("minus-zero", "-0"),
        likelihood("nan", "nan"),
        likelihood("dot-nan", ".nan"),
        likelihood("dot-inf", ".inf"),
        likelihood("minus-inf", "-.inf"),
        likelihood("10-pow-400", ten_400),
        likelihood("5000-digits", "1" * 5000),
        likelihood("underflow-1e-400", "1e-400"),
        likelihood("denormal", "4.9e-324", EITHER),
        likelihood("hex", "0x1", EITHER),
        likelihood("underscores", "0.5_0", EITHER),
        likelihood("quoted", '"0.5"', EITHER),
        prior("1e308", "stall: 1e308, synthesis: 0.35, deal: 0.25"),
        prior("1e400", "stall: 1e400, synthesis: 0.35, deal: 0.25"),
        prior("minus-zero", "stall: -0, synthesis: 0.75, deal: 0.25"),
        prior("nan", "stall: .nan, synthesis: 0.35, deal: 0.25"),
        prior("inf", "stall: .inf, synthesis: 0.35, deal: 0.25"),
        prior("10-pow-400", f"stall: {ten_400}, synthesis: 0.35, deal: 0.25"),
        prior("long-decimal", "stall: 0.4000000000000000000000000000000001, synthesis: 0.35, deal: 0.25", ACCEPT),
        prior("tiny-denormal", "stall: 1e-320, synthesis: 0.75, deal: 0.25", EITHER),
        prior("exponent-form", "stall: 4e-1, synthesis: 35e-2, deal: 0.25", EITHER),
        indicator("minus-zero", "-0.0", EITHER),
        indicator("nan", ".nan"),
        indicator("1e400", "1e400"),
        rating("integers", "-2", ACCEPT),
        rating("1e308", "1e308"),
        rating("nan", ".nan"),
        rating("10-pow-400", ten_400),
    ]


def date_cases() -> list[Case]:
    def case(name: str, old: str, new: str, expect: str = REJECT, item: str | None = None) -> Case:
        content = in_item(item, old, new) if item else swap(old, new)
        return Case(f"date-{name}", "dates", text(content), expect)

    return [
        case("opened-0001-01-01", "opened: 2026-01-05", "opened: 0001-01-01"),
        case("opened-1899-12-31", "opened: 2026-01-05", "opened: 1899-12-31"),
        case("closes-9999-12-31", "closes: 2027-06-30", "closes: 9999-12-31"),
        case("closes-year-10000", "closes: 2027-06-30", "closes: 10000-01-01"),
        case("closes-with-zone", "closes: 2027-06-30", "closes: 2027-06-30T23:59:59-12:00", ACCEPT),
        case("opened-unpadded", "opened: 2026-01-05", "opened: 2026-1-5", EITHER),
        case("evidence-2026-02-30", "date: 2026-01-02", "date: 2026-02-30", item="e1"),
        case("evidence-2025-13-01", "date: 2026-01-02", "date: 2025-13-01", item="e1"),
        case("evidence-with-time", "date: 2026-01-02", "date: 2026-01-02T10:00:00", EITHER, item="e1"),
        case("evidence-with-zone", "date: 2026-01-02", "date: 2026-01-02T10:00:00+14:00", EITHER, item="e1"),
        case("evidence-hour-25", "date: 2026-01-02", "date: 2026-01-02T25:00:00", item="e1"),
        case("evidence-as-number", "date: 2026-01-02", "date: 20260102", EITHER, item="e1"),
        case("evidence-iso-week-date", "date: 2026-01-02", "date: 2026-W01-5", EITHER, item="e1"),
        case("evidence-leap-day", "date: 2026-01-02", "date: 2024-02-29", ACCEPT, item="e1"),
        case("evidence-plus-year", "date: 2026-01-02", "date: +2026-01-02", EITHER, item="e1"),
        case("recorded-zone-plus-2359", "recorded: 2026-11-22T04:12:00Z", "recorded: 2026-11-22T04:12:00+23:59", EITHER, item="e1"),
        case("recorded-zone-minus-2359", "recorded: 2026-11-22T04:12:00Z", "recorded: 2026-11-22T04:12:00-23:59", EITHER, item="e1"),
        case("recorded-nanoseconds", "recorded: 2026-11-22T04:12:00Z", "recorded: 2026-11-22T04:12:00.123456789Z", EITHER, item="e1"),
        case("recorded-leap-second", "recorded: 2026-11-22T04:12:00Z", "recorded: 2026-11-22T04:12:60Z", EITHER, item="e1"),
        case("recorded-1900", "recorded: 2026-11-22T04:12:00Z", "recorded: 1900-01-01T00:00:00Z", item="e1"),
        case("recorded-9999-end-of-time", "recorded: 2026-11-22T04:12:00Z", "recorded: 9999-12-31T23:59:59-23:59", item="e1"),
        case("due-2027-02-29", "due: 2027-03-31", "due: 2027-02-29"),
    ]


def duplicate_cases() -> list[Case]:
    def case(name: str, content: str) -> Case:
        return Case(f"duplicate-{name}", "duplicates", text(content), REJECT)

    return [
        case("top-level-question", swap("opened:", f"question: {TITLE}\nopened:")),
        case("top-level-quoted-and-plain", swap("closes: 2027-06-30", 'closes: 2027-06-30\n"closes": 2027-05-30')),
        case("top-level-complex-key", swap("closes: 2027-06-30", "closes: 2027-06-30\n? closes\n: 2027-05-30")),
        case("nested-prior-probabilities", swap(PRIOR, "probabilities: {stall: 0.40, stall: 0.35, deal: 0.25}")),
        case("nested-scenario", swap("  synthesis: >-\n", "  stall: again\n  synthesis: >-\n")),
        case("evidence-item-summary", in_item("e9", "    source:", "    summary: a second summary\n    source:")),
        case("evidence-item-ratings", in_item("e9", '    ratings: {stall: "-"', '    ratings: {stall: "+"}\n    ratings: {stall: "-"')),
        case("evidence-id", in_item("e9", "- id: e9", "- id: e8")),
        case("indicator-probabilities-key", swap(I1_PROBABILITIES, "probabilities: {stall: 0.02, stall: 0.1, deal: 0.5}")),
        case("top-level-evidence-list", BASE + "evidence: []\n"),
    ]


def _write(workspace: Path, name: str | bytes, content: bytes) -> None:
    with open(os.path.join(os.fsencode(workspace / "scenarios"), os.fsencode(name)), "wb") as handle:
        handle.write(content)


def file_name_cases() -> list[Case]:
    valid = text(BASE)

    def case(name_id: str, name: str | bytes, expect: str = EITHER, **more) -> Case:
        return Case(f"filename-{name_id}", "file-names", valid, expect, name, **more)

    def twins(workspace: Path, outside: Path) -> None:
        _write(workspace, "twin.yaml", valid)
        _write(workspace, "twin.yml", valid)

    return [
        case("spaces", "ukraine talks 2027.yaml"),
        case("unicode", "украина-переговоры.yaml"),
        case("markdown-table-link", "| x | [a](javascript:alert(1)).yaml"),
        case("html-img-onerror", "<img src=x onerror=alert(1)>.yaml"),
        case("leading-dash", "-rf.yaml"),
        case("shell-substitution", "$(touch pwned)`id`.yaml"),
        case("format-string", "%s%n%x{0}.yaml"),
        case("newline", "bad\nname.yaml"),
        case("carriage-return", "bad\rname.yaml"),
        case("tab", "bad\tname.yaml"),
        case("esc", "\x1b[2Jcleared.yaml"),
        case("osc8", "\x1b]8;;file:x\x07link\x1b]8;;\x07.yaml"),
        case("bel", "ding\x07.yaml"),
        case("c1-u009b", "c1\u009b2J.yaml"),
        case("rlo-u202e", "talks\u202elmth.yaml"),
        case("lri-u2066", "talks\u2066x\u2069.yaml"),
        case("invalid-utf8-bytes", b"bad\xff\xfename.yaml"),
        case("fake-location", "a.yaml:99: fake problem.yaml"),
        case("backslash", "a\\b.yaml"),
        case("quotes", "it's \"quoted\".yaml"),
        case("long-200", "q" * 195 + ".yaml"),
        case("long-255", "q" * 250 + ".yaml"),
        case("upper-suffix", "UPPER.YAML"),
        case("yml-suffix", "only-yml.yml", ACCEPT),
        Case("filename-twin-yaml-and-yml", "file-names", expect=REJECT, name="twin.yaml", setup=twins,
             named=("twin.yaml", "twin.yml"), workspace_only=True),
    ]


def file_system_cases() -> list[Case]:
    valid = text(BASE)
    big = BASE + "# " + "x" * (5 * 1024 * 1024) + "\n"

    def case(name: str, setup, expect: str, file_name: str = BASE_NAME, **more) -> Case:
        return Case(f"fs-{name}", "file-system", expect=expect, name=file_name, setup=setup, **more)

    def writes(content: bytes):
        return lambda workspace, outside: _write(workspace, BASE_NAME, content)

    def folder(workspace: Path, outside: Path) -> None:
        (workspace / "scenarios" / BASE_NAME).mkdir()

    def symlink_outside(workspace: Path, outside: Path) -> None:
        (outside / "outside.yaml").write_bytes(valid)
        (workspace / "scenarios" / BASE_NAME).symlink_to(outside / "outside.yaml")

    def symlink_outside_relative(workspace: Path, outside: Path) -> None:
        (outside / "outside.yaml").write_bytes(valid)
        relative = os.path.relpath(outside / "outside.yaml", workspace / "scenarios")
        (workspace / "scenarios" / BASE_NAME).symlink_to(relative)

    def symlink_dangling(workspace: Path, outside: Path) -> None:
        (workspace / "scenarios" / BASE_NAME).symlink_to(outside / "missing.yaml")

    def symlink_loop(workspace: Path, outside: Path) -> None:
        (workspace / "scenarios" / BASE_NAME).symlink_to(BASE_NAME)

    def symlink_device(workspace: Path, outside: Path) -> None:
        (workspace / "scenarios" / BASE_NAME).symlink_to("/dev/zero")

    def symlink_folder(workspace: Path, outside: Path) -> None:
        (workspace / "scenarios" / BASE_NAME).symlink_to(outside)

    def fifo(workspace: Path, outside: Path) -> None:
        os.mkfifo(workspace / "scenarios" / BASE_NAME)

    def hard_link_outside(workspace: Path, outside: Path) -> None:
        (outside / "hard.yaml").write_bytes(valid)
        os.link(outside / "hard.yaml", workspace / "scenarios" / BASE_NAME)

    def unreadable(workspace: Path, outside: Path) -> None:
        _write(workspace, BASE_NAME, valid)
        os.chmod(workspace / "scenarios" / BASE_NAME, 0)

    def read_only(workspace: Path, outside: Path) -> None:
        _write(workspace, BASE_NAME, valid)
        os.chmod(workspace / "scenarios" / BASE_NAME, 0o444)

    def reports_is_a_file(workspace: Path, outside: Path) -> None:
        _write(workspace, BASE_NAME, valid)
        (workspace / "reports").rmdir()
        (workspace / "reports").write_bytes(b"not a folder\n")

    def settings_folder(workspace: Path, outside: Path) -> None:
        _write(workspace, BASE_NAME, valid)
        (workspace / "vane.yaml").mkdir()

    def hidden_only(workspace: Path, outside: Path) -> None:
        _write(workspace, f".{BASE_NAME}", b"question: [broken\n")
        _write(workspace, BASE_NAME, valid)

    return [
        case("empty-file", writes(b""), REJECT),
        case("whitespace-only", writes(b"   \n\n\t\n"), REJECT),
        case("comment-only", writes(b"# nothing here\n"), REJECT),
        case("folder-named-yaml", folder, REJECT),
        case("symlink-to-outside-file", symlink_outside, EITHER),
        case("relative-symlink-to-outside-file", symlink_outside_relative, EITHER),
        case("dangling-symlink", symlink_dangling, REJECT),
        case("symlink-loop", symlink_loop, REJECT),
        case("symlink-to-dev-zero", symlink_device, REJECT),
        case("symlink-to-folder", symlink_folder, REJECT),
        case("fifo", fifo, REJECT),
        case("hard-link-to-outside-file", hard_link_outside, EITHER),
        case("unreadable-chmod-000", unreadable, REJECT, needs_non_root=True),
        case("read-only-file", read_only, EITHER, may_fail=frozenset({"add"})),
        case("file-of-5-mb", writes(text(big)), REJECT),
        case("reports-is-a-file", reports_is_a_file, ACCEPT, may_fail=frozenset({"report"})),
        case("vane-yaml-is-a-folder", settings_folder, REJECT, named=("vane.yaml",), workspace_only=True),
        case("hidden-broken-file-beside", hidden_only, ACCEPT),
    ]


def content_cases() -> list[Case]:
    def case(name: str, content: str, expect: str = EITHER, **more) -> Case:
        return Case(f"content-{name}", "content", text(content), expect, **more)

    # A story is an id (vane add --story takes only letters, digits, '.', '_', '-'): one ending in a newline
    # would silently split e4 from e10's story and count the same evidence twice.
    e4_story = "story: winter-energy-strikes\n"
    return [
        case("evidence-id-trailing-newline", in_item("e9", "- id: e9", r'- id: "e9\n"'), REJECT),
        case("indicator-id-trailing-newline", swap("- id: i1", r'- id: "i1\n"'), REJECT),
        case("story-trailing-newline", swap(e4_story, r'story: "winter-energy-strikes\n"' + "\n"), REJECT),
        case("scenario-id-trailing-newline", swap("  deal: >-\n", '  "deal\\n": >-\n'), REJECT),
        case("scenario-id-homoglyph", swap("  deal: >-\n", "  dеal: >-\n"), REJECT),
        case("scenario-id-zero-width", swap("  deal: >-\n", "  de\u200bal: >-\n"), REJECT),
        case("script-in-summary", place("summary", "<script>alert(1)</script>"), ACCEPT),
        case("img-onerror-in-title", place("title", "<img src=x onerror=alert(1)>"), ACCEPT),
        case("javascript-link-in-source", place("source", "[x](javascript:alert(1))"), ACCEPT),
        case("table-pipes-in-summary", place("summary", " | col | col |"), ACCEPT),
        case("table-pipes-in-scenario", place("scenario", "| a | b |"), ACCEPT),
        case("markdown-heading-in-summary", place("summary", r"\n\n# Fake heading\n\n| a | b |\n|---|---|"), ACCEPT),
        case("html-in-indicator", place("indicator", "</td></tr></table><h1>x</h1>"), ACCEPT),
        case("jinja-in-summary", place("summary", "{{ 7*7 }}{% raw %}"), ACCEPT, report_must_contain=("{{ 7*7 }}{% raw %}",)),
        case("csv-formula-in-summary", place("summary", "=cmd|' /C calc'!A0"), ACCEPT),
        case("javascript-url", in_item("e9", "    grade: C2\n", "    grade: C2\n    url: javascript:alert(1)\n"), REJECT),
        case("summary-100kb-line", place("summary", "x" * 100_000), EITHER),
        case("two-documents", BASE + "---\nquestion: again\n", REJECT),
        case("document-end-then-junk", BASE + "...\n%%% junk\n", EITHER),
        case("yaml-directive-1-1", "%YAML 1.1\n---\n" + BASE, EITHER),
        case("yaml-directive-9-9", "%YAML 9.9\n---\n" + BASE, EITHER),
        case("not-a-mapping", "- just\n- a list\n", REJECT),
        case("scalar-document", "just text\n", REJECT),
    ]


CASES: list[Case] = [
    *control_cases(), *bidi_cases(), *tag_cases(), *alias_cases(), *nesting_cases(), *encoding_cases(),
    *nul_cases(), *line_ending_cases(), *number_cases(), *date_cases(), *duplicate_cases(),
    *file_name_cases(), *file_system_cases(), *content_cases(),
]
assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
