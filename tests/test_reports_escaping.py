"""The weekly report with hostile text everywhere: ids, file names, titles, evidence, forecasters, broken files.

Every value from user data must be inert in ``report.md`` (no link, image, HTML,
table cell, heading, list or emphasis comes from it; ``<`` shows as ``\\<``,
never ``&lt;``) and safe in ``report.html`` attributes; only http(s) addresses
become links; control and bidi characters show as visible escapes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import structs

from model.base.errors import Problem
from model.base.textsafe import BIDI_CONTROLS, visible
from model.engine.parameters import Parameters
from model.fileformat.log_entry import LoggedForecast
from model.fileformat.question import Question
from model.reports.render import (
    md_escape,
    one_line,
    render_markdown,
    safe_names,
    safe_url,
    write_report,
)
from model.reports.weekly import Week, build_report
from model.workspace.loader import load_question_text
from tests.helpers import TALKS

NOW = dt.datetime(2025, 6, 13, 12, 0, tzinfo=dt.timezone.utc)
WEEK = Week.of(NOW.date())  # 2025-W24, 9 to 15 June
GOOD_URL = "https://ok.example/a_b*c?x=1&y=(2)"
GOOD_HREF = "https://ok.example/a_b*c?x=1&y=%282%29"
BAD_URLS = ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "ht\ttps://evil.example", "data:text/html,<script>alert(1)</script>",
            "//evil.example/x", "ftp://files.example/x", "mailto:someone@example.org")
ESCAPES = "\x1b[31m \x00 \x7f \x85 \x9b \u202e \u2066 \u200f \u061c"  # controls (C0, DEL, C1) and bidi characters
FILE_ID = "| x | [a](javascript:alert(1))"  # the file '| x | [a](javascript:alert(1)).yaml'
IMG_ID = "<img src=x onerror=alert(1)>"  # the file '<img src=x onerror=alert(1)>.yaml'
PATH_ID = "../../outside"  # not a file name, but ids also come from imports
CLOSED_ID = "`closed` <script>alert(1)</script>"
RESOLVED_ID = "resolved <b>|</b>"


def hostile(tag: str) -> str:
    """Every kind of markup, as text a user could type (no entity: '&lt;' must never appear in the Markdown)."""
    return (f"{tag} <script>alert(1)</script> <img src=x onerror=alert(2)> [a](javascript:alert(3)) "
            f"![i](javascript:alert(4)) [r] | cell | `code` *em* _em_ ~~gone~~ # h <b>bold</b> AT&T "
            f"me@example.org ftp://files.example/x {ESCAPES} end\\")


MULTILINE = "First line\n# Injected heading\n<div onclick=alert(5)>block</div>\n- item\n1. one\n> quote\n---\n[r]: javascript:alert(6)\n\n| a | b |\n|---|---|"

BASE = TALKS + """\
  - id: e3
    date: 2025-06-10
    summary: x3
    url: https://example.org
    ratings: {deal: "++", ceasefire: "0", stall: "-"}
  - id: e4
    date: 2025-06-11
    summary: x4
    ratings: {deal: "-", ceasefire: "+", stall: "0"}
  - id: e5
    date: 2025-06-12
    summary: x5
    ratings: {deal: "0", ceasefire: "-", stall: "+"}
indicators:
  - id: i1
    description: x
    due: 2025-09-30
    probabilities: {deal: 0.9, ceasefire: 0.5, stall: 0.1}
  - id: i2
    description: x
    due: 2025-05-01
    probabilities: {deal: 0.8, ceasefire: 0.5, stall: 0.2}
"""
SCENARIOS = {"deal": "deal <img src=x onerror=alert(7)>", "ceasefire": "[c](javascript:alert(8)) | c", "stall": "-- # stall *\u202e"}


def hostile_question(qid: str, text: str = BASE) -> Question:
    """A valid question loaded from YAML, then given hostile text in every field the report shows."""
    question, problems = load_question_text(text, Path("scenarios/plain.yaml"))
    assert question is not None, problems

    def rename(mapping):
        return {SCENARIOS[key]: value for key, value in mapping.items()}

    urls = {"e1": BAD_URLS[2], "e2": BAD_URLS[3], "e3": BAD_URLS[0], "e4": BAD_URLS[1], "e5": GOOD_URL}  # e3-e5 are this week's
    evidence = tuple(structs.replace(
        item, summary=hostile(f"summary {item.id}"), source=hostile("source"), story=hostile(f"story {item.id}"),
        analyst=hostile("analyst"), units=rename(item.units), url=urls[item.id])
        for item in question.evidence)
    indicators = tuple(structs.replace(item, description=hostile(f"indicator {item.id}") + "\n" + MULTILINE,
                                           probabilities=rename(item.probabilities)) for item in question.indicators)
    resolution = question.resolution and structs.replace(
        question.resolution, outcome=SCENARIOS[question.resolution.outcome], note=hostile("note"), url=BAD_URLS[0])
    return dataclasses.replace(
        question, id=qid, path=f"scenarios/{qid}.yaml", title=hostile("title"), description=MULTILINE,
        scenarios=tuple(structs.replace(s, id=SCENARIOS[s.id], description=hostile(f"scenario {s.id}"))
                        for s in question.scenarios),
        prior=structs.replace(question.prior, probabilities=rename(question.prior.probabilities)),
        evidence=evidence, indicators=indicators, resolution=resolution)


BROKEN = (Problem("scenarios/<img src=x onerror=alert(9)>.yaml", 3, "scenario id '| x | [a](javascript:alert(10))' is bad " + ESCAPES),
          Problem("scenarios/\u202egnp.yaml", 1, "file is empty"))


def hostile_report(broken=BROKEN):
    questions = [
        hostile_question(FILE_ID), hostile_question(IMG_ID), hostile_question(PATH_ID),
        hostile_question(CLOSED_ID, BASE.replace("closes: 2025-12-31", "closes: 2025-06-12").replace("due: 2025-09-30", "due: 2025-06-12")),
        hostile_question(RESOLVED_ID, BASE + "\nresolution:\n  scenario: stall\n  date: 2025-05-01\n  note: x\n"),
    ]
    stated = dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)
    log = [LoggedForecast(stated, RESOLVED_ID, hostile("forecaster"), {SCENARIOS["deal"]: 0.2, SCENARIOS["ceasefire"]: 0.3,
                                                                      SCENARIOS["stall"]: 0.5}, "stated", "x", recorded=stated)]
    report = build_report(questions, Parameters.face_value(), WEEK, log, NOW)
    assert [entry.question.id for entry in report.questions] == [FILE_ID, IMG_ID, PATH_ID]
    assert [q.id for q in report.awaiting_resolution] == [CLOSED_ID] and report.track_record is not None
    return dataclasses.replace(report, broken=broken)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "reports" / WEEK.label
    write_report(hostile_report(), folder)
    return folder, (folder / "report.md").read_text(encoding="utf-8"), (folder / "report.html").read_text(encoding="utf-8")


SAFE_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
HIDDEN = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc" and chr(c) != "\n"] + sorted(BIDI_CONTROLS)


def unescaped(line: str) -> list[str]:
    """The characters of a Markdown line that are not backslash-escaped."""
    return [token for token in re.findall(r"\\.|.", line) if not token.startswith("\\") or len(token) == 1]


# --- Markdown ---


def test_no_link_image_or_html_comes_from_user_text(written):
    _, markdown, _ = written
    links = re.findall(r"\]\(([^)]*)\)", "".join("".join(unescaped(line)) + "\n" for line in markdown.splitlines()))
    assert links and all(re.fullmatch(rf"#{SAFE_NAME}|charts/{SAFE_NAME}\.png|{re.escape(GOOD_HREF)}", link) for link in links), links
    assert "javascript:" not in " ".join(links) and f"[link]({GOOD_HREF})" in markdown
    for line in markdown.splitlines():
        if line.startswith("<"):  # the only raw HTML: our own anchors
            assert re.fullmatch(rf'<a id="{SAFE_NAME}"></a>', line), line
        else:
            text = unescaped(line.replace(f"[link]({GOOD_HREF})", ""))
            assert "<" not in text and "&" not in text, line
    assert re.search(r"(?<!\\)<(img|script|b|div)\b", markdown) is None
    assert "\\<script\\>alert(1)\\</script\\>" in markdown and "\\<img src=x onerror=alert(2)\\>" in markdown


def test_markdown_shows_what_the_user_wrote_not_html_entities(written):
    _, markdown, _ = written
    assert "&lt;" not in markdown and "&gt;" not in markdown and "&amp;" not in markdown
    assert "AT\\&T" in markdown and "me\\@example.org" in markdown and "ftp\\://files.example" in markdown


def test_table_rows_keep_their_cells_and_values_start_no_block(written):
    _, markdown, _ = written
    lines = markdown.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("|") and not lines[number - 1].startswith("|"):  # a table's header row
            columns = unescaped(line).count("|")
            for row in lines[number:]:
                if not row.startswith("|"):
                    break
                assert unescaped(row).count("|") == columns, row
    headings = [line for line in lines if line.startswith("#")]
    assert len(headings) == 1 + 7 + 3 and all("Injected" not in h for h in headings), headings
    for block in ("# Injected", "<div", "- item", "1. one", "> quote", "---", "[r]:", "| a | b |"):
        assert not any(line.startswith(block) for line in lines), block
    assert "First line \\# Injected heading \\<div onclick=alert(5)\\>block\\</div\\> - item 1. one \\> quote --- \\[r\\]: javascript:alert(6) \\| a \\| b \\| \\|---\\|---\\|" in markdown


def test_control_and_bidi_characters_are_visible_escapes(written):
    _, markdown, page = written
    for text in (markdown, page):
        assert [c for c in HIDDEN if c in text] == []
    assert "\\\\x1b\\[31m \\\\x00 \\\\x7f \\\\x85 \\\\x9b \\\\u202e \\\\u2066 \\\\u200f \\\\u061c" in markdown
    assert "\\x1b[31m \\x00 \\x7f \\x85 \\x9b \\u202e \\u2066 \\u200f \\u061c" in page


def test_markdown_renders_to_text_only(written):
    markdown_it = pytest.importorskip("markdown_it")
    _, markdown, _ = written
    rendered = Tags(images=rf"charts/{SAFE_NAME}\.png")
    rendered.feed(markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown))
    assert set(rendered.tags) <= {"h1", "h2", "p", "blockquote", "strong", "em", "code", "ul", "li", "table", "thead", "tbody",
                                  "tr", "th", "td", "a", "img"}, set(rendered.tags)
    assert rendered.tags.count("img") == 3 and rendered.tags.count("h2") == 10
    assert not rendered.bad, rendered.bad
    text = "".join(rendered.text)
    assert "<script>alert(1)</script> <img src=x onerror=alert(2)> [a](javascript:alert(3))" in text  # shown, not dropped
    assert "| cell | `code` *em* _em_ ~~gone~~ # h <b>bold</b> AT&T me@example.org" in text


def test_chart_files_and_anchors_are_safe_names_inside_the_folder(written):
    folder, markdown, page = written
    files = sorted(path.relative_to(folder.parent.parent).as_posix() for path in folder.parent.parent.rglob("*") if path.is_file())
    charts = [name for name in files if name.startswith(f"reports/{WEEK.label}/charts/")]
    assert len(files) == 5 and len(charts) == 3, files
    assert all(re.fullmatch(rf"reports/{WEEK.label}/charts/{SAFE_NAME}\.png", name) for name in charts)
    for name in charts:
        assert f"charts/{name.rsplit('/', 1)[1]}" in markdown and "charts/" not in page  # the page holds its charts
    assert page.count('src="data:image/png;base64,') == 3


# --- HTML ---


class Tags(HTMLParser):
    """Tags, attributes and text of a page; ``bad`` collects anything that could run or leave the page."""

    def __init__(self, images: str = r"data:image/png;base64,[A-Za-z0-9+/]+=*"):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.bad = [], [], []
        self.images = images  # the page holds its charts; the Markdown links their files

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        allowed = {"href": rf"#{SAFE_NAME}|{re.escape(GOOD_HREF)}", "src": self.images, "id": SAFE_NAME}
        for name, value in attrs:
            value = value or ""
            running = name.startswith("on") or tag in ("script", "iframe", "object", "embed", "base", "form")
            user_text = name in ("alt", "title", "style", "class") and re.search(r"alert|<|\\[ux]", value)  # none in attributes
            if running or user_text or (name in allowed and not re.fullmatch(allowed[name], value)):
                self.bad.append((tag, name, value))

    def handle_data(self, data):
        self.text.append(data)


def test_html_attributes_hold_only_safe_names_and_http_links(written):
    _, _, page = written
    parsed = Tags()
    parsed.feed(page)
    assert not parsed.bad, parsed.bad
    assert "script" not in parsed.tags and parsed.tags.count("img") == 3
    assert f'href="{GOOD_HREF.replace("&", "&amp;")}"' in page and "javascript:alert(1))</span>" in page  # a bad address: text, never a link
    text = "".join(parsed.text)
    assert "<img src=x onerror=alert(2)> [a](javascript:alert(3))" in text and "AT&T" in text


# --- the files left out ---


def test_broken_files_are_listed_first_and_escaped(written):
    _, markdown, page = written
    assert markdown.index("## Questions left out of this report") < markdown.index("## Open questions")
    assert "- scenarios/\\<img src=x onerror=alert(9)\\>.yaml:3: scenario id '\\| x \\| \\[a\\](javascript:alert(10))' is bad" in markdown
    assert "- scenarios/\\\\u202egnp.yaml:1: file is empty" in markdown
    assert page.index("Questions left out of this report") < page.index("Open questions</h2>")
    assert "<li>scenarios/&lt;img src=x onerror=alert(9)&gt;.yaml:3: scenario id" in page
    assert "<li>scenarios/\\u202egnp.yaml:1: file is empty</li>" in page


def test_no_broken_section_without_broken_files(tmp_path: Path):
    report = hostile_report(broken=())
    names = safe_names(entry.question.id for entry in report.questions)
    markdown = render_markdown(report, {qid: f"{name}.png" for qid, name in names.items()})
    assert "left out" not in markdown


# --- the pieces ---


def test_visible_escapes_every_control_and_bidi_character():
    assert visible("a\x1bb") == "a\\x1bb" and visible("\n\t") == "\\x0a\\x09" and visible("\x85\x9f") == "\\x85\\x9f"
    assert visible("\u202e\u2066\u200e\u061c") == "\\u202e\\u2066\\u200e\\u061c"
    for char in HIDDEN + ["\n"]:
        assert visible(char) == (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
    kept = "plain \\ text, é, 中文, \u200b zero width, \u00a0 nbsp, \u2028, 🙂"
    assert visible(kept) == kept


@given(st.text())
def test_visible_leaves_nothing_hidden_and_is_stable(text):
    shown = visible(text)
    assert not any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in shown)
    assert visible(shown) == shown


MARKUP = st.text(st.sampled_from(list("<>&|[]()!*_`~#-+=:./\\@ \n\t\r1a\x1b\u202e\u2028")) | st.characters(), max_size=40)


@settings(max_examples=300, deadline=None)
@given(MARKUP)
def test_md_escape_is_plain_text_in_every_place_a_template_puts_it(text):
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    escaped = md_escape(text)
    expected = " ".join(one_line(text).split())
    assert "\n" not in escaped and "&lt;" not in escaped
    if not expected:
        return
    for before, after, blocks in (("", "", ["paragraph"]), ("- ", "", ["bullet_list", "list_item", "paragraph"]),
                                  ("## ", "", ["heading"]), ("> x ", "", ["blockquote", "paragraph"]),
                                  ("| h |\n|---|\n| ", " |", ["table", "thead", "tr", "th", "tbody", "tr", "td"])):
        tokens = parser.parse(before + escaped + after)
        opened = [t.type.removesuffix("_open") for t in tokens if t.nesting == 1]
        assert opened == blocks, (before, escaped, opened)
        inline = [t for t in tokens if t.type == "inline"][-1]
        assert {child.type for child in inline.children} <= {"text", "text_special"}, (before, escaped, inline.children)
        content = "".join(child.content for child in inline.children)
        assert content == (f"x {expected}" if before == "> x " else expected), (before, escaped)


def test_only_http_addresses_become_links():
    assert safe_url("https://ok.example/a b(c)<d>\"e\\") == "https://ok.example/a%20b%28c%29%3Cd%3E%22e%5C"
    assert safe_url(" HTTP://ok.example/?a=1&b=2 ") == "HTTP://ok.example/?a=1&b=2"
    for url in (*BAD_URLS, "", None, "https:ok.example", "\x01https://ok.example", "\u202ehttps://ok.example"):
        assert safe_url(url) is None, url


def test_safe_names_are_distinct_plain_and_keep_plain_ids():
    ids = ["talks", "Talks", FILE_ID, IMG_ID, PATH_ID, "a" * 101, "..", "x.y_z-1", "<img src=x onerror=alert(2)>"]
    names = safe_names(ids)
    assert names["talks"] == "talks" and names["x.y_z-1"] == "x.y_z-1"
    assert len({name.casefold() for name in names.values()}) == len(ids)
    assert all(re.fullmatch(SAFE_NAME, name) and len(name) <= 100 for name in names.values())
