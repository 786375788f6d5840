"""Both pages in a real headless Chromium (Debian's package, driven by Playwright through executable_path).

`make test` installs Chromium first (`make chromium`). Screenshots go to $SCOMM_TEST_ARTIFACTS, else
artifacts/tests/ in the repository (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scomm_nlp.viz.report import write_report

from .conftest import IMG_PAYLOAD, SCRIPT_PAYLOAD, archive_tables, make_analysis, write_archive

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _chromium() -> str:
    for candidate in (os.environ.get("SCOMM_CHROMIUM"), "chromium", "chromium-browser"):
        path = candidate and shutil.which(candidate)
        if path:
            return path
    pytest.fail("no chromium on PATH: run `make chromium` (apt-get install chromium), or set SCOMM_CHROMIUM")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("SCOMM_TEST_ARTIFACTS") or REPO / "artifacts" / "tests")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Watched:
    """A page with every console error, page error, dialog and non-file request recorded."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url) if not r.url.startswith("file:") else None)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path):
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page

    def assert_clean(self):
        self.page.wait_for_timeout(300)  # give anything that was injected a moment to run
        assert self.dialogs == [], "a script from the data ran"
        assert self.problems == []
        assert self.requests == [], "the page reached for the network"


def test_show_page_in_chromium(browser, artifacts, tmp_path):
    path = tmp_path / "view.html"
    path.write_text(make_analysis().to_html(title=f"View {SCRIPT_PAYLOAD}"), encoding="utf-8")
    watched = Watched(browser)
    page = watched.open(path)
    assert page.locator("mark.ent").count() == 5
    assert page.locator("li.stance").count() == 3
    assert SCRIPT_PAYLOAD in page.locator(".text").inner_text()
    assert IMG_PAYLOAD in page.locator(".text").inner_text()
    assert page.locator("h1").inner_text() == f"View {SCRIPT_PAYLOAD}"
    assert page.locator("img").count() == 0 and page.locator("script").count() == 1
    first = page.locator("#stance-1")
    actor_id = first.get_attribute("data-actor")
    first.hover()
    assert "hl" in page.locator(f"#{actor_id}").get_attribute("class").split()
    page.locator("#stance-3 a").last.click()  # the target link jumps to the second "Illinois"
    assert page.evaluate("document.querySelector(':target').textContent") == "IllinoisJURISDICTION"
    page.screenshot(path=str(artifacts / "show.png"), full_page=True)
    watched.assert_clean()
    watched.page.close()


def test_report_page_in_chromium(browser, artifacts, tmp_path):
    path = write_report(write_archive(tmp_path / "results"), tmp_path / "report.html")
    watched = Watched(browser)
    page = watched.open(path)
    page.wait_for_selector(".chart[data-rendered=true] >> nth=2", timeout=30_000)
    assert page.locator(".chart[data-rendered=true] svg").count() == 3
    tiles = page.locator("#chart-map svg g.layer_0_marks path")
    filled = page.locator("#chart-map svg g.layer_1_marks path")
    assert tiles.count() == 52 and filled.count() == 3
    fills = {p.get_attribute("aria-label").split("state: ")[1].split(";")[0]: p.get_attribute("fill")
             for p in filled.all()}
    assert set(fills) == {"Illinois", "California", "Texas"} and fills["Illinois"] == "rgb(214, 40, 40)"
    assert page.locator("#chart-timeline svg g.mark-rect path").count() == 5
    assert page.locator("#chart-actors svg g.mark-rect path").count() == 10
    filled.first.scroll_into_view_if_needed()
    box = filled.first.bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert "Chicago (+1/-0); Cook County (+0/-1)" in tooltip.inner_text()

    rows = page.locator("#evidence-table tbody tr")
    shown = page.locator("#evidence-shown")
    assert rows.count() == 10 and shown.inner_text() == "10" and page.locator("#evidence-more").is_hidden()
    quinn = page.locator("#evidence-table tbody tr", has_text="Quinn pulls out").first
    assert quinn.locator("a").get_attribute("href") == "https://example.org/news/quinn"
    cook = page.locator("#evidence-table tbody tr", has_text="stop honoring detainers")
    assert cook.locator("a").count() == 0  # its javascript: URL is not a link
    assert SCRIPT_PAYLOAD in page.locator("#evidence-table").inner_text()
    assert IMG_PAYLOAD in page.locator("#evidence-table").inner_text()
    search = page.locator("#evidence-search")
    search.fill("mandatory")
    page.wait_for_function("document.getElementById('evidence-shown').textContent === '1'")
    assert rows.count() == 1 and "ICE said participation is mandatory" in rows.first.inner_text()
    search.fill("QUINN withdraw")
    page.wait_for_function("document.getElementById('evidence-shown').textContent === '2'")
    assert rows.count() == 2
    search.fill("")
    page.wait_for_function("document.getElementById('evidence-shown').textContent === '10'")
    assert rows.count() == 10
    assert page.locator("img").count() == 0
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    watched.assert_clean()
    watched.page.close()


def test_evidence_table_pages_long_archives(browser, tmp_path):
    tables = archive_tables()
    base = tables["stances"][0][0]
    tables["stances"] = [[{**base, "evidence": f"Sentence number {i}.", "evidence_start": i} for i in range(450)]]
    path = write_report(write_archive(tmp_path / "results", tables), tmp_path / "report.html")
    watched = Watched(browser)
    page = watched.open(path)
    rows, more = page.locator("#evidence-table tbody tr"), page.locator("#evidence-more")
    assert rows.count() == 200 and page.locator("#evidence-shown").inner_text() == "450"
    more.click()
    assert rows.count() == 400
    more.click()
    assert rows.count() == 450 and more.is_hidden()
    page.locator("#evidence-search").fill("44")  # sentences 44, 144, 244, 344 and 440-449
    page.wait_for_function("document.getElementById('evidence-shown').textContent === '14'")
    assert rows.count() == 14 and more.is_hidden()
    watched.assert_clean()
    watched.page.close()
