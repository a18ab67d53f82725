"""HTML to PDF through Chromium's own print (the browser the web tests already drive).

Playwright is the optional ``pdf`` extra (``uv sync --extra pdf`` or ``pip install 'stormwatch[pdf]'``);
Chromium is the system's (Debian: ``apt-get install chromium``) or ``STORMWATCH_CHROMIUM``. The page is
loaded from the HTML text itself with the network shut off: a report needs nothing from outside.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
PRINT_TIMEOUT_MS = 60_000


class PdfUnavailable(RuntimeError):
    """PDF output needs the ``pdf`` extra and a Chromium; the message says what to install."""


def chromium_path() -> str:
    path = os.environ.get("STORMWATCH_CHROMIUM", CHROMIUM)
    if not Path(path).exists():
        raise PdfUnavailable(
            f"PDF output needs Chromium at {path}: `apt-get install chromium`, or set STORMWATCH_CHROMIUM"
        )
    return path


def html_to_pdf(html: str) -> bytes:
    """The A4 PDF of a self-contained HTML page (the page's @page rules set size and margins)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise PdfUnavailable(
            "PDF output needs the 'pdf' extra: `uv sync --extra pdf` or `pip install 'stormwatch[pdf]'`"
        ) from error
    executable = chromium_path()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            try:
                page = browser.new_page(java_script_enabled=False, offline=True)
                page.set_content(html, wait_until="load", timeout=PRINT_TIMEOUT_MS)
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
    except PlaywrightError as error:
        raise PdfUnavailable(f"Chromium could not print the report: {error.message}") from error
