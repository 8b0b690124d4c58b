"""The report in a real browser: headless Chromium (Debian's package) driven by playwright.

Skips, saying how to install it, where Chromium is missing. With FGD_UPDATE_SCREENSHOTS=1 the
screenshots of the sample study are written to docs/ (as shown in the README).
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from fgd_toolkit import load_results
from fgd_toolkit.report import write_report

from .conftest import ROOT

CHROMIUM = Path(os.environ.get("FGD_CHROMIUM", "/usr/bin/chromium"))
INSTALL = "apt-get update && apt-get install -y chromium chromium-driver"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS = ROOT / "docs"


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"Chromium not found at {CHROMIUM}: install it with `{INSTALL}` (as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture(scope="module")
def browser(written_results, tmp_path_factory):
    """The sample study's report open in headless Chromium, with what it logged and fetched."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser")
    files = write_report(written_results, folder / "report.html")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900})
        page = context.new_page()
        events = {"errors": [], "requests": []}
        page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error"
                else None)
        page.on("pageerror", lambda e: events["errors"].append(str(e)))
        page.on("request", lambda r: events["requests"].append(r.url))
        page.goto(files.html.as_uri(), wait_until="load")
        page.wait_for_selector("html[data-ready]")
        yield page, events, files, load_results(written_results), folder
        context.close()


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def _cell_quotes(result, code_id: str, transcript_id: str, polarity: str) -> set[str]:
    codings = result.codings_for_reading()
    mine = codings[(codings["code_id"] == code_id) & (codings["transcript_id"] == transcript_id)
                   & (codings["polarity"] == polarity)]
    return {"\u201c" + " ".join(t.split()) + "\u201d" for t in mine["text"]}


def test_report_renders_without_console_errors_or_network_requests(browser):
    page, events, files, _, folder = browser
    shot = folder / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = _png_size(shot)
    assert width == 1280 and height > 3000
    assert page.title().startswith("Laporan Analisis FGD")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("table.heat").count() == 3
    assert events["errors"] == []
    assert events["requests"] == [files.html.as_uri()]      # the file itself, nothing else


def test_clicking_a_heatmap_cell_shows_its_quotes_with_speaker_turn_score_and_evidence(browser):
    page, events, _, result, _ = browser
    cell = page.locator("table[data-kind=t] td[data-r]").filter(has_text="3").first
    r, c, d = (cell.get_attribute(a) for a in ("data-r", "data-c", "data-d"))
    cell.click()
    items = page.locator("#panel-t li")
    assert items.count() == 3
    code_id = result.codebook.ids[int(r)]
    transcript_id = sorted(result.passages["transcript_id"].unique())[int(c)]
    polarity = {"e": "enabler", "b": "barrier"}[d]
    shown = set(page.locator("#panel-t li blockquote").all_inner_texts())
    assert shown == _cell_quotes(result, code_id, transcript_id, polarity)
    meta = page.locator("#panel-t li .meta").first.inner_text()
    assert "giliran" in meta and "skor" in meta and transcript_id in meta
    assert "mesin, belum ditinjau" in meta                 # machine coding nobody reviewed
    assert page.locator("#panel-t li .evidence").first.inner_text().startswith("bukti:")
    assert page.locator("#panel-t h3").inner_text().endswith("3 kutipan")
    assert events["errors"] == []


def test_keyboard_alone_reaches_a_cell_and_opens_it_with_enter(browser):
    page, events, _, result, folder = browser
    page.goto(page.url.split("#")[0])
    page.wait_for_selector("html[data-ready]")
    for _ in range(40):                                     # Tab to the contents link ...
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#per-fgd":
            break
    else:
        pytest.fail("the contents link to the per-FGD heatmap is not reachable with Tab")
    page.keyboard.press("Enter")                            # ... follow it, Tab into the grid
    page.keyboard.press("Tab")
    active = page.evaluate("[document.activeElement.closest('table')?.dataset.kind,"
                           " document.activeElement.dataset.r, document.activeElement.dataset.c]")
    assert active == ["t", "0", "0"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"                                # the focus is visible
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("[document.activeElement.dataset.r, document.activeElement.dataset.c,"
                            " document.activeElement.dataset.d, document.activeElement.textContent]")
    second_row = page.locator("table[data-kind=t] tbody tr:has(td[data-r])").nth(1)
    assert focused[:3] == [second_row.locator("td").first.get_attribute("data-r"), "0", "b"]
    page.keyboard.press("Enter")
    expected = int(focused[3] or 0)
    assert page.locator("#panel-t li").count() == min(expected, 25)
    if expected:
        code_id = result.codebook.ids[int(focused[0])]
        transcript_id = sorted(result.passages["transcript_id"].unique())[0]
        shown = set(page.locator("#panel-t li blockquote").all_inner_texts())
        assert shown == _cell_quotes(result, code_id, transcript_id, "barrier")
    page.keyboard.press("Escape")
    assert page.locator("#panel-t li").count() == 0
    assert events["errors"] == []
    if os.environ.get("FGD_UPDATE_SCREENSHOTS"):
        _docs_screenshots(page)


def test_a_brief_statement_opens_all_its_quotes(browser):
    page, events, _, result, _ = browser
    button = page.locator("#brief button[data-open=statement]").first
    code_id = result.codebook.ids[int(button.get_attribute("data-r"))]
    polarity = {"e": "enabler", "b": "barrier"}[button.get_attribute("data-d")]
    n = int(((result.codings["code_id"] == code_id)
             & (result.codings["polarity"] == polarity)).sum())
    button.click()
    panel = page.locator("#" + button.get_attribute("aria-controls"))
    assert panel.locator("li").count() == min(n, 25)
    assert button.get_attribute("aria-expanded") == "true"
    assert events["errors"] == []


def test_report_prints_to_pdf(browser):
    page, _, _, _, folder = browser
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 8 <= pages <= 60


def _docs_screenshots(page) -> None:
    """docs/report-*.png from the sample study (FGD_UPDATE_SCREENSHOTS=1)."""
    DOCS.mkdir(exist_ok=True)

    def shoot(selector: str, name: str, height: int) -> None:
        # scroll the element to the top of a tall viewport, then clip it: sections far from
        # the viewport are laid out only when near (content-visibility), so measure after
        page.set_viewport_size({"width": 1280, "height": height + 64})
        page.evaluate(f"document.querySelector('{selector}').scrollIntoView()")
        page.evaluate("window.scrollBy(0, -16)")
        page.wait_for_timeout(200)
        box = page.evaluate(f"(() => {{ const r = document.querySelector('{selector}')"
                            ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()")
        page.screenshot(path=str(DOCS / name), clip={
            "x": max(box[0] - 16, 0), "y": max(box[1] - 16, 0), "width": box[2] + 32,
            "height": min(box[3], height) + 32})

    page.goto(page.url.split("#")[0])
    page.wait_for_selector("html[data-ready]")
    page.screenshot(path=str(DOCS / "report-summary.png"))
    shoot("#brief .brief", "report-brief.png", 1100)
    page.locator("table[data-kind=t] td[data-r]").filter(has_text="5").first.click()
    shoot("#per-fgd", "report-heatmap.png", 1500)
    page.set_viewport_size({"width": 1280, "height": 900})
