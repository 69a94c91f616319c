"""Screenshots of the workbench's main pages for the README and docs/web.md.

    python docs/make_screenshots.py            # writes docs/screenshots/*.png

Starts `earlog serve`'s app on a free loopback port and drives Debian's chromium
through Playwright (the system browser; nothing is downloaded)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from earlog.web import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    srv = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        pg = b.new_page(viewport={"width": 1400, "height": 900})
        pg.set_default_timeout(30_000)
        pg.goto(url + "/")
        pg.click("#evaluate")
        pg.wait_for_selector(".verdict")
        pg.screenshot(path=str(OUT / "deal.png"), full_page=True)
        pg.click("button.conclusion:has-text('AIA not available')")
        pg.wait_for_selector("#why-panel svg")
        pg.locator("#why-panel").screenshot(path=str(OUT / "why.png"))
        pg.fill("#tier_country", "BR")
        pg.select_option("#tier_value", "1")
        pg.click("#compare")
        pg.wait_for_selector("#whatif-panel")
        pg.locator("#whatif-panel").screenshot(path=str(OUT / "whatif.png"))
        pg.goto(url + "/rulebook?q=740.27")
        pg.screenshot(path=str(OUT / "rulebook.png"))
        pg.goto(url + "/screen")
        pg.set_input_files("#orders", str(ROOT / "queries/orders/sample_orders.csv"))
        pg.set_input_files("#base", str(ROOT / "queries/orders/base.json"))
        pg.click("#run-screen")
        pg.wait_for_selector("#download", timeout=120_000)
        pg.screenshot(path=str(OUT / "screen.png"), full_page=True)
        b.close()
    srv.should_exit = True
    for f in sorted(OUT.glob("*.png")):
        print(f.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
