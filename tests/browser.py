"""A page opened in a real browser (Debian's headless Chromium through Playwright), as a reader would see it.

``open_alone`` copies an HTML page alone into another folder (nothing beside
it), opens it at a phone's and a desk's width, and checks what every page we
write must do there: every image shown, nothing loaded but the page, no
sideways scrolling, no heading or cell squeezed to one word a line. A full
screenshot of each width is left in the test's folder. Tests using it skip
without Playwright or Chromium (``.ci/run`` installs Chromium).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

WIDTHS = (420, 1280)  # a phone, a desk


FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


# Per visible heading, cell or list item of three words or more: its words and the lines they take (text boxes
# whose tops differ by more than half a line). One word a line is a column squeezed too narrow.
WRAPPING = """() => Array.from(document.querySelectorAll('h1, h2, h3, th, td, li')).flatMap(el => {
  const box = el.getBoundingClientRect();
  const words = el.innerText.trim().split(/\\s+/).filter(Boolean).length;
  if (box.width < 5 || box.height < 5 || words < 3) return [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const tops = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) if (rect.width > 0) tops.push(rect.top);
  }
  tops.sort((a, b) => a - b);
  const half = parseFloat(getComputedStyle(el).fontSize) * 0.6;
  const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > half).length;
  return [[el.tagName, el.innerText.trim().slice(0, 60), words, lines]];
})"""


def chromium() -> str | None:
    """The Chromium on this machine, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def open_alone(page_path: Path, folder: Path, widths=WIDTHS):
    """Yield (page, width) for ``page_path`` copied alone into ``folder``/elsewhere, opened at each width and
    checked as the module says; ``page.images`` holds each image's source start and whether it was shown."""
    playwright = pytest.importorskip("playwright.sync_api")
    browser_path = chromium()
    if browser_path is None:
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    alone = folder / "elsewhere" / page_path.name
    alone.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(page_path, alone)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_path, args=FLAGS)
        try:
            for width in widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                requests = []
                page.on("request", lambda request, seen=requests: seen.append(request.url))
                page.goto(alone.as_uri())
                page.wait_for_load_state("load")
                page.images = page.evaluate(
                    "Array.from(document.images).map(i => [i.src.slice(0, 22), i.complete && i.naturalWidth > 0])")
                assert all(shown for _, shown in page.images), page.images
                assert requests == [alone.as_uri()], requests  # the page and nothing else
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                squeezed = [found for found in page.evaluate(WRAPPING) if found[3] >= found[2]]
                assert not squeezed, squeezed
                yield page, width
                shot = folder / f"{page_path.stem}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                page.close()
        finally:
            browser.close()
