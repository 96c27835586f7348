"""Chromium driven by Playwright, pointed at the system's browser (never a downloaded one)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def require_chromium() -> None:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium; `make test` does it)")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def page_with_widget(hub_base: str, inbox: str, *, lang: str = "en", extra: str = "") -> str:
    # The host page's own styles try hard to leak into the widget; the shadow root must keep them out.
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Test shop</title>
<style>button {{ background: #f0f !important; font-size: 40px !important; }}</style></head>
<body><h1>Test shop</h1><p>Products and prices.</p>
<script src="{hub_base}/widget.js" data-inbox="{inbox}" {extra} async></script>
</body></html>"""
