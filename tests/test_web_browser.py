"""End-to-end tests of the workbench in a real headless Chromium (Debian's `chromium`,
driven by Playwright's Python package with the system browser; nothing is downloaded).

A user types a deal and sees its verdict, opens a why-tree and expands it, flips a
reading and sees the highlighted change, searches the rulebook, and uploads a small
order book and downloads its report.  Skipped, with the reason, only when no
Chromium is installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for cand in (os.environ.get("EARLOG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):
        if cand and Path(cand).is_file():
            return cand
    return None


CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (install Debian's `chromium` package, "
                                                          "as .ci/run does, or set EARLOG_CHROMIUM)")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The workbench on a free loopback port, in a thread of this process."""
    import uvicorn

    from earlog.web import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(max_upload=2_000_000), log_level="warning"))
    t = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra's playwright package is missing")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any, server: str) -> Iterator[Any]:
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    pg.goto(server + "/")
    yield pg
    ctx.close()


DEAL = """\
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
transaction big_order {
  export 2,000 h100 from US to BR,
  consignee: nuvem, end_user: nuvem, end_use: inference, date: 2025-06-01,
  prior_notification: yes, prior_certification: yes
}
"""


def test_type_a_deal_and_see_its_verdict(page: Any) -> None:
    page.fill("#deal", DEAL)
    page.click("#evaluate")
    text = page.locator(".verdict-text").inner_text()
    assert text.startswith("Transaction big_order: export of 2,000 x h100 (3A090.a), US -> BR")
    # 2,000 x 15,832 = 31,664,000 TPP is over LPP's cap: a license, approval up to the allocation
    assert "Outcome: license required; reviewed under a presumption of approval" in text
    assert "lpp.within_cap" in text


def test_a_parse_error_is_shown_with_line_column_and_caret(page: Any) -> None:
    page.fill("#deal", DEAL.replace("consignee: nuvem,", "consignee nuvem,"))
    page.click("#evaluate")
    err = page.locator("#result .error").inner_text()
    assert err.startswith("earlog: error: deal:5:")
    assert "^" in page.locator("#result pre.caret").inner_text()
    # the editor selects the offending text: line 5, `consignee`
    selected = page.evaluate("() => { const d = document.getElementById('deal'); "
                             "return d.value.slice(d.selectionStart, d.selectionEnd); }")
    assert selected == "nuvem,"


def test_open_a_why_tree_and_expand_it(page: Any) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    page.click("#evaluate")  # the sample deal: LPP authorizes it
    page.click("button.conclusion:has-text('LPP available')")
    why = page.locator("#why-panel")
    assert why.locator("h2").first.inner_text() == "Why exception LPP available for nuvem_order"
    nodes = why.locator("svg g.node").count()
    assert nodes > 0
    page.click("#expand")
    page.wait_for_function(f"() => document.querySelectorAll('#why-panel svg g.node').length > {nodes}")
    page.click("button.conclusion:has-text('AIA not available')")
    page.wait_for_selector("#why-panel h3:has-text('Why not')")
    assert "aia.dest_tier1" in page.locator("#why-panel ul.failed").inner_text()


def test_why_not_then_ask_for_the_smallest_change(page: Any) -> None:
    page.fill("#deal", DEAL)
    page.click("#evaluate")
    page.click("button.conclusion:has-text('LPP not available')")
    page.wait_for_selector("#why-panel h3:has-text('Why not')")
    assert "lpp.within_cap" in page.locator("#why-panel ul.failed").inner_text()
    assert page.locator("#fix-result").count() == 0  # searched only when asked
    page.click("#fix-button")
    page.wait_for_selector("#fix-result")
    assert page.locator("#fix-result ul.changes li").all_inner_texts() == [
        "LPP would be available with a quantity of at most 1,699 (now 2,000)"]


def test_flip_a_reading_and_see_the_highlighted_change(page: Any) -> None:
    page.select_option("#assume-legal_status", "bis_non_enforcement")
    page.click("#compare")
    changed = page.locator("#whatif-panel li.changed-field").first
    assert changed.locator("code").inner_text() == "legal_status"
    assert changed.locator(".before").inner_text() == "as_published"
    assert changed.locator(".after").inner_text() == "bis_non_enforcement"
    row = page.locator("#whatif-panel tr.changed").first
    assert row.evaluate("r => getComputedStyle(r).backgroundColor") == "rgb(255, 243, 176)"
    # a tier change moves the verdict, with the rule that decides it
    page.select_option("#assume-legal_status", "as_published")
    page.fill("#tier_country", "BR")
    page.select_option("#tier_value", "1")
    page.click("#compare")
    page.wait_for_selector("#whatif-panel h3:has-text('tier BR = 1')")
    assert "by aia.available" in page.locator("#whatif-panel ul.changes").inner_text()


def test_search_the_rulebook(page: Any, server: str) -> None:
    page.goto(server + "/rulebook")
    page.fill("#q", "lpp.within_cap")
    page.wait_for_selector("#rule-count:has-text('match')")
    shown = page.locator("article.rule h4 code").all_inner_texts()
    assert "lpp.within_cap" in shown and "ear.in_united_states" not in shown
    assert page.url.endswith("/rulebook?q=lpp.within_cap")


def test_upload_a_book_and_download_its_report(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server + "/screen")
    page.set_input_files("#orders", str(ROOT / "queries/orders/sample_orders.csv"))
    page.set_input_files("#base", str(ROOT / "queries/orders/base.json"))
    page.click("#run-screen")
    page.wait_for_selector("#download", timeout=60_000)
    assert page.locator("#counts").inner_text() == "32 rows: 25 screened, 7 in error"
    assert "BR" in page.locator("#by-country").inner_text()
    with page.expect_download() as info:
        page.click("#download")
    target = tmp_path / "report.csv"
    info.value.save_as(target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# earlog ") and lines[1].startswith("row,id,")
    assert len(lines) == 2 + 32 and lines[2].split(",")[1] == "SO-1001"
    # a book over the server's limit (2,000,000 bytes here): the page says so
    big = tmp_path / "big.csv"
    big.write_bytes(b"id,kind\n" + b"x,export\n" * 250_000)
    page.set_input_files("#orders", str(big))
    page.click("#run-screen")
    page.wait_for_selector("#job .error:has-text('limit of 2,000,000 bytes')")
