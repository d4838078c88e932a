"""Captures the HTML that tests/shots/screens.shot.js rendered (miniprogram-simulate) in headless Chromium.

Usage (from miniprogram/): npm run screenshots   — or:  ../.venv/bin/python scripts/screenshots.py .shots ../docs/screenshots
"""
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

src, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium if Path(chromium).exists() else None)
    page = browser.new_page(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    for html in sorted(src.glob("miniprogram-*.html")):
        page.goto(html.resolve().as_uri())
        page.screenshot(path=str(out / (html.stem + ".png")), full_page=True)
        print(out / (html.stem + ".png"))
    browser.close()
